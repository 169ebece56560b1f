/* decode_fixtures.h: shared helpers for the decoder unit tests (header-only).
 *
 * fx_decode() decodes a byte array as a given link type from an exact-size
 * heap copy (so ASan sees any read past caplen) into a struct pkt that was
 * filled with garbage first (so a field decode_packet() forgot to reset
 * shows up), then checks the invariants every decode must keep.
 * fx_cut_every_length() decodes every prefix of a frame. Everything is
 * static so a test links against the full library without clashes.
 *
 * With FX_NO_CMOCKA defined only fx_invariant_violation() is provided, so
 * the fuzz target (tests/fuzz/fuzz_decode.c) checks the same invariants. */
#ifndef PKTD_TESTS_DECODE_FIXTURES_H
#define PKTD_TESTS_DECODE_FIXTURES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "proto.h"

#define FX_REQUIRE(cond)                \
	do {                            \
		if (!(cond))            \
			return #cond;   \
	} while (0)

/* Invariants of any decoded packet: the result matches p->error, and no
 * layer, length or payload field implies a byte beyond caplen. Returns the
 * first violated condition as text, NULL when all hold. */
static inline const char *fx_invariant_violation(const struct pkt *p, enum decode_result r)
{
	const uint64_t cap = p->caplen;
	const uint64_t pay_end = (uint64_t)p->payload_off + p->payload_len;

	FX_REQUIRE(r == DECODE_OK || r == DECODE_TRUNCATED || r == DECODE_INVALID);
	FX_REQUIRE(p->error < EV_COUNT);
	FX_REQUIRE((r == DECODE_OK) == (p->error == EV_NONE));
	FX_REQUIRE(pay_end <= cap);
	FX_REQUIRE((p->layers & ~((1u << LAYER_COUNT) - 1u)) == 0);
	FX_REQUIRE((p->flags & ~(unsigned)(PKT_FLAG_FRAGMENT | PKT_FLAG_TRUNCATED | PKT_FLAG_LLC)) == 0);

	if (PKT_HAS(p, LAYER_ETH))
		FX_REQUIRE((uint64_t)p->eth_off + 14 <= cap);
	if (PKT_HAS(p, LAYER_VLAN)) {
		FX_REQUIRE(PKT_HAS(p, LAYER_ETH) || PKT_HAS(p, LAYER_SLL) || PKT_HAS(p, LAYER_SLL2));
		FX_REQUIRE(p->vlan_count >= 1 && p->vlan_count <= 8);
		for (unsigned i = 0; i < p->vlan_count && i < PKT_MAX_VLANS; i++)
			FX_REQUIRE(p->vlan_id[i] <= 0x0fff);
	} else {
		FX_REQUIRE(p->vlan_count == 0);
	}

	unsigned l3 = !!PKT_HAS(p, LAYER_ARP) + !!PKT_HAS(p, LAYER_IPV4) + !!PKT_HAS(p, LAYER_IPV6);
	unsigned l4 = !!PKT_HAS(p, LAYER_TCP) + !!PKT_HAS(p, LAYER_UDP) + !!PKT_HAS(p, LAYER_ICMP) +
		      !!PKT_HAS(p, LAYER_ICMPV6);
	FX_REQUIRE(l3 <= 1);
	FX_REQUIRE(l4 <= 1);
	if (l4)
		FX_REQUIRE(PKT_HAS(p, LAYER_IPV4) || PKT_HAS(p, LAYER_IPV6));

	uint32_t l3_min = PKT_HAS(p, LAYER_ARP) ? 8 : PKT_HAS(p, LAYER_IPV4) ? 20 : 40;
	if (l3) {
		FX_REQUIRE((uint64_t)p->l3_off + l3_min <= cap);
		FX_REQUIRE((uint64_t)p->l3_off + p->l3_len <= cap);
		FX_REQUIRE(p->payload_off >= p->l3_off);
	}
	if (PKT_HAS(p, LAYER_IPV4))
		FX_REQUIRE(p->ip_version == 4);
	else if (PKT_HAS(p, LAYER_IPV6))
		FX_REQUIRE(p->ip_version == 6);
	else
		FX_REQUIRE(p->ip_version == 0);
	if (p->frag_mf || p->frag_offset)
		FX_REQUIRE(p->flags & PKT_FLAG_FRAGMENT);

	uint32_t l4_min = PKT_HAS(p, LAYER_TCP) ? 20 : PKT_HAS(p, LAYER_UDP) ? 8 : 4;
	if (l4) {
		FX_REQUIRE(p->l4_off >= p->l3_off + (PKT_HAS(p, LAYER_IPV4) ? 20u : 40u));
		FX_REQUIRE((uint64_t)p->l4_off + l4_min <= cap);
		FX_REQUIRE(p->payload_off >= p->l4_off);
		/* an L4 header lies inside the L3 length the IP header declared */
		FX_REQUIRE((uint64_t)p->l4_off + l4_min <= (uint64_t)p->l3_off + p->l3_len);
	}
	if ((PKT_HAS(p, LAYER_IPV4) || PKT_HAS(p, LAYER_IPV6)) && p->error == EV_NONE)
		FX_REQUIRE(pay_end <= (uint64_t)p->l3_off + p->l3_len);
	if (PKT_HAS(p, LAYER_SLL))
		FX_REQUIRE(cap >= 16 && p->payload_off >= 16);
	if (PKT_HAS(p, LAYER_SLL2))
		FX_REQUIRE(cap >= 20 && p->payload_off >= 20);
	if (PKT_HAS(p, LAYER_NULL))
		FX_REQUIRE(cap >= 4 && p->payload_off >= 4);
	if (p->flags & PKT_FLAG_LLC) { /* after an Ethernet/SLL header, or a VLAN tag (C-HDLC) */
		int tagged = 0;
		for (unsigned i = 0; i < p->nhdrs && i < PKT_MAX_HDRS; i++)
			tagged |= p->hdrs[i].type == HDR_VLAN;
		FX_REQUIRE(PKT_HAS(p, LAYER_ETH) || PKT_HAS(p, LAYER_SLL) || PKT_HAS(p, LAYER_SLL2) || tagged);
	}

	/* The header list: in wire order, within caplen, quoted entries last
	 * and only after an ICMP/ICMPv6 header. */
	FX_REQUIRE(p->nhdrs <= PKT_MAX_HDRS);
	uint64_t hdr_end = 0;
	int first_quoted = -1;
	for (unsigned i = 0; i < p->nhdrs && i < PKT_MAX_HDRS; i++) {
		const struct pkt_hdr *h = &p->hdrs[i];
		FX_REQUIRE(h->type < HDR_TYPE_COUNT);
		FX_REQUIRE((h->flags & ~(unsigned)HDR_QUOTED) == 0);
		FX_REQUIRE(h->len > 0);
		FX_REQUIRE((uint64_t)h->off + h->len <= cap);
		FX_REQUIRE(h->off >= hdr_end);
		hdr_end = (uint64_t)h->off + h->len;
		if (h->flags & HDR_QUOTED) {
			if (first_quoted < 0) {
				first_quoted = (int)i;
				FX_REQUIRE(i > 0 && (p->hdrs[i - 1].type == HDR_ICMP ||
						     p->hdrs[i - 1].type == HDR_ICMPV6));
				FX_REQUIRE(h->type == (p->hdrs[i - 1].type == HDR_ICMP ? HDR_IPV4 : HDR_IPV6));
				FX_REQUIRE(h->off == p->quote_off);
			}
		} else {
			FX_REQUIRE(first_quoted < 0);
		}
	}
	/* Every layer bit has its (unquoted) header at the field's offset. */
	static const struct {
		uint8_t layer, type;
		uint16_t field;
	} fx_layer_hdr[] = {
		{ LAYER_ETH, HDR_ETH, offsetof(struct pkt, eth_off) },
		{ LAYER_SLL, HDR_SLL, UINT16_MAX },   { LAYER_SLL2, HDR_SLL2, UINT16_MAX },
		{ LAYER_NULL, HDR_NULL, UINT16_MAX }, { LAYER_VLAN, HDR_VLAN, UINT16_MAX },
		{ LAYER_ARP, HDR_ARP, offsetof(struct pkt, l3_off) },
		{ LAYER_IPV4, HDR_IPV4, offsetof(struct pkt, l3_off) },
		{ LAYER_IPV6, HDR_IPV6, offsetof(struct pkt, l3_off) },
		{ LAYER_TCP, HDR_TCP, offsetof(struct pkt, l4_off) },
		{ LAYER_UDP, HDR_UDP, offsetof(struct pkt, l4_off) },
		{ LAYER_ICMP, HDR_ICMP, offsetof(struct pkt, l4_off) },
		{ LAYER_ICMPV6, HDR_ICMPV6, offsetof(struct pkt, l4_off) },
	};
	for (unsigned j = 0; j < sizeof(fx_layer_hdr) / sizeof(fx_layer_hdr[0]); j++) {
		if (!PKT_HAS(p, fx_layer_hdr[j].layer))
			continue;
		uint32_t want = 0;
		if (fx_layer_hdr[j].field != UINT16_MAX)
			memcpy(&want, (const uint8_t *)p + fx_layer_hdr[j].field, sizeof(want));
		int found = 0;
		for (unsigned i = 0; i < p->nhdrs && i < PKT_MAX_HDRS && !found; i++)
			found = p->hdrs[i].type == fx_layer_hdr[j].type && !(p->hdrs[i].flags & HDR_QUOTED) &&
				(fx_layer_hdr[j].field == UINT16_MAX || p->hdrs[i].off == want);
		FX_REQUIRE(found);
	}
	FX_REQUIRE(p->tunnels <= DECODE_TUNNEL_MAX_DEPTH);
	FX_REQUIRE(p->quote_error < EV_COUNT);
	if (p->quote_off != 0 || p->quote_error != EV_NONE)
		FX_REQUIRE(PKT_HAS(p, LAYER_ICMP) || PKT_HAS(p, LAYER_ICMPV6));
	if (p->quote_off != 0)
		FX_REQUIRE(first_quoted >= 0 && p->quote_off >= p->l4_off + 8);
	if (p->arp_sha_off != 0) {
		FX_REQUIRE(PKT_HAS(p, LAYER_ARP));
		FX_REQUIRE(p->arp_sha_off == p->l3_off + 8);
		FX_REQUIRE((uint64_t)p->arp_tpa_off + p->arp_plen <= cap);
	}
	if (p->l4_off != 0)
		FX_REQUIRE(l3 && p->l4_off > p->l3_off);
	return NULL;
}

