/* test_ipv6.c: unit tests for parsers/ipv6.c (fixed header, payload length, extension header chain, fragments). */
#include "decode_fixtures.h"

/* ipv6-ext-hdrs-frag.pcap #23 (Hop-by-Hop, PadN):
 * 00:10:18:95:31:6a > aa:00:04:00:0a:04, ethertype IPv6 (0x86dd), length 82:
 * IP6 (hlim 64, next-header Options (0) payload length: 28) 2001:db8:1::2 > 2001:db8:1::1:
 * HBH (padn) 27393 > 80: Flags [S], seq 1365224417, win 8192, length 0 */
static const uint8_t ip6_hbh_tcp[] = {
	0xaa, 0x00, 0x04, 0x00, 0x0a, 0x04, 0x00, 0x10, 0x18, 0x95, 0x31, 0x6a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x01, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x6b, 0x01, 0x00, 0x50, 0x51, 0x5f, 0xab, 0xe1, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0xcb, 0xd9, 0x00, 0x00,
};

/* ipv6-ext-hdrs-frag.pcap #8 (Destination Options, TCP with 15 bytes of data):
 * 00:10:18:95:31:6a > aa:00:04:00:0a:04, ethertype IPv6 (0x86dd), length 97:
 * IP6 (hlim 64, next-header unknown (60) payload length: 43) 2001:db8:1::2 > 2001:db8:1::1:
 * DSTOPT (padn) 36951 > 80: Flags [P.], seq 1:16, ack 1, win 8192, length 15: HTTP */
static const uint8_t ip6_dstopts_http[] = {
	0xaa, 0x00, 0x04, 0x00, 0x0a, 0x04, 0x00, 0x10, 0x18, 0x95, 0x31, 0x6a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x2b, 0x3c, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x01, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x90, 0x57, 0x00, 0x50, 0xe3, 0x1e, 0xbd, 0x4f, 0xbd, 0xdb,
	0xf8, 0x15, 0x50, 0x18, 0x20, 0x00, 0x08, 0x30, 0x00, 0x00, 0x47, 0x45,
	0x54, 0x20, 0x2f, 0x62, 0x61, 0x64, 0x2e, 0x68, 0x74, 0x6d, 0x6c, 0x0d,
	0x0a,
};

/* ipv6-ext-hdrs-frag.pcap #13 (atomic fragment: offset 0, M=0):
 * 00:10:18:95:31:6a > aa:00:04:00:0a:04, ethertype IPv6 (0x86dd), length 82:
 * IP6 (hlim 64, next-header Fragment (44) payload length: 28) 2001:db8:1::2 > 2001:db8:1::1:
 * frag (0x00000000:0|20) 59694 > 80: Flags [S], seq 1770092805, win 8192, length 0 */
static const uint8_t ip6_atomic_frag[] = {
	0xaa, 0x00, 0x04, 0x00, 0x0a, 0x04, 0x00, 0x10, 0x18, 0x95, 0x31, 0x6a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x2c, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xe9, 0x2e, 0x00, 0x50, 0x69, 0x81, 0x79, 0x05, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x68, 0x66, 0x00, 0x00,
};

/* ipv6-routing-header.pcap #1 (type 0 Routing header, one address):
 * 00:12:3f:ae:22:f7 > 00:13:c4:c7:84:f0, ethertype IPv6 (0x86dd), length 86:
 * IP6 (hlim 4, next-header Routing (43) payload length: 32) 2200::244:212:3fff:feae:22f7 >
 * 2200::240:2:0:0:4: RT6 (len=2, type=0, segleft=1, [0]2200::210:2:0:0:4)
 * ICMP6, echo request, id 0, seq 0, length 8 */
static const uint8_t ip6_routing_icmpv6[] = {
	0x00, 0x13, 0xc4, 0xc7, 0x84, 0xf0, 0x00, 0x12, 0x3f, 0xae, 0x22, 0xf7,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x2b, 0x04, 0x22, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x44, 0x02, 0x12, 0x3f, 0xff, 0xfe, 0xae,
	0x22, 0xf7, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x3a, 0x02, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x10, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x80, 0x00, 0xd3, 0xab, 0x00, 0x00,
	0x00, 0x00,
};

