/* test_gtpu.c: unit tests for parsers/gtpu.c (UDP 2152: GTPv1-U flags, optional fields, extension headers, G-PDU). */
#include "decode_fixtures.h"

/* tshark on the three captured frames below: eth:ethertype:ip:udp:gtp:ip:tcp,
 * eth:ethertype:ip:udp:gtp:ipv6:icmpv6, and (with ip.defragment off)
 * eth:ethertype:ip:udp:gtp:ip:tcp; tcpdump does not decode GTP by default. */
/* gtp-u-frag.pcap #1:
 * 88:e0:f3:c8:bf:f0 > 00:00:0c:07:ac:e8, ethertype IPv4 (0x0800), length 102: (tos 0x0,
 * ttl 61, id 0, offset 0, flags [none], proto UDP (17), length 88) 239.114.155.111.2152 >
 * 63.94.149.181.2152: UDP, length 60
 */
static const uint8_t gtpu_ipv4_tcp[] = {
	0x00, 0x00, 0x0c, 0x07, 0xac, 0xe8, 0x88, 0xe0, 0xf3, 0xc8, 0xbf, 0xf0,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x11,
	0x1d, 0xa0, 0xef, 0x72, 0x9b, 0x6f, 0x3f, 0x5e, 0x95, 0xb5, 0x08, 0x68,
	0x08, 0x68, 0x00, 0x44, 0x0b, 0x2a, 0x30, 0xff, 0x00, 0x34, 0x8c, 0x61,
	0xbe, 0x36, 0x45, 0x00, 0x00, 0x34, 0x52, 0x65, 0x40, 0x00, 0x80, 0x06,
	0xb0, 0x30, 0x0a, 0x83, 0x2f, 0xb9, 0x4f, 0x65, 0x6e, 0x8d, 0x07, 0x83,
	0x00, 0x50, 0xcd, 0x6c, 0x69, 0xb7, 0x00, 0x00, 0x00, 0x00, 0x80, 0x02,
	0xff, 0xff, 0x37, 0xf2, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03,
	0x03, 0x01, 0x01, 0x01, 0x04, 0x02,
};
/* gtp-u-ipv6.pcap #2:
 * 88:e0:f3:c8:bf:f0 > 00:00:0c:07:ac:e8, ethertype IPv4 (0x0800), length 106: (tos 0x0,
 * ttl 60, id 19072, offset 0, flags [none], proto UDP (17), length 92) 118.92.124.41.2152
 * > 118.92.124.72.2152: UDP, length 64
 */
static const uint8_t gtpu_ipv6_icmpv6[] = {
	0x00, 0x00, 0x0c, 0x07, 0xac, 0xe8, 0x88, 0xe0, 0xf3, 0xc8, 0xbf, 0xf0,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x5c, 0x4a, 0x80, 0x00, 0x00, 0x3c, 0x11,
	0x4e, 0xe7, 0x76, 0x5c, 0x7c, 0x29, 0x76, 0x5c, 0x7c, 0x48, 0x08, 0x68,
	0x08, 0x68, 0x00, 0x48, 0x67, 0xc9, 0x30, 0xff, 0x00, 0x38, 0x91, 0x36,
	0x44, 0x67, 0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x22, 0x4c, 0x4f, 0xff, 0xfe, 0x43,
	0x41, 0x4c, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x85, 0x00, 0x19, 0x77, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01, 0x20, 0x4c, 0x4f, 0x43, 0x41, 0x4c,
};
/* gtp-u-ext-header.pcap #1, first 130 of 1514 bytes (outer IPv4 first fragment; GTP-U with sequence number and a PDCP extension header):
 * e8:b7:48:10:e1:28 > 12:00:01:02:31:00, ethertype IPv4 (0x0800), length 1514: (tos 0x58,
 * ttl 254, id 8332, offset 0, flags [+], proto UDP (17), length 1500) 10.155.148.149.9000
 * > 10.155.148.157.2152: UDP, length 1516
 */
