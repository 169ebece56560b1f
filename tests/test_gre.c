/* test_gre.c: unit tests for parsers/gre.c (GRE v0 optional fields and dispatch, Cisco MetaData, enhanced GRE v1 of PPTP, nesting cap). */
#include "decode_fixtures.h"

/* gre.pcap #1, first 70 of 122 bytes:
 * 00:02:2d:56:4a:fd > 00:c0:ca:14:b0:52, ethertype IPv4 (0x0800), length 122: (tos 0x0,
 * ttl 255, id 0, offset 0, flags [DF], proto GRE (47), length 108) 172.27.1.66 >
 * 66.59.109.137: GREv0, Flags [none], proto IPv4 (0x0800), length 88 (tos 0x0, ttl 64, id
 * 0, offset 0, flags [DF], proto ICMP (1), length 84) 66.59.111.190 > 172.28.2.3: ICMP
 * echo request, id 52072, seq 256, length 64
 */
static const uint8_t gre_ipv4_icmp[] = {
	0x00, 0xc0, 0xca, 0x14, 0xb0, 0x52, 0x00, 0x02, 0x2d, 0x56, 0x4a, 0xfd,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x6c, 0x00, 0x00, 0x40, 0x00, 0xff, 0x2f,
	0x1e, 0x41, 0xac, 0x1b, 0x01, 0x42, 0x42, 0x3b, 0x6d, 0x89, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01,
	0xda, 0x90, 0x42, 0x3b, 0x6f, 0xbe, 0xac, 0x1c, 0x02, 0x03, 0x08, 0x00,
	0x46, 0xc9, 0xcb, 0x68, 0x01, 0x00, 0x70, 0x72, 0xe6, 0x3e,
};
/* pptp-gre-bigendian.pcap #16:
 * 00:00:00:00:00:00 > 08:00:20:9f:6b:72, ethertype IPv4 (0x0800), length 94: (tos 0x0, ttl
 * 128, id 956, offset 0, flags [none], proto GRE (47), length 80) 10.1.1.11 > 10.1.1.10:
 * GREv1, Flags [key present, sequence# present], call 0, seq 0, proto PPP (0x880b), length
 * 60 LCP (0xc021), length 48: LCP, Conf-Request (0x01), id 0, length 46 encoded length 44
 * (=Option(s) length 40) Magic-Num Option (0x05), length 6: 0x021952cf PFC Option (0x07),
 * length 2 ACFC Option (0x08), length 2 Call-Back Option (0x0d), length 3: : Callback
 * Operation CBCP (6) MRRU Option (0x11), length 4: 1614 End-Disc Option (0x13), length 23:
 * Local
 */
static const uint8_t gre_pptp_lcp[] = {
	0x08, 0x00, 0x20, 0x9f, 0x6b, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x50, 0x03, 0xbc, 0x00, 0x00, 0x80, 0x2f,
	0x20, 0xad, 0x0a, 0x01, 0x01, 0x0b, 0x0a, 0x01, 0x01, 0x0a, 0x30, 0x01,
	0x88, 0x0b, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x03,
	0xc0, 0x21, 0x01, 0x00, 0x00, 0x2c, 0x05, 0x06, 0x02, 0x19, 0x52, 0xcf,
	0x07, 0x02, 0x08, 0x02, 0x0d, 0x03, 0x06, 0x11, 0x04, 0x06, 0x4e, 0x13,
	0x17, 0x01, 0x29, 0xf7, 0x6a, 0x90, 0x77, 0xf1, 0x47, 0x2c, 0x83, 0x52,
	0x47, 0xf2, 0x71, 0xd6, 0x56, 0x07, 0x00, 0x00, 0x00, 0x0c,
};
/* gre-variants.pcap #11 (GRE with key, Cisco MetaData, IPv4, inner GRE keepalive):
 * aa:bb:cc:00:02:00 > aa:bb:cc:00:01:00, ethertype 802.1Q (0x8100), length 82: vlan 1213,
 * p 0, ethertype IPv4 (0x0800), (tos 0xc0, ttl 255, id 164, offset 0, flags [none], proto
 * GRE (47), length 64) 10.172.64.7 > 10.172.64.6: GREv0, Flags [key present], key=0x28,
 * proto unknown (0x8909), length 44 gre-proto-0x8909
 */