/* ipv6-frag-dns.pcap #4, first 80 of 404 bytes (non-first fragment):
 * d8:30:62:48:c5:b5 > c4:2c:03:3b:6c:aa, ethertype IPv6 (0x86dd), length 404:
 * IP6 (hlim 53, next-header Fragment (44) payload length: 350) 2607:f740:b::f93 >
 * 2001:470:1f11:81f:d138:5f55:6d4:1fe2: frag (0x00000001:2896|342) */
static const uint8_t ip6_later_frag[] = {
	0xc4, 0x2c, 0x03, 0x3b, 0x6c, 0xaa, 0xd8, 0x30, 0x62, 0x48, 0xc5, 0xb5,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x01, 0x5e, 0x2c, 0x35, 0x26, 0x07,
	0xf7, 0x40, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0f, 0x93, 0x20, 0x01, 0x04, 0x70, 0x1f, 0x11, 0x08, 0x1f, 0xd1, 0x38,
	0x5f, 0x55, 0x06, 0xd4, 0x1f, 0xe2, 0x11, 0x00, 0x0b, 0x50, 0x00, 0x00,
	0x00, 0x01, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
};

/* ipv6-frag-dns.pcap #6, first 80 of 1494 bytes (first fragment, M=1):
 * d8:30:62:48:c5:b5 > c4:2c:03:3b:6c:aa, ethertype IPv6 (0x86dd), length 1494:
 * IP6 (hlim 53, next-header Fragment (44) payload length: 1440) 2607:f740:b::f93 >
 * 2001:470:1f11:81f:d138:5f55:6d4:1fe2: frag (0x00000002:0|1432) 53 > 51851: 40849*- 1/1/2 */
static const uint8_t ip6_first_frag[] = {
	0xc4, 0x2c, 0x03, 0x3b, 0x6c, 0xaa, 0xd8, 0x30, 0x62, 0x48, 0xc5, 0xb5,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x05, 0xa0, 0x2c, 0x35, 0x26, 0x07,
	0xf7, 0x40, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0f, 0x93, 0x20, 0x01, 0x04, 0x70, 0x1f, 0x11, 0x08, 0x1f, 0xd1, 0x38,
	0x5f, 0x55, 0x06, 0xd4, 0x1f, 0xe2, 0x11, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x02, 0x00, 0x35, 0xca, 0x8b, 0x0c, 0xa6, 0x68, 0x8f, 0x9f, 0x91,
	0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01,
};

/* truncated-ip6-ext.pcap #1 (Hop-by-Hop declared, no byte of it captured):
 * 00:00:00:00:00:00 > ff:ff:ff:ff:ff:ff, ethertype IPv6 (0x86dd), length 54:
 * IP6 2001:4f8:4:7:2e0:81ff:fe52:ffff > 2001:4f8:4:7:2e0:81ff:fe52:9a6b: [|hbhopt] */
static const uint8_t ip6_ext_trunc[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x40, 0x20, 0x01,
	0x04, 0xf8, 0x00, 0x04, 0x00, 0x07, 0x02, 0xe0, 0x81, 0xff, 0xfe, 0x52,
	0xff, 0xff, 0x20, 0x01, 0x04, 0xf8, 0x00, 0x04, 0x00, 0x07, 0x02, 0xe0,
	0x81, 0xff, 0xfe, 0x52, 0x9a, 0x6b,
};

/* malformed-ipv6-len.pcap #1 (39 bytes of IPv6 header):
 * f0:4d:a2:3d:5d:a3 > c0:d6:82:36:03:2b, ethertype IPv6 (0x86dd), length 53: [|ip6] */
static const uint8_t ip6_short_hdr[] = {
	0xc0, 0xd6, 0x82, 0x36, 0x03, 0x2b, 0xf0, 0x4d, 0xa2, 0x3d, 0x5d, 0xa3,
	0x86, 0xdd, 0x60, 0x09, 0xd8, 0xd8, 0x00, 0x40, 0x11, 0x40, 0x26, 0x05,
	0xbc, 0x80, 0x30, 0x10, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x8c, 0xd3,
	0x09, 0xce, 0x26, 0x00, 0x3c, 0x00, 0xe0, 0x00, 0x00, 0x19, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00,
};

