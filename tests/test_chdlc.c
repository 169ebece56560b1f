/* test_chdlc.c: unit tests for parsers/chdlc.c (LINKTYPE_C_HDLC: address, control, EtherType-like protocol). */
#include "decode_fixtures.h"

/* Crafted (LINKTYPE_C_HDLC):
 * unicast, ethertype IPv6 (0x86dd), length 67: (hlim 64, next-header TCP (6) payload
 * length: 23) 2001:db8::1.443 > 2001:db8::2.50000: Flags [P.], cksum 0x0000 (incorrect ->
 * 0xf000), seq 1:4, ack 2, win 1024, length 3
 * tshark: chdlc:ipv6:tcp:tls */
static const uint8_t chdlc_ipv6_tcp[] = {
	0x0f, 0x00, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x17, 0x06, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0xbb, 0xc3, 0x50,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x50, 0x18, 0x04, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x47, 0x45, 0x54,
};
/* Crafted (LINKTYPE_C_HDLC, SLARP keepalive):
 * bcast, ethertype Reverse ARP (0x8035), length 22: SLARP (length: 18), keepalive:
 * mineseen=0x00001234, yourseen=0x00005678, reliability=0xffff, link uptime=0d0h1m6s
 * tshark: chdlc:slarp */
static const uint8_t chdlc_slarp[] = {
	0x8f, 0x00, 0x80, 0x35, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x12, 0x34,
	0x00, 0x00, 0x56, 0x78, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03,
};
/* Crafted (LINKTYPE_C_HDLC, MPLS):
 * unicast, ethertype MPLS unicast (0x8847), length 36: MPLS (label 16, tc 0, [S], ttl 63)
 * (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 28) 10.0.0.1.1000
 * > 10.0.0.2.2000: UDP, length 0
 * tshark: chdlc:mpls:ip:udp */
static const uint8_t chdlc_mpls[] = {
	0x0f, 0x00, 0x88, 0x47, 0x00, 0x01, 0x01, 0x3f, 0x45, 0x00, 0x00, 0x1c,
	0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x66, 0xce, 0x0a, 0x00, 0x00, 0x01,
	0x0a, 0x00, 0x00, 0x02, 0x03, 0xe8, 0x07, 0xd0, 0x00, 0x08, 0x00, 0x00,
};
/* Crafted (LINKTYPE_C_HDLC, CDP):
 * bcast, ethertype Unknown (0x2000), length 8:
 * tshark: chdlc:cdp */
static const uint8_t chdlc_cdp[] = {
	0x8f, 0x00, 0x20, 0x00, 0x02, 0xb4, 0x00, 0x00,
};

/* fuzz case: C-HDLC protocol 0x8100 (a VLAN tag on a serial link), then type 0xffff */
static const uint8_t chdlc_fuzz_vlan[] = {
	0x00, 0x06, 0x81, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
};

/* fuzz case: C-HDLC, VLAN tag whose next type is an 802.3 length (LLC), cut in the LLC */
static const uint8_t chdlc_fuzz_vlan_llc[] = {
	0x0f, 0x00, 0x81, 0x00, 0x00, 0x0a, 0x00, 0x40, 0x42,
};

/* Every field: the 4-byte header, the protocol as EtherType, IPv6/TCP below. */
static void test_chdlc_ipv6_tcp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_C_HDLC, FX_FRAME(chdlc_ipv6_tcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.ethertype, 0x86dd);
	FX_HDRS(&p, HDR_CHDLC, HDR_IPV6, HDR_TCP);
	fx_expect_hdr(&p, 0, HDR_CHDLC, 0, 4, 0);
	fx_expect_hdr(&p, 1, HDR_IPV6, 4, 40, 0);
	fx_expect_hdr(&p, 2, HDR_TCP, 44, 20, 0);
	assert_int_equal(p.l3_off, 4);
	assert_int_equal(p.sport, 443);
	assert_int_equal(p.dport, 50000);
	assert_int_equal(p.payload_off, 64);
	assert_int_equal(p.payload_len, 3);
}

