/* test_geneve.c: unit tests for parsers/geneve.c (UDP 6081: version, options length, protocol type, VNI). */
#include "decode_fixtures.h"

/* Crafted (Geneve with one 8-byte option, VNI 254, inner Ethernet):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 113: (tos 0x0,
 * ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 99) 10.0.0.1.54321 >
 * 10.0.0.2.6081: Geneve, Flags [none], vni 0xfe, proto TEB (0x6558), options [class In-
 * band Network Telemetry (INT) (0x103) type 0x80(C) len 8] 02:00:00:00:00:0b >
 * 02:00:00:00:00:0a, ethertype IPv4 (0x0800), length 55: (tos 0x0, ttl 64, id 1, offset 0,
 * flags [none], proto TCP (6), length 41) 172.16.0.1.5555 > 172.16.0.2.22: Flags [.],
 * cksum 0x0000 (incorrect -> 0xc5e3), seq 1:2, ack 2, win 1024, length 1
 * tshark: eth:ethertype:ip:udp:geneve:eth:ethertype:ip:tcp:ssh */
static const uint8_t geneve_eth[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x63, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0x87, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0xd4, 0x31,
	0x17, 0xc1, 0x00, 0x4f, 0x00, 0x00, 0x02, 0x00, 0x65, 0x58, 0x00, 0x00,
	0xfe, 0x00, 0x01, 0x03, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x29, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x22, 0xab,
	0xac, 0x10, 0x00, 0x01, 0xac, 0x10, 0x00, 0x02, 0x15, 0xb3, 0x00, 0x16,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x50, 0x10, 0x04, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x78,
};
/* Crafted (Geneve without options, protocol IPv4, VNI 1):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 81: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto UDP (17), length 67) 10.0.0.1.6081 >
 * 10.0.0.2.6081: Geneve, Flags [none], vni 0x1, proto IPv4 (0x0800) (tos 0x0, ttl 64, id
 * 1, offset 0, flags [none], proto UDP (17), length 31) 10.0.0.1.1 > 10.0.0.2.2: UDP,
 * length 3
 * tshark: eth:ethertype:ip:udp:geneve:ip:udp:data */
static const uint8_t geneve_ipv4[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x43, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0xa7, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x17, 0xc1,
	0x17, 0xc1, 0x00, 0x2f, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x45, 0x00, 0x00, 0x1f, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0xcb, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x01,
	0x00, 0x02, 0x00, 0x0b, 0x00, 0x00, 0x61, 0x62, 0x63,
};

/* One 8-byte option is skipped; 0x6558 carries Ethernet, whose IPv4/TCP flow fills the fields. */
static void test_geneve_ethernet(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(geneve_eth)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.error, EV_NONE);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GENEVE, HDR_ETH, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 3, HDR_GENEVE, 42, 16, 0);
	fx_expect_hdr(&p, 4, HDR_ETH, 58, 14, 0);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.tunnel_id, 254);
	assert_int_equal(p.eth_off, 58);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.l3_off, 72);
	assert_memory_equal(p.data + p.l3_off + 12, "\xac\x10\x00\x01\xac\x10\x00\x02", 8);
	assert_int_equal(p.sport, 5555);
	assert_int_equal(p.dport, 22);
	assert_int_equal(p.payload_off, 112);
	assert_int_equal(p.payload_len, 1);
}

/* No options, protocol IPv4: the inner IPv4 follows the 8-byte header directly. */
static void test_geneve_ipv4(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(geneve_ipv4)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GENEVE, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 3, HDR_GENEVE, 42, 8, 0);
	assert_int_equal(p.tunnel_id, 1);
	assert_int_equal(p.l3_off, 50);
	assert_int_equal(p.sport, 1);
	assert_int_equal(p.payload_len, 3);
	/* an unknown protocol type ends decoding after the header */
	uint8_t f[sizeof(geneve_ipv4)];
	memcpy(f, geneve_ipv4, sizeof(f));
	f[44] = 0x12, f[45] = 0x34;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GENEVE);
	assert_int_equal(p.payload_off, 50);
}

/* A version other than 0 is geneve.bad_version; options past the end are geneve.options_truncated. */
static void test_geneve_malformed(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(geneve_eth)];

	memcpy(f, geneve_eth, sizeof(f));
	f[42] = 0x42; /* version 1 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_GENEVE_BAD_VERSION);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GENEVE);
	assert_int_equal(p.tunnels, 0);
	assert_int_equal(p.payload_off, 42);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_GENEVE_BAD_VERSION);

	memcpy(f, geneve_eth, sizeof(f));
	f[42] = 0x3f; /* 252 bytes of options: more than the UDP payload */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_GENEVE_OPTIONS_TRUNCATED);
	fx_expect_hdr(&p, 3, HDR_GENEVE, 42, 8, 0);
	assert_int_equal(p.tunnel_id, 254);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_GENEVE_OPTIONS_TRUNCATED);
}

/* A fixed header cut short is geneve.too_small; the port on either side selects Geneve. */
static void test_geneve_too_small_and_ports(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(geneve_eth)];

	for (uint32_t n = 42; n < 50; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, geneve_eth, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_GENEVE_TOO_SMALL);
		FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, geneve_eth, 44, EV_GENEVE_TOO_SMALL);
	memcpy(f, geneve_eth, sizeof(f));
	f[34] = 0x17, f[35] = 0xc1, f[36] = 0xd4, f[37] = 0x31; /* 6081 -> 54321 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.tunnels, 1);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_geneve_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(geneve_eth), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(geneve_ipv4), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geneve_ethernet),
		cmocka_unit_test(test_geneve_ipv4),
		cmocka_unit_test(test_geneve_malformed),
		cmocka_unit_test(test_geneve_too_small_and_ports),
		cmocka_unit_test(test_geneve_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
