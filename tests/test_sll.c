/* test_sll.c: unit tests for parsers/sll.c and parsers/sll2.c (Linux cooked capture v1 and v2). */
#include "decode_fixtures.h"

/* sll.pcap #3 (LINUX_SLL):
 * Out 34:e6:d7:12:1e:b1 ethertype IPv4 (0x0800), length 68:
 * IP 203.143.168.47.55123 > 185.18.76.170.6667: Flags [.], ack 1, win 229,
 * options [nop,nop,TS val 3388351 ecr 396924493], length 0 */
static const uint8_t sll_ipv4_tcp[] = {
	0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x34, 0xe6, 0xd7, 0x12, 0x1e, 0xb1,
	0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x9c, 0xc5, 0x40, 0x00,
	0x40, 0x06, 0x24, 0x83, 0xcb, 0x8f, 0xa8, 0x2f, 0xb9, 0x12, 0x4c, 0xaa,
	0xd7, 0x53, 0x1a, 0x0b, 0x43, 0x5b, 0x2f, 0xb0, 0xd1, 0xc6, 0x45, 0x84,
	0x80, 0x10, 0x00, 0xe5, 0x79, 0xa2, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
	0x00, 0x33, 0xb3, 0xbf, 0x17, 0xa8, 0x96, 0x4d,
};

/* sll-arp.pcap #1 (LINUX_SLL, ARP with 18 bytes of padding):
 * B cc:2d:e0:26:19:99 ethertype ARP (0x0806), length 62:
 * Request who-has 192.168.22.160 tell 192.168.22.1, length 46 */
static const uint8_t sll_arp[] = {
	0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0xcc, 0x2d, 0xe0, 0x26, 0x19, 0x99,
	0x00, 0x00, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
	0xcc, 0x2d, 0xe0, 0x26, 0x19, 0x99, 0xc0, 0xa8, 0x16, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x16, 0xa0, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};

/* Crafted (LINUX_SLL), protocol 0x0004 = 802.2 LLC frame:
 * In 00:00:5e:00:53:01 802.2, length 19: LLC, dsap STP (0x42), ssap STP (0x42), ctrl 0x03 */
static const uint8_t sll_llc[] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
	0x00, 0x00, 0x00, 0x04, 0x42, 0x42, 0x03,
};

/* Crafted (LINUX_SLL), ARPHRD_NETLINK (824): protocol 0x0800 is a netlink family
 * here, not an EtherType: In 00:00:00:00:00:00 NETLINK, length 20 */
static const uint8_t sll_netlink[] = {
	0x00, 0x00, 0x03, 0x38, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x14,
};

/* Crafted (LINUX_SLL), protocol 0x8100: a VLAN tag inside a cooked header:
 * In 00:00:5e:00:53:01 ethertype 802.1Q (0x8100), length 48: vlan 7, p 0,
 * ethertype IPv4 (0x0800), IP 192.0.2.1.1024 > 192.0.2.2.53: UDP, length 0 */
static const uint8_t sll_vlan_udp[] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
	0x00, 0x00, 0x81, 0x00, 0x00, 0x07, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c,
	0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01,
	0xc0, 0x00, 0x02, 0x02, 0x04, 0x00, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* sll2.pcap #1 (LINUX_SLL2):
 * lo In ifindex 1 00:00:00:00:00:00 ethertype IPv4 (0x0800), length 104:
 * IP 192.0.2.1 > 192.0.2.1: ICMP echo request, id 8, seq 1, length 64 */
