/* test_ipv4.c: unit tests for parsers/ipv4.c (header checks, lengths, options, fragments). */
#include "decode_fixtures.h"

/* icmp-echo.pcap #1:
 * 00:0c:29:cf:30:15 > a6:83:e7:0c:90:64, ethertype IPv4 (0x0800), length 98:
 * IP (tos 0x0, ttl 64, id 37994, offset 0, flags [DF], proto ICMP (1), length 84)
 * 172.16.133.2 > 172.217.11.78: ICMP echo request, id 1226, seq 1, length 64 */
static const uint8_t ip4_icmp_echo[] = {
	0xa6, 0x83, 0xe7, 0x0c, 0x90, 0x64, 0x00, 0x0c, 0x29, 0xcf, 0x30, 0x15,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x94, 0x6a, 0x40, 0x00, 0x40, 0x01,
	0xbd, 0x04, 0xac, 0x10, 0x85, 0x02, 0xac, 0xd9, 0x0b, 0x4e, 0x08, 0x00,
	0xef, 0x24, 0x04, 0xca, 0x00, 0x01, 0x8b, 0xcf, 0xcf, 0x5f, 0x00, 0x00,
	0x00, 0x00, 0xdb, 0x0d, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11,
	0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
	0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
	0x36, 0x37,
};

/* ipv4-options.pcap #2 (IHL 6: Router Alert option):
 * 00:1c:23:aa:be:ad > 01:00:5e:7f:ff:fa, ethertype IPv4 (0x0800), length 46:
 * IP (tos 0x0, ttl 1, id 35938, offset 0, flags [none], proto IGMP (2), length 32,
 * options (RA)) 192.168.1.64 > 239.255.255.250: igmp v2 report 239.255.255.250 */
static const uint8_t ip4_options_igmp[] = {
	0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa, 0x00, 0x1c, 0x23, 0xaa, 0xbe, 0xad,
	0x08, 0x00, 0x46, 0x00, 0x00, 0x20, 0x8c, 0x62, 0x00, 0x00, 0x01, 0x02,
	0xe6, 0x92, 0xc0, 0xa8, 0x01, 0x40, 0xef, 0xff, 0xff, 0xfa, 0x94, 0x04,
	0x00, 0x00, 0x16, 0x00, 0xfa, 0x04, 0xef, 0xff, 0xff, 0xfa,
};

/* ipv4-options.pcap #3 (IHL 6, 14 bytes of Ethernet padding):
 * 00:02:02:19:51:28 > 01:00:5e:0a:0a:0a, ethertype IPv4 (0x0800), length 60:
 * IP (tos 0x0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 32,
 * options (RA)) 192.168.11.201 > 225.10.10.10: igmp v2 report 225.10.10.10 */
