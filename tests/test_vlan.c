/* test_vlan.c: unit tests for parsers/vlan.c (802.1Q, 802.1ad, 0x9100 tags, stacked). */
#include "decode_fixtures.h"

/* vlan-8021q.pcap #5:
 * 00:18:73:de:57:c1 > 00:19:06:ea:b8:c1, ethertype 802.1Q (0x8100), length 118: vlan 123,
 * p 0, ethertype IPv4 (0x0800), IP 192.168.123.2 > 192.168.123.1: ICMP echo request,
 * id 1, seq 0, length 80 */
static const uint8_t vlan_icmp[] = {
	0x00, 0x19, 0x06, 0xea, 0xb8, 0xc1, 0x00, 0x18, 0x73, 0xde, 0x57, 0xc1,
	0x81, 0x00, 0x00, 0x7b, 0x08, 0x00, 0x45, 0x00, 0x00, 0x64, 0x00, 0x05,
	0x00, 0x00, 0xff, 0x01, 0x44, 0x3f, 0xc0, 0xa8, 0x7b, 0x02, 0xc0, 0xa8,
	0x7b, 0x01, 0x08, 0x00, 0x94, 0x9a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0c, 0xe9, 0xa2, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd,
	0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd,
	0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd,
	0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd,
	0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd,
	0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd,
};

/* vlan-qinq-8021ad.pcap #1:
 * 00:20:d2:5a:fb:3f > ff:ff:ff:ff:ff:ff, ethertype 802.1Q-QinQ (0x88a8), length 64:
 * vlan 200, p 0, ethertype 802.1Q (0x8100), vlan 2001, p 0, ethertype ARP (0x0806),
 * Request who-has 172.21.79.100 tell 172.21.79.97, length 42 */
static const uint8_t vlan_qinq_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f,
	0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0x07, 0xd1, 0x08, 0x06, 0x00, 0x01,
	0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f,
	0xac, 0x15, 0x4f, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xac, 0x15,
	0x4f, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

/* vlan-qinqinq.pcap #3:
 * c8:bc:c8:96:d2:a0 > 00:10:db:88:d2:ef, ethertype 802.1Q (0x8100), length 78: vlan 30,
 * p 0, ethertype 802.1Q (0x8100), vlan 20, p 0, ethertype 802.1Q (0x8100), vlan 10, p 0,
 * ethertype IPv4 (0x0800), IP 141.142.228.5.59856 > 192.150.187.43.80: Flags [.], ack 1,
 * win 8235, options [nop,nop,TS val 374005094 ecr 797524569], length 0 */
static const uint8_t vlan_triple_tcp[] = {
	0x00, 0x10, 0xdb, 0x88, 0xd2, 0xef, 0xc8, 0xbc, 0xc8, 0x96, 0xd2, 0xa0,
	0x81, 0x00, 0x00, 0x1e, 0x81, 0x00, 0x00, 0x14, 0x81, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0xcc, 0x9f, 0x40, 0x00, 0x40, 0x06,
	0x80, 0xce, 0x8d, 0x8e, 0xe4, 0x05, 0xc0, 0x96, 0xbb, 0x2b, 0xe9, 0xd0,
	0x00, 0x50, 0xfe, 0x21, 0x32, 0x3b, 0xa5, 0xaf, 0xce, 0x3f, 0x80, 0x10,
	0x20, 0x2b, 0x75, 0x3b, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x16, 0x4a,
	0xdd, 0x66, 0x2f, 0x89, 0x42, 0x59,
};

/* Crafted, tag with PCP 7 and DEI set, pre-standard TPID:
 * 00:00:5e:00:53:01 > 00:00:5e:00:53:02, ethertype 0x9100, length 22: vlan 4095, p 7,
 * DEI, ethertype 0x88b5 (local experimental) */
static const uint8_t vlan_9100_pcp[] = {
	0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
	0x91, 0x00, 0xff, 0xff, 0x88, 0xb5, 0xde, 0xad, 0xbe, 0xef,
};

/* Crafted, built by vlan_stack(): Ethernet, `tags` 802.1Q tags with VIDs 1..tags, then
 * IP 192.0.2.1.1024 > 192.0.2.2.53: UDP, length 0 (IPv4 total length 28). */