static const uint8_t gtpu_ext_first_frag[] = {
	0x12, 0x00, 0x01, 0x02, 0x31, 0x00, 0xe8, 0xb7, 0x48, 0x10, 0xe1, 0x28,
	0x08, 0x00, 0x45, 0x58, 0x05, 0xdc, 0x20, 0x8c, 0x20, 0x00, 0xfe, 0x11,
	0x37, 0xc4, 0x0a, 0x9b, 0x94, 0x95, 0x0a, 0x9b, 0x94, 0x9d, 0x23, 0x28,
	0x08, 0x68, 0x05, 0xf4, 0x00, 0x00, 0x36, 0xff, 0x05, 0xe4, 0x00, 0x10,
	0x06, 0x57, 0x00, 0x05, 0x00, 0xc0, 0x01, 0x09, 0x04, 0x00, 0x45, 0x00,
	0x05, 0xdc, 0xdc, 0xfa, 0x40, 0x00, 0x3f, 0x06, 0xd2, 0xe7, 0x0a, 0x9b,
	0xb6, 0xca, 0x0a, 0x9b, 0xba, 0x39, 0xa2, 0x27, 0x17, 0x75, 0x96, 0x12,
	0xe6, 0x03, 0x22, 0x01, 0x54, 0x9a, 0x80, 0x10, 0x00, 0x2e, 0xae, 0x8a,
	0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x47, 0xe0, 0xcb, 0x7a, 0x00, 0x02,
	0xd5, 0xff, 0x36, 0x37, 0x38, 0x39, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
	0x36, 0x37, 0x38, 0x39, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
};

/* Crafted (GTP-U echo request (message type 1) with sequence number):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 54: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto UDP (17), length 40) 10.0.0.1.2152 >
 * 10.0.0.2.2152: UDP, length 12
 * tshark: eth:ethertype:ip:udp:gtp */
static const uint8_t gtpu_echo[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0xc2, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x68,
	0x08, 0x68, 0x00, 0x14, 0x00, 0x00, 0x32, 0x01, 0x00, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x07, 0x00, 0x00,
};
/* Crafted (GTP-U G-PDU with two extension headers (PDU session container, PDCP number)):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 96: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto UDP (17), length 82) 10.0.0.1.40000 >
 * 10.0.0.2.2152: UDP, length 54
 * tshark: eth:ethertype:ip:udp:gtp:ip:udp:data */
static const uint8_t gtpu_two_ext[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x52, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0x98, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
	0x08, 0x68, 0x00, 0x3e, 0x00, 0x00, 0x34, 0xff, 0x00, 0x2e, 0xab, 0xcd,
	0xef, 0x01, 0x00, 0x00, 0x00, 0x85, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xc0, 0x01, 0x00, 0x01, 0x00, 0x45, 0x00, 0x00, 0x1e, 0x00, 0x01,
	0x00, 0x00, 0x40, 0x11, 0x66, 0xcc, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
	0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x7a, 0x7a,
};

/* A G-PDU without optional fields: TEID in tunnel_id, the inner IPv4/TCP flow in the fields. */
static void test_gtpu_gpdu_ipv4(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gtpu_ipv4_tcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, 0);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GTPU, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 3, HDR_GTPU, 42, 8, 0);
	fx_expect_hdr(&p, 4, HDR_IPV4, 50, 20, 0);
	fx_expect_hdr(&p, 5, HDR_TCP, 70, 32, 0);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.tunnel_id, 0x8c61be36u);
	assert_int_equal(p.l3_off, 50);
	assert_int_equal(p.sport, 1923);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.payload_off, 102);
	assert_int_equal(p.payload_len, 0);
}

/* A G-PDU carrying IPv6: picked by the first nibble. */
static void test_gtpu_gpdu_ipv6(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gtpu_ipv6_icmpv6)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_ICMPV6));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GTPU, HDR_IPV6, HDR_ICMPV6);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.l3_off, 50);
	assert_int_equal(p.l4_off, 90);
	assert_int_equal(p.icmp_type, 133); /* router solicitation */
	/* a nibble other than 4 or 6 ends decoding after the header */
	uint8_t f[sizeof(gtpu_ipv6_icmpv6)];
	memcpy(f, gtpu_ipv6_icmpv6, sizeof(f));
	f[50] = 0x00;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GTPU);
	assert_int_equal(p.tunnels, 1); /* the G-PDU was entered */
	assert_int_equal(p.payload_off, 50);
}

