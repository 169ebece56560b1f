/* test_llc.c: unit tests for parsers/llc.c (802.2 LLC after an 802.3 length, SNAP, Novell raw 802.3). */
#include "decode_fixtures.h"

/* stp-8023-llc.pcap #1: 802.3 length 38, then 8 bytes of padding:
 * 00:19:06:ea:b8:85 > 01:80:c2:00:00:00, 802.3, length 60: LLC, dsap STP (0x42)
 * Individual, ssap STP (0x42) Command, ctrl 0x03: STP 802.1d, Config */
static const uint8_t llc_stp[] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x00, 0x19, 0x06, 0xea, 0xb8, 0x85,
	0x00, 0x26, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01,
	0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01,
	0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, 0x80, 0x05, 0x00, 0x00, 0x14, 0x00,
	0x02, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* gre-variants.pcap #86, first 40 of 446 bytes (SNAP, Cisco OUI, CDP):
 * aa:bb:cc:00:03:10 > 01:00:0c:cc:cc:cc, 802.3, length 432: LLC, dsap SNAP (0xaa)
 * Individual, ssap SNAP (0xaa) Command, ctrl 0x03: oui Cisco (0x00000c), pid CDP (0x2000),
 * length 424: CDPv2, ttl: 180s, checksum: 0x2005 (unverified), length 424 Device-ID ... */
static const uint8_t llc_snap_cisco_cdp[] = {
	0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc, 0xaa, 0xbb, 0xcc, 0x00, 0x03, 0x10,
	0x01, 0xb0, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00, 0x02, 0xb4,
	0x20, 0x05, 0x00, 0x01, 0x00, 0x07, 0x53, 0x57, 0x31, 0x00, 0x05, 0x01,
	0x4f, 0x43, 0x69, 0x73,
};

/* gre-variants.pcap #2 (802.1Q tag whose type is an 802.3 length):
 * aa:bb:cc:00:03:10 > 01:00:0c:cc:cc:cd, ethertype 802.1Q (0x8100), length 68: vlan 1213,
 * p 0, 802.3LLC, dsap SNAP (0xaa) Individual, ssap SNAP (0xaa) Command, ctrl 0x03: oui
 * Cisco (0x00000c), pid PVST (0x010b), length 42: STP 802.1d, Config, Flags [none],
 * bridge-id 84bd.aa:bb:cc:00:03:00.8002, length 42 message-age 0.00s, max-age 20.00s,
 * hello-time 2.00s, forwarding-delay 15.00s root-id 84bd.aa:bb:cc:00:03:00, root-pathcost
 * 0
 */
static const uint8_t llc_vlan_pvst[] = {
	0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd, 0xaa, 0xbb, 0xcc, 0x00, 0x03, 0x10,
	0x81, 0x00, 0x04, 0xbd, 0x00, 0x32, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c,
	0x01, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x84, 0xbd, 0xaa, 0xbb, 0xcc,
	0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x84, 0xbd, 0xaa, 0xbb, 0xcc,
	0x00, 0x03, 0x00, 0x80, 0x02, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x0f,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0xbd,
};

/* Crafted (802.3 + LLC/SNAP (RFC 1042) carrying IPv4/UDP):
 * 00:11:22:33:44:55 > 01:80:c2:00:00:00, 802.3, length 37: LLC, dsap SNAP (0xaa)
 * Individual, ssap SNAP (0xaa) Command, ctrl 0x03: oui Ethernet (0x000000), ethertype IPv4
 * (0x0800), length 29: (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17),
 * length 29) 10.0.0.1.1 > 10.0.0.2.2: UDP, length 1
 * tshark: eth:llc:ip:udp:data */
static const uint8_t llc_snap_ipv4[] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x00, 0x25, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x1d, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x66, 0xcd, 0x0a, 0x00,
	0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0x09,
	0x00, 0x00, 0x78,
};
/* Crafted (802.3 + LLC I-format (2-byte control)):
 * 00:11:22:33:44:55 > 03:00:00:00:00:01, 802.3, length 12: LLC, dsap NetBeui (0xf0)
 * Individual, ssap NetBeui (0xf0) Command, ctrl 0x0c0a: Information, send seq 5, rcv seq
 * 6, Flags [Command], length 12 0x0000:  f0f0 0a0c 6162 6364 6566 6768
 * ....abcdefgh
 * tshark: eth:llc */
static const uint8_t llc_i_format[] = {
	0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x00, 0x0c, 0xf0, 0xf0, 0x0a, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
	0x67, 0x68,
};
/* Crafted (Novell raw 802.3: IPX, no LLC):
 * 00:11:22:33:44:55 > ff:ff:ff:ff:ff:ff, 802.3, length 30: IPX 802.3:
 * 00000000.00:00:00:00:00:00.0000 > 00000000.00:00:00:00:00:00.0000: ipx-#0 0
 * tshark: eth:ipx */
static const uint8_t llc_novell_raw[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x00, 0x1e, 0xff, 0xff, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* DSAP, SSAP, 1-byte control; the payload is the BPDU within the 802.3 length. */
static void test_llc_stp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(llc_stp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.flags, PKT_FLAG_LLC);
	FX_HDRS(&p, HDR_ETH, HDR_LLC);
	fx_expect_hdr(&p, 1, HDR_LLC, 14, 3, 0);
	assert_int_equal(p.llc_dsap, 0x42);
	assert_int_equal(p.llc_ssap, 0x42);
	assert_int_equal(p.llc_ctrl, 0x03);
	assert_int_equal(p.snap_oui, 0);
	assert_int_equal(p.ethertype, 0);
	assert_int_equal(p.payload_off, 17);
	assert_int_equal(p.payload_len, 35);
}