static const uint8_t ip4_options_padded[] = {
	0x01, 0x00, 0x5e, 0x0a, 0x0a, 0x0a, 0x00, 0x02, 0x02, 0x19, 0x51, 0x28,
	0x08, 0x00, 0x46, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02,
	0x2d, 0x52, 0xc0, 0xa8, 0x0b, 0xc9, 0xe1, 0x0a, 0x0a, 0x0a, 0x94, 0x04,
	0x00, 0x00, 0x16, 0x00, 0xfe, 0xea, 0xe1, 0x0a, 0x0a, 0x0a, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ipv4-frag-dns.pcap #58, first 64 of 1514 bytes (first fragment, MF set):
 * 00:0c:29:8a:5d:d7 > 00:86:9c:e7:55:14, ethertype IPv4 (0x0800), length 1514:
 * IP (tos 0x0, ttl 64, id 57873, offset 0, flags [+], proto UDP (17), length 1500)
 * 193.24.227.238.53 > 173.194.169.104.59464: 41341*- 2/3/9 A 194.247.4.10, RRSIG (1472) */
static const uint8_t ip4_first_frag[] = {
	0x00, 0x86, 0x9c, 0xe7, 0x55, 0x14, 0x00, 0x0c, 0x29, 0x8a, 0x5d, 0xd7,
	0x08, 0x00, 0x45, 0x00, 0x05, 0xdc, 0xe2, 0x11, 0x20, 0x00, 0x40, 0x11,
	0x76, 0xcd, 0xc1, 0x18, 0xe3, 0xee, 0xad, 0xc2, 0xa9, 0x68, 0x00, 0x35,
	0xe8, 0x48, 0x05, 0xda, 0x85, 0xbf, 0xa1, 0x7d, 0x84, 0x10, 0x00, 0x01,
	0x00, 0x02, 0x00, 0x03, 0x00, 0x09, 0x03, 0x66, 0x67, 0x32, 0x08, 0x77,
	0x65, 0x62, 0x65, 0x72,
};

/* ipv4-frag-dns.pcap #59 (last fragment of #58):
 * 00:0c:29:8a:5d:d7 > 00:86:9c:e7:55:14, ethertype IPv4 (0x0800), length 52:
 * IP (tos 0x0, ttl 64, id 57873, offset 1480, flags [none], proto UDP (17), length 38)
 * 193.24.227.238 > 173.194.169.104: ip-proto-17 */
static const uint8_t ip4_last_frag[] = {
	0x00, 0x86, 0x9c, 0xe7, 0x55, 0x14, 0x00, 0x0c, 0x29, 0x8a, 0x5d, 0xd7,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x26, 0xe2, 0x11, 0x00, 0xb9, 0x40, 0x11,
	0x9b, 0xca, 0xc1, 0x18, 0xe3, 0xee, 0xad, 0xc2, 0xa9, 0x68, 0x00, 0x00,
	0x0f, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x02, 0x38, 0x00, 0x20, 0x01, 0x04,
	0x70, 0x1f, 0x0b, 0x16,
};

/* truncated-snaplen96.pcap #4 (96 of 1514 bytes captured):
 * b8:27:eb:45:99:91 > 00:0c:29:ee:6c:6f, ethertype IPv4 (0x0800), length 1514:
 * IP (tos 0x0, ttl 63, id 26612, offset 0, flags [DF], proto TCP (6), length 1500)
 * 192.168.2.20.12345 > 192.168.1.10.60706: Flags [.], seq 1:1449, ack 1, win 227,
 * options [nop,nop,TS val 532122417 ecr 602505051], length 1448 */
static const uint8_t ip4_snaplen96[] = {
	0x00, 0x0c, 0x29, 0xee, 0x6c, 0x6f, 0xb8, 0x27, 0xeb, 0x45, 0x99, 0x91,
	0x08, 0x00, 0x45, 0x00, 0x05, 0xdc, 0x67, 0xf4, 0x40, 0x00, 0x3f, 0x06,
	0x49, 0xb9, 0xc0, 0xa8, 0x02, 0x14, 0xc0, 0xa8, 0x01, 0x0a, 0x30, 0x39,
	0xed, 0x22, 0xc8, 0x50, 0xec, 0xc5, 0x9f, 0x38, 0x40, 0x4f, 0x80, 0x10,
	0x00, 0xe3, 0x6e, 0x8d, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x1f, 0xb7,
	0x8b, 0x31, 0x23, 0xe9, 0x7f, 0x5b, 0x52, 0xfd, 0xfc, 0x07, 0x21, 0x82,
	0x65, 0x4f, 0x16, 0x3f, 0x5f, 0x0f, 0x9a, 0x62, 0x1d, 0x72, 0x95, 0x66,
	0xc7, 0x4d, 0x10, 0x03, 0x7c, 0x4d, 0x7b, 0xbb, 0x04, 0x07, 0xd1, 0xe2,
};

/* malformed-ipv4-hdrlen.pcap #1 (IHL 4):
 * f0:4d:a2:3d:5d:a3 > c0:d6:82:36:03:2b, ethertype IPv4 (0x0800), length 98: IP bad-hlen 16 */
static const uint8_t ip4_bad_ihl[] = {
	0xc0, 0xd6, 0x82, 0x36, 0x03, 0x2b, 0xf0, 0x4d, 0xa2, 0x3d, 0x5d, 0xa3,
	0x08, 0x00, 0x44, 0x00, 0x00, 0x54, 0xf1, 0xa6, 0x00, 0x00, 0x40, 0x11,
	0x45, 0x94, 0x8c, 0xd3, 0x09, 0xce, 0x2d, 0x21, 0x7f, 0x9c, 0x98, 0xb7,
	0x00, 0x35, 0x00, 0x40, 0x6e, 0xcb, 0x92, 0xaa, 0x01, 0x20, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77, 0x07, 0x74,
	0x63, 0x70, 0x64, 0x75, 0x6d, 0x70, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0x8b, 0xc0, 0xe5, 0xf5, 0x3e, 0x71,
	0x3b, 0xbd,
};

/* malformed-ipv4-totlen.pcap #1 (total length 19 < 20):
 * f0:4d:a2:3d:5d:a3 > c0:d6:82:36:03:2b, ethertype IPv4 (0x0800), length 98: IP bad-len 19 */
static const uint8_t ip4_bad_total_len[] = {
	0xc0, 0xd6, 0x82, 0x36, 0x03, 0x2b, 0xf0, 0x4d, 0xa2, 0x3d, 0x5d, 0xa3,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x13, 0xf1, 0xa6, 0x00, 0x00, 0x40, 0x11,
	0x45, 0x94, 0x8c, 0xd3, 0x09, 0xce, 0x2d, 0x21, 0x7f, 0x9c, 0x98, 0xb7,
	0x00, 0x35, 0x00, 0x40, 0x6e, 0xcb, 0x92, 0xaa, 0x01, 0x20, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77, 0x07, 0x74,
	0x63, 0x70, 0x64, 0x75, 0x6d, 0x70, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0x8b, 0xc0, 0xe5, 0xf5, 0x3e, 0x71,
	0x3b, 0xbd,
};

/* truncated-ip4.pcap #1 (6 bytes of the IPv4 header captured):
 * c8:bc:c8:96:d2:a0 > 00:10:db:88:d2:ef, ethertype IPv4 (0x0800), length 46: IP [|ip] */
static const uint8_t ip4_trunc_hdr[] = {
	0x00, 0x10, 0xdb, 0x88, 0xd2, 0xef, 0xc8, 0xbc, 0xc8, 0x96, 0xd2, 0xa0,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x00, 0x01,
};

/* malformed-ipv4-ts-option.pcap #1 (fuzz case: IHL 9, total length 65319, flags
 * reserved+DF+MF, no ICMP bytes after the 36-byte header):
 * c0:75:c0:8e:99:9d > 00:0c:ff:f9:00:ff, ethertype IPv4 (0x0800), length 50:
 * IP 149.8.33.81 > 95.18.83.227: [|icmp] */
static const uint8_t ip4_ts_option_fuzz[] = {
	0x00, 0x0c, 0xff, 0xf9, 0x00, 0xff, 0xc0, 0x75, 0xc0, 0x8e, 0x99, 0x9d,
	0x08, 0x00, 0x49, 0xe2, 0xff, 0x27, 0x00, 0x20, 0xe0, 0x00, 0x00, 0x01,
	0xa0, 0x9b, 0x95, 0x08, 0x21, 0x51, 0x5f, 0x12, 0x53, 0xe3, 0x44, 0x0e,
	0x05, 0x01, 0x00, 0x00, 0x34, 0x70, 0x49, 0x42, 0x20, 0x02, 0x01, 0x05,
	0xf5, 0x13,
};

/* Every IPv4 header field of a plain packet, and the ICMP layer under it. */
static void test_ipv4_fields(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_icmp_echo)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l3_len, 84);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.proto, 1);
	assert_int_equal(p.ip6_nxt, 0);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.frag_id, 37994);
	assert_int_equal(p.ip_df, 1);
	assert_int_equal(p.frag_mf, 0);
	assert_int_equal(p.frag_offset, 0);
	assert_memory_equal(p.data + p.l3_off + 12, "\xac\x10\x85\x02\xac\xd9\x0b\x4e", 8);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 56);
}

