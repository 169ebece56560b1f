/* test_arp.c: unit tests for parsers/arp.c (ARP and RARP over Ethernet). */
#include "decode_fixtures.h"

/* arp.pcap #2 (no padding):
 * 00:0d:54:9c:5c:0b > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42:
 * Request who-has 192.150.187.14 tell 192.150.187.50, length 28 */
static const uint8_t arp_request[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0d, 0x54, 0x9c, 0x5c, 0x0b,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x0d,
	0x54, 0x9c, 0x5c, 0x0b, 0xc0, 0x96, 0xbb, 0x32, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xc0, 0x96, 0xbb, 0x0e,
};

/* arp.pcap #3 (18 bytes of padding, one of them non-zero):
 * 00:60:08:af:81:03 > 00:0d:54:9c:5c:0b, ethertype ARP (0x0806), length 60:
 * Reply 192.150.187.14 is-at 00:60:08:af:81:03, length 46 */
static const uint8_t arp_reply_padded[] = {
	0x00, 0x0d, 0x54, 0x9c, 0x5c, 0x0b, 0x00, 0x60, 0x08, 0xaf, 0x81, 0x03,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x00, 0x60,
	0x08, 0xaf, 0x81, 0x03, 0xc0, 0x96, 0xbb, 0x0e, 0x00, 0x0d, 0x54, 0x9c,
	0x5c, 0x0b, 0xc0, 0x96, 0xbb, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Crafted from arp.pcap #2 with EtherType 0x8035 and opcode 3:
 * 00:0d:54:9c:5c:0b > ff:ff:ff:ff:ff:ff, ethertype Reverse ARP (0x8035), length 42:
 * Reverse Request who-is 00:0d:54:9c:5c:0b tell 00:0d:54:9c:5c:0b, length 28 */
static const uint8_t rarp_request[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0d, 0x54, 0x9c, 0x5c, 0x0b,
	0x80, 0x35, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x03, 0x00, 0x0d,
	0x54, 0x9c, 0x5c, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x54, 0x9c,
	0x5c, 0x0b, 0x00, 0x00, 0x00, 0x00,
};

/* Crafted: hardware length 255, protocol length 255 (addresses need 1020 bytes):
 * 00:0d:54:9c:5c:0b > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42:
 * ARP, Ethernet (len 255), IPv4 (len 255), Request [|arp] */
static const uint8_t arp_huge_sizes[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0d, 0x54, 0x9c, 0x5c, 0x0b,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0xff, 0xff, 0x00, 0x01, 0x00, 0x0d,
	0x54, 0x9c, 0x5c, 0x0b, 0xc0, 0x96, 0xbb, 0x32, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xc0, 0x96, 0xbb, 0x0e,
};

/* Crafted: hardware and protocol lengths 0 (the header alone is the message):
 * 00:0d:54:9c:5c:0b > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 22:
 * ARP, Ethernet (len 0), IPv4 (len 0), Request */
static const uint8_t arp_zero_sizes[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0d, 0x54, 0x9c, 0x5c, 0x0b,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01,
};

/* An ARP request: offsets, declared length, opcode; addresses lie inside l3_len. */
static void test_arp_request(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(arp_request)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_ARP));
	assert_int_equal(p.ethertype, 0x0806);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l3_len, 28);
	assert_int_equal(p.arp_op, 1);
	assert_int_equal(p.ip_version, 0);
	/* sender protocol address at l3_off + 8 + hlen */
	assert_memory_equal(p.data + p.l3_off + 14, "\xc0\x96\xbb\x32", 4);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 0);
	FX_HDRS(&p, HDR_ETH, HDR_ARP);
	fx_expect_hdr(&p, 1, HDR_ARP, 14, 28, 0);
	/* hardware and protocol types, sizes, and the four address offsets */
	assert_int_equal(p.arp_htype, 1);
	assert_int_equal(p.arp_ptype, 0x0800);
	assert_int_equal(p.arp_hlen, 6);
	assert_int_equal(p.arp_plen, 4);
	assert_int_equal(p.arp_sha_off, 22);
	assert_int_equal(p.arp_spa_off, 28);
	assert_int_equal(p.arp_tha_off, 32);
	assert_int_equal(p.arp_tpa_off, 38);
	assert_memory_equal(p.data + p.arp_sha_off, "\x00\x0d\x54\x9c\x5c\x0b", 6);
	assert_memory_equal(p.data + p.arp_spa_off, "\xc0\x96\xbb\x32", 4);
	assert_memory_equal(p.data + p.arp_tha_off, "\x00\x00\x00\x00\x00\x00", 6);
	assert_memory_equal(p.data + p.arp_tpa_off, "\xc0\x96\xbb\x0e", 4);
}

