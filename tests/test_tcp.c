/* test_tcp.c: unit tests for parsers/tcp.c (fixed header, data offset, options, payload). */
#include "decode_fixtures.h"

/* tcp-options-tfo.pcap #1 (data offset 11: MSS, SACK_PERM, TS, WS, TFO cookie request):
 * 00:50:56:c0:00:01 > 00:0c:29:6d:b6:7a, ethertype IPv4 (0x0800), length 78:
 * IP 10.99.99.1.55533 > 10.99.99.45.80: Flags [S], seq 1620482629, win 29200,
 * options [mss 1460,sackOK,TS val 14248099 ecr 0,nop,wscale 7,exp-tfo cookiereq], length 0 */
static const uint8_t tcp_syn_options[] = {
	0x00, 0x0c, 0x29, 0x6d, 0xb6, 0x7a, 0x00, 0x50, 0x56, 0xc0, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x40, 0xf2, 0xe6, 0x40, 0x00, 0x40, 0x06,
	0x6c, 0xdd, 0x0a, 0x63, 0x63, 0x01, 0x0a, 0x63, 0x63, 0x2d, 0xd8, 0xed,
	0x00, 0x50, 0x60, 0x96, 0x9a, 0x45, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02,
	0x72, 0x10, 0xb5, 0xd2, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0x00, 0xd9, 0x68, 0xa3, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
	0x03, 0x07, 0xfe, 0x04, 0xf9, 0x89,
};

/* tcp-options-tfo.pcap #3 (data offset 8, 65 bytes of HTTP):
 * 00:50:56:c0:00:01 > 00:0c:29:6d:b6:7a, ethertype IPv4 (0x0800), length 131:
 * IP 10.99.99.1.55533 > 10.99.99.45.80: Flags [P.], seq 1:66, ack 1, win 229,
 * options [nop,nop,TS val 14248100 ecr 4294965494], length 65: HTTP: GET /index.php HTTP/1.0 */
static const uint8_t tcp_http_get[] = {
	0x00, 0x0c, 0x29, 0x6d, 0xb6, 0x7a, 0x00, 0x50, 0x56, 0xc0, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x75, 0xf2, 0xe7, 0x40, 0x00, 0x40, 0x06,
	0x6c, 0xa7, 0x0a, 0x63, 0x63, 0x01, 0x0a, 0x63, 0x63, 0x2d, 0xd8, 0xed,
	0x00, 0x50, 0x60, 0x96, 0x9a, 0x46, 0x3b, 0x1a, 0x44, 0x3f, 0x80, 0x18,
	0x00, 0xe5, 0xf6, 0x7b, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x00, 0xd9,
	0x68, 0xa4, 0xff, 0xff, 0xf8, 0xf6, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x69,
	0x6e, 0x64, 0x65, 0x78, 0x2e, 0x70, 0x68, 0x70, 0x20, 0x48, 0x54, 0x54,
	0x50, 0x2f, 0x31, 0x2e, 0x30, 0x0d, 0x0a, 0x55, 0x73, 0x65, 0x72, 0x2d,
	0x41, 0x67, 0x65, 0x6e, 0x74, 0x3a, 0x20, 0x4d, 0x6f, 0x7a, 0x69, 0x6c,
	0x6c, 0x61, 0x2f, 0x35, 0x2e, 0x30, 0x0d, 0x0a, 0x41, 0x63, 0x63, 0x65,
	0x70, 0x74, 0x3a, 0x20, 0x2a, 0x2f, 0x2a, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* truncated-tcp-header.pcap #1 (data offset 10 = 40 bytes, 14 bytes captured past the
 * fixed header):
 * 80:0b:98:3b:b9:ec > ea:f6:1c:2d:9f:d2, ethertype IPv4 (0x0800), length 74:
 * IP 201.186.157.67.60827 > 128.3.26.249.25: Flags [SEW], seq 1041724894, win 5840,
 * options [mss 1460,sackOK,TS [|tcp]> */
static const uint8_t tcp_options_cut[] = {
	0xea, 0xf6, 0x1c, 0x2d, 0x9f, 0xd2, 0x80, 0x0b, 0x98, 0x3b, 0xb9, 0xec,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x38, 0xe0, 0x40, 0x00, 0x33, 0x06,
	0x0c, 0xe2, 0xc9, 0xba, 0x9d, 0x43, 0x80, 0x03, 0x1a, 0xf9, 0xed, 0x9b,
	0x00, 0x19, 0x3e, 0x17, 0x75, 0xde, 0x00, 0x00, 0x00, 0x00, 0xa0, 0xc2,
	0x16, 0xd0, 0x90, 0xd6, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
};

/* A SYN with options: every fixed field, options skipped by data offset. */
static void test_tcp_syn_fields(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(tcp_syn_options)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.sport, 55533);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.seq, 1620482629u);
	assert_int_equal(p.ack, 0);
	assert_int_equal(p.tcp_flags, 0x002);
	assert_int_equal(p.tcp_window, 29200);
	assert_int_equal(p.payload_off, 78);
	assert_int_equal(p.payload_len, 0);
}