/* Options are skipped by IHL; padding after the total length is not payload. */
static void test_ipv4_options_skipped(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_options_igmp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.proto, 2); /* IGMP (igmp.c): the 8-byte message after the options */
	assert_int_equal(p.ttl, 1);
	assert_int_equal(p.l3_len, 32);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_IGMP);
	fx_expect_hdr(&p, 1, HDR_IPV4, 14, 24, 0);
	assert_int_equal(p.l4_off, 38);
	assert_int_equal(p.igmp_type, 0x16); /* IGMPv2 report */
	assert_int_equal(p.payload_off, 46);
	assert_int_equal(p.payload_len, 0);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_options_padded)), DECODE_OK);
	assert_int_equal(p.ip_df, 1);
	assert_int_equal(p.l3_len, 32);
	assert_int_equal(p.payload_off, 46);
	assert_int_equal(p.payload_len, 0); /* not the 14 padding bytes */
}

/* Options that run past caplen are ipv4.options_truncated; header fields stay set. */
static void test_ipv4_options_truncated(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 34; n < 38; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, ip4_options_igmp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_IPV4_OPTIONS_TRUNCATED);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
		assert_int_equal(p.proto, 2);
		assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
		assert_int_equal(p.l3_len, n - 14);
		assert_int_equal(p.payload_off, 14);
		assert_int_equal(p.payload_len, n - 14);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, ip4_options_igmp, 36, EV_IPV4_OPTIONS_TRUNCATED);
}

