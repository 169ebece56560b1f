/* test_sctp.c: unit tests for parsers/sctp.c (common header, chunk walk, chunk length checks). */
#include "decode_fixtures.h"

/* sctp.pcap #1:
 * 00:e0:18:b1:0c:ad > 00:60:08:45:e4:55, ethertype IPv4 (0x0800), length 78: (tos 0x10,
 * ttl 64, id 0, offset 0, flags [DF], proto SCTP (132), length 64) 192.168.170.8.7 >
 * 192.168.170.56.7: sctp (1) [INIT] [init tag: 1126376772] [rwnd: 65535] [OS: 17] [MIS:
 * 17] [init TSN: 1560164255]
 */
static const uint8_t sctp_init[] = {
	0x00, 0x60, 0x08, 0x45, 0xe4, 0x55, 0x00, 0xe0, 0x18, 0xb1, 0x0c, 0xad,
	0x08, 0x00, 0x45, 0x10, 0x00, 0x40, 0x00, 0x00, 0x40, 0x00, 0x40, 0x84,
	0x64, 0x98, 0xc0, 0xa8, 0xaa, 0x08, 0xc0, 0xa8, 0xaa, 0x38, 0x00, 0x07,
	0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x37, 0x61, 0xa7, 0x46, 0x01, 0x00,
	0x00, 0x20, 0x43, 0x23, 0x25, 0x44, 0x00, 0x00, 0xff, 0xff, 0x00, 0x11,
	0x00, 0x11, 0x5c, 0xfe, 0x37, 0x9f, 0xc0, 0x00, 0x00, 0x04, 0x00, 0x0c,
	0x00, 0x06, 0x00, 0x05, 0x00, 0x00,
};
/* sctp.pcap #4:
 * 00:60:08:45:e4:55 > 00:e0:18:b1:0c:ad, ethertype IPv4 (0x0800), length 50: (tos 0x0, ttl
 * 128, id 45294, offset 0, flags [none], proto SCTP (132), length 36) 192.168.170.56.7 >
 * 192.168.170.8.7: sctp (1) [COOKIE ACK]
 */
static const uint8_t sctp_cookie_ack[] = {
	0x00, 0xe0, 0x18, 0xb1, 0x0c, 0xad, 0x00, 0x60, 0x08, 0x45, 0xe4, 0x55,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x24, 0xb0, 0xee, 0x00, 0x00, 0x80, 0x84,
	0xb3, 0xd5, 0xc0, 0xa8, 0xaa, 0x38, 0xc0, 0xa8, 0xaa, 0x08, 0x00, 0x07,
	0x00, 0x07, 0x43, 0x23, 0x25, 0x44, 0xce, 0xec, 0x2d, 0x79, 0x0b, 0x00,
	0x00, 0x04,
};
/* sctp.pcap #12, first 120 of 590 bytes (SACK and DATA bundled, cut by the fixture):
 * 00:e0:18:b1:0c:ad > 00:60:08:45:e4:55, ethertype IPv4 (0x0800), length 590: (tos 0x10,
 * ttl 64, id 0, offset 0, flags [DF], proto SCTP (132), length 576) 192.168.170.8.7 >
 * 192.168.170.56.7: sctp (1) [SACK] [cum ack 13845] [a_rwnd 65535] [#gap acks 0] [#dup
 * tsns 0] , (2) [DATA] (U)(B)(E) [TSN: 1560164263] [SID: 8] [SSEQ 0] [PPID 0x0]
 */
static const uint8_t sctp_sack_data[] = {
	0x00, 0x60, 0x08, 0x45, 0xe4, 0x55, 0x00, 0xe0, 0x18, 0xb1, 0x0c, 0xad,
	0x08, 0x00, 0x45, 0x10, 0x02, 0x40, 0x00, 0x00, 0x40, 0x00, 0x40, 0x84,
	0x62, 0x98, 0xc0, 0xa8, 0xaa, 0x08, 0xc0, 0xa8, 0xaa, 0x38, 0x00, 0x07,
	0x00, 0x07, 0x00, 0x00, 0x0e, 0xb0, 0x7d, 0xe3, 0x2f, 0xd6, 0x03, 0x00,
	0x00, 0x10, 0x00, 0x00, 0x36, 0x15, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x07, 0x02, 0x10, 0x5c, 0xfe, 0x37, 0xa7, 0x00, 0x08,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Crafted (SCTP, a chunk with length 2):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 58: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto SCTP (132), length 44) 10.0.0.1.2905 >
 * 10.0.0.2.2905: sctp (1) [Bad chunk length 2, < size of chunk descriptor]
 * tshark: eth:ethertype:ip:sctp */
static const uint8_t sctp_bad_chunk_len[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x84,
	0x66, 0x4b, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x0b, 0x59,
	0x0b, 0x59, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* Crafted (SCTP, a DATA chunk whose length passes the IP length):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 62: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto SCTP (132), length 48) 10.0.0.1.2905 >
 * 10.0.0.2.2905: sctp [|sctp]
 * tshark: eth:ethertype:ip:sctp:m3ua */
static const uint8_t sctp_chunk_past_end[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x40, 0x84,
	0x66, 0x47, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x0b, 0x59,
	0x0b, 0x59, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x00, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};