/* malformed-ipv6-bad-version.pcap #2 (version 0 under EtherType 0x86dd):
 * 24:84:3f:eb:3c:ee > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), length 86:
 * IP6 version error: 0 != 6 */
static const uint8_t ip6_bad_version[] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x24, 0x84, 0x3f, 0xeb, 0x3c, 0xee,
	0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x29, 0xff, 0xfe, 0x76,
	0x6c, 0x14, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0xab, 0x13, 0x00, 0x00,
	0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x0c,
	0x29, 0xff, 0xfe, 0x76, 0x6c, 0x14, 0x02, 0x01, 0x24, 0x84, 0x3f, 0xeb,
	0x3c, 0xee,
};

/* Crafted (LINKTYPE_IPV6): AH (len 4 = 24 bytes) then TCP:
 * IP6 (hlim 64, next-header AH (51) payload length: 44) 2001:db8::1 > 2001:db8::2:
 * AH(spi=0x00000100,seq=0x1): 1024 > 443: Flags [S], seq 1, win 1024, length 0 */
static const uint8_t ip6_ah_tcp[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x33, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Crafted (LINKTYPE_IPV6) by ip6_chain(): `n` Destination Options headers of 8
 * bytes each, then IP6 2001:db8::1.1024 > 2001:db8::2.53: UDP, length 0 */
static uint32_t ip6_chain(uint8_t *f, unsigned n)
{
	static const uint8_t hdr[40] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3c, 0x40, 0x20, 0x01, 0x0d, 0xb8,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x02,
	};
	static const uint8_t udp[8] = { 0x04, 0x00, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00 };
	uint32_t len = 40;

	memcpy(f, hdr, sizeof(hdr));
	if (n == 0)
		f[6] = 17;
	for (unsigned i = 0; i < n; i++) {
		static const uint8_t padn[6] = { 0x01, 0x04, 0x00, 0x00, 0x00, 0x00 };
		f[len] = i + 1 < n ? 60 : 17;
		f[len + 1] = 0;
		memcpy(f + len + 2, padn, sizeof(padn));
		len += 8;
	}
	memcpy(f + len, udp, sizeof(udp));
	len += 8;
	f[4] = (uint8_t)((len - 40) >> 8);
	f[5] = (uint8_t)(len - 40);
	return len;
}

/* A Hop-by-Hop header is walked: fixed fields, ip6_nxt = 0, proto = TCP. */
static void test_ipv6_hbh_fields(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_hbh_tcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.ethertype, 0x86dd);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l3_len, 68);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.ip6_nxt, 0);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.frag_offset, 0);
	assert_int_equal(p.frag_id, 0);
	assert_memory_equal(p.data + p.l3_off + 8, "\x20\x01\x0d\xb8\x00\x01", 6);
	assert_int_equal(p.l4_off, 62);
	assert_int_equal(p.sport, 27393);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.payload_off, 82);
	assert_int_equal(p.payload_len, 0);
}

/* Destination Options then TCP data: payload is the HTTP bytes. */
static void test_ipv6_dstopts(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_dstopts_http)), DECODE_OK);
	assert_int_equal(p.ip6_nxt, 60);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.l4_off, 62);
	assert_int_equal(p.tcp_flags, 0x018);
	assert_int_equal(p.payload_off, 82);
	assert_int_equal(p.payload_len, 15);
	assert_memory_equal(p.data + p.payload_off, "GET /bad.html\r\n", 15);
}

/* A Routing header ((len+1)*8 = 24 bytes) then ICMPv6. */
static void test_ipv6_routing(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_routing_icmpv6)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_ICMPV6));
	assert_int_equal(p.ip6_nxt, 43);
	assert_int_equal(p.proto, 58);
	assert_int_equal(p.ttl, 4);
	assert_int_equal(p.l4_off, 78);
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(p.payload_off, 86);
	assert_int_equal(p.payload_len, 0);
}

/* AH's length is (len+2)*4 bytes, not (len+1)*8. */
static void test_ipv6_ah(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_IPV6, FX_FRAME(ip6_ah_tcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.ip6_nxt, 51);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.l4_off, 64);
	assert_int_equal(p.dport, 443);
	assert_int_equal(p.payload_off, 84);
	assert_int_equal(p.payload_len, 0);
}

