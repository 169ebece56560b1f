/* test_null.c: unit tests for parsers/null.c (BSD loopback NULL and LOOP link types). */
#include "decode_fixtures.h"

/* null-loopback-dns.pcap #1 (NULL, little-endian host):
 * AF IPv4 (2), length 72: IP 127.0.0.1.54954 > 127.0.0.1.53: 63147+ [1au] SOA? . (40) */
static const uint8_t null_le_ipv4_udp[] = {
	0x02, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x44, 0x00, 0x0f, 0x00, 0x00,
	0x40, 0x11, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
	0xd6, 0xaa, 0x00, 0x35, 0x00, 0x30, 0xfe, 0x43, 0xf6, 0xab, 0x01, 0x20,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x06, 0x00,
	0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,
	0x00, 0x0a, 0x00, 0x08, 0x36, 0xbf, 0x11, 0x1f, 0xef, 0x2e, 0x01, 0x09,
};

/* null-loopback-ipv6-http-tls.pcap #3 (NULL, little-endian Darwin host):
 * AF IPv6 (30), length 76: IP6 ::1.52522 > ::1.80: Flags [.], ack 1, win 12743,
 * options [nop,nop,TS val 1236829829 ecr 1236829829], length 0 */
static const uint8_t null_le_ipv6_tcp[] = {
	0x1e, 0x00, 0x00, 0x00, 0x60, 0x00, 0xd0, 0x8d, 0x00, 0x20, 0x06, 0x40,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xcd, 0x2a, 0x00, 0x50,
	0x4e, 0xc8, 0x52, 0xbe, 0xa6, 0x36, 0x50, 0x81, 0x80, 0x10, 0x31, 0xc7,
	0x00, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x49, 0xb8, 0x86, 0x85,
	0x49, 0xb8, 0x86, 0x85,
};

/* A copy of `src` with its 4-byte family replaced by a0 a1 a2 a3. */
static void null_with_family(uint8_t *dst, const uint8_t *src, uint32_t len, uint8_t a0, uint8_t a1,
			     uint8_t a2, uint8_t a3)
{
	memcpy(dst, src, len);
	dst[0] = a0, dst[1] = a1, dst[2] = a2, dst[3] = a3;
}

/* Host-order AF_INET from a little-endian machine: IPv4/UDP after 4 bytes. */
static void test_null_le_ipv4(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_NULL, FX_FRAME(null_le_ipv4_udp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_NULL) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.ethertype, 0);
	assert_int_equal(p.l3_off, 4);
	assert_int_equal(p.l3_len, 68);
	assert_int_equal(p.l4_off, 24);
	assert_int_equal(p.sport, 54954);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_off, 32);
	assert_int_equal(p.payload_len, 40);
}