static const uint8_t gre_cmd_gre_keepalive[] = {
	0xaa, 0xbb, 0xcc, 0x00, 0x01, 0x00, 0xaa, 0xbb, 0xcc, 0x00, 0x02, 0x00,
	0x81, 0x00, 0x04, 0xbd, 0x08, 0x00, 0x45, 0xc0, 0x00, 0x40, 0x00, 0xa4,
	0x00, 0x00, 0xff, 0x2f, 0x24, 0xc6, 0x0a, 0xac, 0x40, 0x07, 0x0a, 0xac,
	0x40, 0x06, 0x20, 0x00, 0x89, 0x09, 0x00, 0x00, 0x00, 0x28, 0x08, 0x00,
	0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x45, 0xc0, 0x00, 0x1c, 0x00, 0xa3,
	0x00, 0x00, 0xff, 0x2f, 0x24, 0xeb, 0x0a, 0xac, 0x40, 0x06, 0x0a, 0xac,
	0x40, 0x07, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28,
};
/* gre-variants.pcap #25, first 86 of 154 bytes:
 * aa:bb:cc:00:01:00 > aa:bb:cc:00:02:00, ethertype 802.1Q (0x8100), length 154: vlan 1213,
 * p 0, ethertype IPv4 (0x0800), (tos 0x0, ttl 255, id 145, offset 0, flags [none], proto
 * GRE (47), length 136) 10.172.64.6 > 10.172.64.7: GREv0, Flags [key present], key=0x28,
 * proto unknown (0x8909), length 116 gre-proto-0x8909
 */
static const uint8_t gre_cmd_icmp[] = {
	0xaa, 0xbb, 0xcc, 0x00, 0x02, 0x00, 0xaa, 0xbb, 0xcc, 0x00, 0x01, 0x00,
	0x81, 0x00, 0x04, 0xbd, 0x08, 0x00, 0x45, 0x00, 0x00, 0x88, 0x00, 0x91,
	0x00, 0x00, 0xff, 0x2f, 0x25, 0x51, 0x0a, 0xac, 0x40, 0x06, 0x0a, 0xac,
	0x40, 0x07, 0x20, 0x00, 0x89, 0x09, 0x00, 0x00, 0x00, 0x28, 0x08, 0x00,
	0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x45, 0x00, 0x00, 0x64, 0x00, 0x05,
	0x00, 0x00, 0xff, 0x01, 0x61, 0x04, 0xac, 0x11, 0x01, 0x36, 0xac, 0x11,
	0x01, 0x37, 0x08, 0x00, 0x64, 0xfe, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};

/* Crafted (GRE with checksum and sequence number, transparent Ethernet bridging):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 94: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto GRE (47), length 80) 198.51.100.1 >
 * 198.51.100.2: GREv0, Flags [checksum present, sequence# present], sum 0x0, off 0x0, seq
 * 7, proto TEB (0x6558), length 60 02:00:00:00:00:0b > 02:00:00:00:00:0a, ethertype IPv4
 * (0x0800), length 48: (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17),
 * length 34) 192.168.0.1.1000 > 192.168.0.2.2000: UDP, length 6
 * tshark: eth:ethertype:ip:gre:eth:ethertype:ip:udp:data */
static const uint8_t gre_csum_seq_teb[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x50, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x14, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x90, 0x00,
	0x65, 0x58, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xf9, 0x76,
	0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02, 0x03, 0xe8, 0x07, 0xd0,
	0x00, 0x0e, 0x00, 0x00, 0x6d, 0x69, 0x72, 0x72, 0x6f, 0x72,
};
/* Crafted (GRE with the routing bit):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 62: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto GRE (47), length 48) 198.51.100.1 >
 * 198.51.100.2: GREv0, Flags [routing present], sum 0x0, off 0x0, (rtaf=0x4500) [|gre]
 * tshark: eth:ethertype:ip:gre */
static const uint8_t gre_routing[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x34, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x40, 0x00,
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x14, 0x00, 0x01,
	0x00, 0x00, 0x40, 0x3b, 0x66, 0xac, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
	0x00, 0x02,
};
/* Crafted (GRE over IPv6 with a key, carrying IPv6/UDP):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv6 (0x86dd), length 111: (hlim 64,
 * next-header GRE (47) payload length: 57) 2001:db8::1 > 2001:db8::2: GREv0, Flags [key
 * present], key=0xabcd, proto IPv6 (0x86dd), length 57 (hlim 64, next-header UDP (17)
 * payload length: 9) 2001:db8::1.7 > 2001:db8::2.9: [bad udp cksum 0x0000 -> 0x3357!] UDP,
 * length 1
 * tshark: eth:ethertype:ipv6:gre:ipv6:udp:echo */
