/* test_reasm.c: unit tests for daemon/reasm.c (IPv4/IPv6 fragment reassembly).
 *
 * Fragments are built here as Ethernet frames, decoded by the real
 * decoder, then filed; completed datagrams are built and decoded again.
 * Fragment data is a per-fragment fill byte, so every test can check which
 * fragment each reassembled byte came from (first wins). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "reasm.h"

#define SEC 1000000000ull
#define MAX_FRAME 8192

static const uint8_t src4[4] = { 192, 0, 2, 1 }, dst4[4] = { 198, 51, 100, 7 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xff, [15] = 2 };

struct frame {
	uint8_t b[MAX_FRAME];
	uint32_t len;
	struct pkt p;
};

static void put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static void decode(struct frame *f, uint64_t ts_ns)
{
	memset(&f->p, 0, sizeof(f->p));
	f->p.data = f->b;
	f->p.caplen = f->len;
	f->p.wirelen = f->len;
	f->p.linktype = LINKTYPE_ETHERNET;
	f->p.ts_ns = ts_ns;
	decode_packet(&f->p, NULL);
}

static uint32_t eth(uint8_t *b, uint16_t type)
{
	memset(b, 0, 12);
	b[0] = 0x02;
	b[6] = 0x02;
	b[11] = 1;
	put16(b + 12, type);
	return 14;
}

/* An IPv4 fragment: `len` data bytes of `fill` at byte offset `off`
 * (a multiple of 8), protocol `proto`, identification `id`. */
static void v4_frag(struct frame *f, uint16_t id, uint8_t proto, uint32_t off, uint32_t len, int mf, uint8_t fill,
		    uint64_t ts_ns)
{
	uint32_t o = eth(f->b, 0x0800);
	uint8_t *ip = f->b + o;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, 20 + len);
	put16(ip + 4, id);
	put16(ip + 6, (mf ? 0x2000u : 0) | (off / 8));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src4, 4);
	memcpy(ip + 16, dst4, 4);
	memset(ip + 20, fill, len);
	f->len = o + 20 + len;
	decode(f, ts_ns);
}

/* An IPv6 fragment with a destination-options header before the fragment
 * header (unfragmentable part), as RFC 8200 section 4.5 allows. */
static void v6_frag(struct frame *f, uint32_t id, uint8_t nh, uint32_t off, uint32_t len, int mf, uint8_t fill,
		    uint64_t ts_ns)
{
	uint32_t o = eth(f->b, 0x86dd);
	uint8_t *ip = f->b + o;
	memset(ip, 0, 40 + 8 + 8);
	ip[0] = 0x60;
	put16(ip + 4, 8 + 8 + len);
	ip[6] = 60; /* destination options */
	ip[7] = 64;
	memcpy(ip + 8, src6, 16);
	memcpy(ip + 24, dst6, 16);
	uint8_t *dopt = ip + 40;
	dopt[0] = 44; /* fragment */
	dopt[1] = 0;
	dopt[2] = 1; /* PadN, 4 bytes */
	dopt[3] = 4;
	uint8_t *fh = ip + 48;
	fh[0] = nh;
	put16(fh + 2, off | (mf ? 1u : 0));
	fh[4] = (uint8_t)(id >> 24);
	fh[5] = (uint8_t)(id >> 16);
	fh[6] = (uint8_t)(id >> 8);
	fh[7] = (uint8_t)id;
	memset(ip + 56, fill, len);
	f->len = o + 56 + len;
	decode(f, ts_ns);
}

static struct reasm *new_reasm(uint64_t memory, uint32_t datagrams, uint64_t timeout_s)
{
	struct reasm *r = malloc(sizeof(*r));
	assert_non_null(r);
	struct reasm_config cfg = { memory, datagrams, timeout_s * SEC };
	assert_int_equal(reasm_init(r, &cfg), 0);
	return r;
}

static void free_reasm(struct reasm *r)
{
	reasm_free(r);
	free(r);
}

static struct frame F; /* scratch fragment */

