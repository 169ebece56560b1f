/* test_pppoe.c: unit tests for parsers/pppoe.c (PPPoE discovery and session headers, length, PPP inside). */
#include "decode_fixtures.h"

/* pppoe.pcap #1:
 * cc:05:0e:88:00:00 > ff:ff:ff:ff:ff:ff, ethertype PPPoE D (0x8863), length 60: PPPoE PADI
 * [Service-Name] [Host-Uniq 0x64138518]
 */
static const uint8_t pppoe_padi[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xcc, 0x05, 0x0e, 0x88, 0x00, 0x00,
	0x88, 0x63, 0x11, 0x09, 0x00, 0x00, 0x00, 0x0c, 0x01, 0x01, 0x00, 0x00,
	0x01, 0x03, 0x00, 0x04, 0x64, 0x13, 0x85, 0x18, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* pppoe.pcap #5:
 * cc:05:0e:88:00:00 > ca:01:0e:88:00:06, ethertype PPPoE S (0x8864), length 60: PPPoE
 * [ses 0x11] LCP (0xc021), length 12: LCP, Conf-Request (0x01), id 1, length 12 encoded
 * length 10 (=Option(s) length 6) Magic-Num Option (0x05), length 6: 0x05fcd459
 */
static const uint8_t pppoe_lcp[] = {
	0xca, 0x01, 0x0e, 0x88, 0x00, 0x06, 0xcc, 0x05, 0x0e, 0x88, 0x00, 0x00,
	0x88, 0x64, 0x11, 0x00, 0x00, 0x11, 0x00, 0x0c, 0xc0, 0x21, 0x01, 0x01,
	0x00, 0x0a, 0x05, 0x06, 0x05, 0xfc, 0xd4, 0x59, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* pppoe.pcap #36, first 90 of 120 bytes:
 * cc:05:0e:88:00:00 > ca:01:0e:88:00:06, ethertype PPPoE S (0x8864), length 120: PPPoE
 * [ses 0x11] IP6 (0x0057), length 100: (class 0xe0, hlim 255, next-header UDP (17) payload
 * length: 58) fe80::ce05:eff:fe88:0.546 > ff02::1:2.547: [udp sum ok] dhcp6 solicit
 * (xid=fc24ab (elapsed-time 1513) (client-ID hwaddr type 1 cc050e880000) (option-request
 * IA_PD DNS-server DNS-search-list) (IA_PD IAID:589825 T1:0 T2:0))
 */
static const uint8_t pppoe_ipv6_udp[] = {
	0xca, 0x01, 0x0e, 0x88, 0x00, 0x06, 0xcc, 0x05, 0x0e, 0x88, 0x00, 0x00,
	0x88, 0x64, 0x11, 0x00, 0x00, 0x11, 0x00, 0x64, 0x00, 0x57, 0x6e, 0x00,
	0x00, 0x00, 0x00, 0x3a, 0x11, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xce, 0x05, 0x0e, 0xff, 0xfe, 0x88, 0x00, 0x00, 0xff, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x02, 0x02, 0x22, 0x02, 0x23, 0x00, 0x3a, 0x1a, 0x67, 0x01, 0xfc,
	0x24, 0xab, 0x00, 0x08, 0x00, 0x02, 0x05, 0xe9, 0x00, 0x01, 0x00, 0x0a,
	0x00, 0x03, 0x00, 0x01, 0xcc, 0x05,
};
/* pppoe-over-qinq.pcap #1:
 * 00:00:00:00:00:00 > 00:00:00:00:00:01, ethertype 802.1Q (0x8100), length 94: vlan 3704,
 * p 0, ethertype 802.1Q (0x8100), vlan 2474, p 0, ethertype PPPoE S (0x8864), PPPoE  [ses
 * 0xf07] IP (0x0021), length 66: (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP
 * (6), length 64) 1.1.1.1.20394 > 2.2.2.2.443: Flags [S], cksum 0xeced (correct), seq
 * 3618128213, win 65535, options [mss 1440,nop,wscale 6,nop,nop,TS val 19781772 ecr
 * 0,sackOK,eol], length 0
 */
static const uint8_t pppoe_qinq_ipv4_tcp[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x81, 0x00, 0x0e, 0x78, 0x81, 0x00, 0x09, 0xaa, 0x88, 0x64, 0x11, 0x00,
	0x0f, 0x07, 0x00, 0x42, 0x00, 0x21, 0x45, 0x00, 0x00, 0x40, 0x00, 0x00,
	0x40, 0x00, 0x3f, 0x06, 0x35, 0xb3, 0x01, 0x01, 0x01, 0x01, 0x02, 0x02,
	0x02, 0x02, 0x4f, 0xaa, 0x01, 0xbb, 0xd7, 0xa8, 0x41, 0x55, 0x00, 0x00,
	0x00, 0x00, 0xb0, 0x02, 0xff, 0xff, 0xec, 0xed, 0x00, 0x00, 0x02, 0x04,
	0x05, 0xa0, 0x01, 0x03, 0x03, 0x06, 0x01, 0x01, 0x08, 0x0a, 0x01, 0x2d,
	0xd8, 0x8c, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};

/* A discovery packet (PADI): the 6-byte header, code and session id, tags as the payload, no error. */
static void test_pppoe_discovery(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(pppoe_padi)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.ethertype, 0x8863);
	FX_HDRS(&p, HDR_ETH, HDR_PPPOE);
	fx_expect_hdr(&p, 1, HDR_PPPOE, 14, 6, 0);
	assert_int_equal(p.pppoe_code, 0x09);
	assert_int_equal(p.pppoe_session, 0);
	assert_int_equal(p.ppp_proto, 0);
	assert_int_equal(p.payload_off, 20);
	assert_int_equal(p.payload_len, 12); /* the tags within the PPPoE length, not the padding */
}

/* A session packet carrying LCP: PPP protocol 0xc021 ends decoding without an error. */
static void test_pppoe_session_lcp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(pppoe_lcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	FX_HDRS(&p, HDR_ETH, HDR_PPPOE, HDR_PPP);
	fx_expect_hdr(&p, 2, HDR_PPP, 20, 2, 0);
	assert_int_equal(p.pppoe_code, 0);
	assert_int_equal(p.pppoe_session, 0x0011);
	assert_int_equal(p.ppp_proto, 0xc021);
	assert_int_equal(p.payload_off, 22);
	assert_int_equal(p.payload_len, 10);
}

/* A session packet carrying IPv6/UDP (DHCPv6), cut by the fixture: the inner flow's fields. */
static void test_pppoe_session_ipv6(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(pppoe_ipv6_udp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	FX_HDRS(&p, HDR_ETH, HDR_PPPOE, HDR_PPP, HDR_IPV6, HDR_UDP);
	assert_int_equal(p.ppp_proto, 0x0057);
	assert_int_equal(p.l3_off, 22);
	assert_int_equal(p.sport, 546);
	assert_int_equal(p.dport, 547);
	assert_int_equal(p.payload_off, 70);
	assert_int_equal(p.payload_len, 20);
}

/* PPPoE in QinQ: both tags recorded, PPPoE session, PPP, IPv4/TCP. */
static void test_pppoe_over_qinq(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(pppoe_qinq_ipv4_tcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	FX_HDRS(&p, HDR_ETH, HDR_VLAN, HDR_VLAN, HDR_PPPOE, HDR_PPP, HDR_IPV4, HDR_TCP);
	assert_int_equal(p.vlan_count, 2);
	assert_int_equal(p.vlan_id[0], 3704);
	assert_int_equal(p.vlan_id[1], 2474);
	assert_int_equal(p.pppoe_session, 0x0f07);
	assert_int_equal(p.l3_off, 30);
	assert_int_equal(p.dport, 443);
	assert_int_equal(p.tcp_flags, 0x002);
	assert_int_equal(p.payload_off, 94);
	assert_int_equal(p.payload_len, 0);
}

/* Version/type other than 1/1 is pppoe.bad_version; a session code other than 0 is pppoe.bad_code. */
static void test_pppoe_malformed(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(pppoe_lcp)];

	memcpy(f, pppoe_lcp, sizeof(f));
	f[14] = 0x21;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_PPPOE_BAD_VERSION);
	FX_HDRS(&p, HDR_ETH, HDR_PPPOE);
	assert_int_equal(p.pppoe_session, 0x0011);
	assert_int_equal(p.payload_off, 14);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_PPPOE_BAD_VERSION);
	f[14] = 0x12;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_PPPOE_BAD_VERSION);

	memcpy(f, pppoe_lcp, sizeof(f));
	f[15] = 0xa7; /* PADT code on the session EtherType */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_PPPOE_BAD_CODE);
	assert_int_equal(p.pppoe_code, 0xa7);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_PPPOE_BAD_CODE);

	/* a length past the frame flags truncation; one of 0 leaves no PPP bytes */
	memcpy(f, pppoe_lcp, sizeof(f));
	f[18] = 0x05;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.payload_len, 60 - 22);
	f[18] = 0x00, f[19] = 0x00;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_PPP_TOO_SMALL);
	assert_int_equal(p.payload_off, 20);
	assert_int_equal(p.payload_len, 0);
}

/* A header cut anywhere is pppoe.too_small. */
static void test_pppoe_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 14; n < 20; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, pppoe_lcp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_PPPOE_TOO_SMALL);
		FX_HDRS(&p, HDR_ETH);
		assert_int_equal(p.payload_off, 14);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, pppoe_padi, 17, EV_PPPOE_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_pppoe_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(pppoe_padi), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(pppoe_lcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(pppoe_ipv6_udp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(pppoe_qinq_ipv4_tcp), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pppoe_discovery),
		cmocka_unit_test(test_pppoe_session_lcp),
		cmocka_unit_test(test_pppoe_session_ipv6),
		cmocka_unit_test(test_pppoe_over_qinq),
		cmocka_unit_test(test_pppoe_malformed),
		cmocka_unit_test(test_pppoe_too_small),
		cmocka_unit_test(test_pppoe_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
