/* test_mpls.c: unit tests for parsers/mpls.c (label stacks to the bottom, IPv4/IPv6 by the first nibble, caps). */
#include "decode_fixtures.h"

/* mpls.pcap #1:
 * 00:30:96:05:28:38 > 00:30:96:e6:fc:39, ethertype MPLS unicast (0x8847), length 62: MPLS
 * (label 29, tc 6, [S], ttl 255) (tos 0xc0, ttl 255, id 0, offset 0, flags [none], proto
 * TCP (6), length 44) 10.1.2.1.11001 > 10.34.0.1.23: Flags [S], cksum 0xa240 (correct),
 * seq 2553417723, win 4128, options [mss 536], length 0
 */
static const uint8_t mpls_ipv4_tcp[] = {
	0x00, 0x30, 0x96, 0xe6, 0xfc, 0x39, 0x00, 0x30, 0x96, 0x05, 0x28, 0x38,
	0x88, 0x47, 0x00, 0x01, 0xdd, 0xff, 0x45, 0xc0, 0x00, 0x2c, 0x00, 0x00,
	0x00, 0x00, 0xff, 0x06, 0xa4, 0xe7, 0x0a, 0x01, 0x02, 0x01, 0x0a, 0x22,
	0x00, 0x01, 0x2a, 0xf9, 0x00, 0x17, 0x98, 0x32, 0x0f, 0xfb, 0x00, 0x00,
	0x00, 0x00, 0x60, 0x02, 0x10, 0x20, 0xa2, 0x40, 0x00, 0x00, 0x02, 0x04,
	0x02, 0x18,
};
/* mpls-stack-in-vlan.pcap #3, first 90 of 736 bytes (two labels):
 * 00:08:e3:41:41:41 > 00:08:e3:41:41:41, ethertype 802.1Q (0x8100), length 736: vlan 3399,
 * p 0, ethertype MPLS unicast (0x8847), MPLS (label 254, tc 0, ttl 60) (label 99, tc 0,
 * [S], ttl 60) (tos 0x0, ttl 61, id 22774, offset 0, flags [DF], proto TCP (6), length
 * 710, bad cksum b72c (->dd37)!) 65.65.65.65.61193 > 65.65.65.65.80: Flags [P.], cksum
 * 0xc194 (incorrect -> 0xfb9c), seq 2629953142:2629953800, ack 1594306258, win 25480, ...
 */
static const uint8_t mpls_stack_in_vlan[] = {
	0x00, 0x08, 0xe3, 0x41, 0x41, 0x41, 0x00, 0x08, 0xe3, 0x41, 0x41, 0x41,
	0x81, 0x00, 0x0d, 0x47, 0x88, 0x47, 0x00, 0x0f, 0xe0, 0x3c, 0x00, 0x06,
	0x31, 0x3c, 0x45, 0x00, 0x02, 0xc6, 0x58, 0xf6, 0x40, 0x00, 0x3d, 0x06,
	0xb7, 0x2c, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0xef, 0x09,
	0x00, 0x50, 0x9c, 0xc1, 0xe6, 0x76, 0x5f, 0x07, 0x2e, 0xd2, 0x80, 0x18,
	0x63, 0x88, 0xc1, 0x94, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x00, 0xa4,
	0x60, 0xde, 0x48, 0xbb, 0x56, 0x18, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x41,
	0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
};

/* Crafted (MPLS multicast 0x8848, one label, IPv6/UDP):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype MPLS multicast (0x8848), length 69:
 * MPLS (label 300, tc 0, [S], ttl 64) (hlim 64, next-header UDP (17) payload length: 11)
 * 2001:db8::1.5353 > 2001:db8::2.5353: [bad udp cksum 0x0000 -> 0x992b!] domain [length 3
 * < 12] (invalid)
 * tshark: eth:ethertype:mpls:ipv6:udp:mdns */
static const uint8_t mpls_ipv6[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x88, 0x48, 0x00, 0x12, 0xc1, 0x40, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x14, 0xe9,
	0x14, 0xe9, 0x00, 0x0b, 0x00, 0x00, 0x68, 0x65, 0x79,
};
/* Crafted (MPLS, two labels, then first nibble 0 (pseudowire)):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype MPLS unicast (0x8847), length 68: MPLS
 * (label 20, tc 0, ttl 64) (label 21, tc 0, [S], ttl 64) 0x0000:  0000 0000 0011 2233 4455
 * 0066 7788 99aa  ......"3DU.fw... 0x0010:  0800 4500 001c 0001 0000 4011 66ce 0a00
 * ..E.......@.f... 0x0020:  0001 0a00 0002 0001 0002 0008 0000       ..............
 * tshark: eth:ethertype:mpls:pwethheuristic:pwethcw:eth:ethertype:ip:udp */
static const uint8_t mpls_pw[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x88, 0x47, 0x00, 0x01, 0x40, 0x40, 0x00, 0x01, 0x51, 0x40, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x11, 0x66, 0xce, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x00, 0x01, 0x00, 0x02, 0x00, 0x08, 0x00, 0x00,
};
/* Crafted (MPLS, nine labels):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype MPLS unicast (0x8847), length 78: MPLS
 * (label 100, tc 0, ttl 64) (label 101, tc 0, ttl 64) (label 102, tc 0, ttl 64) (label
 * 103, tc 0, ttl 64) (label 104, tc 0, ttl 64) (label 105, tc 0, ttl 64) (label 106, tc 0,
 * ttl 64) (label 107, tc 0, ttl 64) (label 200, tc 0, [S], ttl 64) (tos 0x0, ttl 64, id 1,
 * offset 0, flags [none], proto UDP (17), length 28) 10.0.0.1.1 > 10.0.0.2.2: UDP, length
 * 0
 * tshark: eth:ethertype:mpls:ip:udp */
