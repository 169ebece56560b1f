/* test_vxlan.c: unit tests for parsers/vxlan.c (UDP 4789, I flag, VNI, inner Ethernet) and the UDP port choice. */
#include "decode_fixtures.h"

/* vxlan.pcap #1:
 * 12:42:cd:c5:e8:22 > 12:42:cd:c5:e8:22, ethertype IPv4 (0x0800), length 124: (tos 0x0,
 * ttl 64, id 0, offset 0, flags [none], proto UDP (17), length 110) 10.1.200.131.50000 >
 * 10.1.1.172.4789: VXLAN, flags [I] (0x08), vni 1 48:f1:7f:a3:b6:ff > 74:ac:b9:3f:d2:7d,
 * ethertype IPv4 (0x0800), length 74: (tos 0x0, ttl 64, id 6552, offset 0, flags [DF],
 * proto TCP (6), length 60) 172.16.11.201.40354 > 54.86.237.188.80: Flags [S], cksum
 * 0x0892 (correct), seq 1521476008, win 64240, options [mss 1460,sackOK,TS val 3079526072
 * ecr 0,nop,wscale 7], length 0
 */
static const uint8_t vxlan_http_syn[] = {
	0x12, 0x42, 0xcd, 0xc5, 0xe8, 0x22, 0x12, 0x42, 0xcd, 0xc5, 0xe8, 0x22,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x6e, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11,
	0x9c, 0x4e, 0x0a, 0x01, 0xc8, 0x83, 0x0a, 0x01, 0x01, 0xac, 0xc3, 0x50,
	0x12, 0xb5, 0x00, 0x5a, 0x96, 0x1f, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x74, 0xac, 0xb9, 0x3f, 0xd2, 0x7d, 0x48, 0xf1, 0x7f, 0xa3,
	0xb6, 0xff, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x19, 0x98, 0x40, 0x00,
	0x40, 0x06, 0x45, 0x38, 0xac, 0x10, 0x0b, 0xc9, 0x36, 0x56, 0xed, 0xbc,
	0x9d, 0xa2, 0x00, 0x50, 0x5a, 0xaf, 0xe1, 0xa8, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xfa, 0xf0, 0x08, 0x92, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	0x04, 0x02, 0x08, 0x0a, 0xb7, 0x8d, 0xd6, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x03, 0x03, 0x07,
};

/* Crafted (VXLAN in VXLAN (VNI 12345 twice), innermost IPv4/UDP):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 144: (tos 0x0,
 * ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 130) 10.0.0.1.40000 >
 * 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 12345 00:66:77:88:99:aa > 00:11:22:33:44:55,
 * ethertype IPv4 (0x0800), length 94: (tos 0x0, ttl 64, id 1, offset 0, flags [none],
 * proto UDP (17), length 80) 10.0.0.1.40001 > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni
 * 12345 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 44: (tos
 * 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 30) 10.0.0.1.7 >
 * 10.0.0.2.7: UDP, length 2
 * tshark: eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:echo */
static const uint8_t vxlan_in_vxlan[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x82, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0x68, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
	0x12, 0xb5, 0x00, 0x6e, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x30,
	0x39, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0x08, 0x00, 0x45, 0x00, 0x00, 0x50, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x11, 0x66, 0x9a, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x9c, 0x41, 0x12, 0xb5, 0x00, 0x3c, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
	0x00, 0x30, 0x39, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66,
	0x77, 0x88, 0x99, 0xaa, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1e, 0x00, 0x01,
	0x00, 0x00, 0x40, 0x11, 0x66, 0xcc, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
	0x00, 0x02, 0x00, 0x07, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x00, 0x69, 0x6e,
};