static const uint8_t gre_ipv6_in_ipv6[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x39, 0x2f, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x00, 0x86, 0xdd, 0x00, 0x00,
	0xab, 0xcd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x09, 0x11, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x00, 0x09, 0x00, 0x09,
	0x00, 0x00, 0x71,
};
/* Crafted (GRE carrying MPLS, IPv4/TCP):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 82: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto GRE (47), length 68) 198.51.100.1 >
 * 198.51.100.2: GREv0, Flags [none], proto MPLS unicast (0x8847), length 48 MPLS (label
 * 77, tc 0, [S], ttl 64) (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto TCP (6),
 * length 40) 10.0.0.1.179 > 10.0.0.2.40000: Flags [S.], cksum 0x0000 (incorrect ->
 * 0xfad9), seq 1, ack 2, win 1024, length 0
 * tshark: eth:ethertype:ip:gre:mpls:ip:tcp */
static const uint8_t gre_mpls[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x44, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x20, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00,
	0x88, 0x47, 0x00, 0x04, 0xd1, 0x40, 0x45, 0x00, 0x00, 0x28, 0x00, 0x01,
	0x00, 0x00, 0x40, 0x06, 0x66, 0xcd, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
	0x00, 0x02, 0x00, 0xb3, 0x9c, 0x40, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x02, 0x50, 0x12, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* Crafted (enhanced GRE (PPTP), acknowledgment only: payload length 0):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 46: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto GRE (47), length 32) 198.51.100.1 >
 * 198.51.100.2: GREv1, Flags [key present, ack present], call 16384, ack 5, no-payload,
 * proto PPP (0x880b), length 12
 * tshark: eth:ethertype:ip:gre */
static const uint8_t gre_pptp_ack[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x44, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x20, 0x81,
	0x88, 0x0b, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x05,
};
/* Crafted (five GRE-in-IPv4 encapsulations, then IPv4/UDP):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 166: (tos 0x0,
 * ttl 64, id 1, offset 0, flags [none], proto GRE (47), length 152) 198.51.100.1 >
 * 198.51.100.2: GREv0, Flags [none], proto IPv4 (0x0800), length 132 (tos 0x0, ttl 64, id
 * 1, offset 0, flags [none], proto GRE (47), length 128) 198.51.100.1 > 198.51.100.2:
 * GREv0, Flags [none], proto IPv4 (0x0800), length 108 (tos 0x0, ttl 64, id 1, offset 0,
 * flags [none], proto GRE (47), length 104) 198.51.100.1 > 198.51.100.2: GREv0, Flags
 * [none], proto IPv4 (0x0800), length 84 (tos 0x0, ttl 64, id 1, offset 0, flags [none],
 * proto GRE (47), length 80) 198.51.100.1 > 198.51.100.2: GREv0, Flags [none], proto IPv4
 * (0x0800), length 60 (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto GRE (47),
 * length 56) 198.51.100.1 > 198.51.100.2: GREv0, Flags [none], proto IPv4 (0x0800), length
 * 36 (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 32) 10.0.0.1.1
 * > 10.0.0.2.2: UDP, length 4
 * tshark: eth:ethertype:ip:gre:ip:gre:ip:gre:ip:gre:ip:gre:ip:udp:data */
static const uint8_t gre_nested5[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x98, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x25, 0xcc, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x80, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x25, 0xe4, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x68, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x25, 0xfc, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x50, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x14, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f,
	0x26, 0x2c, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0xca, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x01,
	0x00, 0x02, 0x00, 0x0c, 0x00, 0x00, 0x64, 0x65, 0x65, 0x70,
};