static enum reasm_result add4(struct reasm *r, uint16_t id, uint32_t off, uint32_t len, int mf, uint8_t fill,
			      uint64_t ts)
{
	v4_frag(&F, id, 253, off, len, mf, fill, ts);
	return reasm_add(r, &F.p);
}

/* Build the completed datagram into b (decoded into b->p). */
static void build(struct reasm *r, struct frame *b)
{
	uint32_t len, lt, ifx;
	assert_true(reasm_pending(r, &len, &lt, &ifx));
	assert_true(len <= sizeof(b->b));
	assert_int_equal(lt, LINKTYPE_ETHERNET);
	b->len = reasm_build(r, b->b);
	assert_int_equal(b->len, len);
	assert_false(reasm_pending(r, NULL, NULL, NULL));
	decode(b, 0);
}

static int ipv4_checksum_ok(const uint8_t *ip)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < 20; i += 2)
		sum += get16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Payload byte i of the built IPv4 datagram must be want[i]. */
static void check_v4_payload(const struct frame *b, const uint8_t *want, uint32_t n)
{
	const uint8_t *ip = b->b + 14;
	assert_int_equal(get16(ip + 2), 20 + n);
	assert_int_equal(get16(ip + 6) & 0x3fff, 0); /* MF and offset cleared */
	assert_true(ipv4_checksum_ok(ip));
	assert_int_equal(b->len, 14 + 20 + n);
	for (uint32_t i = 0; i < n; i++)
		if (ip[20 + i] != want[i])
			fail_msg("payload byte %u is 0x%02x, want 0x%02x", i, ip[20 + i], want[i]);
}

/* A frame that is no fragment, and an IPv6 atomic fragment, pass through. */
static void test_not_fragments(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	v4_frag(&F, 1, 17, 0, 16, 0, 0, 0); /* MF 0, offset 0: a whole datagram */
	assert_int_equal(reasm_add(r, &F.p), REASM_NOT_FRAGMENT);
	v6_frag(&F, 1, 17, 0, 16, 0, 0, 0); /* atomic fragment (RFC 6946) */
	assert_true(F.p.flags & PKT_FLAG_FRAGMENT);
	assert_int_equal(reasm_add(r, &F.p), REASM_NOT_FRAGMENT);
	assert_int_equal(r->k.fragments, 0);
	free_reasm(r);
}

/* Reassembly off (memory 0): every fragment passes through untouched. */
static void test_disabled(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(0, 16, 30);
	assert_int_equal(add4(r, 7, 0, 16, 1, 1, 0), REASM_NOT_FRAGMENT);
	assert_int_equal(add4(r, 7, 16, 16, 0, 2, 0), REASM_NOT_FRAGMENT);
	free_reasm(r);
}

/* Three UDP fragments in order: the third completes; the built frame is a
 * whole datagram the decoder reads to the end. */
static void test_in_order_udp(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	struct frame b;
	/* First fragment: UDP header (length covers all 1208 bytes) + data. */
	v4_frag(&F, 0x1234, 17, 0, 600, 1, 0xa1, 1 * SEC);
	uint8_t *udp = F.b + 34;
	put16(udp, 5353);
	put16(udp + 2, 53);
	put16(udp + 4, 1208);
	udp[6] = udp[7] = 0;
	decode(&F, 1 * SEC);
	uint8_t udp_hdr[8];
	memcpy(udp_hdr, udp, 8);
	assert_int_equal(reasm_add(r, &F.p), REASM_HELD);
	v4_frag(&F, 0x1234, 17, 600, 600, 1, 0xa2, 1 * SEC);
	assert_int_equal(reasm_add(r, &F.p), REASM_HELD);
	v4_frag(&F, 0x1234, 17, 1200, 8, 0, 0xa3, 2 * SEC);
	assert_int_equal(reasm_add(r, &F.p), REASM_COMPLETE);
	build(r, &b);
	uint8_t want[1208];
	memset(want, 0xa1, 600);
	memcpy(want, udp_hdr, 8);
	memset(want + 600, 0xa2, 600);
	memset(want + 1200, 0xa3, 8);
	check_v4_payload(&b, want, sizeof(want));
	assert_true(PKT_HAS(&b.p, LAYER_UDP));
	assert_false(b.p.flags & (PKT_FLAG_FRAGMENT | PKT_FLAG_TRUNCATED));
	assert_int_equal(b.p.error, EV_NONE);
	assert_int_equal(b.p.sport, 5353);
	assert_int_equal(b.p.payload_len, 1200);
	assert_int_equal(r->k.fragments, 3);
	assert_int_equal(r->k.datagrams, 1);
	assert_int_equal(r->k.completed, 1);
	assert_int_equal(r->k.built, 1);
	assert_int_equal(r->k.in_flight, 0);
	free_reasm(r);
}