static uint32_t vlan_stack(uint8_t *f, unsigned tags)
{
	static const uint8_t macs[12] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02,
					  0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };
	static const uint8_t ip_udp[] = {
		0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
		0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x04, 0x00, 0x00, 0x35,
		0x00, 0x08, 0x00, 0x00,
	};
	uint32_t n = 0;

	memcpy(f, macs, 12);
	n = 12;
	for (unsigned i = 0; i < tags; i++) {
		f[n++] = 0x81, f[n++] = 0x00;
		f[n++] = (uint8_t)((i + 1) >> 8), f[n++] = (uint8_t)(i + 1);
	}
	f[n++] = 0x08, f[n++] = 0x00;
	memcpy(f + n, ip_udp, sizeof(ip_udp));
	return n + (uint32_t)sizeof(ip_udp);
}

/* One 802.1Q tag: TPID, VID and the inner EtherType, then IPv4/ICMP as usual. */
static void test_vlan_single_tag(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(vlan_icmp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_IPV4) |
					   FX_BIT(LAYER_ICMP));
	assert_int_equal(p.vlan_count, 1);
	assert_int_equal(p.vlan_tpid[0], 0x8100);
	assert_int_equal(p.vlan_id[0], 123);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.l3_off, 18);
	assert_int_equal(p.l3_len, 100);
	assert_int_equal(p.l4_off, 38);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.payload_off, 46);
	assert_int_equal(p.payload_len, 72);
}

/* 802.1ad S-tag then 802.1Q C-tag, outermost first, carrying ARP. */
static void test_vlan_qinq_8021ad(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(vlan_qinq_arp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_ARP));
	assert_int_equal(p.vlan_count, 2);
	assert_int_equal(p.vlan_tpid[0], 0x88a8);
	assert_int_equal(p.vlan_id[0], 200);
	assert_int_equal(p.vlan_tpid[1], 0x8100);
	assert_int_equal(p.vlan_id[1], 2001);
	assert_int_equal(p.ethertype, 0x0806);
	assert_int_equal(p.l3_off, 22);
	assert_int_equal(p.arp_op, 1);
}

/* Three stacked 0x8100 tags down to TCP. */
static void test_vlan_triple(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(vlan_triple_tcp)), DECODE_OK);
	assert_int_equal(p.vlan_count, 3);
	assert_int_equal(p.vlan_id[0], 30);
	assert_int_equal(p.vlan_id[1], 20);
	assert_int_equal(p.vlan_id[2], 10);
	assert_int_equal(p.vlan_tpid[2], 0x8100);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.l3_off, 26);
	assert_int_equal(p.l4_off, 46);
	assert_int_equal(p.sport, 59856);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.payload_off, 78);
	assert_int_equal(p.payload_len, 0);
}

/* The VID is the low 12 bits (PCP/DEI dropped) and TPID 0x9100 is a tag too. */
static void test_vlan_9100_vid_mask(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(vlan_9100_pcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN));
	assert_int_equal(p.vlan_count, 1);
	assert_int_equal(p.vlan_tpid[0], 0x9100);
	assert_int_equal(p.vlan_id[0], 0x0fff);
	assert_int_equal(p.ethertype, 0x88b5);
	assert_int_equal(p.payload_off, 18);
	assert_int_equal(p.payload_len, 4);
}

/* Stacks deeper than PKT_MAX_VLANS (up to 8) are walked: first 4 recorded, all counted. */
static void test_vlan_deeper_than_recorded(void **state)
{
	(void)state;
	uint8_t f[128];
	struct pkt p;

	for (unsigned tags = 1; tags <= 8; tags++) {
		uint32_t n = vlan_stack(f, tags);
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, n), DECODE_OK);
		assert_int_equal(p.vlan_count, tags);
		for (unsigned i = 0; i < tags && i < PKT_MAX_VLANS; i++) {
			assert_int_equal(p.vlan_tpid[i], 0x8100);
			assert_int_equal(p.vlan_id[i], i + 1);
		}
		assert_int_equal(p.ethertype, 0x0800);
		assert_int_equal(p.l3_off, 14 + 4 * tags);
		assert_true(PKT_HAS(&p, LAYER_UDP));
		assert_int_equal(p.dport, 53);
		fx_cut_every_length(LINKTYPE_ETHERNET, f, n, FX_AUTO);
	}
}