/* The counters after one decode hold exactly the event in p->error and,
 * when a quote did not decode, one bad-quote event. NULL when they do. */
static inline const char *fx_counters_violation(const struct pkt *p, const struct decode_counters *k)
{
	unsigned quote_ev = PKT_HAS(p, LAYER_ICMPV6) ? EV_ICMPV6_BAD_QUOTE : EV_ICMP_BAD_QUOTE;

	for (unsigned i = 0; i < EV_COUNT; i++) {
		uint64_t want = (i == p->error && i != EV_NONE) ? 1u : 0u;
		if (p->quote_error != EV_NONE && i == quote_ev)
			want++;
		FX_REQUIRE(k->events[i] == want);
	}
	return NULL;
}

#ifndef FX_NO_CMOCKA

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#define FX_LEN(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define FX_BIT(layer) (1u << (layer))

/* fx_cut_every_length(): take the payload offset of the full decode as the
 * length below which every cut must report an error. */
#define FX_AUTO UINT32_MAX

#define FX_IFINDEX 7u /* set before decoding; decode_packet must not touch it */

static inline void fx_check_invariants(const struct pkt *p, enum decode_result r)
{
	const char *why = fx_invariant_violation(p, r);

	if (why != NULL)
		fail_msg("decode invariant violated: %s (caplen %u, layers 0x%x, error %s)", why,
			 p->caplen, p->layers, decode_event_name(p->error));
	assert_int_equal(p->ifindex, FX_IFINDEX);
}