/* Last, middle, first: the first fragment (headers) completes it. */
static void test_out_of_order(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	struct frame b;
	assert_int_equal(add4(r, 9, 4096, 100, 0, 3, 0), REASM_HELD);
	assert_int_equal(add4(r, 9, 2048, 2048, 1, 2, 0), REASM_HELD);
	assert_int_equal(add4(r, 9, 0, 2048, 1, 1, 0), REASM_COMPLETE);
	build(r, &b);
	static uint8_t want[4196];
	memset(want, 1, 2048);
	memset(want + 2048, 2, 2048);
	memset(want + 4096, 3, 100);
	check_v4_payload(&b, want, sizeof(want));
	assert_int_equal(r->k.overlaps, 0);
	free_reasm(r);
}

/* A repeated fragment is a duplicate (an overlap bringing nothing new):
 * counted, and the datagram completes exactly once. */
static void test_duplicates(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	struct frame b;
	assert_int_equal(add4(r, 5, 0, 64, 1, 1, 0), REASM_HELD);
	assert_int_equal(add4(r, 5, 0, 64, 1, 9, 0), REASM_HELD);
	assert_int_equal(r->k.overlaps, 1);
	assert_int_equal(r->k.duplicates, 1);
	assert_int_equal(add4(r, 5, 64, 64, 0, 2, 0), REASM_COMPLETE);
	build(r, &b);
	/* The same last fragment again starts a new datagram, which waits. */
	assert_int_equal(add4(r, 5, 64, 64, 0, 2, 0), REASM_HELD);
	uint8_t want[128];
	memset(want, 1, 64);
	memset(want + 64, 2, 64);
	check_v4_payload(&b, want, sizeof(want));
	assert_int_equal(r->k.completed, 1);
	assert_int_equal(r->k.in_flight, 1);
	free_reasm(r);
}

/* Overlap case: fragment A = [a0, a1) fill 0xA, B = [b0, b1) fill 0xB, and
 * a filler covering the rest. For both arrival orders the bytes of the
 * first one to arrive are kept. */
static void overlap_case(uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1)
{
	for (int order = 0; order < 2; order++) {
		struct reasm *r = new_reasm(1 << 20, 16, 30);
		struct frame b;
		const uint32_t total = 96;
		uint8_t want[96];
		memset(want, 0xF, total);
		uint32_t f0 = order ? b0 : a0, f1 = order ? b1 : a1, s0 = order ? a0 : b0, s1 = order ? a1 : b1;
		uint8_t ffill = order ? 0xB : 0xA, sfill = order ? 0xA : 0xB;
		assert_int_equal(add4(r, 77, f0, f1 - f0, 1, ffill, 0), REASM_HELD);
		assert_int_equal(add4(r, 77, s0, s1 - s0, 1, sfill, 0), REASM_HELD);
		assert_int_equal(r->k.overlaps, 1);
		for (uint32_t i = s0; i < s1; i++)
			want[i] = sfill;
		for (uint32_t i = f0; i < f1; i++)
			want[i] = ffill; /* first wins */
		/* Fill everything else with 8-byte fragments of 0xF; the
		 * last one (MF 0) ends the datagram. */
		enum reasm_result res = REASM_HELD;
		for (uint32_t o = 0; o < total; o += 8) {
			int held = 1;
			for (uint32_t i = o; i < o + 8; i++)
				held &= (i >= a0 && i < a1) || (i >= b0 && i < b1);
			if (held && o + 8 < total)
				continue;
			res = add4(r, 77, o, 8, o + 8 < total, 0xF, 0);
		}
		assert_int_equal(res, REASM_COMPLETE);
		build(r, &b);
		check_v4_payload(&b, want, total);
		free_reasm(r);
	}
}