/* GRE without options carrying IPv4/ICMP: the inner flow's fields, the outer IPv4 and GRE in hdrs. */
static void test_gre_ipv4_in_ipv4(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_ipv4_icmp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_IPV4, HDR_ICMP);
	fx_expect_hdr(&p, 1, HDR_IPV4, 14, 20, 0);
	fx_expect_hdr(&p, 2, HDR_GRE, 34, 4, 0);
	fx_expect_hdr(&p, 3, HDR_IPV4, 38, 20, 0);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.tunnel_id, 0);
	assert_int_equal(p.ethertype, 0x0800);
	/* the inner IPv4: 66.59.111.190 > 172.28.2.3, ttl 64 */
	assert_int_equal(p.l3_off, 38);
	assert_memory_equal(p.data + p.l3_off + 12, "\x42\x3b\x6f\xbe\xac\x1c\x02\x03", 8);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.ip_df, 1);
	assert_int_equal(p.proto, 1);
	assert_int_equal(p.l4_off, 58);
	assert_int_equal(p.icmp_type, 8);
	/* the outer IPv4 stays reachable: 172.27.1.66 > 66.59.109.137 */
	assert_memory_equal(p.data + p.hdrs[1].off + 12, "\xac\x1b\x01\x42\x42\x3b\x6d\x89", 8);
	assert_int_equal(p.payload_off, 66);
	assert_int_equal(p.payload_len, FX_LEN(gre_ipv4_icmp) - 66);
}

/* Checksum and sequence number are skipped; 0x6558 carries an Ethernet frame whose fields win. */
static void test_gre_options_and_bridging(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_csum_seq_teb)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_ETH, HDR_IPV4, HDR_UDP);
	fx_expect_hdr(&p, 2, HDR_GRE, 34, 12, 0);
	fx_expect_hdr(&p, 3, HDR_ETH, 46, 14, 0);
	assert_int_equal(p.eth_off, 46);
	assert_memory_equal(p.data + p.eth_off, "\x02\x00\x00\x00\x00\x0a", 6);
	assert_int_equal(p.l3_off, 60);
	assert_int_equal(p.dport, 2000);
	assert_int_equal(p.tunnels, 1);

	/* key: tunnel_id, GRE over IPv6 carrying IPv6 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_ipv6_in_ipv6)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV6, HDR_GRE, HDR_IPV6, HDR_UDP);
	fx_expect_hdr(&p, 2, HDR_GRE, 54, 8, 0);
	assert_int_equal(p.tunnel_id, 0xabcd);
	assert_int_equal(p.l3_off, 62);
	assert_int_equal(p.ip6_nxt, 17);
	assert_int_equal(p.dport, 9);

	/* MPLS in GRE */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_mpls)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_MPLS, HDR_IPV4, HDR_TCP);
	assert_int_equal(p.sport, 179);
}

/* Key, Cisco MetaData (8 bytes, next EtherType first), IPv4, then GRE in GRE ending in a keepalive. */
static void test_gre_in_gre_with_cmd(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_cmd_gre_keepalive)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_IPV4));
	FX_HDRS(&p, HDR_ETH, HDR_VLAN, HDR_IPV4, HDR_GRE, HDR_CMD, HDR_IPV4, HDR_GRE);
	fx_expect_hdr(&p, 3, HDR_GRE, 38, 8, 0);
	fx_expect_hdr(&p, 4, HDR_CMD, 46, 8, 0);
	fx_expect_hdr(&p, 5, HDR_IPV4, 54, 20, 0);
	fx_expect_hdr(&p, 6, HDR_GRE, 74, 8, 0);
	assert_int_equal(p.tunnels, 2);
	assert_int_equal(p.tunnel_id, 0x28);
	assert_int_equal(p.l3_off, 54);
	assert_int_equal(p.proto, 47);
	assert_int_equal(p.payload_off, 82); /* keepalive (protocol 0): nothing more */
	assert_int_equal(p.payload_len, 0);

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_cmd_icmp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_ICMP));
	FX_HDRS(&p, HDR_ETH, HDR_VLAN, HDR_IPV4, HDR_GRE, HDR_CMD, HDR_IPV4, HDR_ICMP);
	assert_int_equal(p.icmp_type, 8);
	/* a cut Cisco MetaData header */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, gre_cmd_icmp, 50), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_CMD_TOO_SMALL);
	assert_int_equal(p.payload_off, 46);
}

/* Enhanced GRE v1 (PPTP): key = payload length + call id, sequence, PPP (LCP stops). */
static void test_gre_pptp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_pptp_lcp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE, HDR_PPP);
	fx_expect_hdr(&p, 2, HDR_GRE, 34, 12, 0);
	fx_expect_hdr(&p, 3, HDR_PPP, 46, 4, 0);
	assert_int_equal(p.tunnel_id, 0); /* call id 0 */
	assert_int_equal(p.ppp_proto, 0xc021);
	assert_int_equal(p.payload_off, 50);
	assert_int_equal(p.payload_len, 44); /* within the GRE payload length 48 */

	/* acknowledgment only (A bit, no S): payload length 0, nothing carried */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_pptp_ack)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE);
	fx_expect_hdr(&p, 2, HDR_GRE, 34, 12, 0);
	assert_int_equal(p.tunnel_id, 0x4000);
	assert_int_equal(p.payload_off, 46);
	assert_int_equal(p.payload_len, 0);
}

