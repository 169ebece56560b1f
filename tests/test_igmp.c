/* test_igmp.c: unit tests for parsers/igmp.c (IGMPv1/v2 messages, v3 query and report, lengths). */
#include "decode_fixtures.h"

/* ipv4-options.pcap #1:
 * 00:1b:11:10:26:11 > 01:00:5e:00:00:01, ethertype IPv4 (0x0800), length 60: (tos 0x0, ttl
 * 1, id 25937, offset 0, flags [none], proto IGMP (2), length 28) 192.168.1.2 > 224.0.0.1:
 * igmp query v2
 */
static const uint8_t igmp_v2_query[] = {
	0x01, 0x00, 0x5e, 0x00, 0x00, 0x01, 0x00, 0x1b, 0x11, 0x10, 0x26, 0x11,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x65, 0x51, 0x00, 0x00, 0x01, 0x02,
	0xb2, 0xe3, 0xc0, 0xa8, 0x01, 0x02, 0xe0, 0x00, 0x00, 0x01, 0x11, 0x64,
	0xee, 0x9b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* ipv4-options.pcap #2:
 * 00:1c:23:aa:be:ad > 01:00:5e:7f:ff:fa, ethertype IPv4 (0x0800), length 46: (tos 0x0, ttl
 * 1, id 35938, offset 0, flags [none], proto IGMP (2), length 32, options (RA))
 * 192.168.1.64 > 239.255.255.250: igmp v2 report 239.255.255.250
 */
static const uint8_t igmp_v2_report[] = {
	0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa, 0x00, 0x1c, 0x23, 0xaa, 0xbe, 0xad,
	0x08, 0x00, 0x46, 0x00, 0x00, 0x20, 0x8c, 0x62, 0x00, 0x00, 0x01, 0x02,
	0xe6, 0x92, 0xc0, 0xa8, 0x01, 0x40, 0xef, 0xff, 0xff, 0xfa, 0x94, 0x04,
	0x00, 0x00, 0x16, 0x00, 0xfa, 0x04, 0xef, 0xff, 0xff, 0xfa,
};
/* ipv4-options.pcap #5:
 * 00:02:02:19:51:28 > 01:00:5e:00:00:02, ethertype IPv4 (0x0800), length 60: (tos 0x0, ttl
 * 1, id 0, offset 0, flags [DF], proto IGMP (2), length 32, options (RA)) 192.168.11.201 >
 * 224.0.0.2: igmp leave 225.1.1.3
 */
static const uint8_t igmp_leave[] = {
	0x01, 0x00, 0x5e, 0x00, 0x00, 0x02, 0x00, 0x02, 0x02, 0x19, 0x51, 0x28,
	0x08, 0x00, 0x46, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02,
	0x38, 0x64, 0xc0, 0xa8, 0x0b, 0xc9, 0xe0, 0x00, 0x00, 0x02, 0x94, 0x04,
	0x00, 0x00, 0x17, 0x00, 0x06, 0xfb, 0xe1, 0x01, 0x01, 0x03, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Crafted (IGMPv3 group-and-source query, 2 sources):
 * 00:66:77:88:99:aa > 01:00:5e:00:00:fb, ethertype IPv4 (0x0800), length 54: (tos 0x0, ttl
 * 1, id 1, offset 0, flags [none], proto IGMP (2), length 40) 10.0.0.1 > 224.0.0.251: igmp
 * query v3 [gaddr 224.0.0.251, 2 source(s)] bad igmp cksum 0!
 * tshark: eth:ethertype:ip:igmp:igmp */
static const uint8_t igmp_v3_query[] = {
	0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02,
	0xce, 0xd7, 0x0a, 0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0xfb, 0x11, 0x64,
	0x00, 0x00, 0xe0, 0x00, 0x00, 0xfb, 0x02, 0x7d, 0x00, 0x02, 0x0a, 0x00,
	0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
};
/* Crafted (IGMPv3 membership report, 2 group records):
 * 00:66:77:88:99:aa > 01:00:5e:00:00:16, ethertype IPv4 (0x0800), length 58: (tos 0x0, ttl
 * 1, id 1, offset 0, flags [none], proto IGMP (2), length 44) 10.0.0.1 > 224.0.0.22: igmp
 * v3 report, 2 group record(s) [gaddr 239.255.255.250 to_ex, 0 source(s)] [gaddr
 * 224.0.0.252 is_ex, 0 source(s)] bad igmp cksum 0!
 * tshark: eth:ethertype:ip:igmp:igmp */
static const uint8_t igmp_v3_report[] = {
	0x01, 0x00, 0x5e, 0x00, 0x00, 0x16, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02,
	0xcf, 0xb8, 0x0a, 0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x16, 0x22, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00, 0xef, 0xff,
	0xff, 0xfa, 0x02, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0xfc,
};

/* A v2 general query: type, max response time, group 0; the Ethernet padding is not payload. */
static void test_igmp_v2_query(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(igmp_v2_query)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.error, EV_NONE);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_IGMP);
	fx_expect_hdr(&p, 2, HDR_IGMP, 34, 8, 0);
	assert_int_equal(p.proto, 2);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.igmp_type, 0x11);
	assert_int_equal(p.igmp_max_resp, 100);
	assert_int_equal(p.igmp_group, 0);
	assert_int_equal(p.igmp_nrecords, 0);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 0);
}