/* A new fragment overlapping the start of one held (and the reverse). */
static void test_overlap_start(void **state)
{
	(void)state;
	overlap_case(16, 40, 8, 24);
}

/* A new fragment overlapping the end of one held (and the reverse). */
static void test_overlap_end(void **state)
{
	(void)state;
	overlap_case(16, 40, 32, 56);
}

/* A new fragment fully inside one held: nothing new (a duplicate). */
static void test_overlap_inside(void **state)
{
	(void)state;
	overlap_case(16, 64, 24, 40);
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	add4(r, 3, 16, 48, 1, 1, 0);
	add4(r, 3, 24, 16, 1, 2, 0);
	assert_int_equal(r->k.duplicates, 1);
	free_reasm(r);
}

/* A new fragment fully covering one held: only its bytes around it are
 * taken. */
static void test_overlap_covering(void **state)
{
	(void)state;
	overlap_case(24, 40, 8, 64);
	/* Covering two held pieces and the gap between them. */
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	struct frame b;
	add4(r, 4, 8, 8, 1, 1, 0);
	add4(r, 4, 32, 8, 1, 2, 0);
	add4(r, 4, 0, 48, 1, 3, 0);
	assert_int_equal(r->k.overlaps, 1);
	assert_int_equal(r->k.duplicates, 0);
	assert_int_equal(add4(r, 4, 48, 8, 0, 4, 0), REASM_COMPLETE);
	build(r, &b);
	uint8_t want[56];
	memset(want, 3, 48);
	memset(want + 8, 1, 8);
	memset(want + 32, 2, 8);
	memset(want + 48, 4, 8);
	check_v4_payload(&b, want, sizeof(want));
	free_reasm(r);
}

/* IPv6: out of order, the fragment header is left out of the built
 * packet, the destination options stay, lengths and next headers fixed. */
static void test_ipv6(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	struct frame b;
	v6_frag(&F, 0xdeadbeef, 17, 1232, 100, 0, 2, 0);
	assert_true(F.p.flags & PKT_FLAG_FRAGMENT);
	assert_int_equal(reasm_add(r, &F.p), REASM_HELD);
	v6_frag(&F, 0xdeadbeef, 17, 0, 1232, 1, 1, 0);
	uint8_t *udp = F.b + 14 + 56;
	put16(udp, 53);
	put16(udp + 2, 40000);
	put16(udp + 4, 1332);
	decode(&F, 0);
	assert_int_equal(reasm_add(r, &F.p), REASM_COMPLETE);
	/* Another datagram (other id) stays apart. */
	build(r, &b);
	const uint8_t *ip = b.b + 14;
	assert_int_equal(b.len, 14 + 40 + 8 + 1332);
	assert_int_equal(get16(ip + 4), 8 + 1332);
	assert_int_equal(ip[6], 60);
	assert_int_equal(ip[40], 17); /* destination options now name UDP */
	assert_memory_equal(ip + 48, udp, 8);
	for (uint32_t i = 8; i < 1332; i++)
		assert_int_equal(ip[48 + i], i < 1232 ? 1 : 2);
	assert_true(PKT_HAS(&b.p, LAYER_IPV6));
	assert_true(PKT_HAS(&b.p, LAYER_UDP));
	assert_false(b.p.flags & PKT_FLAG_FRAGMENT);
	assert_int_equal(b.p.proto, 17);
	assert_int_equal(b.p.sport, 53);
	assert_int_equal(b.p.payload_len, 1324);
	assert_int_equal(b.p.error, EV_NONE);
	free_reasm(r);
}

