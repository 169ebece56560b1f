/* test_decode.c: unit tests for parsers/decode.c and parsers/events.c (entry point, link types, dispatch, events). */
#include "decode_fixtures.h"

/* linktype-ipv4.pcap #1 (LINKTYPE_IPV4; also valid as LINKTYPE_RAW):
 * IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto TCP (6), length 40)
 * 192.168.1.1.12345 > 192.168.1.2.514: Flags [S], seq 1000, win 8192, length 0 */
static const uint8_t raw_ipv4_syn[] = {
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0xf7, 0x7b,
	0xc0, 0xa8, 0x01, 0x01, 0xc0, 0xa8, 0x01, 0x02, 0x30, 0x39, 0x02, 0x02,
	0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00,
	0xd6, 0x6b, 0x00, 0x00,
};

/* linktype-ipv6.pcap #1 (LINKTYPE_IPV6; also valid as LINKTYPE_RAW):
 * IP6 (hlim 64, next-header UDP (17) payload length: 37) 2001:db8::1.12345 > 2620:fe::9.53:
 * 4660+ A? example.com. (29) */
static const uint8_t raw_ipv6_udp[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x25, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x26, 0x20, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x09, 0x30, 0x39, 0x00, 0x35, 0x00, 0x25, 0x98, 0xb3,
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x01, 0x00, 0x01,
};

/* Crafted (LINKTYPE_RAW): IPv4 carrying 4 bytes of OSPF (protocol 89, not decoded):
 * IP 192.0.2.1 > 192.0.2.2: OSPFv0, length 4 [|ospf] */
static const uint8_t raw_ipv4_ospf[] = {
	0x45, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, 0x00, 0x40, 0x59, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x00, 0x08, 0x00,
};

/* Every supported link type has its pcap name; unknown ones have none. */
static void test_decode_linktype_names(void **state)
{
	(void)state;
	static const struct {
		uint32_t lt;
		const char *name;
	} known[] = {
		{ 0, "NULL" },	{ 1, "EN10MB" }, { 101, "RAW" },  { 108, "LOOP" },
		{ 113, "LINUX_SLL" }, { 228, "IPV4" }, { 229, "IPV6" }, { 276, "LINUX_SLL2" },
		{ 9, "PPP" },	{ 50, "PPP_SERIAL" }, { 104, "C_HDLC" },
	};
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_true(decode_linktype_supported(known[i].lt));
		assert_string_equal(decode_linktype_name(known[i].lt), known[i].name);
	}
	static const uint32_t unknown[] = { 2, 8, 12, 14, 51, 100, 105, 127, 192, 0xffffffffu };
	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_false(decode_linktype_supported(unknown[i]));
		assert_null(decode_linktype_name(unknown[i]));
	}
}

/* Event names are the stable strings of events.h, unique, and "unknown" out of range. */
static void test_decode_event_names(void **state)
{
	(void)state;
	assert_string_equal(decode_event_name(EV_NONE), "none");
	assert_string_equal(decode_event_name(EV_LINK_UNSUPPORTED), "link.unsupported");
	assert_string_equal(decode_event_name(EV_IPV4_TOO_SMALL), "ipv4.too_small");
	assert_string_equal(decode_event_name(EV_IPV6_EXT_TOO_MANY), "ipv6.ext_too_many");
	assert_string_equal(decode_event_name(EV_TCP_OPTIONS_TRUNCATED), "tcp.options_truncated");
	assert_string_equal(decode_event_name(EV_ICMPV6_TOO_SMALL), "icmpv6.too_small");
	assert_string_equal(decode_event_name(EV_RAW_TOO_SMALL), "raw.too_small");
	assert_string_equal(decode_event_name(EV_TOO_DEEP), "decode.too_deep");
	assert_string_equal(decode_event_name(EV_TUNNEL_TOO_DEEP), "tunnel.too_deep");
	assert_string_equal(decode_event_name(EV_ICMP_BAD_QUOTE), "icmp.bad_quote");
	assert_string_equal(decode_event_name(EV_CMD_TOO_SMALL), "cmd.too_small");
	assert_string_equal(decode_event_name(EV_COUNT), "unknown");
	assert_string_equal(decode_event_name(0xffffffffu), "unknown");
	for (unsigned i = 0; i < EV_COUNT; i++) {
		const char *a = decode_event_name(i);
		assert_non_null(a);
		assert_string_not_equal(a, "unknown");
		if (i != EV_NONE)
			assert_non_null(strchr(a, '.')); /* "layer.reason" */
		for (unsigned j = i + 1; j < EV_COUNT; j++)
			assert_string_not_equal(a, decode_event_name(j));
	}
}