/* An atomic fragment (offset 0, M=0) is flagged and decoded on into TCP. */
static void test_ipv6_atomic_fragment(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_atomic_frag)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT);
	assert_int_equal(p.ip6_nxt, 44);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.frag_offset, 0);
	assert_int_equal(p.frag_mf, 0);
	assert_int_equal(p.frag_id, 0);
	assert_int_equal(p.sport, 59694);
	assert_int_equal(p.payload_off, 82);
}

/* A first fragment (M=1) is decoded into UDP; the snaplen cut sets PKT_FLAG_TRUNCATED. */
static void test_ipv6_first_fragment(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_first_frag)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT | PKT_FLAG_TRUNCATED);
	assert_int_equal(p.frag_offset, 0);
	assert_int_equal(p.frag_mf, 1);
	assert_int_equal(p.frag_id, 2);
	assert_int_equal(p.ttl, 53);
	assert_int_equal(p.l3_len, 66); /* 1480 declared */
	assert_int_equal(p.sport, 53);
	assert_int_equal(p.dport, 51851);
	assert_int_equal(p.payload_off, 70);
	assert_int_equal(p.payload_len, 10);
}

/* A later fragment stops after the Fragment header: proto = its next header, payload = data. */
static void test_ipv6_later_fragment(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_later_frag)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6));
	assert_int_equal(p.flags, PKT_FLAG_FRAGMENT | PKT_FLAG_TRUNCATED);
	assert_int_equal(p.ip6_nxt, 44);
	assert_int_equal(p.proto, 17);
	assert_int_equal(p.frag_offset, 2896);
	assert_int_equal(p.frag_mf, 0);
	assert_int_equal(p.frag_id, 1);
	assert_int_equal(p.payload_off, 62);
	assert_int_equal(p.payload_len, 18);
}

/* A payload length shorter than captured limits the layers; trailing bytes are not payload. */
static void test_ipv6_payload_len_shorter(void **state)
{
	(void)state;
	uint8_t f[sizeof(ip6_dstopts_http) + 9];
	struct pkt p;

	memcpy(f, ip6_dstopts_http, sizeof(ip6_dstopts_http));
	memset(f + sizeof(ip6_dstopts_http), 0xee, 9);
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.l3_len, 83);
	assert_int_equal(p.payload_off, 82);
	assert_int_equal(p.payload_len, 15);
	assert_int_equal(p.flags, 0);

	/* payload length 8 covers only the DstOpts header: TCP gets no bytes */
	f[19] = 8;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_TCP_TOO_SMALL);
	assert_int_equal(p.l3_len, 48);
	assert_int_equal(p.payload_off, 62);
	assert_int_equal(p.payload_len, 0);

	/* payload length 4 cuts inside DstOpts */
	f[19] = 4;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_IPV6_EXT_TRUNCATED);
	assert_int_equal(p.proto, 60);
}

/* A payload length longer than captured: flagged truncated, decoded as far as bytes go. */
static void test_ipv6_payload_len_longer(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, ip6_dstopts_http, 90), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.l3_len, 76);
	assert_int_equal(p.payload_off, 82);
	assert_int_equal(p.payload_len, 8);
}

/* Payload length 0 (jumbogram / TSO) means "up to caplen". */
static void test_ipv6_payload_len_zero(void **state)
{
	(void)state;
	uint8_t f[sizeof(ip6_dstopts_http)];
	struct pkt p;

	memcpy(f, ip6_dstopts_http, sizeof(f));
	f[18] = 0, f[19] = 0;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.l3_len, 83);
	assert_int_equal(p.payload_len, 15);
}

/* Next header 59 (no next header) stops with proto 59 and the rest as payload. */
static void test_ipv6_no_next_header(void **state)
{
	(void)state;
	uint8_t f[sizeof(ip6_hbh_tcp)];
	struct pkt p;

	memcpy(f, ip6_hbh_tcp, sizeof(f));
	f[54] = 59; /* HBH next header */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6));
	assert_int_equal(p.proto, 59);
	assert_int_equal(p.payload_off, 62);
	assert_int_equal(p.payload_len, 20);
}