/* IPv4 and IPv6 fragments with the same addresses-id never mix, nor do
 * two ids or two protocols. */
static void test_keys_apart(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	assert_int_equal(add4(r, 1, 0, 8, 1, 1, 0), REASM_HELD);
	v4_frag(&F, 1, 17, 8, 8, 0, 2, 0); /* other protocol */
	assert_int_equal(reasm_add(r, &F.p), REASM_HELD);
	assert_int_equal(add4(r, 2, 8, 8, 0, 2, 0), REASM_HELD); /* other id */
	v6_frag(&F, 1, 253, 8, 8, 0, 2, 0);
	assert_int_equal(reasm_add(r, &F.p), REASM_HELD);
	assert_int_equal(r->k.in_flight, 4);
	assert_int_equal(add4(r, 1, 8, 8, 0, 2, 0), REASM_COMPLETE);
	reasm_discard(r);
	assert_int_equal(r->k.unbuilt, 1);
	assert_int_equal(r->k.in_flight, 3);
	free_reasm(r);
}

/* Timeouts follow packet time: a datagram older than the timeout is
 * evicted by a later packet, and its late fragment starts afresh. */
static void test_timeout_packet_time(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	assert_int_equal(add4(r, 1, 0, 8, 1, 1, 100 * SEC), REASM_HELD);
	assert_int_equal(add4(r, 2, 0, 8, 1, 1, 120 * SEC), REASM_HELD);
	/* 29 s later still in time. */
	assert_int_equal(add4(r, 2, 8, 8, 0, 2, 129 * SEC), REASM_COMPLETE);
	reasm_discard(r);
	/* Any frame 30 s + 1 ns after datagram 1 began evicts it. */
	v4_frag(&F, 9, 17, 0, 8, 0, 0, 130 * SEC + 1);
	assert_int_equal(reasm_add(r, &F.p), REASM_NOT_FRAGMENT);
	assert_int_equal(r->k.evicted[REASM_EVICT_TIMEOUT], 1);
	assert_int_equal(r->k.in_flight, 0);
	assert_int_equal(add4(r, 1, 8, 8, 0, 2, 131 * SEC), REASM_HELD);
	assert_int_equal(r->k.completed, 1);
	/* Packet time going backwards expires nothing. */
	assert_int_equal(add4(r, 3, 0, 8, 1, 1, 1 * SEC), REASM_HELD);
	assert_int_equal(r->k.evicted[REASM_EVICT_TIMEOUT], 1);
	free_reasm(r);
}

/* The pool holds 4 chunks: a third datagram needing more evicts the oldest
 * ones (memory), and a datagram larger than the pool evicts itself. */
static void test_memory_cap(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(4 * REASM_CHUNK, 16, 30);
	assert_int_equal(r->nchunks_total, 4);
	assert_int_equal(add4(r, 1, 0, 1000, 1, 1, 0), REASM_HELD);        /* chunk 0 */
	assert_int_equal(add4(r, 1, 3000, 1000, 1, 1, 0), REASM_HELD);     /* chunk 1 */
	assert_int_equal(add4(r, 2, 0, 1000, 1, 2, 0), REASM_HELD);        /* chunk 0 */
	assert_int_equal(add4(r, 2, 2048, 1000, 1, 2, 0), REASM_HELD);     /* chunk 1 */
	assert_int_equal(r->nfree, 0);
	assert_int_equal(add4(r, 3, 0, 1000, 1, 3, 0), REASM_HELD);        /* evicts 1 */
	assert_int_equal(r->k.evicted[REASM_EVICT_MEMORY], 1);
	assert_int_equal(r->k.in_flight, 2);
	/* Datagram 3 grows to the whole pool: it evicts 2, then itself. */
	assert_int_equal(add4(r, 3, 1000, 1048, 1, 3, 0), REASM_HELD);     /* chunk 0 again */
	assert_int_equal(add4(r, 3, 4096, 1480, 1, 3, 0), REASM_HELD);     /* chunk 2: the last free */
	assert_int_equal(r->k.evicted[REASM_EVICT_MEMORY], 1);
	assert_int_equal(add4(r, 3, 8192, 1480, 1, 3, 0), REASM_HELD);     /* chunk 4: evicts 2 */
	assert_int_equal(r->k.evicted[REASM_EVICT_MEMORY], 2);
	assert_int_equal(r->k.in_flight, 1);
	assert_int_equal(add4(r, 3, 12288, 1480, 1, 3, 0), REASM_HELD);    /* chunk 6 */
	assert_int_equal(add4(r, 3, 16384, 1480, 1, 3, 0), REASM_DROPPED); /* chunk 8: none left */
	assert_int_equal(r->k.evicted[REASM_EVICT_MEMORY], 3);
	assert_int_equal(r->k.in_flight, 0);
	assert_int_equal(r->nfree, 4);
	assert_int_equal(r->k.chunks_used_max, 4);
	free_reasm(r);
}