/* Data after the options is the payload, up to the IP total length. */
static void test_tcp_payload(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(tcp_http_get)), DECODE_OK);
	assert_int_equal(p.seq, 0x60969a46u);
	assert_int_equal(p.ack, 0x3b1a443fu);
	assert_int_equal(p.tcp_flags, 0x018);
	assert_int_equal(p.tcp_window, 229);
	assert_int_equal(p.payload_off, 66);
	assert_int_equal(p.payload_len, 65);
	assert_memory_equal(p.data + p.payload_off, "GET /index.php HTTP/1.0\r\n", 25);
}

/* tcp_flags keeps the low 12 bits: ECN (CWR/ECE), NS and the reserved bits. */
static void test_tcp_flags_12_bits(void **state)
{
	(void)state;
	uint8_t f[sizeof(tcp_syn_options)];
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, tcp_options_cut, 54), DECODE_TRUNCATED);
	assert_int_equal(p.tcp_flags, 0x0c2); /* CWR|ECE|SYN */

	memcpy(f, tcp_syn_options, sizeof(f));
	f[46] = 0xbf, f[47] = 0xff; /* offset 11, all 12 flag bits */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.tcp_flags, 0xfff);
	assert_int_equal(p.payload_off, 78);
}

/* Options running past caplen are tcp.options_truncated, with the fixed fields kept. */
static void test_tcp_options_truncated(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(tcp_options_cut)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_TCP_OPTIONS_TRUNCATED);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.sport, 60827);
	assert_int_equal(p.dport, 25);
	assert_int_equal(p.seq, 1041724894u);
	assert_int_equal(p.ack, 0);
	assert_int_equal(p.tcp_window, 5840);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.payload_off, 34);
	assert_int_equal(p.payload_len, 34);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(tcp_options_cut), EV_TCP_OPTIONS_TRUNCATED);
}

/* A data offset past the IP total length (not caplen) is tcp.options_truncated too. */
static void test_tcp_offset_past_ip_length(void **state)
{
	(void)state;
	uint8_t f[sizeof(tcp_http_get)];
	struct pkt p;

	memcpy(f, tcp_http_get, sizeof(f));
	f[16] = 0x00, f[17] = 20 + 28; /* IP total length: 28 of 32 TCP header bytes */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_TCP_OPTIONS_TRUNCATED);
	assert_int_equal(p.flags, 0);
	assert_true(PKT_HAS(&p, LAYER_TCP));
	assert_int_equal(p.payload_off, 34);
	assert_int_equal(p.payload_len, 28);
}

/* A data offset < 5 is tcp.bad_offset (invalid); ports and flags still set. */
static void test_tcp_bad_offset(void **state)
{
	(void)state;
	uint8_t f[sizeof(tcp_http_get)];
	struct pkt p;

	memcpy(f, tcp_http_get, sizeof(f));
	for (uint8_t off = 0; off < 5; off++) {
		f[46] = (uint8_t)(off << 4);
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
		assert_int_equal(p.error, EV_TCP_BAD_OFFSET);
		assert_true(PKT_HAS(&p, LAYER_TCP));
		assert_int_equal(p.sport, 55533);
		assert_int_equal(p.dport, 80);
		assert_int_equal(p.tcp_flags, 0x018);
		assert_int_equal(p.payload_off, 34);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_TCP_BAD_OFFSET);
}

/* Fewer than 20 bytes is tcp.too_small: no TCP layer, no ports. */
static void test_tcp_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 34; n < 54; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, tcp_http_get, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_TCP_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
		assert_int_equal(p.sport, 0);
		assert_int_equal(p.payload_off, 34);
		assert_int_equal(p.payload_len, n - 34);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, tcp_http_get, 40, EV_TCP_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_tcp_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(tcp_syn_options), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(tcp_http_get), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(tcp_options_cut), FX_LEN(tcp_options_cut));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_syn_fields),
		cmocka_unit_test(test_tcp_payload),
		cmocka_unit_test(test_tcp_flags_12_bits),
		cmocka_unit_test(test_tcp_options_truncated),
		cmocka_unit_test(test_tcp_offset_past_ip_length),
		cmocka_unit_test(test_tcp_bad_offset),
		cmocka_unit_test(test_tcp_too_small),
		cmocka_unit_test(test_tcp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
