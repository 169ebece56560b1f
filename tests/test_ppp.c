/* test_ppp.c: unit tests for parsers/ppp.c (LINKTYPE_PPP and PPP_HDLC: optional FF 03, 1- or 2-byte protocol, dispatch). */
#include "decode_fixtures.h"

/* mpls-ppp-traceroute.pcap #1:
 * MPLS (0x0281), length 48: MPLS (label 100704, tc 0, [S], ttl 1) (tos 0x0, ttl 1, id
 * 42316, offset 0, flags [none], proto UDP (17), length 40) 12.4.4.4.42315 >
 * 12.1.1.1.33435: UDP, length 12
 */
static const uint8_t ppp_mpls_udp[] = {
	0xff, 0x03, 0x02, 0x81, 0x18, 0x96, 0x01, 0x01, 0x45, 0x00, 0x00, 0x28,
	0xa5, 0x4c, 0x00, 0x00, 0x01, 0x11, 0xf7, 0x6f, 0x0c, 0x04, 0x04, 0x04,
	0x0c, 0x01, 0x01, 0x01, 0xa5, 0x4b, 0x82, 0x9b, 0x00, 0x14, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* mpls-ppp-traceroute.pcap #14:
 * IP (0x0021), length 60: (tos 0x0, ttl 253, id 50599, offset 0, flags [DF], proto ICMP
 * (1), length 56) 12.1.1.1 > 12.4.4.4: ICMP 12.1.1.1 udp port 33441 unreachable, length 36
 * (tos 0x0, ttl 1, id 42322, offset 0, flags [none], proto UDP (17), length 40)
 * 12.4.4.4.42315 > 12.1.1.1.33441: UDP, length 12
 */
static const uint8_t ppp_icmp_unreach[] = {
	0xff, 0x03, 0x00, 0x21, 0x45, 0x00, 0x00, 0x38, 0xc5, 0xa7, 0x40, 0x00,
	0xfd, 0x01, 0x9b, 0x13, 0x0c, 0x01, 0x01, 0x01, 0x0c, 0x04, 0x04, 0x04,
	0x03, 0x03, 0xd4, 0xfb, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x28,
	0xa5, 0x52, 0x00, 0x00, 0x01, 0x11, 0xf7, 0x69, 0x0c, 0x04, 0x04, 0x04,
	0x0c, 0x01, 0x01, 0x01, 0xa5, 0x4b, 0x82, 0xa1, 0x00, 0x14, 0x00, 0x00,
};

/* Crafted (LINKTYPE_PPP, no FF 03):
 * IP6 (0x0057), length 67: (hlim 64, next-header UDP (17) payload length: 25)
 * 2001:db8::1.40000 > 2001:db8::2.53: [bad udp cksum 0x0000 -> 0xf29c!] 4660+ A? . (17)
 * tshark: ppp:ipv6:udp:dns */
static const uint8_t ppp_ipv6_udp[] = {
	0x00, 0x57, 0x60, 0x00, 0x00, 0x00, 0x00, 0x19, 0x11, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x35, 0x00, 0x19,
	0x00, 0x00, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
};
/* Crafted (LINKTYPE_PPP, protocol-field compression: 0x21):
 * IP (0x0021), length 29: (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1),
 * length 28) 10.0.0.1 > 10.0.0.2: ICMP echo request, id 0, seq 0, length 8
 * tshark: ppp:ip:icmp */
static const uint8_t ppp_pfc_ipv4[] = {
	0x21, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x66,
	0xde, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0xf7,
	0xff, 0x00, 0x00, 0x00, 0x00,
};
/* Crafted (LINKTYPE_PPP, LCP echo request):
 * LCP (0xc021), length 12: LCP, Echo-Request (0x09), id 1, length 10 encoded length 8
 * (=Option(s) length 4) Magic-Num 0x00000001
 * tshark: ppp:lcp */
static const uint8_t ppp_lcp[] = {
	0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01,
};
/* Crafted (LINKTYPE_PPP_HDLC):
 * ff 03 44 IP: (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto TCP (6), length 40)
 * 10.0.0.1.1025 > 10.0.0.2.80: Flags [S], cksum 0x0000 (incorrect -> 0x938c), seq 1, win
 * 1024, length 0
 * tshark: ppp:ip:tcp */
static const uint8_t ppp_hdlc_ipv4[] = {
	0xff, 0x03, 0x00, 0x21, 0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x06, 0x66, 0xcd, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x04, 0x01, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x50, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* Crafted (LINKTYPE_PPP_HDLC, Cisco HDLC framing):
 * unicast, ethertype IPv4 (0x0800), length 34: (tos 0x0, ttl 64, id 1, offset 0, flags
 * [none], proto UDP (17), length 30) 10.0.0.1.5000 > 10.0.0.2.5001: UDP, length 2
 * tshark: ppp:chdlc:ip:udp:cpfi */
static const uint8_t ppp_hdlc_chdlc[] = {
	0x0f, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1e, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x11, 0x66, 0xcc, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x13, 0x88, 0x13, 0x89, 0x00, 0x0a, 0x00, 0x00, 0x61, 0x62,
};

/* FF 03, protocol 0x0281: the MPLS label, then IPv4/UDP; every header listed. */
static void test_ppp_mpls_ipv4_udp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_PPP, FX_FRAME(ppp_mpls_udp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.ppp_proto, 0x0281);
	FX_HDRS(&p, HDR_PPP, HDR_MPLS, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 0, HDR_PPP, 0, 4, 0);
	fx_expect_hdr(&p, 1, HDR_MPLS, 4, 4, 0);
	fx_expect_hdr(&p, 2, HDR_IPV4, 8, 20, 0);
	fx_expect_hdr(&p, 3, HDR_UDP, 28, 8, 0);
	assert_int_equal(p.l3_off, 8);
	assert_int_equal(p.ttl, 1);
	assert_int_equal(p.sport, 42315);
	assert_int_equal(p.dport, 33435);
	assert_int_equal(p.ethertype, 0);
	assert_int_equal(p.tunnels, 0);
	assert_int_equal(p.payload_off, 36);
	assert_int_equal(p.payload_len, 12);
}

/* FF 03, protocol 0x0021: IPv4 (here an ICMP error, its quote listed after it). */
static void test_ppp_ipv4(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_PPP, FX_FRAME(ppp_icmp_unreach)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.ppp_proto, 0x0021);
	FX_HDRS(&p, HDR_PPP, HDR_IPV4, HDR_ICMP, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 1, HDR_IPV4, 4, 20, 0);
	assert_int_equal(p.l3_off, 4);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.quote_off, 32);
	assert_int_equal(p.quote_dport, 33441);
}