/* A ninth tag is vlan.too_deep (invalid); payload starts at that tag's TCI. */
static void test_vlan_too_deep(void **state)
{
	(void)state;
	uint8_t f[128];
	struct pkt p;

	for (unsigned tags = 9; tags <= 12; tags++) {
		uint32_t n = vlan_stack(f, tags);
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, n), DECODE_INVALID);
		assert_int_equal(p.error, EV_VLAN_TOO_DEEP);
		assert_int_equal(p.vlan_count, 8);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN));
		assert_int_equal(p.payload_off, 14 + 4 * 8);
		assert_int_equal(p.payload_len, n - (14 + 4 * 8));
		fx_expect_counted(LINKTYPE_ETHERNET, f, n, EV_VLAN_TOO_DEEP);
	}
}

/* A tag cut short is vlan.too_small (truncated) with the Ethernet layer kept. */
static void test_vlan_truncated(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 14; n < 18; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, vlan_icmp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_VLAN_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
		assert_int_equal(p.vlan_count, 0);
		assert_int_equal(p.payload_off, 14);
	}
	/* cut inside the second of three tags: the first stays recorded */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, vlan_triple_tcp, 20), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_VLAN_TOO_SMALL);
	assert_int_equal(p.vlan_count, 1);
	assert_int_equal(p.vlan_id[0], 30);
	fx_expect_counted(LINKTYPE_ETHERNET, vlan_icmp, 16, EV_VLAN_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_vlan_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(vlan_icmp), 42); /* ICMP type/code */
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(vlan_qinq_arp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(vlan_triple_tcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(vlan_9100_pcp), FX_AUTO);
}

/* Fuzz regression: an inner Ethernet frame (0x6558 after a tag) with its own 8-tag stack: only
 * the first header's tags fill vlan_*, the inner ones are listed in hdrs (vlan_count stays 1). */
static void test_vlan_inner_ethernet_tags(void **state)
{
	(void)state;
	uint8_t f[14 + 4 + 14 + 8 * 4 + 4];
	struct pkt p;

	memset(f, 0, sizeof(f));
	f[12] = 0x81, f[13] = 0x00;                 /* outer Ethernet, 802.1Q */
	f[14] = 0x00, f[15] = 0x07;                 /* VID 7 */
	f[16] = 0x65, f[17] = 0x58;                 /* transparent Ethernet bridging */
	f[30] = 0x81, f[31] = 0x00;                 /* inner Ethernet, 802.1Q */
	for (unsigned i = 0; i < 8; i++) {
		f[32 + 4 * i + 1] = (uint8_t)(100 + i); /* VID 100.. */
		f[32 + 4 * i + 2] = i < 7 ? 0x81 : 0x99;
	}
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN));
	assert_int_equal(p.vlan_count, 1);
	assert_int_equal(p.vlan_id[0], 7);
	assert_int_equal(p.nhdrs, 11);
	assert_int_equal(p.hdrs[2].type, HDR_ETH);
	assert_int_equal(p.hdrs[10].type, HDR_VLAN);
	assert_int_equal(p.eth_off, 18);
	assert_int_equal(p.ethertype, 0x9900);
	assert_int_equal(p.payload_off, 64);
	/* a ninth inner tag is still vlan.too_deep (the cap counts each stack) */
	f[32 + 4 * 7 + 2] = 0x81;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, sizeof(f) - 4), DECODE_INVALID);
	assert_int_equal(p.error, EV_VLAN_TOO_DEEP);
	assert_int_equal(p.vlan_count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vlan_inner_ethernet_tags),
		cmocka_unit_test(test_vlan_single_tag),
		cmocka_unit_test(test_vlan_qinq_8021ad),
		cmocka_unit_test(test_vlan_triple),
		cmocka_unit_test(test_vlan_9100_vid_mask),
		cmocka_unit_test(test_vlan_deeper_than_recorded),
		cmocka_unit_test(test_vlan_too_deep),
		cmocka_unit_test(test_vlan_truncated),
		cmocka_unit_test(test_vlan_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