/* An unknown link type is link.unsupported (counted), payload = the whole frame. */
static void test_decode_unsupported_linktype(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, 147 /* USER0 */, FX_FRAME(raw_ipv4_syn)), DECODE_INVALID);
	assert_int_equal(p.error, EV_LINK_UNSUPPORTED);
	assert_int_equal(p.layers, 0);
	assert_int_equal(p.payload_off, 0);
	assert_int_equal(p.payload_len, sizeof(raw_ipv4_syn));
	fx_expect_counted(147, FX_FRAME(raw_ipv4_syn), EV_LINK_UNSUPPORTED);
	fx_expect_counted(0xffffffffu, raw_ipv4_syn, 0, EV_LINK_UNSUPPORTED);
}

/* RAW picks IPv4 or IPv6 by the version nibble; other nibbles are raw.bad_version. */
static void test_decode_raw_version_nibble(void **state)
{
	(void)state;
	uint8_t f[sizeof(raw_ipv4_syn)];
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(raw_ipv4_syn)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.l3_off, 0);
	assert_int_equal(p.ethertype, 0);
	assert_int_equal(p.sport, 12345);
	assert_int_equal(p.dport, 514);
	assert_int_equal(p.seq, 1000);

	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(raw_ipv6_udp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));
	assert_int_equal(p.dport, 53);

	memcpy(f, raw_ipv4_syn, sizeof(f));
	for (unsigned v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		f[0] = (uint8_t)(v << 4 | 5);
		assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(f)), DECODE_INVALID);
		assert_int_equal(p.error, EV_RAW_BAD_VERSION);
		assert_int_equal(p.layers, 0);
		assert_int_equal(p.payload_off, 0);
		assert_int_equal(p.payload_len, sizeof(f));
	}
	fx_expect_counted(LINKTYPE_RAW, FX_FRAME(f), EV_RAW_BAD_VERSION);
	fx_expect_counted(LINKTYPE_RAW, f, 0, EV_RAW_TOO_SMALL);
}

