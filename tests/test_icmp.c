/* test_icmp.c: unit tests for parsers/icmp.c (ICMP for IPv4: type, code, 8-byte header, quoted datagrams of errors). */
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

/* rawip-icmp-ttl-exceeded.pcapng #9 (LINKTYPE_RAW; the quote keeps 8 bytes of TCP):
 * ip: (tos 0x20, ttl 249, id 0, offset 0, flags [none], proto ICMP (1), length 56)
 * 81.228.88.87 > 192.168.0.187: ICMP time exceeded in-transit, length 36 (tos 0x0, ttl 1,
 * id 0, offset 0, flags [DF], proto TCP (6), length 44) 192.168.0.187.60143 >
 * 216.58.209.110.80:  [|tcp]
 */
static const uint8_t icmp_ttl_tcp8[] = {
	0x45, 0x20, 0x00, 0x38, 0x00, 0x00, 0x00, 0x00, 0xf9, 0x01, 0x56, 0x06,
	0x51, 0xe4, 0x58, 0x57, 0xc0, 0xa8, 0x00, 0xbb, 0x0b, 0x00, 0x6a, 0x47,
	0x00, 0x07, 0x00, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00,
	0x01, 0x06, 0x0e, 0xc0, 0xc0, 0xa8, 0x00, 0xbb, 0xd8, 0x3a, 0xd1, 0x6e,
	0xea, 0xef, 0x00, 0x50, 0x48, 0x4e, 0x57, 0x23,
};

/* Crafted (LINKTYPE_RAW; icmp_ttl_tcp8 with an RFC 4884 MPLS extension after its 28-byte quote):
 * ip: (tos 0x20, ttl 249, id 0, offset 0, flags [none], proto ICMP (1), length 68, bad
 * cksum 5606 (->55fa)!) 81.228.88.87 > 192.168.0.187: ICMP time exceeded in-transit,
 * length 48 (wrong icmp cksum 6a47 (->2fa7)!) (tos 0x0, ttl 1, id 0, offset 0, flags [DF],
 * proto TCP (6), length 44) 192.168.0.187.60143 > 216.58.209.110.80:  tcp 24 [bad hdr
 * length 0 - too short, < 20]
 * tshark: raw:ip:icmp:ip:tcp */
static const uint8_t icmp_ttl_tcp8_ext[] = {
	0x45, 0x20, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0xf9, 0x01, 0x56, 0x06,
	0x51, 0xe4, 0x58, 0x57, 0xc0, 0xa8, 0x00, 0xbb, 0x0b, 0x00, 0x6a, 0x47,
	0x00, 0x07, 0x00, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00,
	0x01, 0x06, 0x0e, 0xc0, 0xc0, 0xa8, 0x00, 0xbb, 0xd8, 0x3a, 0xd1, 0x6e,
	0xea, 0xef, 0x00, 0x50, 0x48, 0x4e, 0x57, 0x23, 0x20, 0x00, 0x00, 0x00,
	0x00, 0x08, 0x01, 0x01, 0x18, 0x96, 0x01, 0x01,
};
/* Crafted (LINKTYPE_RAW; time exceeded quoting a port unreachable):
 * ip: (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1), length 84) 10.0.0.1
 * > 10.0.0.9: ICMP time exceeded in-transit, length 64 (wrong icmp cksum 0 (->de37)!) (tos
 * 0x0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1), length 56) 10.0.0.9 >
 * 10.0.0.2: ICMP 10.0.0.9 udp port 53 unreachable, length 36 (wrong icmp cksum 0
 * (->e937)!) (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 28)
 * 10.0.0.2.5000 > 10.0.0.9.53: domain [length 0 < 12] (invalid)
 * tshark: raw:ip:icmp:ip:icmp:ip:udp */
static const uint8_t icmp_quotes_icmp_error[] = {
	0x45, 0x00, 0x00, 0x54, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x66, 0x9f,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x09, 0x0b, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x01, 0x66, 0xba, 0x0a, 0x00, 0x00, 0x09, 0x0a, 0x00, 0x00, 0x02,
	0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x1c,
	0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x66, 0xc6, 0x0a, 0x00, 0x00, 0x02,
	0x0a, 0x00, 0x00, 0x09, 0x13, 0x88, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};
