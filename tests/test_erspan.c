/* test_erspan.c: unit tests for parsers/erspan.c (ERSPAN type I, II and III inside GRE, mirrored Ethernet frames). */
#include "decode_fixtures.h"

/* Crafted (ERSPAN type II in GRE (sequence number)):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto GRE (47), length 84) 198.51.100.1 >
 * 198.51.100.2: GREv0, Flags [sequence# present], seq 1, proto unknown (0x88be), length 64
 * gre-proto-0x88be
 * tshark: eth:ethertype:ip:gre:erspan:eth:ethertype:ip:udp:data */
static const uint8_t erspan2[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x10, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x10, 0x00,
	0x88, 0xbe, 0x00, 0x00, 0x00, 0x01, 0x10, 0x0a, 0x09, 0x23, 0x00, 0x00,
	0x00, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x0b, 0x08, 0x00, 0x45, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x11, 0xf9, 0x76, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02,
	0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0e, 0x00, 0x00, 0x6d, 0x69, 0x72, 0x72,
	0x6f, 0x72,
};
/* Crafted (ERSPAN type I: GRE 0x88be without sequence number):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 86: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto GRE (47), length 72) 198.51.100.1 >
 * 198.51.100.2: GREv0, Flags [none], proto unknown (0x88be), length 52 gre-proto-0x88be
 * tshark: eth:ethertype:ip:gre:erspan:eth:ethertype:ip:udp:data */
static const uint8_t erspan1[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x48, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x1c, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00,
	0x88, 0xbe, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x0b, 0x08, 0x00, 0x45, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x11, 0xf9, 0x76, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02,
	0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0e, 0x00, 0x00, 0x6d, 0x69, 0x72, 0x72,
	0x6f, 0x72,
};
/* Crafted (ERSPAN type III with platform specific subheader):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 110: (tos 0x0,
 * ttl 64, id 1, offset 0, flags [none], proto GRE (47), length 96) 198.51.100.1 >
 * 198.51.100.2: GREv0, Flags [sequence# present], seq 2, proto unknown (0x22eb), length 76
 * gre-proto-0x22eb
 * tshark: eth:ethertype:ip:gre:erspan:eth:ethertype:ip:udp:data */
static const uint8_t erspan3_platform[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x60, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x04, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x10, 0x00,
	0x22, 0xeb, 0x00, 0x00, 0x00, 0x02, 0x20, 0x14, 0x03, 0xff, 0x11, 0x22,
	0x33, 0x44, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x0b, 0x08, 0x00, 0x45, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x11, 0xf9, 0x76, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02,
	0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0e, 0x00, 0x00, 0x6d, 0x69, 0x72, 0x72,
	0x6f, 0x72,
};
/* Crafted (ERSPAN type III, frame type 2 (not Ethernet)):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 88: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto GRE (47), length 74) 198.51.100.1 >
 * 198.51.100.2: GREv0, Flags [sequence# present], seq 2, proto unknown (0x22eb), length 54
 * gre-proto-0x22eb
 * tshark: eth:ethertype:ip:gre:erspan:data */
static const uint8_t erspan3_ft2[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x4a, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x1a, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x10, 0x00,
	0x22, 0xeb, 0x00, 0x00, 0x00, 0x02, 0x20, 0x14, 0x00, 0x01, 0x11, 0x22,
	0x33, 0x44, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x22, 0x00, 0x01,
	0x00, 0x00, 0x40, 0x11, 0xf9, 0x76, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
	0x00, 0x02, 0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0e, 0x00, 0x00, 0x6d, 0x69,
	0x72, 0x72, 0x6f, 0x72,
};

/* Type II (GRE sequence number, 0x88be): 8-byte header, session id, the mirrored frame's fields. */
static void test_erspan_type2(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(erspan2)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.error, EV_NONE);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_ERSPAN, HDR_ETH, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 2, HDR_GRE, 34, 8, 0);
	fx_expect_hdr(&p, 3, HDR_ERSPAN, 42, 8, 0);
	fx_expect_hdr(&p, 4, HDR_ETH, 50, 14, 0);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.tunnel_id, 0x123); /* session id */
	assert_int_equal(p.eth_off, 50);
	assert_int_equal(p.l3_off, 64);
	assert_memory_equal(p.data + p.l3_off + 12, "\xc0\xa8\x00\x01\xc0\xa8\x00\x02", 8);
	assert_int_equal(p.sport, 1000);
	assert_int_equal(p.dport, 2000);
	assert_int_equal(p.payload_off, 92);
	assert_int_equal(p.payload_len, 6);
}

/* Type I (0x88be without a GRE sequence number): no ERSPAN header, Ethernet right after GRE. */
static void test_erspan_type1(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(erspan1)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_ETH, HDR_IPV4, HDR_UDP);
	assert_int_equal(p.eth_off, 38);
	assert_int_equal(p.tunnel_id, 0);
	assert_int_equal(p.dport, 2000);
}

/* Type III: 12 bytes, plus the 8-byte platform subheader when O is set; frame type 2 stops. */
static void test_erspan_type3(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(erspan3_platform)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_ERSPAN, HDR_ETH, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 3, HDR_ERSPAN, 42, 20, 0);
	assert_int_equal(p.tunnel_id, 0x3ff);
	assert_int_equal(p.eth_off, 62);
	assert_int_equal(p.dport, 2000);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(erspan3_ft2)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_ERSPAN);
	fx_expect_hdr(&p, 3, HDR_ERSPAN, 42, 12, 0);
	assert_int_equal(p.tunnel_id, 1);
	assert_int_equal(p.l3_off, 14); /* the outer IPv4: nothing decoded inside */
	assert_int_equal(p.payload_off, 54);
}

/* A version that does not match the GRE protocol type is erspan.bad_version. */
static void test_erspan_bad_version(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(erspan3_platform)];

	memcpy(f, erspan2, sizeof(erspan2));
	f[42] = 0x20; /* version 2 under 0x88be */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, sizeof(erspan2)), DECODE_INVALID);
	assert_int_equal(p.error, EV_ERSPAN_BAD_VERSION);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_ERSPAN);
	assert_int_equal(p.payload_off, 42);
	fx_expect_counted(LINKTYPE_ETHERNET, f, sizeof(erspan2), EV_ERSPAN_BAD_VERSION);
	memcpy(f, erspan3_platform, sizeof(f));
	f[42] = 0x10; /* version 1 under 0x22eb */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_ERSPAN_BAD_VERSION);
}

/* A header or platform subheader cut short is erspan.too_small. */
static void test_erspan_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 42; n < 50; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, erspan2, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_ERSPAN_TOO_SMALL);
		FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE);
	}
	for (uint32_t n = 54; n < 62; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, erspan3_platform, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_ERSPAN_TOO_SMALL);
		fx_expect_hdr(&p, 3, HDR_ERSPAN, 42, 12, 0);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, erspan2, 45, EV_ERSPAN_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_erspan_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(erspan2), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(erspan1), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(erspan3_platform), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(erspan3_ft2), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_erspan_type2),
		cmocka_unit_test(test_erspan_type1),
		cmocka_unit_test(test_erspan_type3),
		cmocka_unit_test(test_erspan_bad_version),
		cmocka_unit_test(test_erspan_too_small),
		cmocka_unit_test(test_erspan_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