/* No FF 03 (LINKTYPE_PPP may leave it out), protocol 0x0057: IPv6/UDP. */
static void test_ppp_ipv6_no_address_control(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_PPP, FX_FRAME(ppp_ipv6_udp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.ppp_proto, 0x0057);
	FX_HDRS(&p, HDR_PPP, HDR_IPV6, HDR_UDP);
	fx_expect_hdr(&p, 0, HDR_PPP, 0, 2, 0);
	assert_int_equal(p.l3_off, 2);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_off, 50);
	assert_int_equal(p.payload_len, 17);
}

/* An odd first protocol byte is a compressed 1-byte protocol (0x21 = IPv4). */
static void test_ppp_protocol_field_compression(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_PPP, FX_FRAME(ppp_pfc_ipv4)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.ppp_proto, 0x0021);
	fx_expect_hdr(&p, 0, HDR_PPP, 0, 1, 0);
	assert_int_equal(p.l3_off, 1);
	assert_int_equal(p.icmp_type, 8);
}

/* A control protocol (LCP) is not an error: decoding stops, its packet is the payload. */
static void test_ppp_control_protocol_stops(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(ppp_lcp)];

	assert_int_equal(fx_decode(&p, LINKTYPE_PPP, FX_FRAME(ppp_lcp)), DECODE_OK);
	assert_int_equal(p.layers, 0);
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.ppp_proto, 0xc021);
	FX_HDRS(&p, HDR_PPP);
	assert_int_equal(p.payload_off, 4);
	assert_int_equal(p.payload_len, 8);
	fx_expect_counted(LINKTYPE_PPP, FX_FRAME(ppp_lcp), EV_NONE);

	/* IPCP, CHAP, and an unassigned protocol likewise */
	static const uint16_t others[] = { 0x8021, 0xc223, 0x1234 };
	memcpy(f, ppp_lcp, sizeof(f));
	for (unsigned i = 0; i < 3; i++) {
		f[2] = (uint8_t)(others[i] >> 8), f[3] = (uint8_t)others[i];
		assert_int_equal(fx_decode(&p, LINKTYPE_PPP, FX_FRAME(f)), DECODE_OK);
		assert_int_equal(p.ppp_proto, others[i]);
		assert_int_equal(p.payload_off, 4);
	}
}