/* A padded ARP reply: the padding is neither ARP (l3_len) nor payload. */
static void test_arp_reply_padding(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(arp_reply_padded)), DECODE_OK);
	assert_int_equal(p.arp_op, 2);
	assert_int_equal(p.l3_len, 28);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 0);
	assert_memory_equal(p.data + p.arp_sha_off, "\x00\x60\x08\xaf\x81\x03", 6);
	assert_memory_equal(p.data + p.arp_spa_off, "\xc0\x96\xbb\x0e", 4);
	assert_memory_equal(p.data + p.arp_tha_off, "\x00\x0d\x54\x9c\x5c\x0b", 6);
	assert_memory_equal(p.data + p.arp_tpa_off, "\xc0\x96\xbb\x32", 4);
}

/* EtherType 0x8035 (RARP) is decoded by the ARP decoder too. */
static void test_arp_rarp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(rarp_request)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_ARP));
	assert_int_equal(p.ethertype, 0x8035);
	assert_int_equal(p.arp_op, 3);
	assert_int_equal(p.l3_len, 28);
}

/* Addresses that do not fit are arp.too_small, with the fixed fields already set. */
static void test_arp_addresses_do_not_fit(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(arp_huge_sizes)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_ARP_TOO_SMALL);
	assert_true(PKT_HAS(&p, LAYER_ARP));
	assert_int_equal(p.arp_op, 1);
	assert_int_equal(p.l3_len, 28); /* 1028 declared, clipped to caplen */
	assert_int_equal(p.payload_off, 14);
	assert_int_equal(p.payload_len, 28);
	assert_int_equal(p.arp_hlen, 255);
	assert_int_equal(p.arp_plen, 255);
	assert_int_equal(p.arp_sha_off, 0); /* no offsets: the addresses are not all there */
	assert_int_equal(p.arp_tpa_off, 0);
	fx_expect_hdr(&p, 1, HDR_ARP, 14, 8, 0); /* the fixed part only */
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(arp_huge_sizes), EV_ARP_TOO_SMALL);

	/* the real request cut inside its target address */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, arp_request, 41), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_ARP_TOO_SMALL);
	assert_int_equal(p.l3_len, 27);
}

/* Fewer than the 8 fixed bytes: arp.too_small and no ARP layer. */
static void test_arp_fixed_part_truncated(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 14; n < 22; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, arp_request, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_ARP_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
		assert_int_equal(p.payload_off, 14);
		assert_int_equal(p.payload_len, n - 14);
	}
}

/* Zero-length addresses make an 8-byte message, which is valid. */
static void test_arp_zero_sizes(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(arp_zero_sizes)), DECODE_OK);
	assert_int_equal(p.l3_len, 8);
	fx_expect_hdr(&p, 1, HDR_ARP, 14, 8, 0);
	assert_int_equal(p.arp_sha_off, 22);
	assert_int_equal(p.arp_tpa_off, 22);
	assert_int_equal(p.payload_off, 22);
	assert_int_equal(p.payload_len, 0);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_arp_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(arp_request), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(arp_reply_padded), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(rarp_request), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(arp_huge_sizes), FX_LEN(arp_huge_sizes));
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(arp_zero_sizes), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_arp_reply_padding),
		cmocka_unit_test(test_arp_rarp),
		cmocka_unit_test(test_arp_addresses_do_not_fit),
		cmocka_unit_test(test_arp_fixed_part_truncated),
		cmocka_unit_test(test_arp_zero_sizes),
		cmocka_unit_test(test_arp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
