/* test_ipip.c: unit tests for parsers/ipip.c (IPv4 protocol / IPv6 next header 4 and 41: IP in IP tunnels). */
#include "decode_fixtures.h"

/* ipv6-in-ipv4.pcap #1:
 * c2:00:42:02:00:00 > c2:01:42:02:00:00, ethertype IPv4 (0x0800), length 134: (tos 0x0,
 * ttl 255, id 9, offset 0, flags [none], proto IPv6 (41), length 120) 10.0.0.1 > 10.0.0.2:
 * (hlim 64, next-header ICMPv6 (58) payload length: 60) 2001:db8:0:1::1 > 2001:db8:0:1::2:
 * [icmp6 sum ok] ICMP6, echo request, id 6364, seq 0
 */
static const uint8_t ipip_6in4[] = {
	0xc2, 0x01, 0x42, 0x02, 0x00, 0x00, 0xc2, 0x00, 0x42, 0x02, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x78, 0x00, 0x09, 0x00, 0x00, 0xff, 0x29,
	0xa7, 0x51, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x3c, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x80, 0x00, 0x7e, 0x8f, 0x18, 0xdc, 0x00, 0x00, 0x00, 0x01,
	0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
	0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
	0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
	0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31,
	0x32, 0x33,
};

/* Crafted (IPv4 in IPv4 (protocol 4)):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 74: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto IPIP (4), length 60) 10.0.0.1 > 10.0.0.2: (tos
 * 0x0, ttl 9, id 1, offset 0, flags [none], proto TCP (6), length 40) 10.1.1.1.1 >
 * 10.2.2.2.2: Flags [S], cksum 0x0000 (incorrect -> 0x94d7), seq 1, win 1024, length 0
 * tshark: eth:ethertype:ip:ip:tcp */
static const uint8_t ipip_4in4[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x04,
	0x66, 0xbb, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x45, 0x00,
	0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x09, 0x06, 0x9a, 0xca, 0x0a, 0x01,
	0x01, 0x01, 0x0a, 0x02, 0x02, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x50, 0x02, 0x04, 0x00, 0x00, 0x00,
	0x00, 0x00,
};
/* Crafted (IPv4 in IPv6 (next header 4)):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv6 (0x86dd), length 82: (hlim 64,
 * next-header IPIP (4) payload length: 28) 2001:db8::1 > 2001:db8::2: (tos 0x0, ttl 7, id
 * 1, offset 0, flags [none], proto UDP (17), length 28) 10.0.0.1.53 > 10.0.0.2.53: domain
 * [length 0 < 12] (invalid)
 * tshark: eth:ethertype:ipv6:ip:udp */
static const uint8_t ipip_4in6[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x04, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01,
	0x00, 0x00, 0x07, 0x11, 0x9f, 0xce, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
	0x00, 0x02, 0x00, 0x35, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};
/* Crafted (IPv6 in IPv6 (next header 41)):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv6 (0x86dd), length 102: (hlim 64,
 * next-header IPv6 (41) payload length: 48) 2001:db8::1 > 2001:db8::2: (hlim 3, next-
 * header UDP (17) payload length: 8) 2001:db8::1.53 > 2001:db8::2.53: [bad udp cksum
 * 0x0000 -> 0xa3ff!] domain [length 0 < 12] (invalid)
 * tshark: eth:ethertype:ipv6:ipv6:udp */
static const uint8_t ipip_6in6[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x30, 0x29, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x60, 0x00, 0x00, 0x00, 0x00, 0x08,
	0x11, 0x03, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x35,
	0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* 6in4 (IPv4 protocol 41): the inner IPv6/ICMPv6 flow fills the fields, the outer IPv4 stays in hdrs. */
static void test_ipip_6in4(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ipip_6in4)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_ICMPV6));
	assert_int_equal(p.error, EV_NONE);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_IPV6, HDR_ICMPV6);
	fx_expect_hdr(&p, 1, HDR_IPV4, 14, 20, 0);
	fx_expect_hdr(&p, 2, HDR_IPV6, 34, 40, 0);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.ethertype, 0x0800); /* the link's; IPv6 came from the protocol number */
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.l3_off, 34);
	assert_int_equal(p.l3_len, 100);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.proto, 58);
	assert_int_equal(p.ip6_nxt, 58);
	assert_int_equal(p.frag_id, 0); /* the outer IPv4 id (9) is not the inner packet's */
	assert_int_equal(p.l4_off, 74);
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(p.payload_off, 82);
	assert_int_equal(p.payload_len, 52);
	assert_memory_equal(p.data + p.hdrs[1].off + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
}

/* IPv4 in IPv4, IPv4 in IPv6 (next header 4) and IPv6 in IPv6 (41). */
static void test_ipip_other_combinations(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ipip_4in4)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_IPV4, HDR_TCP);
	assert_int_equal(p.l3_off, 34);
	assert_int_equal(p.ttl, 9);
	assert_int_equal(p.proto, 6);
	assert_memory_equal(p.data + p.l3_off + 12, "\x0a\x01\x01\x01\x0a\x02\x02\x02", 8);
	assert_int_equal(p.tcp_flags, 0x002);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ipip_4in6)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_IPV4, HDR_UDP);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.ip6_nxt, 0); /* reset with the outer IPv6 */
	assert_int_equal(p.ttl, 7);
	assert_int_equal(p.l3_off, 54);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ipip_6in6)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_IPV6, HDR_UDP);
	assert_int_equal(p.ttl, 3);
	assert_int_equal(p.ip6_nxt, 17);
	assert_int_equal(p.l3_off, 54);
	assert_int_equal(p.tunnels, 1);
}

/* An inner header cut short fails with its own event; the outer L3 fields remain the packet's. */
static void test_ipip_inner_truncated(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 34; n < 74; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, ipip_6in4, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_IPV6_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
		assert_int_equal(p.l3_off, 14);
		assert_int_equal(p.proto, 41);
		assert_int_equal(p.frag_id, 9);
		assert_int_equal(p.tunnels, 1);
		assert_int_equal(p.payload_off, 34);
	}
	/* protocol 41 carrying an IPv4 header: the inner decoder's version check */
	uint8_t f[sizeof(ipip_4in4)];
	memcpy(f, ipip_4in4, sizeof(f));
	f[23] = 41;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV6_BAD_VERSION);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_IPV6_BAD_VERSION);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_ipip_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ipip_6in4), 78); /* ICMPv6 type/code */
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ipip_4in4), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ipip_4in6), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ipip_6in6), FX_AUTO);
	fx_cut_every_length(LINKTYPE_RAW, ipip_4in4 + 14, FX_LEN(ipip_4in4) - 14, FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipip_6in4),
		cmocka_unit_test(test_ipip_other_combinations),
		cmocka_unit_test(test_ipip_inner_truncated),
		cmocka_unit_test(test_ipip_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