/* Decode buf[0..len) as `linktype` into *p, counting into k (may be NULL).
 * On return p->data points at buf again (the heap copy is gone). */
static inline enum decode_result fx_decode_k(struct pkt *p, uint32_t linktype, const uint8_t *buf,
					     uint32_t len, struct decode_counters *k)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);

	memset(p, 0xa5, sizeof(*p)); /* stale values must not survive */
	p->data = copy;
	p->ts_ns = 1;
	p->frame_no = 1;
	p->caplen = len;
	p->wirelen = len;
	p->linktype = linktype;
	p->ifindex = FX_IFINDEX;

	enum decode_result r = decode_packet(p, k);
	p->data = buf;
	free(copy);
	fx_check_invariants(p, r);
	return r;
}

static inline enum decode_result fx_decode(struct pkt *p, uint32_t linktype, const uint8_t *buf,
					   uint32_t len)
{
	return fx_decode_k(p, linktype, buf, len, NULL);
}

/* Decode every prefix buf[0..n), n = 0..len: never crashes (ASan), keeps the
 * invariants, decodes a prefix of the full frame's header list with the
 * same field values (a cut inside a tunnel ends with the outer headers'
 * fields), reports an error for every n < must_fail_below (a cut inside a
 * header; FX_AUTO = the full decode's payload offset), and from there on
 * decodes exactly the layers and error of the full frame. */
