/* test_icmp.c: unit tests for parsers/icmp.c (ICMP for IPv4: type, code, 8-byte header). */
#include "decode_fixtures.h"

/* icmp-echo.pcap #2:
 * a6:83:e7:0c:90:64 > 00:0c:29:cf:30:15, ethertype IPv4 (0x0800), length 98:
 * IP 172.217.11.78 > 172.16.133.2: ICMP echo reply, id 1226, seq 1, length 64 */
static const uint8_t icmp_echo_reply[] = {
	0x00, 0x0c, 0x29, 0xcf, 0x30, 0x15, 0xa6, 0x83, 0xe7, 0x0c, 0x90, 0x64,
	0x08, 0x00, 0x45, 0x20, 0x00, 0x54, 0x00, 0x00, 0x00, 0x00, 0x71, 0x01,
	0x60, 0x4f, 0xac, 0xd9, 0x0b, 0x4e, 0xac, 0x10, 0x85, 0x02, 0x00, 0x00,
	0xf7, 0x24, 0x04, 0xca, 0x00, 0x01, 0x8b, 0xcf, 0xcf, 0x5f, 0x00, 0x00,
	0x00, 0x00, 0xdb, 0x0d, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11,
	0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
	0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
	0x36, 0x37,
};

/* icmp-dest-unreach.pcap #1, first 90 of 194 bytes (quotes the offending IPv4/UDP):
 * 00:0b:db:63:58:a6 > 00:19:e3:e7:5d:23, ethertype IPv4 (0x0800), length 194:
 * IP 192.168.1.102 > 192.168.1.1: ICMP 192.168.1.102 udp port 59207 unreachable, length 156 */
static const uint8_t icmp_port_unreach[] = {
	0x00, 0x19, 0xe3, 0xe7, 0x5d, 0x23, 0x00, 0x0b, 0xdb, 0x63, 0x58, 0xa6,
	0x08, 0x00, 0x45, 0x00, 0x00, 0xb0, 0x28, 0x1e, 0x00, 0x00, 0x80, 0x01,
	0x8e, 0x77, 0xc0, 0xa8, 0x01, 0x66, 0xc0, 0xa8, 0x01, 0x01, 0x03, 0x03,
	0x03, 0xbb, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0xa3, 0x37, 0x11,
	0x00, 0x00, 0x40, 0x11, 0xbf, 0x81, 0xc0, 0xa8, 0x01, 0x01, 0xc0, 0xa8,
	0x01, 0x66, 0x00, 0x35, 0xe7, 0x47, 0x00, 0x8f, 0x76, 0xd2, 0x98, 0xa4,
	0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x06, 0x73,
	0x65, 0x63, 0x75, 0x72, 0x65, 0x03,
};

/* An echo reply: type 0, code 0; payload after the 8-byte header. */
static void test_icmp_echo_reply(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(icmp_echo_reply)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.proto, 1);
	assert_int_equal(p.ttl, 113);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.icmp_type, 0);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 56);
}

/* An error message: type 3 code 3; the quoted IPv4 header is payload, not decoded. */
static void test_icmp_port_unreachable(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(icmp_port_unreach)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 3);
	assert_int_equal(p.l3_off, 14); /* the outer header */
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 48);
	assert_int_equal(p.data[p.payload_off], 0x45); /* quoted IPv4 header */
}

/* 4..7 bytes: type/code set, no error, payload after the first 4 bytes. */
static void test_icmp_short_header(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 38; n < 42; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, icmp_port_unreach, n), DECODE_OK);
		assert_int_equal(p.error, EV_NONE);
		assert_true(PKT_HAS(&p, LAYER_ICMP));
		assert_int_equal(p.icmp_type, 3);
		assert_int_equal(p.icmp_code, 3);
		assert_int_equal(p.payload_off, 38);
		assert_int_equal(p.payload_len, n - 38);
	}
}

/* Fewer than 4 bytes is icmp.too_small: no ICMP layer. */
static void test_icmp_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 34; n < 38; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, icmp_echo_reply, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_ICMP_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
		assert_int_equal(p.payload_off, 34);
		assert_int_equal(p.payload_len, n - 34);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, icmp_echo_reply, 36, EV_ICMP_TOO_SMALL);
}

/* The IPv4 total length, not caplen, bounds the ICMP message. */
static void test_icmp_bounded_by_ip_length(void **state)
{
	(void)state;
	uint8_t f[sizeof(icmp_echo_reply)];
	struct pkt p;

	memcpy(f, icmp_echo_reply, sizeof(f));
	f[17] = 20 + 3; /* 3 ICMP bytes declared, 64 captured */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_ICMP_TOO_SMALL);
	assert_int_equal(p.payload_len, 3);

	f[17] = 20 + 6;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.payload_off, 38);
	assert_int_equal(p.payload_len, 2);
}

/* Every cut of every fixture decodes safely; cuts inside type/code report an error. */
static void test_icmp_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(icmp_echo_reply), 38);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(icmp_port_unreach), 38);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_echo_reply),
		cmocka_unit_test(test_icmp_port_unreachable),
		cmocka_unit_test(test_icmp_short_header),
		cmocka_unit_test(test_icmp_too_small),
		cmocka_unit_test(test_icmp_bounded_by_ip_length),
		cmocka_unit_test(test_icmp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