/* 0x8035 on C-HDLC is SLARP, not RARP: decoding stops without an error. */
static void test_chdlc_slarp_not_rarp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_C_HDLC, FX_FRAME(chdlc_slarp)), DECODE_OK);
	assert_int_equal(p.layers, 0);
	assert_int_equal(p.ethertype, 0x8035);
	FX_HDRS(&p, HDR_CHDLC);
	assert_int_equal(p.payload_off, 4);
	assert_int_equal(p.payload_len, 18);
	fx_expect_counted(LINKTYPE_C_HDLC, FX_FRAME(chdlc_slarp), EV_NONE);
}

/* MPLS rides on C-HDLC like on Ethernet; CDP (0x2000) just stops. */
static void test_chdlc_mpls_and_cdp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_C_HDLC, FX_FRAME(chdlc_mpls)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_CHDLC, HDR_MPLS, HDR_IPV4, HDR_UDP);
	assert_int_equal(p.dport, 2000);

	assert_int_equal(fx_decode(&p, LINKTYPE_C_HDLC, FX_FRAME(chdlc_cdp)), DECODE_OK);
	assert_int_equal(p.layers, 0);
	assert_int_equal(p.ethertype, 0x2000);
	assert_int_equal(p.payload_off, 4);
	assert_int_equal(p.payload_len, 4);
}

/* Fewer than 4 bytes is chdlc.too_small, with the bytes as the payload. */
static void test_chdlc_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 0; n < 4; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_C_HDLC, chdlc_ipv6_tcp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_CHDLC_TOO_SMALL);
		assert_int_equal(p.nhdrs, 0);
		assert_int_equal(p.payload_len, n);
	}
	fx_expect_counted(LINKTYPE_C_HDLC, chdlc_ipv6_tcp, 2, EV_CHDLC_TOO_SMALL);
}

/* Fuzz regressions: a VLAN tag after C-HDLC is listed but does not fill vlan_*
 * (those are the tags of an Ethernet/SLL header); its 802.3 length leads to LLC. */
static void test_chdlc_fuzz_vlan(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_C_HDLC, FX_FRAME(chdlc_fuzz_vlan)), DECODE_OK);
	assert_int_equal(p.layers, 0);
	assert_int_equal(p.vlan_count, 0);
	FX_HDRS(&p, HDR_CHDLC, HDR_VLAN);
	assert_int_equal(p.ethertype, 0xffff);

	assert_int_equal(fx_decode(&p, LINKTYPE_C_HDLC, FX_FRAME(chdlc_fuzz_vlan_llc)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_LLC_TOO_SMALL);
	assert_int_equal(p.flags, PKT_FLAG_LLC | PKT_FLAG_TRUNCATED);
	assert_int_equal(p.vlan_count, 0);
	FX_HDRS(&p, HDR_CHDLC, HDR_VLAN);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_chdlc_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_C_HDLC, FX_FRAME(chdlc_ipv6_tcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_C_HDLC, FX_FRAME(chdlc_slarp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_C_HDLC, FX_FRAME(chdlc_mpls), FX_AUTO);
	fx_cut_every_length(LINKTYPE_C_HDLC, FX_FRAME(chdlc_cdp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_C_HDLC, FX_FRAME(chdlc_fuzz_vlan), FX_AUTO);
	fx_cut_every_length(LINKTYPE_C_HDLC, FX_FRAME(chdlc_fuzz_vlan_llc), FX_LEN(chdlc_fuzz_vlan_llc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chdlc_ipv6_tcp),
		cmocka_unit_test(test_chdlc_slarp_not_rarp),
		cmocka_unit_test(test_chdlc_mpls_and_cdp),
		cmocka_unit_test(test_chdlc_too_small),
		cmocka_unit_test(test_chdlc_fuzz_vlan),
		cmocka_unit_test(test_chdlc_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