/* LINKTYPE_IPV4 / IPV6 go straight to their decoder, which checks the version itself. */
static void test_decode_ipv4_ipv6_linktypes(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_IPV4, FX_FRAME(raw_ipv4_syn)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(fx_decode(&p, LINKTYPE_IPV6, FX_FRAME(raw_ipv6_udp)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV6) | FX_BIT(LAYER_UDP));

	assert_int_equal(fx_decode(&p, LINKTYPE_IPV4, FX_FRAME(raw_ipv6_udp)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV4_BAD_VERSION);
	assert_int_equal(fx_decode(&p, LINKTYPE_IPV6, FX_FRAME(raw_ipv4_syn)), DECODE_INVALID);
	assert_int_equal(p.error, EV_IPV6_BAD_VERSION);
	fx_expect_counted(LINKTYPE_IPV4, raw_ipv4_syn, 0, EV_IPV4_TOO_SMALL);
	fx_expect_counted(LINKTYPE_IPV6, raw_ipv6_udp, 0, EV_IPV6_TOO_SMALL);
}

/* An empty frame is a too_small event of the link layer for every link type. */
static void test_decode_empty_frames(void **state)
{
	(void)state;
	static const struct {
		uint32_t lt;
		enum decode_event ev;
	} cases[] = {
		{ LINKTYPE_NULL, EV_NULL_TOO_SMALL },	  { LINKTYPE_ETHERNET, EV_ETH_TOO_SMALL },
		{ LINKTYPE_RAW, EV_RAW_TOO_SMALL },	  { LINKTYPE_LOOP, EV_NULL_TOO_SMALL },
		{ LINKTYPE_LINUX_SLL, EV_SLL_TOO_SMALL }, { LINKTYPE_IPV4, EV_IPV4_TOO_SMALL },
		{ LINKTYPE_IPV6, EV_IPV6_TOO_SMALL },	  { LINKTYPE_LINUX_SLL2, EV_SLL2_TOO_SMALL },
		{ LINKTYPE_PPP, EV_PPP_TOO_SMALL },	  { LINKTYPE_PPP_HDLC, EV_PPP_TOO_SMALL },
		{ LINKTYPE_C_HDLC, EV_CHDLC_TOO_SMALL },
	};
	struct pkt p;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fx_decode(&p, cases[i].lt, raw_ipv4_syn, 0), DECODE_TRUNCATED);
		assert_int_equal(p.error, cases[i].ev);
		assert_int_equal(p.layers, 0);
		assert_int_equal(p.payload_len, 0);

		/* a NULL data pointer with caplen 0 is fine too */
		memset(&p, 0, sizeof(p));
		p.linktype = cases[i].lt;
		assert_int_equal(decode_packet(&p, NULL), DECODE_TRUNCATED);
		assert_int_equal(p.error, cases[i].ev);
	}
}

/* Reusing a struct pkt: every decoded field of the previous packet is reset, capture fields kept. */
static void test_decode_resets_reused_pkt(void **state)
{
	(void)state;
	struct pkt p, zero;

	memset(&p, 0, sizeof(p));
	p.data = raw_ipv6_udp;
	p.caplen = sizeof(raw_ipv6_udp);
	p.wirelen = 1234;
	p.ts_ns = 42;
	p.frame_no = 7;
	p.linktype = LINKTYPE_IPV6;
	p.ifindex = 3;
	assert_int_equal(decode_packet(&p, NULL), DECODE_OK);
	assert_int_equal(p.dport, 53);

	p.data = raw_ipv4_ospf;
	p.caplen = 0; /* nothing to decode: every decoded field must be zero */
	p.linktype = LINKTYPE_IPV4;
	assert_int_equal(decode_packet(&p, NULL), DECODE_TRUNCATED);
	assert_ptr_equal(p.data, raw_ipv4_ospf);
	assert_int_equal(p.wirelen, 1234);
	assert_int_equal(p.ts_ns, 42);
	assert_int_equal(p.frame_no, 7);
	assert_int_equal(p.ifindex, 3);

	memset(&zero, 0, sizeof(zero));
	zero.error = EV_IPV4_TOO_SMALL;
	/* hdrs[] past nhdrs (0) keeps stale entries: only nhdrs is reset */
	assert_memory_equal(&p.layers, &zero.layers, offsetof(struct pkt, hdrs) - offsetof(struct pkt, layers));
}

/* An unknown IP protocol is not an error: decoding stops with payload = the rest. */
static void test_decode_unknown_ipproto(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(raw_ipv4_ospf)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_IPV4));
	assert_int_equal(p.proto, 89);
	assert_int_equal(p.error, EV_NONE);
	assert_int_equal(p.payload_off, 20);
	assert_int_equal(p.payload_len, 4);
}

