/* test_icmpv6.c: unit tests for parsers/icmpv6.c (ICMPv6: type, code, 8-byte header, quoted packets of errors). */
#include "decode_fixtures.h"

/* icmpv6.pcap #2:
 * 00:60:97:07:69:ea > 00:00:86:05:80:da, ethertype IPv6 (0x86dd), length 78:
 * IP6 (hlim 255, next-header ICMPv6 (58) payload length: 24) fe80::260:97ff:fe07:69ea >
 * fe80::200:86ff:fe05:80da: ICMP6, neighbor advertisement, tgt is fe80::260:97ff:fe07:69ea,
 * length 24 */
static const uint8_t icmp6_na[] = {
	0x00, 0x00, 0x86, 0x05, 0x80, 0xda, 0x00, 0x60, 0x97, 0x07, 0x69, 0xea,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0xff, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x07,
	0x69, 0xea, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0x86, 0xff, 0xfe, 0x05, 0x80, 0xda, 0x88, 0x00, 0xaf, 0xa5, 0xc0, 0x00,
	0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x60,
	0x97, 0xff, 0xfe, 0x07, 0x69, 0xea,
};

/* icmpv6.pcap #11 (time exceeded quoting IPv6/UDP):
 * 00:60:97:07:69:ea > 00:00:86:05:80:da, ethertype IPv6 (0x86dd), length 122:
 * IP6 (hlim 64, next-header ICMPv6 (58) payload length: 68) 3ffe:507:0:1:260:97ff:fe07:69ea >
 * 3ffe:507:0:1:200:86ff:fe05:80da: ICMP6, time exceeded in-transit for
 * 3ffe:501:410:0:2c0:dfff:fe47:33e, length 68 */
static const uint8_t icmp6_time_exceeded[] = {
	0x00, 0x00, 0x86, 0x05, 0x80, 0xda, 0x00, 0x60, 0x97, 0x07, 0x69, 0xea,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x44, 0x3a, 0x40, 0x3f, 0xfe,
	0x05, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x07,
	0x69, 0xea, 0x3f, 0xfe, 0x05, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00,
	0x86, 0xff, 0xfe, 0x05, 0x80, 0xda, 0x03, 0x00, 0xf7, 0x52, 0x00, 0x00,
	0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x11, 0x01, 0x3f, 0xfe,
	0x05, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x86, 0xff, 0xfe, 0x05,
	0x80, 0xda, 0x3f, 0xfe, 0x05, 0x01, 0x04, 0x10, 0x00, 0x00, 0x02, 0xc0,
	0xdf, 0xff, 0xfe, 0x47, 0x03, 0x3e, 0xa0, 0x75, 0x82, 0x9b, 0x00, 0x14,
	0x82, 0x8b, 0x01, 0x01, 0x00, 0x00, 0xf9, 0xc8, 0xe7, 0x36, 0xf5, 0xed,
	0x08, 0x00,
};

/* icmpv6.pcap #20:
 * 00:60:97:07:69:ea > 00:00:86:05:80:da, ethertype IPv6 (0x86dd), length 122: (hlim 61,
 * next-header ICMPv6 (58) payload length: 68) 3ffe:501:410:0:2c0:dfff:fe47:33e >
 * 3ffe:507:0:1:200:86ff:fe05:80da: [icmp6 sum ok] ICMP6, destination unreachable,
 * unreachable port, 3ffe:501:410:0:2c0:dfff:fe47:33e udp port 33444
 */
static const uint8_t icmp6_dest_unreach[] = {
	0x00, 0x00, 0x86, 0x05, 0x80, 0xda, 0x00, 0x60, 0x97, 0x07, 0x69, 0xea,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x44, 0x3a, 0x3d, 0x3f, 0xfe,
	0x05, 0x01, 0x04, 0x10, 0x00, 0x00, 0x02, 0xc0, 0xdf, 0xff, 0xfe, 0x47,
	0x03, 0x3e, 0x3f, 0xfe, 0x05, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00,
	0x86, 0xff, 0xfe, 0x05, 0x80, 0xda, 0x01, 0x04, 0x13, 0x52, 0x00, 0x00,
	0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x11, 0x01, 0x3f, 0xfe,
	0x05, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x86, 0xff, 0xfe, 0x05,
	0x80, 0xda, 0x3f, 0xfe, 0x05, 0x01, 0x04, 0x10, 0x00, 0x00, 0x02, 0xc0,
	0xdf, 0xff, 0xfe, 0x47, 0x03, 0x3e, 0xa0, 0x75, 0x82, 0xa4, 0x00, 0x14,
	0xcf, 0x47, 0x0a, 0x04, 0x00, 0x00, 0xf9, 0xc8, 0xe7, 0x36, 0x9d, 0x25,
	0x0b, 0x00,
};

/* A neighbor advertisement: type 136; the target address follows the 8-byte header. */
static void test_icmpv6_neighbor_advert(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(icmp6_na)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_ICMPV6));
	assert_int_equal(p.proto, 58);
	assert_int_equal(p.ip6_nxt, 58);
	assert_int_equal(p.ttl, 255);
	assert_int_equal(p.l4_off, 54);
	assert_int_equal(p.icmp_type, 136);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.payload_off, 62);
	assert_int_equal(p.payload_len, 16);
	assert_int_equal(p.data[p.payload_off], 0xfe); /* fe80:: target */
}