static const uint8_t sll2_icmp[] = {
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x00, 0x06,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x54,
	0xaf, 0x8c, 0x40, 0x00, 0x40, 0x01, 0x07, 0x1a, 0xc0, 0x00, 0x02, 0x01,
	0xc0, 0x00, 0x02, 0x01, 0x08, 0x00, 0x66, 0xb4, 0x00, 0x08, 0x00, 0x01,
	0xe9, 0xbd, 0xf9, 0x62, 0x00, 0x00, 0x00, 0x00, 0xe2, 0x4e, 0x0d, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
	0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* sll2.pcap #3, first 80 of 124 bytes (LINUX_SLL2):
 * lo In ifindex 1 00:00:00:00:00:00 ethertype IPv6 (0x86dd), length 124:
 * IP6 fe80::8c36:6ff:fe44:acaf > fe80::8c36:6ff:fe44:acaf: ICMP6, echo request,
 * id 9, seq 1, length 64 */
static const uint8_t sll2_icmpv6_cut[] = {
	0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x00, 0x06,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x05, 0xc2, 0xe4,
	0x00, 0x40, 0x3a, 0x40, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x8c, 0x36, 0x06, 0xff, 0xfe, 0x44, 0xac, 0xaf, 0xfe, 0x80, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x8c, 0x36, 0x06, 0xff, 0xfe, 0x44, 0xac, 0xaf,
	0x80, 0x00, 0xa8, 0xd7, 0x00, 0x09, 0x00, 0x01, 0xf8, 0xbd, 0xf9, 0x62,
	0x00, 0x00, 0x00, 0x00, 0xab, 0x59, 0x01, 0x00,
};

/* sll2.pcap #5 (LINUX_SLL2):
 * ? Out ifindex 26 8e:36:06:44:ac:af ethertype ARP (0x0806), length 48:
 * Request who-has 192.0.2.2 tell 192.0.2.1, length 28 */
static const uint8_t sll2_arp[] = {
	0x08, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x01, 0x04, 0x06,
	0x8e, 0x36, 0x06, 0x44, 0xac, 0xaf, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x06, 0x04, 0x00, 0x01, 0x8e, 0x36, 0x06, 0x44, 0xac, 0xaf, 0xc0, 0x00,
	0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
};

/* sll2.pcap #6 (LINUX_SLL2):
 * ? Out ifindex 26 8e:36:06:44:ac:af ethertype Reverse ARP (0x8035), length 48:
 * Reverse Request who-is 00:00:00:00:00:00 tell 8e:36:06:44:ac:af, length 28 */
static const uint8_t sll2_rarp[] = {
	0x80, 0x35, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x01, 0x04, 0x06,
	0x8e, 0x36, 0x06, 0x44, 0xac, 0xaf, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x06, 0x04, 0x00, 0x03, 0x8e, 0x36, 0x06, 0x44, 0xac, 0xaf, 0xc0, 0x00,
	0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
};

/* SLL v1: the protocol at byte 14 is an EtherType, IPv4/TCP decoded after 16 bytes. */
static void test_sll_ipv4_tcp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL, FX_FRAME(sll_ipv4_tcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.sll_proto, 0x0800);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.l3_off, 16);
	assert_int_equal(p.l3_len, 52);
	assert_int_equal(p.l4_off, 36);
	assert_int_equal(p.sport, 55123);
	assert_int_equal(p.dport, 6667);
	assert_int_equal(p.tcp_flags, 0x010);
	assert_int_equal(p.payload_off, 68);
	assert_int_equal(p.payload_len, 0);
}

/* SLL v1 with ARP (no Ethernet header): ARP decoded, padding not payload. */
static void test_sll_arp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL, FX_FRAME(sll_arp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL) | FX_BIT(LAYER_ARP));
	assert_int_equal(p.sll_proto, 0x0806);
	assert_int_equal(p.l3_off, 16);
	assert_int_equal(p.l3_len, 28);
	assert_int_equal(p.arp_op, 1);
	assert_int_equal(p.payload_off, 44);
	assert_int_equal(p.payload_len, 0);
}

/* A protocol below 0x0600 is not an EtherType: 0x0004 marks LLC, decoded by llc.c. */
static void test_sll_llc(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL, FX_FRAME(sll_llc)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL));
	assert_int_equal(p.sll_proto, 0x0004);
	assert_int_equal(p.ethertype, 0);
	assert_int_equal(p.flags, PKT_FLAG_LLC);
	FX_HDRS(&p, HDR_SLL, HDR_LLC);
	fx_expect_hdr(&p, 1, HDR_LLC, 16, 3, 0);
	assert_int_equal(p.llc_dsap, 0x42);
	assert_int_equal(p.llc_ssap, 0x42);
	assert_int_equal(p.llc_ctrl, 0x03);
	assert_int_equal(p.payload_off, 19);
	assert_int_equal(p.payload_len, 0);
}

/* On ARPHRD_NETLINK the protocol is a netlink family and is not dispatched. */
static void test_sll_netlink_not_ethertype(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL, FX_FRAME(sll_netlink)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL));
	assert_int_equal(p.sll_proto, 0x0800);
	assert_int_equal(p.ethertype, 0);
	assert_int_equal(p.payload_off, 16);
	assert_int_equal(p.payload_len, 4);
}

