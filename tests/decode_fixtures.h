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
	if (p->flags & PKT_FLAG_LLC)
		FX_REQUIRE(PKT_HAS(p, LAYER_ETH) || PKT_HAS(p, LAYER_SLL) || PKT_HAS(p, LAYER_SLL2));
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
 * invariants, decodes a subset of the full frame's layers with the same
 * field values, reports an error for every n < must_fail_below (a cut
 * inside a header; FX_AUTO = the full decode's payload offset), and from
 * there on decodes exactly the layers and error of the full frame. */
static inline void fx_cut_every_length(uint32_t linktype, const uint8_t *buf, uint32_t len,
				       uint32_t must_fail_below)
{
	struct pkt full, cut;

	fx_decode(&full, linktype, buf, len);
	if (must_fail_below == FX_AUTO)
		must_fail_below = full.payload_off;
	assert_true(must_fail_below <= len);

	for (uint32_t n = 0; n <= len; n++) {
		enum decode_result r = fx_decode(&cut, linktype, buf, n);

		assert_int_equal(cut.layers & ~full.layers, 0);
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
			assert_int_equal(cut.eth_off, full.eth_off);
		if (PKT_HAS(&cut, LAYER_IPV4) || PKT_HAS(&cut, LAYER_IPV6) || PKT_HAS(&cut, LAYER_ARP))
			assert_int_equal(cut.l3_off, full.l3_off);
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
	for (unsigned i = 0; i < EV_COUNT; i++)
		assert_int_equal(k.events[i], (i == (unsigned)ev && ev != EV_NONE) ? 1 : 0);
}

/* A byte-array literal's address and length, for the helpers above. */
#define FX_FRAME(a) (a), FX_LEN(a)

#endif /* FX_NO_CMOCKA */

#endif