/* An I-format frame has a 2-byte control field, first byte in the low 8 bits as tshark shows it. */
static void test_llc_i_format_control(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(llc_i_format)), DECODE_OK);
	fx_expect_hdr(&p, 1, HDR_LLC, 14, 4, 0);
	assert_int_equal(p.llc_dsap, 0xf0);
	assert_int_equal(p.llc_ssap, 0xf0);
	assert_int_equal(p.llc_ctrl, 0x0c0a);
	assert_int_equal(p.payload_off, 18);
	assert_int_equal(p.payload_len, 8);
}

/* SNAP with OUI 0 (RFC 1042): the PID is an EtherType, IPv4/UDP follows. */
static void test_llc_snap_rfc1042(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(llc_snap_ipv4)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.flags, PKT_FLAG_LLC);
	FX_HDRS(&p, HDR_ETH, HDR_LLC, HDR_SNAP, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 2, HDR_SNAP, 17, 5, 0);
	assert_int_equal(p.llc_dsap, 0xaa);
	assert_int_equal(p.snap_oui, 0);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.l3_off, 22);
	assert_int_equal(p.dport, 2);
	assert_int_equal(p.payload_off, 50);
	assert_int_equal(p.payload_len, 1);
}

/* SNAP with Cisco's OUI: the PID (CDP 0x2000, PVST 0x010b) is dispatched as an EtherType and stops. */
static void test_llc_snap_cisco(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(llc_snap_cisco_cdp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.flags, PKT_FLAG_LLC | PKT_FLAG_TRUNCATED); /* 432 declared, 26 captured */
	FX_HDRS(&p, HDR_ETH, HDR_LLC, HDR_SNAP);
	assert_int_equal(p.snap_oui, 0x00000c);
	assert_int_equal(p.ethertype, 0x2000);
	assert_int_equal(p.payload_off, 22);
	assert_int_equal(p.payload_len, 18);

	/* a VLAN tag whose type is a length: LLC/SNAP after the tag */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(llc_vlan_pvst)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN));
	assert_int_equal(p.flags, PKT_FLAG_LLC);
	FX_HDRS(&p, HDR_ETH, HDR_VLAN, HDR_LLC, HDR_SNAP);
	assert_int_equal(p.vlan_id[0], 1213);
	assert_int_equal(p.ethertype, 0x010b);
	assert_int_equal(p.payload_off, 26);
	assert_int_equal(p.payload_len, 42);

	/* any other OUI stops after SNAP, even with an IPv4 PID */
	uint8_t f[sizeof(llc_snap_ipv4)];
	memcpy(f, llc_snap_ipv4, sizeof(f));
	f[18] = 0x80, f[19] = 0xc2;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.snap_oui, 0x0080c2);
	assert_int_equal(p.payload_off, 22);
}

/* FF FF after the length is Novell raw 802.3 (IPX without LLC): no LLC header, no error. */
static void test_llc_novell_raw(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(llc_novell_raw)), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_LLC);
	FX_HDRS(&p, HDR_ETH);
	assert_int_equal(p.payload_off, 14);
	assert_int_equal(p.payload_len, 30);
}

/* A cut LLC or SNAP header is llc.too_small / snap.too_small. */
static void test_llc_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 14; n < 17; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, llc_stp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_LLC_TOO_SMALL);
		assert_int_equal(p.flags, PKT_FLAG_LLC | PKT_FLAG_TRUNCATED);
		assert_int_equal(p.payload_off, 14);
	}
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, llc_i_format, 17), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_LLC_TOO_SMALL);
	for (uint32_t n = 17; n < 22; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, llc_snap_ipv4, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_SNAP_TOO_SMALL);
		FX_HDRS(&p, HDR_ETH, HDR_LLC);
		assert_int_equal(p.payload_off, 17);
	}
	/* the 802.3 length, not the frame, ends the LLC header: length 2 */
	uint8_t f[sizeof(llc_stp)];
	memcpy(f, llc_stp, sizeof(f));
	f[13] = 2;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_LLC_TOO_SMALL);
	assert_int_equal(p.flags, PKT_FLAG_LLC);
	fx_expect_counted(LINKTYPE_ETHERNET, llc_stp, 16, EV_LLC_TOO_SMALL);
	fx_expect_counted(LINKTYPE_ETHERNET, llc_snap_ipv4, 20, EV_SNAP_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_llc_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(llc_stp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(llc_snap_cisco_cdp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(llc_vlan_pvst), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(llc_snap_ipv4), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(llc_i_format), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(llc_novell_raw), 16); /* FF FF */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llc_stp),
		cmocka_unit_test(test_llc_i_format_control),
		cmocka_unit_test(test_llc_snap_rfc1042),
		cmocka_unit_test(test_llc_snap_cisco),
		cmocka_unit_test(test_llc_novell_raw),
		cmocka_unit_test(test_llc_too_small),
		cmocka_unit_test(test_llc_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