/* Time exceeded (type 3): the quoted IPv6/UDP headers are listed with HDR_QUOTED and in quote_*;
 * the packet's fields and payload stay the ICMPv6 packet's. */
static void test_icmpv6_time_exceeded(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(icmp6_time_exceeded)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_ICMPV6));
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.proto, 58);
	assert_int_equal(p.payload_off, 62);
	assert_int_equal(p.payload_len, 60);
	assert_int_equal(p.data[p.payload_off], 0x60);
	FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_ICMPV6, HDR_IPV6, HDR_UDP);
	fx_expect_hdr(&p, 2, HDR_ICMPV6, 54, 8, 0);
	fx_expect_hdr(&p, 3, HDR_IPV6, 62, 40, HDR_QUOTED);
	fx_expect_hdr(&p, 4, HDR_UDP, 102, 8, HDR_QUOTED);
	assert_int_equal(p.quote_off, 62);
	assert_int_equal(p.quote_proto, 17);
	assert_int_equal(p.quote_sport, 41077);
	assert_int_equal(p.quote_dport, 33435);
	assert_int_equal(p.quote_error, EV_NONE);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(icmp6_time_exceeded), EV_NONE);
}

/* Destination unreachable (type 1) quotes likewise; packet too big (2) and parameter problem (4)
 * too; an RFC 4884 length (byte 4, 64-bit words) limits the quote of types 1 and 3. */
static void test_icmpv6_errors_quote(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(icmp6_dest_unreach)];

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(icmp6_dest_unreach)), DECODE_OK);
	assert_int_equal(p.icmp_type, 1);
	assert_int_equal(p.icmp_code, 4);
	FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_ICMPV6, HDR_IPV6, HDR_UDP);
	assert_int_equal(p.quote_dport, 33444);

	memcpy(f, icmp6_dest_unreach, sizeof(f));
	for (uint8_t t = 2; t <= 4; t += 2) {
		f[54] = t;
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
		FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_ICMPV6, HDR_IPV6, HDR_UDP);
	}
	f[54] = 128; /* echo request: not an error, nothing quoted */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_ICMPV6);
	assert_int_equal(p.quote_off, 0);

	memcpy(f, icmp6_dest_unreach, sizeof(f));
	f[58] = 5; /* 40 bytes: the quoted IPv6 header only */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_ICMPV6, HDR_IPV6);
	assert_int_equal(p.quote_error, EV_NONE);
	assert_int_equal(p.quote_sport, 0);
	assert_int_equal(p.payload_len, 60);
}

/* A quote that is not IPv6 is icmpv6.bad_quote, counted once, never p->error. */
static void test_icmpv6_bad_quote(void **state)
{
	(void)state;
	struct decode_counters k;
	struct pkt p;
	uint8_t f[sizeof(icmp6_dest_unreach)];

	memcpy(f, icmp6_dest_unreach, sizeof(f));
	f[62] = 0x45;
	memset(&k, 0, sizeof(k));
	assert_int_equal(fx_decode_k(&p, LINKTYPE_ETHERNET, FX_FRAME(f), &k), DECODE_OK);
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.quote_error, EV_IPV6_BAD_VERSION);
	FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_ICMPV6);
	for (unsigned i = 0; i < EV_COUNT; i++)
		assert_int_equal(k.events[i], i == EV_ICMPV6_BAD_QUOTE ? 1 : 0);
}

/* 4..7 bytes: type/code set, no error, payload after the first 4 bytes. */
static void test_icmpv6_short_header(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 58; n < 62; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, icmp6_na, n), DECODE_OK);
		assert_int_equal(p.icmp_type, 136);
		assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
		assert_int_equal(p.payload_off, 58);
		assert_int_equal(p.payload_len, n - 58);
	}
}

/* Fewer than 4 bytes is icmpv6.too_small: no ICMPv6 layer. */
static void test_icmpv6_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 54; n < 58; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, icmp6_na, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_ICMPV6_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6));
		assert_int_equal(p.payload_off, 54);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, icmp6_na, 57, EV_ICMPV6_TOO_SMALL);

	/* payload length 2: two bytes declared, the rest of the frame is ignored */
	uint8_t f[sizeof(icmp6_na)];
	memcpy(f, icmp6_na, sizeof(f));
	f[19] = 2;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_ICMPV6_TOO_SMALL);
	assert_int_equal(p.payload_len, 2);
}

/* Every cut of every fixture decodes safely; cuts inside type/code report an error. */
static void test_icmpv6_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(icmp6_na), 58);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(icmp6_time_exceeded), 58);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(icmp6_dest_unreach), 58);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmpv6_neighbor_advert),
		cmocka_unit_test(test_icmpv6_time_exceeded),
		cmocka_unit_test(test_icmpv6_errors_quote),
		cmocka_unit_test(test_icmpv6_bad_quote),
		cmocka_unit_test(test_icmpv6_short_header),
		cmocka_unit_test(test_icmpv6_too_small),
		cmocka_unit_test(test_icmpv6_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