/* The same frame written by a big-endian machine (00 00 00 02) decodes the same. */
static void test_null_be_ipv4(void **state)
{
	(void)state;
	uint8_t f[sizeof(null_le_ipv4_udp)];
	struct pkt le, be;

	null_with_family(f, FX_FRAME(null_le_ipv4_udp), 0x00, 0x00, 0x00, 0x02);
	assert_int_equal(fx_decode(&le, LINKTYPE_NULL, FX_FRAME(null_le_ipv4_udp)), DECODE_OK);
	assert_int_equal(fx_decode(&be, LINKTYPE_NULL, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(be.layers, le.layers);
	assert_int_equal(be.l3_off, le.l3_off);
	assert_int_equal(be.payload_off, le.payload_off);
	assert_int_equal(be.payload_len, le.payload_len);
}

/* Every IPv6 family value (Darwin 30, FreeBSD 28, BSD 24, Linux 10) in both byte orders. */
static void test_null_ipv6_families(void **state)
{
	(void)state;
	static const uint8_t fams[] = { 30, 28, 24, 10 };
	uint8_t f[sizeof(null_le_ipv6_tcp)];
	struct pkt p;

	for (unsigned i = 0; i < sizeof(fams); i++) {
		for (int be = 0; be <= 1; be++) {
			if (be)
				null_with_family(f, FX_FRAME(null_le_ipv6_tcp), 0, 0, 0, fams[i]);
			else
				null_with_family(f, FX_FRAME(null_le_ipv6_tcp), fams[i], 0, 0, 0);
			assert_int_equal(fx_decode(&p, LINKTYPE_NULL, FX_FRAME(f)), DECODE_OK);
			assert_int_equal(p.layers, FX_BIT(LAYER_NULL) | FX_BIT(LAYER_IPV6) |
							   FX_BIT(LAYER_TCP));
			assert_int_equal(p.l3_off, 4);
			assert_int_equal(p.l3_len, 72);
			assert_int_equal(p.l4_off, 44);
			assert_int_equal(p.sport, 52522);
			assert_int_equal(p.dport, 80);
			assert_int_equal(p.payload_off, 76);
			assert_int_equal(p.payload_len, 0);
		}
	}
}

/* LOOP is network order only: 00 00 00 02 is IPv4, 02 00 00 00 is an unknown family. */
static void test_loop_network_order(void **state)
{
	(void)state;
	uint8_t f[sizeof(null_le_ipv4_udp)];
	struct pkt p;

	null_with_family(f, FX_FRAME(null_le_ipv4_udp), 0x00, 0x00, 0x00, 0x02);
	assert_int_equal(fx_decode(&p, LINKTYPE_LOOP, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_NULL) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));

	assert_int_equal(fx_decode(&p, LINKTYPE_LOOP, FX_FRAME(null_le_ipv4_udp)), DECODE_INVALID);
	assert_int_equal(p.error, EV_NULL_UNKNOWN_FAMILY);
	assert_int_equal(p.layers, FX_BIT(LAYER_NULL));
}

/* An unknown family is null.unknown_family; the payload is what follows the header. */
static void test_null_unknown_family(void **state)
{
	(void)state;
	uint8_t f[sizeof(null_le_ipv4_udp)];
	struct pkt p;

	null_with_family(f, FX_FRAME(null_le_ipv4_udp), 0x07, 0x00, 0x00, 0x00); /* AF_ISO */
	assert_int_equal(fx_decode(&p, LINKTYPE_NULL, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_NULL_UNKNOWN_FAMILY);
	assert_int_equal(p.layers, FX_BIT(LAYER_NULL));
	assert_int_equal(p.payload_off, 4);
	assert_int_equal(p.payload_len, sizeof(f) - 4);
	fx_expect_counted(LINKTYPE_NULL, FX_FRAME(f), EV_NULL_UNKNOWN_FAMILY);

	/* Windows' AF_INET6 (23) is not one of the LINKTYPE_NULL values */
	null_with_family(f, FX_FRAME(null_le_ipv4_udp), 23, 0x00, 0x00, 0x00);
	assert_int_equal(fx_decode(&p, LINKTYPE_NULL, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_NULL_UNKNOWN_FAMILY);
}

/* An IPv6 family carrying an IPv4 header is ipv6.bad_version, not a crash or IPv4. */
static void test_null_family_mismatch(void **state)
{
	(void)state;
	uint8_t f[sizeof(null_le_ipv4_udp)];
	struct pkt p;

	null_with_family(f, FX_FRAME(null_le_ipv4_udp), 30, 0, 0, 0);
	assert_int_equal(fx_decode(&p, LINKTYPE_NULL, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV6_BAD_VERSION);
	assert_int_equal(p.layers, FX_BIT(LAYER_NULL));
}

/* Fewer than 4 bytes is null.too_small for both NULL and LOOP. */
static void test_null_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 0; n < 4; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_NULL, null_le_ipv4_udp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_NULL_TOO_SMALL);
		assert_int_equal(p.layers, 0);
		assert_int_equal(fx_decode(&p, LINKTYPE_LOOP, null_le_ipv4_udp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_NULL_TOO_SMALL);
	}
	fx_expect_counted(LINKTYPE_NULL, null_le_ipv4_udp, 3, EV_NULL_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_null_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_NULL, FX_FRAME(null_le_ipv4_udp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_NULL, FX_FRAME(null_le_ipv6_tcp), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_le_ipv4),
		cmocka_unit_test(test_null_be_ipv4),
		cmocka_unit_test(test_null_ipv6_families),
		cmocka_unit_test(test_loop_network_order),
		cmocka_unit_test(test_null_unknown_family),
		cmocka_unit_test(test_null_family_mismatch),
		cmocka_unit_test(test_null_too_small),
		cmocka_unit_test(test_null_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