/* Routing is gre.routing_unsupported; versions 2-7 and malformed v1 headers are gre.bad_version. */
static void test_gre_malformed(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(gre_pptp_lcp)];

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_routing)), DECODE_INVALID);
	assert_int_equal(p.error, EV_GRE_ROUTING);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_GRE);
	assert_int_equal(p.payload_off, 34);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(gre_routing), EV_GRE_ROUTING);

	memcpy(f, gre_ipv4_icmp, 60);
	for (unsigned v = 2; v < 8; v++) {
		f[35] = (uint8_t)v;
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, 60), DECODE_INVALID);
		assert_int_equal(p.error, EV_GRE_BAD_VERSION);
		assert_int_equal(p.tunnels, 0);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, f, 60, EV_GRE_BAD_VERSION);
	memcpy(f, gre_pptp_lcp, sizeof(f));
	f[34] = 0x10; /* v1 without the key bit */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_GRE_BAD_VERSION);
	memcpy(f, gre_pptp_lcp, sizeof(f));
	f[36] = 0x08, f[37] = 0x00; /* v1 with protocol IPv4 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_GRE_BAD_VERSION);
	memcpy(f, gre_pptp_lcp, sizeof(f));
	f[34] = 0xb0; /* v1 with a checksum */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_GRE_BAD_VERSION);
	/* a PPTP payload length past the frame flags truncation */
	memcpy(f, gre_pptp_lcp, sizeof(f));
	f[38] = 0x01;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
}

/* A header cut in its fixed part or options is gre.too_small; the outer IPv4 stays the packet's. */
static void test_gre_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 34; n < 46; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, gre_csum_seq_teb, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_GRE_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
		assert_int_equal(p.l3_off, 14);
		assert_int_equal(p.payload_off, 34);
		assert_int_equal(p.nhdrs, n < 38 ? 2 : 3);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, gre_csum_seq_teb, 40, EV_GRE_TOO_SMALL);
}

/* Five nested GRE tunnels pass DECODE_TUNNEL_MAX_DEPTH (4): tunnel.too_deep at the fifth. */
static void test_gre_nesting_cap(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(gre_nested5)), DECODE_INVALID);
	assert_int_equal(p.error, EV_TUNNEL_TOO_DEEP);
	assert_int_equal(p.tunnels, DECODE_TUNNEL_MAX_DEPTH);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4));
	/* Ethernet, then 5 x (IPv4, GRE): the fifth GRE header is listed, not what it carries */
	assert_int_equal(p.nhdrs, 11);
	assert_int_equal(p.hdrs[10].type, HDR_GRE);
	assert_int_equal(p.l3_off, p.hdrs[9].off); /* the fifth IPv4 */
	assert_int_equal(p.payload_off, p.hdrs[10].off + 4);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(gre_nested5), EV_TUNNEL_TOO_DEEP);
	/* four are fine: start decoding at the second IPv4 (LINKTYPE_IPV4) */
	assert_int_equal(fx_decode(&p, LINKTYPE_IPV4, gre_nested5 + 38, FX_LEN(gre_nested5) - 38), DECODE_OK);
	assert_int_equal(p.tunnels, 4);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.dport, 2);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_gre_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_ipv4_icmp), 62); /* inner ICMP type/code */
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_pptp_lcp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_cmd_gre_keepalive), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_cmd_icmp), 78);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_csum_seq_teb), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_routing), FX_LEN(gre_routing));
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_ipv6_in_ipv6), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_mpls), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_pptp_ack), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(gre_nested5), FX_LEN(gre_nested5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gre_ipv4_in_ipv4),
		cmocka_unit_test(test_gre_options_and_bridging),
		cmocka_unit_test(test_gre_in_gre_with_cmd),
		cmocka_unit_test(test_gre_pptp),
		cmocka_unit_test(test_gre_malformed),
		cmocka_unit_test(test_gre_too_small),
		cmocka_unit_test(test_gre_nesting_cap),
		cmocka_unit_test(test_gre_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