/* A frame cut in FF 03 or the protocol field is ppp.too_small; a lone FF is not a protocol. */
static void test_ppp_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 0; n < 4; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_PPP, ppp_mpls_udp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_PPP_TOO_SMALL);
		assert_int_equal(p.nhdrs, 0);
		assert_int_equal(p.payload_off, 0);
		assert_int_equal(p.payload_len, n);
	}
	assert_int_equal(fx_decode(&p, LINKTYPE_PPP, ppp_ipv6_udp, 1), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_PPP_TOO_SMALL);
	fx_expect_counted(LINKTYPE_PPP, ppp_mpls_udp, 1, EV_PPP_TOO_SMALL);
	fx_expect_counted(LINKTYPE_PPP_HDLC, ppp_hdlc_ipv4, 3, EV_PPP_TOO_SMALL);
}

/* LINKTYPE_PPP_HDLC: FF 03 framing is PPP, a first byte 0x0F / 0x8F is Cisco HDLC. */
static void test_ppp_hdlc_linktype(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(ppp_hdlc_chdlc)];

	assert_int_equal(fx_decode(&p, LINKTYPE_PPP_HDLC, FX_FRAME(ppp_hdlc_ipv4)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	FX_HDRS(&p, HDR_PPP, HDR_IPV4, HDR_TCP);
	assert_int_equal(p.tcp_flags, 0x002);
	assert_int_equal(p.payload_off, 44);
	assert_int_equal(p.payload_len, 0);

	assert_int_equal(fx_decode(&p, LINKTYPE_PPP_HDLC, FX_FRAME(ppp_hdlc_chdlc)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_CHDLC, HDR_IPV4, HDR_UDP);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.ppp_proto, 0);
	assert_int_equal(p.sport, 5000);
	memcpy(f, ppp_hdlc_chdlc, sizeof(f));
	f[0] = 0x8f; /* broadcast */
	assert_int_equal(fx_decode(&p, LINKTYPE_PPP_HDLC, FX_FRAME(f)), DECODE_OK);
	FX_HDRS(&p, HDR_CHDLC, HDR_IPV4, HDR_UDP);
	/* the same PPP frame without FF 03 also decodes on PPP_HDLC */
	assert_int_equal(fx_decode(&p, LINKTYPE_PPP_HDLC, FX_FRAME(ppp_ipv6_udp)), DECODE_OK);
	FX_HDRS(&p, HDR_PPP, HDR_IPV6, HDR_UDP);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_ppp_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_PPP, FX_FRAME(ppp_mpls_udp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_PPP, FX_FRAME(ppp_icmp_unreach), 28); /* ICMP type/code */
	fx_cut_every_length(LINKTYPE_PPP, FX_FRAME(ppp_ipv6_udp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_PPP, FX_FRAME(ppp_pfc_ipv4), 25);
	fx_cut_every_length(LINKTYPE_PPP, FX_FRAME(ppp_lcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_PPP_HDLC, FX_FRAME(ppp_hdlc_ipv4), FX_AUTO);
	fx_cut_every_length(LINKTYPE_PPP_HDLC, FX_FRAME(ppp_hdlc_chdlc), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ppp_mpls_ipv4_udp),
		cmocka_unit_test(test_ppp_ipv4),
		cmocka_unit_test(test_ppp_ipv6_no_address_control),
		cmocka_unit_test(test_ppp_protocol_field_compression),
		cmocka_unit_test(test_ppp_control_protocol_stops),
		cmocka_unit_test(test_ppp_too_small),
		cmocka_unit_test(test_ppp_hdlc_linktype),
		cmocka_unit_test(test_ppp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