/* A first fragment (MF, offset 0) is flagged and still decoded into UDP, as tcpdump does. */
static void test_ipv4_first_fragment(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_first_frag)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT | PKT_FLAG_TRUNCATED);
	assert_int_equal(p.frag_id, 57873);
	assert_int_equal(p.frag_mf, 1);
	assert_int_equal(p.frag_offset, 0);
	assert_int_equal(p.ip_df, 0);
	assert_int_equal(p.l3_len, 50); /* 1500 declared, clipped to caplen */
	assert_int_equal(p.sport, 53);
	assert_int_equal(p.dport, 59464);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 22);
}

/* A later fragment (offset != 0) is not decoded further: payload = fragment data. */
static void test_ipv4_later_fragment(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_last_frag)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT);
	assert_int_equal(p.proto, 17);
	assert_int_equal(p.frag_id, 57873);
	assert_int_equal(p.frag_mf, 0);
	assert_int_equal(p.frag_offset, 1480);
	assert_int_equal(p.l3_len, 38);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.payload_off, 34);
	assert_int_equal(p.payload_len, 18);
}

/* The largest fragment offset (0x1fff * 8) fits frag_offset. */
static void test_ipv4_max_fragment_offset(void **state)
{
	(void)state;
	uint8_t f[sizeof(ip4_last_frag)];
	struct pkt p;

	memcpy(f, ip4_last_frag, sizeof(f));
	f[20] = 0x3f, f[21] = 0xff; /* MF + offset 8191 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.frag_offset, 65528);
	assert_int_equal(p.frag_mf, 1);
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT);
}

/* caplen < total length: flagged truncated, TCP still decoded from what is there. */
static void test_ipv4_snaplen_cut(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_snaplen96)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.l3_len, 82);
	assert_int_equal(p.sport, 12345);
	assert_int_equal(p.payload_off, 66);
	assert_int_equal(p.payload_len, 30);
}

/* IHL < 5 is ipv4.bad_ihl (invalid); the fixed fields were read, nothing deeper. */
static void test_ipv4_bad_ihl(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_bad_ihl)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV4_BAD_IHL);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.proto, 17);
	assert_int_equal(p.payload_off, 14);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(ip4_bad_ihl), EV_IPV4_BAD_IHL);

	/* IHL 0 too */
	uint8_t f[sizeof(ip4_bad_ihl)];
	memcpy(f, ip4_bad_ihl, sizeof(f));
	f[14] = 0x40;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV4_BAD_IHL);
}

/* Total length < IHL*4 is ipv4.bad_total_len (invalid), nothing deeper. */
static void test_ipv4_bad_total_len(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_bad_total_len)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV4_BAD_TOTAL_LEN);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.payload_off, 14);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(ip4_bad_total_len), EV_IPV4_BAD_TOTAL_LEN);

	/* total length 23 with IHL 6 (24 bytes) is also too short */
	uint8_t f[sizeof(ip4_options_igmp)];
	memcpy(f, ip4_options_igmp, sizeof(f));
	f[17] = 23;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV4_BAD_TOTAL_LEN);
}