static inline void fx_cut_every_length(uint32_t linktype, const uint8_t *buf, uint32_t len,
				       uint32_t must_fail_below)
{
	struct pkt full, cut;
	const uint32_t link = FX_BIT(LAYER_ETH) | FX_BIT(LAYER_VLAN) | FX_BIT(LAYER_SLL) |
			      FX_BIT(LAYER_SLL2) | FX_BIT(LAYER_NULL);

	fx_decode(&full, linktype, buf, len);
	if (must_fail_below == FX_AUTO)
		must_fail_below = full.payload_off;
	assert_true(must_fail_below <= len);

	for (uint32_t n = 0; n <= len; n++) {
		enum decode_result r = fx_decode(&cut, linktype, buf, n);

		assert_true(cut.nhdrs <= full.nhdrs);
		for (unsigned i = 0; i < cut.nhdrs; i++) {
			assert_int_equal(cut.hdrs[i].type, full.hdrs[i].type);
			assert_int_equal(cut.hdrs[i].flags, full.hdrs[i].flags);
			assert_int_equal(cut.hdrs[i].off, full.hdrs[i].off);
			assert_true(cut.hdrs[i].len <= full.hdrs[i].len);
		}
		assert_int_equal(cut.layers & ~full.layers & link, 0);
		if (n < must_fail_below) {
			assert_int_not_equal(r, DECODE_OK);
			assert_int_not_equal(cut.error, EV_NONE);
		} else {
			assert_int_equal(cut.layers, full.layers);
			assert_int_equal(cut.error, full.error);
			if (n >= full.payload_off) {
				assert_int_equal(cut.payload_off, full.payload_off);
				assert_true(cut.payload_len <= full.payload_len);
			}
		}
		if (PKT_HAS(&cut, LAYER_ETH))
			assert_true(cut.eth_off <= full.eth_off);
		const bool same_l3 = cut.l3_off == full.l3_off;
		if (PKT_HAS(&cut, LAYER_IPV4) || PKT_HAS(&cut, LAYER_IPV6) || PKT_HAS(&cut, LAYER_ARP))
			assert_true(cut.l3_off <= full.l3_off);
		if (!same_l3)
			continue; /* the cut ended inside a tunnel: outer fields */
		assert_int_equal(cut.layers & ~full.layers, 0);
		if (PKT_HAS(&cut, LAYER_IPV4) || PKT_HAS(&cut, LAYER_IPV6)) {
			assert_int_equal(cut.ttl, full.ttl);
			assert_int_equal(cut.ip6_nxt, full.ip6_nxt);
			assert_true(cut.l3_len <= full.l3_len);
		}
		if (PKT_HAS(&cut, LAYER_TCP) || PKT_HAS(&cut, LAYER_UDP)) {
			assert_int_equal(cut.l4_off, full.l4_off);
			assert_int_equal(cut.sport, full.sport);
			assert_int_equal(cut.dport, full.dport);
		}
		if (PKT_HAS(&cut, LAYER_TCP)) {
			assert_int_equal(cut.seq, full.seq);
			assert_int_equal(cut.ack, full.ack);
			assert_int_equal(cut.tcp_flags, full.tcp_flags);
		}
		if (PKT_HAS(&cut, LAYER_ICMP) || PKT_HAS(&cut, LAYER_ICMPV6)) {
			assert_int_equal(cut.icmp_type, full.icmp_type);
			assert_int_equal(cut.icmp_code, full.icmp_code);
		}
		if (cut.quote_off != 0)
			assert_int_equal(cut.quote_off, full.quote_off);
	}
}

/* The counters after decoding one frame: exactly one event counted, the
 * one in p->error (or none). */
static inline void fx_expect_counted(uint32_t linktype, const uint8_t *buf, uint32_t len,
				     enum decode_event ev)
{
	struct decode_counters k;
	struct pkt p;

	memset(&k, 0, sizeof(k));
	fx_decode_k(&p, linktype, buf, len, &k);
	assert_int_equal(p.error, ev);
	assert_int_equal(p.quote_error, EV_NONE);
	for (unsigned i = 0; i < EV_COUNT; i++)
		assert_int_equal(k.events[i], (i == (unsigned)ev && ev != EV_NONE) ? 1 : 0);
}

/* Header i of p: its type, offset and length (flags: HDR_QUOTED or 0). */
static inline void fx_expect_hdr(const struct pkt *p, unsigned i, enum pkt_hdr_type type, uint32_t off,
				 uint32_t len, unsigned flags)
{
	assert_true(i < p->nhdrs);
	assert_int_equal(p->hdrs[i].type, type);
	assert_int_equal(p->hdrs[i].off, off);
	assert_int_equal(p->hdrs[i].len, len);
	assert_int_equal(p->hdrs[i].flags, flags);
}

/* The header types of p in order, e.g. {HDR_ETH, HDR_IPV4, HDR_TCP}. */
static inline void fx_expect_hdr_types(const struct pkt *p, const uint8_t *types, unsigned n)
{
	assert_int_equal(p->nhdrs, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(p->hdrs[i].type, types[i]);
}
#define FX_HDRS(p, ...)                                                                            \
	do {                                                                                       \
		static const uint8_t fx_types_[] = { __VA_ARGS__ };                                \
		fx_expect_hdr_types((p), fx_types_, sizeof(fx_types_));                            \
	} while (0)

/* A byte-array literal's address and length, for the helpers above. */
#define FX_FRAME(a) (a), FX_LEN(a)

#endif /* FX_NO_CMOCKA */

#endif
