/* test_ethernet.c: unit tests for parsers/ethernet.c (Ethernet II and 802.3 length frames). */
#include "decode_fixtures.h"

/* dns-udp.pcap #1:
 * 00:11:22:33:44:55 > 00:11:22:33:44:66, ethertype IPv4 (0x0800), length 98:
 * IP 192.168.1.11.43966 > 209.87.249.18.53: 22836+ [1au] A? www.tcpdump.org. (56) */
static const uint8_t eth_ipv4_udp[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x66, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x59, 0xcd, 0x00, 0x00, 0x40, 0x11,
	0x94, 0xae, 0xc0, 0xa8, 0x01, 0x0b, 0xd1, 0x57, 0xf9, 0x12, 0xab, 0xbe,
	0x00, 0x35, 0x00, 0x40, 0x78, 0x24, 0x59, 0x34, 0x01, 0x20, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77, 0x07, 0x74,
	0x63, 0x70, 0x64, 0x75, 0x6d, 0x70, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0x42, 0xf5, 0xd0, 0x09, 0x96, 0xf9,
	0x0b, 0x13,
};

/* bad-checksums.pcap #5: 60-byte frame, IPv4 total length 40, 6 bytes of
 * (non-zero) Ethernet padding after the TCP header:
 * f8:bc:0e:04:02:92 > 00:50:b6:8c:f6:24, ethertype IPv4 (0x0800), length 60:
 * IP 35.221.46.9.80 > 192.168.1.28.53246: Flags [.], ack 75, win 510, length 0 */
static const uint8_t eth_tcp_padded[] = {
	0x00, 0x50, 0xb6, 0x8c, 0xf6, 0x24, 0xf8, 0xbc, 0x0e, 0x04, 0x02, 0x92,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x95, 0x7d, 0x40, 0x00, 0x37, 0x06,
	0x9a, 0xa8, 0x23, 0xdd, 0x2e, 0x09, 0xc0, 0xa8, 0x01, 0x1c, 0x00, 0x50,
	0xcf, 0xfe, 0xbf, 0x4d, 0x30, 0x94, 0xd1, 0x86, 0xd4, 0x61, 0x50, 0x10,
	0x01, 0xfe, 0x34, 0x13, 0x00, 0x00, 0x00, 0x00, 0x8f, 0xbc, 0x6c, 0x37,
};

/* stp-8023-llc.pcap #1: 802.3 length 38, then 8 bytes of padding:
 * 00:19:06:ea:b8:85 > 01:80:c2:00:00:00, 802.3, length 60: LLC, dsap STP (0x42)
 * Individual, ssap STP (0x42) Command, ctrl 0x03: STP 802.1d, Config */
static const uint8_t eth_8023_stp[] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x00, 0x19, 0x06, 0xea, 0xb8, 0x85,
	0x00, 0x26, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01,
	0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01,
	0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, 0x80, 0x05, 0x00, 0x00, 0x14, 0x00,
	0x02, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* gre-variants.pcap #1 (first 30 of 64 bytes):
 * aa:bb:cc:00:02:00 > aa:bb:cc:00:02:00, ethertype Loopback (0x9000), length 64:
 * Loopback, skipCount 0, Reply, receipt number 0 */
static const uint8_t eth_loopback_9000[] = {
	0xaa, 0xbb, 0xcc, 0x00, 0x02, 0x00, 0xaa, 0xbb, 0xcc, 0x00, 0x02, 0x00,
	0x90, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Crafted: 802.3 length 100 but only 6 LLC bytes captured:
 * 00:00:5e:00:53:02 > 01:80:c2:00:00:00, 802.3, length 20: LLC, dsap STP ... [|llc] */
static const uint8_t eth_8023_short[] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02,
	0x00, 0x64, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00,
};

/* An Ethernet II frame: MAC offset, EtherType, and the IPv4/UDP layers below. */
static void test_eth_ipv4_udp(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(eth_ipv4_udp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.eth_off, 0);
	assert_memory_equal(p.data + p.eth_off, "\x00\x11\x22\x33\x44\x66", 6);
	assert_memory_equal(p.data + p.eth_off + 6, "\x00\x11\x22\x33\x44\x55", 6);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.vlan_count, 0);
	assert_int_equal(p.sll_proto, 0);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l3_len, 84);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.sport, 43966);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 56);
}

/* Ethernet padding after a short IPv4 packet is never counted as payload. */
static void test_eth_padding_not_payload(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(eth_tcp_padded)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.l3_len, 40);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.payload_off, 54);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.flags & PKT_FLAG_TRUNCATED, 0);
}

/* An 802.3 length field sets PKT_FLAG_LLC; LLC follows and the payload ends at the length. */
static void test_eth_8023_llc(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(eth_8023_stp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.flags, PKT_FLAG_LLC);
	assert_int_equal(p.ethertype, 0);
	FX_HDRS(&p, HDR_ETH, HDR_LLC);
	fx_expect_hdr(&p, 0, HDR_ETH, 0, 14, 0);
	assert_int_equal(p.llc_dsap, 0x42);
	assert_int_equal(p.payload_off, 17);
	assert_int_equal(p.payload_len, 35); /* not the 8 padding bytes */
}

/* An 802.3 length beyond the captured bytes is clipped and flagged truncated. */
static void test_eth_8023_length_past_caplen(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(eth_8023_short)), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_LLC | PKT_FLAG_TRUNCATED);
	assert_int_equal(p.payload_off, 17);
	assert_int_equal(p.payload_len, 3);
}

/* Length 0x05ff is still 802.3 and 0x0600 is already an EtherType. */
static void test_eth_type_length_boundary(void **state)
{
	(void)state;
	uint8_t f[20];
	struct pkt p;

	memcpy(f, eth_8023_short, sizeof(f));
	f[12] = 0x05, f[13] = 0xff;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_LLC | PKT_FLAG_TRUNCATED);
	assert_int_equal(p.ethertype, 0);

	f[12] = 0x06, f[13] = 0x00;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.ethertype, 0x0600);
	assert_int_equal(p.payload_off, 14);
	assert_int_equal(p.payload_len, 6);
}

/* An unknown EtherType is not an error: decoding stops, payload = the rest. */
static void test_eth_unknown_ethertype(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(eth_loopback_9000)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH));
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.ethertype, 0x9000);
	assert_int_equal(p.payload_off, 14);
	assert_int_equal(p.payload_len, sizeof(eth_loopback_9000) - 14);
}

/* Fewer than 14 bytes is eth.too_small (truncated), counted once, no layer set. */
static void test_eth_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 0; n < 14; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, eth_ipv4_udp, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_ETH_TOO_SMALL);
		assert_int_equal(p.layers, 0);
		assert_int_equal(p.payload_off, 0);
		assert_int_equal(p.payload_len, n);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, eth_ipv4_udp, 13, EV_ETH_TOO_SMALL);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_eth_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(eth_ipv4_udp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(eth_tcp_padded), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(eth_8023_stp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(eth_loopback_9000), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ipv4_udp),
		cmocka_unit_test(test_eth_padding_not_payload),
		cmocka_unit_test(test_eth_8023_llc),
		cmocka_unit_test(test_eth_8023_length_past_caplen),
		cmocka_unit_test(test_eth_type_length_boundary),
		cmocka_unit_test(test_eth_unknown_ethertype),
		cmocka_unit_test(test_eth_too_small),
		cmocka_unit_test(test_eth_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