/* Two descriptors: a third datagram evicts the oldest (datagrams). */
static void test_too_many_datagrams(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 2, 30);
	assert_int_equal(add4(r, 1, 0, 8, 1, 1, 0), REASM_HELD);
	assert_int_equal(add4(r, 2, 0, 8, 1, 2, 0), REASM_HELD);
	assert_int_equal(add4(r, 3, 0, 8, 1, 3, 0), REASM_HELD);
	assert_int_equal(r->k.evicted[REASM_EVICT_DATAGRAMS], 1);
	assert_int_equal(r->k.in_flight, 2);
	assert_int_equal(r->k.in_flight_max, 2);
	/* Datagram 1 is gone: its last fragment does not complete it... */
	assert_int_equal(add4(r, 1, 8, 8, 0, 1, 0), REASM_HELD);
	assert_int_equal(r->k.evicted[REASM_EVICT_DATAGRAMS], 2); /* ...and evicts 2 */
	/* ...while 3 still completes. */
	assert_int_equal(add4(r, 3, 8, 8, 0, 3, 0), REASM_COMPLETE);
	reasm_discard(r);
	free_reasm(r);
}

/* A datagram past 65535 bytes of IP header + payload is dropped. */
static void test_per_datagram_cap(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	assert_int_equal(add4(r, 1, 0, 1480, 1, 1, 0), REASM_HELD);
	/* 20 + 65512 + 8 = 65540 > 65535 */
	assert_int_equal(add4(r, 1, 65512, 8, 0, 1, 0), REASM_DROPPED);
	assert_int_equal(r->k.evicted[REASM_EVICT_TOO_BIG], 1);
	assert_int_equal(r->k.in_flight, 0);
	/* Exactly 65535 is fine: 20 + 65512 + 3. */
	assert_int_equal(add4(r, 2, 65512, 3, 0, 1, 0), REASM_HELD);
	assert_int_equal(r->k.in_flight, 1);
	free_reasm(r);
}

/* Without the first fragment nothing is ever built; the datagram waits
 * until its timeout. */
static void test_first_fragment_missing(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	assert_int_equal(add4(r, 1, 8, 8, 1, 1, 0), REASM_HELD);
	assert_int_equal(add4(r, 1, 16, 8, 0, 1, 0), REASM_HELD);
	assert_false(reasm_pending(r, NULL, NULL, NULL));
	assert_int_equal(r->k.in_flight, 1);
	reasm_expire(r, 31 * SEC);
	assert_int_equal(r->k.evicted[REASM_EVICT_TIMEOUT], 1);
	assert_int_equal(r->k.completed, 0);
	free_reasm(r);
}