/* E and S flags: the 4 optional bytes and a PDCP extension header, inside an outer first fragment
 * (whose UDP and GTP lengths span the next fragment: not a truncated capture). */
static void test_gtpu_extension_header_in_fragment(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gtpu_ext_first_frag)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	/* FRAGMENT from the outer header; TRUNCATED only because the fixture keeps
	 * 130 of the 1514 bytes the outer IPv4 declares */
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT | PKT_FLAG_TRUNCATED);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GTPU, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 3, HDR_GTPU, 42, 16, 0);
	assert_int_equal(p.tunnel_id, 1050199);
	assert_int_equal(p.l3_off, 58);
	assert_memory_equal(p.data + p.l3_off + 12, "\x0a\x9b\xb6\xca\x0a\x9b\xba\x39", 8);
	assert_int_equal(p.frag_mf, 0); /* the inner header's */
	assert_int_equal(p.sport, 41511);
	assert_int_equal(p.dport, 6005);

	/* two extension headers chained */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gtpu_two_ext)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GTPU, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 3, HDR_GTPU, 42, 24, 0);
	assert_int_equal(p.tunnel_id, 0xabcdef01u);
	assert_int_equal(p.l3_off, 66);
}

/* Other message types (echo) and GTPv2 / GTP' stop quietly; other versions are gtpu.bad_version. */
static void test_gtpu_non_gpdu(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(gtpu_ipv4_tcp)];

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gtpu_echo)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GTPU);
	fx_expect_hdr(&p, 3, HDR_GTPU, 42, 12, 0);
	assert_int_equal(p.tunnels, 0);
	assert_int_equal(p.payload_off, 54);
	assert_int_equal(p.payload_len, 0);

	memcpy(f, gtpu_ipv4_tcp, sizeof(f));
	f[42] = 0x48; /* GTPv2 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_GTPU);
	assert_int_equal(p.payload_off, 42);
	f[42] = 0x20; /* version 1, PT 0: GTP' */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.tunnels, 0);
	for (unsigned v = 0; v < 8; v++) {
		if (v == 1 || v == 2)
			continue;
		f[42] = (uint8_t)(v << 5 | 0x10);
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
		assert_int_equal(p.error, EV_GTPU_BAD_VERSION);
		assert_int_equal(p.payload_off, 42);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_GTPU_BAD_VERSION);
}

/* Extension length 0 is gtpu.bad_ext_len; a chain past the GTP length is gtpu.ext_truncated. */
static void test_gtpu_bad_extensions(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(gtpu_two_ext)];

	memcpy(f, gtpu_two_ext, sizeof(f));
	f[54] = 0x00; /* first extension: length 0 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_GTPU_BAD_EXT_LEN);
	fx_expect_hdr(&p, 3, HDR_GTPU, 42, 8, 0);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_GTPU_BAD_EXT_LEN);

	memcpy(f, gtpu_two_ext, sizeof(f));
	f[54] = 0x40; /* 256 bytes */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_GTPU_EXT_TRUNCATED);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_GTPU_EXT_TRUNCATED);

	memcpy(f, gtpu_two_ext, sizeof(f));
	f[44] = 0x00, f[45] = 0x0a; /* GTP length 10: ends in the first extension */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_GTPU_EXT_TRUNCATED);
}

/* A fixed header or optional bytes cut short are gtpu.too_small. */
static void test_gtpu_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 42; n < 54; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, gtpu_echo, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_GTPU_TOO_SMALL);
		assert_int_equal(p.nhdrs, n < 50 ? 3 : 4);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, gtpu_ipv4_tcp, 47, EV_GTPU_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_gtpu_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gtpu_ipv4_tcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gtpu_ipv6_icmpv6), 94); /* ICMPv6 type/code */
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gtpu_ext_first_frag), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gtpu_echo), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gtpu_two_ext), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gtpu_gpdu_ipv4),
		cmocka_unit_test(test_gtpu_gpdu_ipv6),
		cmocka_unit_test(test_gtpu_extension_header_in_fragment),
		cmocka_unit_test(test_gtpu_non_gpdu),
		cmocka_unit_test(test_gtpu_bad_extensions),
		cmocka_unit_test(test_gtpu_too_small),
		cmocka_unit_test(test_gtpu_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
