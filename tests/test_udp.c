/* test_udp.c: unit tests for parsers/udp.c (header, length field vs available bytes). */
#include "decode_fixtures.h"

/* dns-udp.pcap #1:
 * 00:11:22:33:44:55 > 00:11:22:33:44:66, ethertype IPv4 (0x0800), length 98:
 * IP 192.168.1.11.43966 > 209.87.249.18.53: 22836+ [1au] A? www.tcpdump.org. (56) */
static const uint8_t udp_dns_v4[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x66, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x59, 0xcd, 0x00, 0x00, 0x40, 0x11,
	0x94, 0xae, 0xc0, 0xa8, 0x01, 0x0b, 0xd1, 0x57, 0xf9, 0x12, 0xab, 0xbe,
	0x00, 0x35, 0x00, 0x40, 0x78, 0x24, 0x59, 0x34, 0x01, 0x20, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77, 0x07, 0x74,
	0x63, 0x70, 0x64, 0x75, 0x6d, 0x70, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0x42, 0xf5, 0xd0, 0x09, 0x96, 0xf9,
	0x0b, 0x13,
};

/* linktype-ipv6.pcap #1 (LINKTYPE_IPV6):
 * IP6 (hlim 64, next-header UDP (17) payload length: 37) 2001:db8::1.12345 > 2620:fe::9.53:
 * 4660+ A? example.com. (29) */
static const uint8_t udp_dns_v6[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x25, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x26, 0x20, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x09, 0x30, 0x39, 0x00, 0x35, 0x00, 0x25, 0x98, 0xb3,
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x01, 0x00, 0x01,
};

/* A copy of udp_dns_v4 with the UDP length field set to `len`. */
static void udp_v4_with_len(uint8_t *f, uint16_t len)
{
	memcpy(f, udp_dns_v4, sizeof(udp_dns_v4));
	f[38] = (uint8_t)(len >> 8);
	f[39] = (uint8_t)len;
}

/* UDP over IPv4: ports, offsets, payload = the DNS message. */
static void test_udp_ipv4_fields(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(udp_dns_v4)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.proto, 17);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.sport, 43966);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.tcp_flags, 0);
	assert_int_equal(p.seq, 0);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 56);
	assert_int_equal(p.data[p.payload_off], 0x59); /* DNS id 0x5934 */
}

/* UDP over IPv6 (raw link type 229). */
static void test_udp_ipv6_fields(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_IPV6, FX_FRAME(udp_dns_v6)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.l3_off, 0);
	assert_int_equal(p.l4_off, 40);
	assert_int_equal(p.sport, 12345);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_off, 48);
	assert_int_equal(p.payload_len, 29);
}

/* A length field < 8 is udp.bad_len (invalid) with the ports already set. */
static void test_udp_bad_len(void **state)
{
	(void)state;
	uint8_t f[sizeof(udp_dns_v4)];
	struct pkt p;

	for (uint16_t len = 0; len < 8; len++) {
		udp_v4_with_len(f, len);
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
		assert_int_equal(p.error, EV_UDP_BAD_LEN);
		assert_true(PKT_HAS(&p, LAYER_UDP));
		assert_int_equal(p.sport, 43966);
		assert_int_equal(p.dport, 53);
		assert_int_equal(p.payload_off, 34);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_UDP_BAD_LEN);
}

/* A length field shorter than the IP payload limits the UDP payload. */
static void test_udp_len_shorter_than_ip(void **state)
{
	(void)state;
	uint8_t f[sizeof(udp_dns_v4)];
	struct pkt p;

	udp_v4_with_len(f, 20);
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 12);

	udp_v4_with_len(f, 8); /* header only */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 0);
}

/* A length field larger than what is there: flagged truncated, payload = what is there. */
static void test_udp_len_longer_than_available(void **state)
{
	(void)state;
	uint8_t f[sizeof(udp_dns_v4)];
	struct pkt p;

	udp_v4_with_len(f, 1000);
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 56);

	/* snaplen cut of a correct packet: same flag, shorter payload */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, udp_dns_v4, 60), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.payload_len, 18);
}

/* A complete first IPv4 fragment: the UDP length spans all fragments, so
 * the packet is a fragment, not truncated. */
static void test_udp_first_fragment_not_truncated(void **state)
{
	(void)state;
	uint8_t f[sizeof(udp_dns_v4)];
	struct pkt p;

	udp_v4_with_len(f, 3000);
	f[20] = 0x20; /* IPv4 flags: MF, offset 0 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT);
	assert_int_equal(p.sport, 43966);
	assert_int_equal(p.payload_len, 56);
}

/* Fewer than 8 bytes is udp.too_small: no UDP layer. */
static void test_udp_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 40; n < 48; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_IPV6, udp_dns_v6, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_UDP_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_IPV6));
		assert_int_equal(p.sport, 0);
		assert_int_equal(p.payload_off, 40);
		assert_int_equal(p.payload_len, n - 40);
	}
	fx_expect_counted(LINKTYPE_IPV6, udp_dns_v6, 47, EV_UDP_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_udp_cut_every_length(void **state)
{
	(void)state;
	uint8_t f[sizeof(udp_dns_v4)];

	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(udp_dns_v4), FX_AUTO);
	fx_cut_every_length(LINKTYPE_IPV6, FX_FRAME(udp_dns_v6), FX_AUTO);
	udp_v4_with_len(f, 3);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(f), FX_LEN(f));
	udp_v4_with_len(f, 20);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(f), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_ipv4_fields),
		cmocka_unit_test(test_udp_ipv6_fields),
		cmocka_unit_test(test_udp_bad_len),
		cmocka_unit_test(test_udp_len_shorter_than_ip),
		cmocka_unit_test(test_udp_len_longer_than_available),
		cmocka_unit_test(test_udp_first_fragment_not_truncated),
		cmocka_unit_test(test_udp_too_small),
		cmocka_unit_test(test_udp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