/* Conflicting ends are ignored and counted; so is data past a known end. */
static void test_invalid_ends(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	assert_int_equal(add4(r, 1, 16, 8, 0, 1, 0), REASM_HELD);  /* end = 24 */
	assert_int_equal(add4(r, 1, 16, 16, 0, 1, 0), REASM_HELD); /* end 32: conflict */
	assert_int_equal(add4(r, 1, 24, 8, 1, 1, 0), REASM_HELD);  /* past the end */
	assert_int_equal(r->k.invalid, 2);
	assert_int_equal(add4(r, 1, 0, 16, 1, 1, 0), REASM_COMPLETE);
	uint32_t len;
	assert_true(reasm_pending(r, &len, NULL, NULL));
	assert_int_equal(len, 14 + 20 + 24);
	reasm_discard(r);
	/* A last fragment ending before bytes already held conflicts too. */
	assert_int_equal(add4(r, 2, 32, 8, 1, 1, 0), REASM_HELD);
	assert_int_equal(add4(r, 2, 8, 8, 0, 1, 0), REASM_HELD);
	assert_int_equal(r->k.invalid, 3);
	free_reasm(r);
}

/* A fragment cut by the snaplen is not used. */
static void test_truncated_fragment(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	v4_frag(&F, 1, 253, 0, 100, 1, 1, 0);
	F.len = 14 + 20 + 50; /* the IP header still says 120 bytes */
	decode(&F, 0);
	assert_true(F.p.flags & PKT_FLAG_TRUNCATED);
	assert_int_equal(reasm_add(r, &F.p), REASM_DROPPED);
	assert_int_equal(r->k.truncated, 1);
	assert_int_equal(r->k.in_flight, 0);
	free_reasm(r);
}

/* More disjoint pieces than REASM_MAX_RANGES drop the datagram (holes). */
static void test_too_many_holes(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	for (unsigned i = 0; i < REASM_MAX_RANGES; i++)
		assert_int_equal(add4(r, 1, 16 * i + 8, 8, 1, 1, 0), REASM_HELD);
	assert_int_equal(add4(r, 1, 16 * REASM_MAX_RANGES + 8, 8, 1, 1, 0), REASM_DROPPED);
	assert_int_equal(r->k.evicted[REASM_EVICT_HOLES], 1);
	/* Filling a gap merges pieces and is fine. */
	for (unsigned i = 0; i < REASM_MAX_RANGES; i++)
		assert_int_equal(add4(r, 2, 16 * i + 8, 8, 1, 1, 0), REASM_HELD);
	assert_int_equal(add4(r, 2, 16, 8, 1, 1, 0), REASM_HELD);
	assert_int_equal(r->dg[r->newest].nranges, REASM_MAX_RANGES - 1);
	free_reasm(r);
}

/* A fragmented IPv4 packet inside an outer IPv4 (header list given): the
 * outer total length and checksum grow with the reassembled inner one. */
static void test_enclosing_lengths(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	struct frame b;
	for (int part = 0; part < 2; part++) {
		/* eth | outer IPv4 (proto 4) | inner IPv4 fragment */
		v4_frag(&F, 0x55, 253, part ? 64 : 0, 64, !part, (uint8_t)(part + 1), 0);
		memmove(F.b + 34, F.b + 14, F.len - 14);
		uint8_t *o = F.b + 14;
		memset(o, 0, 20);
		o[0] = 0x45;
		put16(o + 2, 20 + F.len - 14);
		o[8] = 64;
		o[9] = 4;
		memcpy(o + 12, dst4, 4);
		memcpy(o + 16, src4, 4);
		F.len += 20;
		decode(&F, 0);
		F.p.flags |= PKT_FLAG_FRAGMENT;
		F.p.nhdrs = 3;
		F.p.hdrs[0] = (struct pkt_hdr){ HDR_ETH, 0, 14, 0 };
		F.p.hdrs[1] = (struct pkt_hdr){ HDR_IPV4, 0, 20, 14 };
		F.p.hdrs[2] = (struct pkt_hdr){ HDR_IPV4, 0, 20, 34 };
		assert_int_equal(reasm_add(r, &F.p), part ? REASM_COMPLETE : REASM_HELD);
	}
	build(r, &b);
	assert_int_equal(b.len, 14 + 20 + 20 + 128);
	assert_int_equal(get16(b.b + 14 + 2), 20 + 20 + 128);
	assert_true(ipv4_checksum_ok(b.b + 14));
	assert_int_equal(get16(b.b + 34 + 2), 20 + 128);
	assert_int_equal(get16(b.b + 34 + 6), 0);
	assert_true(ipv4_checksum_ok(b.b + 34));
	free_reasm(r);
}