/* decode_fail counts every call (counters may be NULL) but keeps the first event. */
static void test_decode_fail_first_wins(void **state)
{
	(void)state;
	struct decode_counters k;
	struct pkt p;

	memset(&k, 0, sizeof(k));
	memset(&p, 0, sizeof(p));
	assert_int_equal(decode_fail(&p, &k, EV_TCP_BAD_OFFSET, DECODE_INVALID), DECODE_INVALID);
	assert_int_equal(decode_fail(&p, &k, EV_UDP_TOO_SMALL, DECODE_TRUNCATED), DECODE_TRUNCATED);
	assert_int_equal(decode_fail(&p, NULL, EV_UDP_TOO_SMALL, DECODE_TRUNCATED), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_TCP_BAD_OFFSET);
	assert_int_equal(k.events[EV_TCP_BAD_OFFSET], 1);
	assert_int_equal(k.events[EV_UDP_TOO_SMALL], 1);
}

/* Counters add up across packets; a clean packet counts nothing. */
static void test_decode_counters_accumulate(void **state)
{
	(void)state;
	struct decode_counters k;
	struct pkt p;

	memset(&k, 0, sizeof(k));
	for (int i = 0; i < 3; i++) {
		fx_decode_k(&p, LINKTYPE_RAW, FX_FRAME(raw_ipv4_syn), &k);
		fx_decode_k(&p, LINKTYPE_RAW, raw_ipv4_syn, 30, &k); /* TCP cut */
		fx_decode_k(&p, 12345, FX_FRAME(raw_ipv4_syn), &k);
	}
	for (unsigned i = 0; i < EV_COUNT; i++) {
		uint64_t want = (i == EV_TCP_TOO_SMALL || i == EV_LINK_UNSUPPORTED) ? 3 : 0;
		assert_int_equal(k.events[i], want);
	}
}


/* Append n bytes to a frame under construction. */
static uint32_t put(uint8_t *f, uint32_t at, const void *b, uint32_t n)
{
	memcpy(f + at, b, n);
	return at + n;
}

/* Every layer decoder appends its header, in wire order, with its length: link headers
 * (SLL, SLL2, NULL; none for RAW), IPv4 and TCP, IPv6 with its extension headers, UDP. */
static void test_decode_hdrs_every_layer(void **state)
{
	(void)state;
	static const uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00 };
	static const uint8_t sll2[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0 };
	static const uint8_t null_af_inet[4] = { 2, 0, 0, 0 };
	uint8_t f[128];
	uint32_t n;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, FX_FRAME(raw_ipv4_syn)), DECODE_OK);
	FX_HDRS(&p, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 0, HDR_IPV4, 0, 20, 0);
	fx_expect_hdr(&p, 1, HDR_TCP, 20, 20, 0);

	n = put(f, 0, sll, sizeof(sll));
	n = put(f, n, raw_ipv4_syn, sizeof(raw_ipv4_syn));
	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL, f, n), DECODE_OK);
	FX_HDRS(&p, HDR_SLL, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 0, HDR_SLL, 0, 16, 0);
	fx_expect_hdr(&p, 2, HDR_TCP, 36, 20, 0);

	n = put(f, 0, sll2, sizeof(sll2));
	n = put(f, n, raw_ipv6_udp, sizeof(raw_ipv6_udp));
	assert_int_equal(fx_decode(&p, LINKTYPE_LINUX_SLL2, f, n), DECODE_OK);
	FX_HDRS(&p, HDR_SLL2, HDR_IPV6, HDR_UDP);
	fx_expect_hdr(&p, 0, HDR_SLL2, 0, 20, 0);
	fx_expect_hdr(&p, 1, HDR_IPV6, 20, 40, 0);
	fx_expect_hdr(&p, 2, HDR_UDP, 60, 8, 0);

	n = put(f, 0, null_af_inet, sizeof(null_af_inet));
	n = put(f, n, raw_ipv4_syn, sizeof(raw_ipv4_syn));
	assert_int_equal(fx_decode(&p, LINKTYPE_NULL, f, n), DECODE_OK);
	FX_HDRS(&p, HDR_NULL, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 0, HDR_NULL, 0, 4, 0);

	/* IPv6 with an 8-byte Destination Options header: the IPv6 entry covers it */
	static const uint8_t dstopts[8] = { 17, 0, 1, 4, 0, 0, 0, 0 };
	n = put(f, 0, raw_ipv6_udp, 40);
	n = put(f, n, dstopts, sizeof(dstopts));
	n = put(f, n, raw_ipv6_udp + 40, sizeof(raw_ipv6_udp) - 40);
	f[4] = 0, f[5] = 45, f[6] = 60; /* payload length, next header DSTOPTS */
	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, f, n), DECODE_OK);
	FX_HDRS(&p, HDR_IPV6, HDR_UDP);
	fx_expect_hdr(&p, 0, HDR_IPV6, 0, 48, 0);
	fx_expect_hdr(&p, 1, HDR_UDP, 48, 8, 0);
	/* cut in the extension header: the entry covers only what was walked */
	assert_int_equal(fx_decode(&p, LINKTYPE_RAW, f, 44), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_IPV6_EXT_TRUNCATED);
	fx_expect_hdr(&p, 0, HDR_IPV6, 0, 40, 0);
}