/* A total length of exactly the header: the L4 decoder sees 0 bytes, even with bytes after. */
static void test_ipv4_total_len_limits_l4(void **state)
{
	(void)state;
	uint8_t f[sizeof(ip4_snaplen96)];
	struct pkt p;

	memcpy(f, ip4_snaplen96, sizeof(f));
	f[16] = 0x00, f[17] = 20; /* total length 20, TCP bytes follow in the frame */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_TCP_TOO_SMALL);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.l3_len, 20);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.payload_off, 34);
	assert_int_equal(p.payload_len, 0);
}

/* Total length 0 (TSO capture) means "up to caplen": no error, no truncation flag. */
static void test_ipv4_total_len_zero_tso(void **state)
{
	(void)state;
	uint8_t f[sizeof(ip4_snaplen96)];
	struct pkt p;

	memcpy(f, ip4_snaplen96, sizeof(f));
	f[16] = 0x00, f[17] = 0x00;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.l3_len, 82);
	assert_int_equal(p.payload_off, 66);
	assert_int_equal(p.payload_len, 30);
}

/* Fewer than 20 header bytes is ipv4.too_small with no IPv4 layer. */
static void test_ipv4_header_truncated(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_trunc_hdr)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_IPV4_TOO_SMALL);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.payload_off, 14);
	assert_int_equal(p.payload_len, 6);
	for (uint32_t n = 14; n < 34; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, ip4_icmp_echo, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_IPV4_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	}
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(ip4_trunc_hdr), EV_IPV4_TOO_SMALL);
}

/* EtherType IPv4 with a version nibble other than 4 is ipv4.bad_version. */
static void test_ipv4_bad_version(void **state)
{
	(void)state;
	uint8_t f[sizeof(ip4_icmp_echo)];
	struct pkt p;

	memcpy(f, ip4_icmp_echo, sizeof(f));
	for (unsigned v = 0; v < 16; v++) {
		if (v == 4)
			continue;
		f[14] = (uint8_t)(v << 4 | 5);
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
		assert_int_equal(p.error, EV_IPV4_BAD_VERSION);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	}
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_IPV4_BAD_VERSION);
}

/* The fuzz-found header (options to the end of caplen, huge total length) stops cleanly at ICMP. */
static void test_ipv4_ts_option_fuzz_case(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip4_ts_option_fuzz)),
			 DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_ICMP_TOO_SMALL);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT | PKT_FLAG_TRUNCATED);
	assert_int_equal(p.ip_df, 1);
	assert_int_equal(p.frag_mf, 1);
	assert_int_equal(p.frag_offset, 0);
	assert_int_equal(p.l3_len, 36);
	assert_int_equal(p.payload_off, 50);
	assert_int_equal(p.payload_len, 0);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_ipv4_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_icmp_echo), 38); /* ICMP type/code */
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_options_igmp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_options_padded), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_first_frag), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_last_frag), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_snaplen96), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_bad_ihl), FX_LEN(ip4_bad_ihl));
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_bad_total_len), FX_LEN(ip4_bad_total_len));
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip4_ts_option_fuzz), FX_LEN(ip4_ts_option_fuzz));
	/* the same packets without a link header */
	fx_cut_every_length(LINKTYPE_IPV4, ip4_icmp_echo + 14, FX_LEN(ip4_icmp_echo) - 14, 24);
	fx_cut_every_length(LINKTYPE_RAW, ip4_options_igmp + 14, FX_LEN(ip4_options_igmp) - 14, FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_fields),
		cmocka_unit_test(test_ipv4_options_skipped),
		cmocka_unit_test(test_ipv4_options_truncated),
		cmocka_unit_test(test_ipv4_first_fragment),
		cmocka_unit_test(test_ipv4_later_fragment),
		cmocka_unit_test(test_ipv4_max_fragment_offset),
		cmocka_unit_test(test_ipv4_snaplen_cut),
		cmocka_unit_test(test_ipv4_bad_ihl),
		cmocka_unit_test(test_ipv4_bad_total_len),
		cmocka_unit_test(test_ipv4_total_len_limits_l4),
		cmocka_unit_test(test_ipv4_total_len_zero_tso),
		cmocka_unit_test(test_ipv4_header_truncated),
		cmocka_unit_test(test_ipv4_bad_version),
		cmocka_unit_test(test_ipv4_ts_option_fuzz_case),
		cmocka_unit_test(test_ipv4_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