/* A v2 report and a leave after IPv4 options: the group address (host order). */
static void test_igmp_v2_report_and_leave(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(igmp_v2_report)), DECODE_OK);
	fx_expect_hdr(&p, 2, HDR_IGMP, 38, 8, 0);
	assert_int_equal(p.igmp_type, 0x16);
	assert_int_equal(p.igmp_max_resp, 0);
	assert_int_equal(p.igmp_group, 0xeffffffa); /* 239.255.255.250 */

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(igmp_leave)), DECODE_OK);
	assert_int_equal(p.igmp_type, 0x17);
	assert_int_equal(p.igmp_group, 0xe1010103); /* 225.1.1.3 */
	assert_int_equal(p.payload_off, 46);
	assert_int_equal(p.payload_len, 0);
}

/* v3: a query of 12+ bytes has a 12-byte header (sources are the payload); a report counts records. */
static void test_igmp_v3(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(igmp_v3_query)), DECODE_OK);
	fx_expect_hdr(&p, 2, HDR_IGMP, 34, 12, 0);
	assert_int_equal(p.igmp_type, 0x11);
	assert_int_equal(p.igmp_max_resp, 100);
	assert_int_equal(p.igmp_group, 0xe00000fb);
	assert_int_equal(p.payload_off, 46);
	assert_int_equal(p.payload_len, 8);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(igmp_v3_report)), DECODE_OK);
	fx_expect_hdr(&p, 2, HDR_IGMP, 34, 8, 0);
	assert_int_equal(p.igmp_type, 0x22);
	assert_int_equal(p.igmp_nrecords, 2);
	assert_int_equal(p.igmp_group, 0);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 16);
}

/* Fewer than 8 bytes is igmp.too_small, with l4_off and the IGMP fields unset. */
static void test_igmp_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 34; n < 42; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, igmp_v2_query, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_IGMP_TOO_SMALL);
		assert_int_equal(p.l4_off, 0);
		assert_int_equal(p.igmp_type, 0);
		FX_HDRS(&p, HDR_ETH, HDR_IPV4);
		assert_int_equal(p.payload_off, 34);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, igmp_v2_query, 38, EV_IGMP_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_igmp_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(igmp_v2_query), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(igmp_v2_report), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(igmp_leave), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(igmp_v3_report), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(igmp_v3_query), 42); /* 8..11: a v2-sized query */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_igmp_v2_query),
		cmocka_unit_test(test_igmp_v2_report_and_leave),
		cmocka_unit_test(test_igmp_v3),
		cmocka_unit_test(test_igmp_too_small),
		cmocka_unit_test(test_igmp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