/* A header list that would pass PKT_MAX_HDRS stops with decode.too_deep before the 25th
 * header's fields are set: Ethernet, 8 VLAN tags, 8 MPLS labels, then IPv4/GRE pairs. */
static void test_decode_too_deep(void **state)
{
	(void)state;
	static const uint8_t eth_hdr[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0x00 };
	static const uint8_t tag[4] = { 0x00, 0x0a, 0x81, 0x00 };
	static const uint8_t label[4] = { 0x00, 0x01, 0x00, 0x40 };
	static const uint8_t gre_ipv4[4] = { 0x00, 0x00, 0x08, 0x00 };
	uint8_t ip[20];
	uint8_t f[512];
	uint32_t n;
	struct pkt p;

	memcpy(ip, raw_ipv4_syn, 20);
	ip[9] = 47;    /* GRE */
	ip[2] = 0x01; /* total length 256+ : longer than what follows */
	n = put(f, 0, eth_hdr, sizeof(eth_hdr));
	for (int i = 0; i < 8; i++) {
		n = put(f, n, tag, sizeof(tag));
		if (i == 7)
			f[n - 2] = 0x88, f[n - 1] = 0x47; /* MPLS after the last tag */
	}
	for (int i = 0; i < 8; i++) {
		n = put(f, n, label, sizeof(label));
		if (i == 7)
			f[n - 2] |= 1; /* bottom of stack */
	}
	for (int i = 0; i < 4; i++) {
		n = put(f, n, ip, sizeof(ip));
		n = put(f, n, gre_ipv4, sizeof(gre_ipv4));
	}
	/* 1 + 8 + 8 + 8 = 25 headers would be listed */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, n), DECODE_INVALID);
	assert_int_equal(p.error, EV_TOO_DEEP);
	assert_int_equal(p.nhdrs, PKT_MAX_HDRS);
	assert_int_equal(p.hdrs[PKT_MAX_HDRS - 1].type, HDR_IPV4);
	assert_int_equal(p.tunnels, 3);
	assert_int_equal(p.vlan_count, 8);
	assert_int_equal(p.vlan_id[0], 10);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_IPV4));
	assert_int_equal(p.l3_off, p.hdrs[PKT_MAX_HDRS - 1].off);
	assert_int_equal(p.payload_off, n - 4); /* the last GRE header, undecoded */
	fx_expect_counted(LINKTYPE_ETHERNET, f, n, EV_TOO_DEEP);
	fx_cut_every_length(LINKTYPE_ETHERNET, f, n, n);
}

/* An inner ARP header (VXLAN, Ethernet, ARP) clears the outer IPv4/UDP layers and fields: L3 and
 * L4 always describe the innermost L3 header; the outer ones stay in hdrs. */