/* An SLL protocol of 0x8100 goes through the VLAN decoder. */
static void test_sll_vlan(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL, FX_FRAME(sll_vlan_udp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_IPV4) |
					   FX_BIT(LAYER_UDP));
	assert_int_equal(p.sll_proto, 0x8100);
	assert_int_equal(p.vlan_count, 1);
	assert_int_equal(p.vlan_id[0], 7);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.l3_off, 20);
	assert_int_equal(p.dport, 53);
}

/* Fewer than 16 bytes is sll.too_small; fewer than 20 for v2 is sll2.too_small. */
static void test_sll_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 0; n < 16; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL, sll_ipv4_tcp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_SLL_TOO_SMALL);
		assert_int_equal(p.layers, 0);
		assert_int_equal(p.sll_proto, 0);
	}
	for (uint32_t n = 0; n < 20; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL2, sll2_icmp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_SLL2_TOO_SMALL);
		assert_int_equal(p.layers, 0);
	}
	fx_expect_counted(LINKTYPE_LINUX_SLL, sll_ipv4_tcp, 15, EV_SLL_TOO_SMALL);
	fx_expect_counted(LINKTYPE_LINUX_SLL2, sll2_icmp, 19, EV_SLL2_TOO_SMALL);
}

/* SLL v2: protocol at byte 0, IPv4/ICMP after the 20-byte header; ifindex untouched. */
static void test_sll2_ipv4_icmp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL2, FX_FRAME(sll2_icmp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL2) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.ifindex, FX_IFINDEX); /* the header's ifindex 1 is not copied */
	assert_int_equal(p.sll_proto, 0x0800);
	assert_int_equal(p.l3_off, 20);
	assert_int_equal(p.l3_len, 84);
	assert_int_equal(p.ip_df, 1);
	assert_int_equal(p.l4_off, 40);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.payload_off, 48);
	assert_int_equal(p.payload_len, 56);
}

/* SLL v2 with IPv6/ICMPv6 cut by snaplen: decoded, flagged truncated, no error. */
static void test_sll2_ipv6_snaplen(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL2, FX_FRAME(sll2_icmpv6_cut)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL2) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_ICMPV6));
	assert_int_equal(p.sll_proto, 0x86dd);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.l3_off, 20);
	assert_int_equal(p.l3_len, 60); /* 104 declared, 60 captured */
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(p.payload_off, 68);
	assert_int_equal(p.payload_len, 12);
}

/* SLL v2 with ARP and with RARP. */
static void test_sll2_arp_rarp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL2, FX_FRAME(sll2_arp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL2) | FX_BIT(LAYER_ARP));
	assert_int_equal(p.sll_proto, 0x0806);
	assert_int_equal(p.l3_off, 20);
	assert_int_equal(p.arp_op, 1);
	assert_int_equal(p.payload_off, 48);
	assert_int_equal(p.payload_len, 0);

	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL2, FX_FRAME(sll2_rarp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_SLL2) | FX_BIT(LAYER_ARP));
	assert_int_equal(p.sll_proto, 0x8035);
	assert_int_equal(p.arp_op, 3);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_sll_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_LINUX_SLL, FX_FRAME(sll_ipv4_tcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_LINUX_SLL, FX_FRAME(sll_arp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_LINUX_SLL, FX_FRAME(sll_llc), FX_AUTO);
	fx_cut_every_length(LINKTYPE_LINUX_SLL, FX_FRAME(sll_netlink), FX_AUTO);
	fx_cut_every_length(LINKTYPE_LINUX_SLL, FX_FRAME(sll_vlan_udp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_LINUX_SLL2, FX_FRAME(sll2_icmp), 44);
	fx_cut_every_length(LINKTYPE_LINUX_SLL2, FX_FRAME(sll2_icmpv6_cut), 64);
	fx_cut_every_length(LINKTYPE_LINUX_SLL2, FX_FRAME(sll2_arp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_LINUX_SLL2, FX_FRAME(sll2_rarp), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sll_ipv4_tcp),
		cmocka_unit_test(test_sll_arp),
		cmocka_unit_test(test_sll_llc),
		cmocka_unit_test(test_sll_netlink_not_ethertype),
		cmocka_unit_test(test_sll_vlan),
		cmocka_unit_test(test_sll_too_small),
		cmocka_unit_test(test_sll2_ipv4_icmp),
		cmocka_unit_test(test_sll2_ipv6_snaplen),
		cmocka_unit_test(test_sll2_arp_rarp),
		cmocka_unit_test(test_sll_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