/* Up to 8 extension headers are walked; a 9th is ipv6.ext_too_many (invalid). */
static void test_ipv6_ext_chain_cap(void **state)
{
	(void)state;
	uint8_t f[40 + 12 * 8 + 8];
	struct pkt p;

	for (unsigned n = 0; n <= 8; n++) {
		uint32_t len = ip6_chain(f, n);
		assert_int_equal(fx_decode(&p, LINKTYPE_IPV6, f, len), DECODE_OK);
		assert_int_equal(p.layers, FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
		assert_int_equal(p.proto, 17);
		assert_int_equal(p.l4_off, 40 + 8 * n);
		assert_int_equal(p.dport, 53);
	}
	for (unsigned n = 9; n <= 12; n++) {
		uint32_t len = ip6_chain(f, n);
		assert_int_equal(fx_decode(&p, LINKTYPE_IPV6, f, len), DECODE_INVALID);
		assert_int_equal(p.error, EV_IPV6_EXT_TOO_MANY);
		assert_int_equal(p.layers, FX_BIT(LAYER_IPV6));
		assert_int_equal(p.proto, 60);
		assert_int_equal(p.payload_off, 40 + 8 * 8);
		assert_int_equal(p.payload_len, len - (40 + 8 * 8));
		fx_expect_counted(LINKTYPE_IPV6, f, len, EV_IPV6_EXT_TOO_MANY);
	}
}

/* An extension header past caplen is ipv6.ext_truncated; the IPv6 layer stays. */
static void test_ipv6_ext_truncated(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_ext_trunc)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_IPV6_EXT_TRUNCATED);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6));
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.proto, 0);
	assert_int_equal(p.payload_off, 54);
	assert_int_equal(p.payload_len, 0);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(ip6_ext_trunc), EV_IPV6_EXT_TRUNCATED);

	/* cut inside the Fragment header: frag fields not set */
	for (uint32_t n = 54; n < 62; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, ip6_later_frag, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_IPV6_EXT_TRUNCATED);
		assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
		assert_int_equal(p.frag_offset, 0);
	}
}

/* Fewer than 40 bytes is ipv6.too_small; a version other than 6 is ipv6.bad_version. */
static void test_ipv6_too_small_and_bad_version(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_short_hdr)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_IPV6_TOO_SMALL);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.payload_off, 14);
	assert_int_equal(p.payload_len, 39);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(ip6_short_hdr), EV_IPV6_TOO_SMALL);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(ip6_bad_version)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV6_BAD_VERSION);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.ip_version, 0);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(ip6_bad_version), EV_IPV6_BAD_VERSION);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_ipv6_cut_every_length(void **state)
{
	(void)state;
	uint8_t f[40 + 12 * 8 + 8];

	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip6_hbh_tcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip6_dstopts_http), 82);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip6_atomic_frag), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip6_routing_icmpv6), 82);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip6_later_frag), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip6_first_frag), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(ip6_ext_trunc), FX_LEN(ip6_ext_trunc));
	fx_cut_every_length(LINKTYPE_IPV6, FX_FRAME(ip6_ah_tcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_IPV6, f, ip6_chain(f, 8), FX_AUTO);
	fx_cut_every_length(LINKTYPE_IPV6, f, ip6_chain(f, 9), ip6_chain(f, 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_hbh_fields),
		cmocka_unit_test(test_ipv6_dstopts),
		cmocka_unit_test(test_ipv6_routing),
		cmocka_unit_test(test_ipv6_ah),
		cmocka_unit_test(test_ipv6_atomic_fragment),
		cmocka_unit_test(test_ipv6_first_fragment),
		cmocka_unit_test(test_ipv6_later_fragment),
		cmocka_unit_test(test_ipv6_payload_len_shorter),
		cmocka_unit_test(test_ipv6_payload_len_longer),
		cmocka_unit_test(test_ipv6_payload_len_zero),
		cmocka_unit_test(test_ipv6_no_next_header),
		cmocka_unit_test(test_ipv6_ext_chain_cap),
		cmocka_unit_test(test_ipv6_ext_truncated),
		cmocka_unit_test(test_ipv6_too_small_and_bad_version),
		cmocka_unit_test(test_ipv6_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