/* Crafted (ICMP redirect (type 5) quoting IPv4/UDP):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 75: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto ICMP (1), length 61) 10.0.0.1 > 10.0.0.2: ICMP
 * redirect 10.0.0.3 to host 10.0.0.254, length 41 (wrong icmp cksum 0 (->a6ff)!) (tos 0x0,
 * ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 33) 10.0.0.2.1234 >
 * 10.0.0.3.80: UDP, length 5
 * tshark: eth:ethertype:ip:icmp:ip:udp */
static const uint8_t icmp_redirect[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01,
	0x66, 0xbd, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x05, 0x01,
	0x00, 0x00, 0x0a, 0x00, 0x00, 0xfe, 0x45, 0x00, 0x00, 0x21, 0x00, 0x01,
	0x00, 0x00, 0x40, 0x11, 0x66, 0xc7, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00,
	0x00, 0x03, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65,
	0x6c, 0x6c, 0x6f,
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

/* An error message: type 3 code 3; the quoted IPv4/UDP headers are listed with HDR_QUOTED and
 * in quote_*, the packet's own fields and payload stay those of the ICMP packet. */
static void test_icmp_port_unreachable(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(icmp_port_unreach)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 3);
	assert_int_equal(p.l3_off, 14); /* the outer header */
	assert_int_equal(p.proto, 1);
	assert_int_equal(p.ttl, 128);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 48);
	assert_int_equal(p.data[p.payload_off], 0x45); /* quoted IPv4 header */
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_ICMP, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 2, HDR_ICMP, 34, 8, 0);
	fx_expect_hdr(&p, 3, HDR_IPV4, 42, 20, HDR_QUOTED);
	fx_expect_hdr(&p, 4, HDR_UDP, 62, 8, HDR_QUOTED);
	assert_int_equal(p.quote_off, 42);
	assert_int_equal(p.quote_proto, 17);
	assert_int_equal(p.quote_sport, 53);
	assert_int_equal(p.quote_dport, 59207);
	assert_int_equal(p.quote_error, EV_NONE);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(icmp_port_unreach), EV_NONE);
}

/* The quoted TCP header cut after 8 bytes (RFC 792) is normal: listed with len 8, ports recorded,
 * no error; the RFC 4884 length (7 words) ends the quote before an extension. */
static void test_icmp_quote_tcp_cut_at_8(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(icmp_ttl_tcp8)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.icmp_type, 11);
	assert_int_equal(p.ttl, 249);
	FX_HDRS(&p, HDR_IPV4, HDR_ICMP, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 2, HDR_IPV4, 28, 20, HDR_QUOTED);
	fx_expect_hdr(&p, 3, HDR_TCP, 48, 8, HDR_QUOTED);
	assert_int_equal(p.quote_off, 28);
	assert_int_equal(p.quote_proto, 6);
	assert_int_equal(p.quote_sport, 60143);
	assert_int_equal(p.quote_dport, 80);
	assert_int_equal(p.quote_error, EV_NONE);
	assert_int_equal(p.tcp_flags, 0);
	assert_int_equal(p.payload_off, 28);
	assert_int_equal(p.payload_len, 28);
	fx_expect_counted(LINKTYPE_RAW, FX_FRAME(icmp_ttl_tcp8), EV_NONE);

	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(icmp_ttl_tcp8_ext)), DECODE_OK);
	FX_HDRS(&p, HDR_IPV4, HDR_ICMP, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 3, HDR_TCP, 48, 8, HDR_QUOTED); /* not read into the extension */
	assert_int_equal(p.quote_dport, 80);
	assert_int_equal(p.payload_len, 40); /* the payload still covers everything after the header */
}

/* Redirect (type 5) quotes too; an ICMP error inside a quote is listed but its own quote is not
 * decoded (tshark goes on: ip:icmp:ip:icmp:ip:udp; RFC 1122 3.2.2 forbids such errors anyway). */