static void test_decode_inner_l3_resets_outer(void **state)
{
	(void)state;
	static const uint8_t eth_hdr[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	static const uint8_t udp[8] = { 0xc3, 0x50, 0x12, 0xb5, 0x00, 0x3e, 0x00, 0x00 };
	static const uint8_t vxlan[8] = { 0x08, 0, 0, 0, 0, 0, 0x2a, 0 };
	static const uint8_t eth_arp[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 3, 0x08, 0x06 };
	static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 3, 10, 0, 0, 3,
					 0, 0, 0, 0, 0, 0, 10, 0, 0, 4 };
	uint8_t ip[20];
	uint8_t f[128];
	uint32_t n;
	struct pkt p;

	memcpy(ip, raw_ipv4_syn, 20);
	ip[9] = 17;
	ip[2] = 0, ip[3] = 20 + 8 + 8 + 14 + 28;
	n = put(f, 0, eth_hdr, sizeof(eth_hdr));
	n = put(f, n, ip, sizeof(ip));
	n = put(f, n, udp, sizeof(udp));
	n = put(f, n, vxlan, sizeof(vxlan));
	n = put(f, n, eth_arp, sizeof(eth_arp));
	n = put(f, n, arp, sizeof(arp));
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, n), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_VXLAN, HDR_ETH, HDR_ARP);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_ARP));
	assert_int_equal(p.eth_off, 50);
	assert_int_equal(p.ethertype, 0x0806);
	assert_int_equal(p.l3_off, 64);
	assert_int_equal(p.ip_version, 0);
	assert_int_equal(p.ttl, 0);
	assert_int_equal(p.proto, 0);
	assert_int_equal(p.l4_off, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
	assert_int_equal(p.arp_op, 1);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.tunnel_id, 42);
	assert_int_equal(p.payload_off, 92);
	assert_int_equal(p.payload_len, 0);
	fx_cut_every_length(LINKTYPE_ETHERNET, f, n, FX_AUTO);
}

/* Every link type on every cut of a frame: no crash, invariants hold. */
static void test_decode_any_linktype_any_cut(void **state)
{
	(void)state;
	static const uint32_t lts[] = { LINKTYPE_NULL,	    LINKTYPE_ETHERNET, LINKTYPE_RAW,
					LINKTYPE_LOOP,	    LINKTYPE_LINUX_SLL, LINKTYPE_IPV4,
					LINKTYPE_IPV6,	    LINKTYPE_LINUX_SLL2, LINKTYPE_PPP,
					LINKTYPE_PPP_HDLC, LINKTYPE_C_HDLC };
	struct pkt p;

	for (unsigned i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
		for (uint32_t n = 0; n <= sizeof(raw_ipv6_udp); n++)
			fx_decode(&p, lts[i], raw_ipv6_udp, n);
	fx_cut_every_length(LINKTYPE_RAW, FX_FRAME(raw_ipv4_syn), FX_AUTO);
	fx_cut_every_length(LINKTYPE_RAW, FX_FRAME(raw_ipv6_udp), FX_AUTO);
	fx_cut_every_length(LINKTYPE_RAW, FX_FRAME(raw_ipv4_ospf), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_linktype_names),
		cmocka_unit_test(test_decode_event_names),
		cmocka_unit_test(test_decode_unsupported_linktype),
		cmocka_unit_test(test_decode_raw_version_nibble),
		cmocka_unit_test(test_decode_ipv4_ipv6_linktypes),
		cmocka_unit_test(test_decode_empty_frames),
		cmocka_unit_test(test_decode_resets_reused_pkt),
		cmocka_unit_test(test_decode_unknown_ipproto),
		cmocka_unit_test(test_decode_fail_first_wins),
		cmocka_unit_test(test_decode_counters_accumulate),
		cmocka_unit_test(test_decode_hdrs_every_layer),
		cmocka_unit_test(test_decode_too_deep),
		cmocka_unit_test(test_decode_inner_l3_resets_outer),
		cmocka_unit_test(test_decode_any_linktype_any_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