/* Crafted (SCTP, COOKIE-ECHO-like 4-byte chunk then a 21-byte chunk without its padding):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 71: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto SCTP (132), length 57) 10.0.0.1.2905 >
 * 10.0.0.2.2905: sctp (1) [COOKIE ECHO] , (2) [DATA] (B)(E) [TSN: 0] [SID: 0] [SSEQ 0]
 * [PPID 0x0]  [|sctp]
 * tshark: eth:ethertype:ip:sctp:m3ua */
static const uint8_t sctp_unpadded_last[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x39, 0x00, 0x01, 0x00, 0x00, 0x40, 0x84,
	0x66, 0x3e, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x0b, 0x59,
	0x0b, 0x59, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00,
	0x00, 0x04, 0x00, 0x03, 0x00, 0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* The common header: ports, verification tag, l4_off; one INIT chunk; no layer bit. */
static void test_sctp_init(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(sctp_init)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, 0);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_SCTP);
	fx_expect_hdr(&p, 2, HDR_SCTP, 34, 12, 0);
	assert_int_equal(p.proto, 132);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.sport, 7);
	assert_int_equal(p.dport, 7);
	assert_int_equal(p.sctp_vtag, 0); /* INIT carries tag 0 */
	assert_int_equal(p.sctp_chunk_type, 1);
	assert_int_equal(p.sctp_nchunks, 1);
	assert_int_equal(p.payload_off, 46); /* the chunk list */
	assert_int_equal(p.payload_len, 32);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(sctp_cookie_ack)), DECODE_OK);
	assert_int_equal(p.sctp_vtag, 0x43232544);
	assert_int_equal(p.sctp_chunk_type, 11);
	assert_int_equal(p.sctp_nchunks, 1);
	assert_int_equal(p.payload_len, 4);
}

/* Bundled chunks are counted; in a capture cut short the walk stops at the cut chunk, no error. */
static void test_sctp_bundled_chunks(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(sctp_sack_data)), DECODE_OK);
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.sctp_vtag, 0x00000eb0);
	assert_int_equal(p.sctp_chunk_type, 3); /* SACK first */
	assert_int_equal(p.sctp_nchunks, 1);     /* the DATA chunk is cut */

	/* the last chunk's padding may be left out */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(sctp_unpadded_last)), DECODE_OK);
	assert_int_equal(p.sctp_chunk_type, 10);
	assert_int_equal(p.sctp_nchunks, 2);
	assert_int_equal(p.sctp_vtag, 0xdeadbeef);
	assert_int_equal(p.sport, 2905);
}

/* A chunk length below 4 is sctp.bad_chunk_len; past the declared IP length, sctp.chunk_truncated. */
static void test_sctp_bad_chunks(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(sctp_bad_chunk_len)), DECODE_INVALID);
	assert_int_equal(p.error, EV_SCTP_BAD_CHUNK_LEN);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_SCTP);
	assert_int_equal(p.sctp_chunk_type, 3);
	assert_int_equal(p.sctp_nchunks, 0);
	assert_int_equal(p.sport, 2905);
	assert_int_equal(p.payload_off, 46);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(sctp_bad_chunk_len), EV_SCTP_BAD_CHUNK_LEN);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(sctp_chunk_past_end)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_SCTP_CHUNK_TRUNCATED);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.sctp_nchunks, 0);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(sctp_chunk_past_end), EV_SCTP_CHUNK_TRUNCATED);

	/* 1 to 3 stray bytes after the last chunk: no room for a chunk header */
	uint8_t f[sizeof(sctp_cookie_ack) + 2];
	memcpy(f, sctp_cookie_ack, sizeof(sctp_cookie_ack));
	f[50] = f[51] = 0;
	f[17] = 38; /* IP total length 38 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_SCTP_CHUNK_TRUNCATED);
	assert_int_equal(p.sctp_nchunks, 1);
}

/* Fewer than 12 bytes is sctp.too_small, with no SCTP fields set. */
static void test_sctp_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 34; n < 46; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, sctp_init, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_SCTP_TOO_SMALL);
		FX_HDRS(&p, HDR_ETH, HDR_IPV4);
		assert_int_equal(p.l4_off, 0);
		assert_int_equal(p.sport, 0);
		assert_int_equal(p.payload_off, 34);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, sctp_init, 40, EV_SCTP_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_sctp_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(sctp_init), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(sctp_cookie_ack), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(sctp_sack_data), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(sctp_unpadded_last), FX_AUTO);
	/* cut short, the malformed ones look like captures cut inside a chunk:
	 * decoded safely, the walk just stops */
	struct pkt p;
	for (uint32_t n = 46; n < FX_LEN(sctp_chunk_past_end); n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, sctp_chunk_past_end, n), DECODE_OK);
		assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
		assert_int_equal(p.sctp_nchunks, 0);
	}
	for (uint32_t n = 0; n <= FX_LEN(sctp_bad_chunk_len); n++)
		fx_decode(&p, LINKTYPE_ETHERNET, sctp_bad_chunk_len, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sctp_init),
		cmocka_unit_test(test_sctp_bundled_chunks),
		cmocka_unit_test(test_sctp_bad_chunks),
		cmocka_unit_test(test_sctp_too_small),
		cmocka_unit_test(test_sctp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