/* Every counter appears by name in the JSON object and in /metrics. */
static void test_json_names(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(1 << 20, 16, 30);
	add4(r, 1, 0, 8, 1, 1, 0);
	add4(r, 1, 0, 8, 1, 1, 0);
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	reasm_write_json(r, &r->k, f);
	fclose(f);
	static const char *const names[] = {
		"\"fragments\": 2", "\"datagrams\": 1", "\"completed\": 0", "\"overlaps\": 1", "\"duplicates\": 1",
		"\"invalid\": 0", "\"truncated\": 0", "\"timeout\": 0", "\"memory\": 0", "\"datagrams\": 1",
		"\"too_big\": 0", "\"holes\": 0", "\"in_flight\": 1", "\"unbuilt\": 0", "\"built\": 0",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strstr(buf, names[i]))
			fail_msg("%s not in %s", names[i], buf);
	free(buf);
	/* And in /metrics. */
	buf = NULL;
	f = open_memstream(&buf, &n);
	assert_non_null(f);
	reasm_write_prom(&r->k, f);
	fclose(f);
	static const char *const prom[] = {
		"pktd_reassembly_fragments_total 2\n", "pktd_reassembly_overlaps_total 1\n",
		"pktd_reassembly_duplicates_total 1\n", "pktd_reassembly_evicted_total{reason=\"timeout\"} 0\n",
		"pktd_reassembly_evicted_total{reason=\"holes\"} 0\n", "pktd_reassembly_in_flight 1\n",
		"# TYPE pktd_reassembly_evicted_total counter\n",
	};
	for (size_t i = 0; i < sizeof(prom) / sizeof(prom[0]); i++)
		if (!strstr(buf, prom[i]))
			fail_msg("%s not in %s", prom[i], buf);
	free(buf);
	assert_string_equal(reasm_evict_name(REASM_EVICT_TOO_BIG), "too_big");
	free_reasm(r);
}

/* Thousands of datagrams through a small table: the pool and descriptors
 * are reused, never leaked. */
static void test_steady_reuse(void **state)
{
	(void)state;
	struct reasm *r = new_reasm(8 * REASM_CHUNK, 4, 30);
	struct frame b;
	for (unsigned i = 0; i < 5000; i++) {
		uint16_t id = (uint16_t)i;
		assert_int_equal(add4(r, id, 1480, 1000, 0, 2, (uint64_t)i * 1000), REASM_HELD);
		if (i % 7 == 0)
			continue; /* left to be evicted */
		assert_int_equal(add4(r, id, 0, 1480, 1, 1, (uint64_t)i * 1000), REASM_COMPLETE);
		build(r, &b);
	}
	assert_true(r->k.in_flight <= 4);
	assert_int_equal(r->nfree + 2 * r->k.in_flight, r->nchunks_total);
	free_reasm(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_fragments),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_in_order_udp),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_overlap_start),
		cmocka_unit_test(test_overlap_end),
		cmocka_unit_test(test_overlap_inside),
		cmocka_unit_test(test_overlap_covering),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_keys_apart),
		cmocka_unit_test(test_timeout_packet_time),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_too_many_datagrams),
		cmocka_unit_test(test_per_datagram_cap),
		cmocka_unit_test(test_first_fragment_missing),
		cmocka_unit_test(test_invalid_ends),
		cmocka_unit_test(test_truncated_fragment),
		cmocka_unit_test(test_too_many_holes),
		cmocka_unit_test(test_enclosing_lengths),
		cmocka_unit_test(test_json_names),
		cmocka_unit_test(test_steady_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