static void test_icmp_quote_redirect_and_nested(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(icmp_redirect)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_ICMP, HDR_IPV4, HDR_UDP);
	assert_int_equal(p.icmp_type, 5);
	assert_int_equal(p.quote_sport, 1234);
	assert_int_equal(p.quote_dport, 80);

	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(icmp_quotes_icmp_error)), DECODE_OK);
	FX_HDRS(&p, HDR_IPV4, HDR_ICMP, HDR_IPV4, HDR_ICMP);
	fx_expect_hdr(&p, 3, HDR_ICMP, 48, 8, HDR_QUOTED);
	assert_int_equal(p.icmp_type, 11);
	assert_int_equal(p.quote_proto, 1);
	assert_int_equal(p.quote_sport, 0);
	assert_int_equal(p.quote_error, EV_NONE);
}

/* A quote that does not decode is icmp.bad_quote (counted, its own event in quote_error), never
 * p->error: the ICMP packet itself is fine. */
static void test_icmp_bad_quote(void **state)
{
	(void)state;
	struct decode_counters k;
	struct pkt p;
	uint8_t f[sizeof(icmp_ttl_tcp8)];

	memcpy(f, icmp_ttl_tcp8, sizeof(f));
	f[28] = 0x55; /* quoted "IPv4" of version 5 */
	memset(&k, 0, sizeof(k));
	assert_int_equal(fx_decode_k(&p, LINKTYPE_RAW, FX_FRAME(f), &k), DECODE_OK);
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.quote_error, EV_IPV4_BAD_VERSION);
	assert_int_equal(p.quote_off, 0);
	FX_HDRS(&p, HDR_IPV4, HDR_ICMP);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	for (unsigned i = 0; i < EV_COUNT; i++)
		assert_int_equal(k.events[i], i == EV_ICMP_BAD_QUOTE ? 1 : 0);

	/* quoted IHL 4: the header was read, then found invalid */
	memcpy(f, icmp_ttl_tcp8, sizeof(f));
	f[28] = 0x44;
	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.quote_error, EV_IPV4_BAD_IHL);
	assert_int_equal(p.quote_off, 28);
	FX_HDRS(&p, HDR_IPV4, HDR_ICMP, HDR_IPV4);

	/* fewer than 20 quoted bytes: no IP header to speak of */
	for (uint32_t n = 29; n < 48; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_RAW, icmp_ttl_tcp8, n), DECODE_OK);
		assert_int_equal(p.error, EV_NONE);
		assert_int_equal(p.quote_error, EV_IPV4_TOO_SMALL);
		assert_int_equal(p.quote_off, 0);
	}
	/* 20 to 23 bytes: the IP header, then a quote that ends before the ports: fine, no ports */
	for (uint32_t n = 48; n < 52; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_RAW, icmp_ttl_tcp8, n), DECODE_OK);
		assert_int_equal(p.quote_error, EV_NONE);
		assert_int_equal(p.quote_off, 28);
		assert_int_equal(p.quote_sport, 0);
		FX_HDRS(&p, HDR_IPV4, HDR_ICMP, HDR_IPV4);
	}
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
	fx_cut_every_length(LINKTYPE_RAW, FX_FRAME(icmp_ttl_tcp8), 24);
	fx_cut_every_length(LINKTYPE_RAW, FX_FRAME(icmp_ttl_tcp8_ext), 24);
	fx_cut_every_length(LINKTYPE_RAW, FX_FRAME(icmp_quotes_icmp_error), 24);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(icmp_redirect), 38);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_echo_reply),
		cmocka_unit_test(test_icmp_port_unreachable),
		cmocka_unit_test(test_icmp_quote_tcp_cut_at_8),
		cmocka_unit_test(test_icmp_quote_redirect_and_nested),
		cmocka_unit_test(test_icmp_bad_quote),
		cmocka_unit_test(test_icmp_short_header),
		cmocka_unit_test(test_icmp_too_small),
		cmocka_unit_test(test_icmp_bounded_by_ip_length),
		cmocka_unit_test(test_icmp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