/* The 8-byte header, VNI in tunnel_id, and the inner Ethernet/IPv4/TCP flow in the fields. */
static void test_vxlan_fields(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(vxlan_http_syn)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, 0);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_VXLAN, HDR_ETH, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 2, HDR_UDP, 34, 8, 0);
	fx_expect_hdr(&p, 3, HDR_VXLAN, 42, 8, 0);
	fx_expect_hdr(&p, 4, HDR_ETH, 50, 14, 0);
	fx_expect_hdr(&p, 5, HDR_IPV4, 64, 20, 0);
	fx_expect_hdr(&p, 6, HDR_TCP, 84, 40, 0);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.tunnel_id, 1);
	assert_int_equal(p.eth_off, 50);
	assert_memory_equal(p.data + p.eth_off, "\x74\xac\xb9\x3f\xd2\x7d", 6);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.l3_off, 64);
	assert_int_equal(p.ip_df, 1);
	assert_int_equal(p.frag_id, 6552);
	assert_int_equal(p.sport, 40354);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.tcp_flags, 0x002);
	assert_int_equal(p.seq, 1521476008u);
	/* the outer UDP ports stay in the frame at hdrs[2] */
	assert_memory_equal(p.data + p.hdrs[2].off, "\xc3\x50\x12\xb5", 4);
	assert_int_equal(p.payload_off, 124);
	assert_int_equal(p.payload_len, 0);
}

/* Port 4789 on the source side too; not when the lower port is a well-known service (DNS). */
static void test_vxlan_port_choice(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(vxlan_http_syn)];

	memcpy(f, vxlan_http_syn, sizeof(f));
	f[34] = 0x12, f[35] = 0xb5, f[36] = 0xc3, f[37] = 0x50; /* 4789 -> 50000 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.dport, 80);
	f[36] = 0x00, f[37] = 0x35; /* 4789 -> 53 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.tunnels, 0);
	assert_int_equal(p.payload_off, 42);
	f[36] = 0x08, f[37] = 0x68; /* 4789 -> 2152: the lower port, GTP-U, is tried */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_GTPU_BAD_VERSION);
	f[36] = 0x13, f[37] = 0x8d; /* 4789 -> 5005 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.tunnels, 1);
}

/* VXLAN in VXLAN: three Ethernet headers listed, the innermost wins; the VLAN fields stay untouched. */
static void test_vxlan_in_vxlan(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(vxlan_in_vxlan)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_VXLAN, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_VXLAN, HDR_ETH,
		HDR_IPV4, HDR_UDP);
	assert_int_equal(p.tunnels, 2);
	assert_int_equal(p.tunnel_id, 12345);
	assert_int_equal(p.eth_off, p.hdrs[8].off);
	assert_int_equal(p.l3_off, p.hdrs[9].off);
	assert_int_equal(p.sport, 7);
	assert_int_equal(p.vlan_count, 0);
}

/* The I flag clear is vxlan.bad_flags (RFC 7348 receivers drop it); the outer fields stay. */
static void test_vxlan_bad_flags(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(vxlan_http_syn)];

	memcpy(f, vxlan_http_syn, sizeof(f));
	f[42] = 0x00;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_VXLAN_BAD_FLAGS);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_VXLAN);
	assert_int_equal(p.tunnels, 0);
	assert_int_equal(p.dport, 4789);
	assert_int_equal(p.payload_off, 42);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_VXLAN_BAD_FLAGS);
	f[42] = 0xff; /* other bits are not checked */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
}

/* A header cut short is vxlan.too_small; cut in the inner frame, the outer fields remain. */
static void test_vxlan_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 42; n < 50; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, vxlan_http_syn, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_VXLAN_TOO_SMALL);
		assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	}
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, vxlan_http_syn, 70), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_IPV4_TOO_SMALL);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.eth_off, 50);   /* the inner Ethernet was decoded */
	assert_int_equal(p.l3_off, 14);    /* the outer IPv4 is still the last one */
	assert_int_equal(p.dport, 4789);
	fx_expect_counted(LINKTYPE_ETHERNET, vxlan_http_syn, 45, EV_VXLAN_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_vxlan_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(vxlan_http_syn), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(vxlan_in_vxlan), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vxlan_fields),
		cmocka_unit_test(test_vxlan_port_choice),
		cmocka_unit_test(test_vxlan_in_vxlan),
		cmocka_unit_test(test_vxlan_bad_flags),
		cmocka_unit_test(test_vxlan_too_small),
		cmocka_unit_test(test_vxlan_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