static const uint8_t mpls_deep[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x88, 0x47, 0x00, 0x06, 0x40, 0x40, 0x00, 0x06, 0x50, 0x40, 0x00, 0x06,
	0x60, 0x40, 0x00, 0x06, 0x70, 0x40, 0x00, 0x06, 0x80, 0x40, 0x00, 0x06,
	0x90, 0x40, 0x00, 0x06, 0xa0, 0x40, 0x00, 0x06, 0xb0, 0x40, 0x00, 0x0c,
	0x81, 0x40, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0xce, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x01,
	0x00, 0x02, 0x00, 0x08, 0x00, 0x00,
};

/* One label with S set: one hdrs entry (the label is read at its offset), then IPv4/TCP. */
static void test_mpls_one_label(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(mpls_ipv4_tcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.ethertype, 0x8847);
	FX_HDRS(&p, HDR_ETH, HDR_MPLS, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 1, HDR_MPLS, 14, 4, 0);
	const uint8_t *l = p.data + p.hdrs[1].off;
	assert_int_equal(((uint32_t)l[0] << 12 | l[1] << 4 | l[2] >> 4), 29); /* label */
	assert_int_equal(l[3], 255);                                          /* TTL */
	assert_int_equal(p.l3_off, 18);
	assert_int_equal(p.ttl, 255);
	assert_int_equal(p.sport, 11001);
	assert_int_equal(p.dport, 23);
	assert_int_equal(p.tunnels, 0);
	assert_int_equal(p.payload_off, 62);
	assert_int_equal(p.payload_len, 0);
}

/* A two-label stack inside a VLAN tag: two entries, outer label first. */
static void test_mpls_stack_in_vlan(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(mpls_stack_in_vlan)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.vlan_id[0], 3399);
	FX_HDRS(&p, HDR_ETH, HDR_VLAN, HDR_MPLS, HDR_MPLS, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 2, HDR_MPLS, 18, 4, 0);
	fx_expect_hdr(&p, 3, HDR_MPLS, 22, 4, 0);
	assert_int_equal(p.data[p.hdrs[2].off + 2] & 1, 0); /* S clear on the first */
	assert_int_equal(p.data[p.hdrs[3].off + 2] & 1, 1);
	assert_int_equal(p.l3_off, 26);
	assert_int_equal(p.dport, 80);
}

/* 0x8848 and a first nibble of 6: IPv6; a nibble of 0 (a pseudowire) stops without an error. */
static void test_mpls_payload_guess(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(mpls_ipv6)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_MPLS, HDR_IPV6, HDR_UDP);
	assert_int_equal(p.l3_off, 18);
	assert_int_equal(p.dport, 5353);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(mpls_pw)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	FX_HDRS(&p, HDR_ETH, HDR_MPLS, HDR_MPLS);
	assert_int_equal(p.eth_off, 0);
	assert_int_equal(p.payload_off, 22);
	assert_int_equal(p.payload_len, FX_LEN(mpls_pw) - 22);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(mpls_pw), EV_NONE);
}

/* Nine labels pass DECODE_MPLS_MAX_DEPTH: mpls.too_deep after eight entries. */
static void test_mpls_too_deep(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(mpls_deep)), DECODE_INVALID);
	assert_int_equal(p.error, EV_MPLS_TOO_DEEP);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.nhdrs, 1 + DECODE_MPLS_MAX_DEPTH);
	assert_int_equal(p.payload_off, 14 + 4 * DECODE_MPLS_MAX_DEPTH);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(mpls_deep), EV_MPLS_TOO_DEEP);
	/* eight labels are fine */
	uint8_t f[sizeof(mpls_deep)];
	memcpy(f, mpls_deep, sizeof(f));
	f[14 + 4 * 7 + 2] |= 1; /* S on the eighth */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.nhdrs, 1 + DECODE_MPLS_MAX_DEPTH);
	assert_int_equal(p.payload_off, 14 + 4 * DECODE_MPLS_MAX_DEPTH); /* nibble 0: not guessed */
}

/* A label cut short, a stack without S running to the end, or nothing after S: mpls.too_small. */
static void test_mpls_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 14; n < 19; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, mpls_ipv4_tcp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_MPLS_TOO_SMALL);
		assert_int_equal(p.nhdrs, n < 18 ? 1 : 2);
	}
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, mpls_stack_in_vlan, 22), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_MPLS_TOO_SMALL);
	fx_expect_counted(LINKTYPE_ETHERNET, mpls_ipv4_tcp, 16, EV_MPLS_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_mpls_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(mpls_ipv4_tcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(mpls_stack_in_vlan), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(mpls_ipv6), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(mpls_pw), 23); /* one byte after S */
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(mpls_deep), FX_LEN(mpls_deep));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mpls_one_label),
		cmocka_unit_test(test_mpls_stack_in_vlan),
		cmocka_unit_test(test_mpls_payload_guess),
		cmocka_unit_test(test_mpls_too_deep),
		cmocka_unit_test(test_mpls_too_small),
		cmocka_unit_test(test_mpls_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
