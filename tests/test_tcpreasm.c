/* test_tcpreasm.c: TCP stream reassembly: in order (zero copy), out of
 * order, overlaps both ways (first wins), retransmissions, wraparound, gaps
 * (missing bytes + FIN, caps, timeouts), pool exhaustion, mid-stream pickup,
 * truncated segments, RST, ignore, flips, and a randomized property test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow.h"
#include "tcpreasm.h"

#define SEC 1000000000ull
enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

/* ---- what the callbacks saw, per flow (hung on flow->user) ---------------- */

#define STREAM_MAX (1u << 20)

struct stream {
	uint8_t *buf[2]; /* bytes delivered; '#' for each byte of a gap */
	size_t len[2];
	unsigned deliveries[2], gaps[2];
	uint64_t gap_bytes[2];
	const uint8_t *last_ptr[2];
	uint32_t last_len[2];
	char events[2][512]; /* "D5 G3 D10 ..." */
	unsigned ignore_after[2]; /* flow_ignore after this many deliveries (0 = never) */
	unsigned order;           /* global order of the last callback (flow end checks) */
};

static unsigned callback_clock;

static struct stream *stream_new(void)
{
	struct stream *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->buf[0] = malloc(STREAM_MAX);
	s->buf[1] = malloc(STREAM_MAX);
	return s;
}

static void stream_free(struct stream *s)
{
	free(s->buf[0]);
	free(s->buf[1]);
	free(s);
}

static void event(struct stream *s, unsigned d, char kind, uint32_t n)
{
	size_t at = strlen(s->events[d]);
	if (at + 16 < sizeof(s->events[d]))
		snprintf(s->events[d] + at, sizeof(s->events[d]) - at, "%s%c%u", at ? " " : "", kind, n);
}

static void on_deliver(void *ctx, struct flow *f, int from_originator, const uint8_t *data, uint32_t len)
{
	(void)ctx;
	struct stream *s = f->user;
	unsigned d = from_originator ? 0 : 1;
	assert_true(len > 0);
	assert_true(s->len[d] + len <= STREAM_MAX);
	memcpy(s->buf[d] + s->len[d], data, len);
	s->len[d] += len;
	s->deliveries[d]++;
	s->last_ptr[d] = data;
	s->last_len[d] = len;
	s->order = ++callback_clock;
	event(s, d, 'D', len);
	if (s->ignore_after[d] && s->deliveries[d] >= s->ignore_after[d])
		flow_ignore(f, from_originator ? FLOW_IGNORE_ORIG : FLOW_IGNORE_RESP);
}

static void on_gap(void *ctx, struct flow *f, int from_originator, uint32_t nbytes)
{
	(void)ctx;
	struct stream *s = f->user;
	unsigned d = from_originator ? 0 : 1;
	assert_true(nbytes > 0);
	s->gaps[d]++;
	s->gap_bytes[d] += nbytes;
	s->order = ++callback_clock;
	event(s, d, 'G', nbytes);
	uint32_t room = (uint32_t)(STREAM_MAX - s->len[d]);
	uint32_t n = nbytes < room ? nbytes : room;
	memset(s->buf[d] + s->len[d], '#', n);
	s->len[d] += n;
}

/* ---- fixtures -------------------------------------------------------------- */

static struct tcpr *reasm(uint64_t memory, uint32_t per_flow)
{
	static struct tcpr r;
	struct tcpr_config c;
	tcpr_config_default(&c);
	c.memory = memory;
	c.max_per_flow = per_flow;
	c.deliver = on_deliver;
	c.gap = on_gap;
	char err[256];
	assert_int_equal(tcpr_init(&r, &c, err, sizeof(err)), 0);
	return &r;
}

/* A flow outside any table (tcpreasm needs only its halves, ignore bits
 * and history). */
static struct flow *flow_new(void)
{
	struct flow *f = aligned_alloc(64, sizeof(struct flow));
	assert_non_null(f);
	memset(f, 0, sizeof(*f));
	tcpr_half_init(&f->tcp[0], 0);
	tcpr_half_init(&f->tcp[1], 1);
	f->user = stream_new();
	return f;
}

static void flow_del(struct tcpr *r, struct flow *f)
{
	tcpr_flow_end(r, f);
	stream_free(f->user);
	free(f);
}

static struct stream *S(struct flow *f)
{
	return f->user;
}

/* A segment with `data` (NULL: none) as captured and on the wire. */
static void seg(struct tcpr *r, struct flow *f, int orig, uint32_t seq, uint16_t flags, const char *data)
{
	struct tcpr_segment s = {.seq = seq, .flags = flags, .data = (const uint8_t *)data};
	s.len = s.wire_len = data ? (uint32_t)strlen(data) : 0;
	tcpr_segment(r, f, orig, &s, 0);
}

static void seg_at(struct tcpr *r, struct flow *f, int orig, uint32_t seq, uint16_t flags, const char *data,
		   uint64_t now)
{
	struct tcpr_segment s = {.seq = seq, .flags = flags, .data = (const uint8_t *)data};
	s.len = s.wire_len = data ? (uint32_t)strlen(data) : 0;
	tcpr_segment(r, f, orig, &s, now);
}

static void assert_stream(struct flow *f, unsigned d, const char *want)
{
	struct stream *s = S(f);
	size_t n = strlen(want);
	if (s->len[d] != n || memcmp(s->buf[d], want, n) != 0) {
		print_error("stream %u: got %.*s (%zu bytes), want %s (%zu)\n", d, (int)s->len[d], s->buf[d], s->len[d],
			    want, n);
		fail();
	}
}

static char *rep(char c, size_t n)
{
	static char buf[4][16384];
	static unsigned k;
	char *b = buf[k++ % 4];
	memset(b, c, n);
	b[n] = 0;
	return b;
}

/* ---- in order ---------------------------------------------------------------- */

/* In-order data is delivered from the packet itself (zero copy), from the
 * ISN + 1 on. */
static void test_in_order_zero_copy(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = flow_new();
	static const char hello[] = "hello", world[] = " world";
	seg(r, f, 1, 1000, SYN, NULL);
	seg(r, f, 0, 5000, SYN | ACK, NULL);
	struct tcpr_segment s = {.seq = 1001, .ack = 5001, .flags = ACK | PSH, .data = (const uint8_t *)hello, .len = 5, .wire_len = 5};
	tcpr_segment(r, f, 1, &s, 0);
	assert_ptr_equal(S(f)->last_ptr[0], hello);
	seg(r, f, 1, 1006, ACK, world);
	assert_ptr_equal(S(f)->last_ptr[0], world);
	seg(r, f, 0, 5001, ACK, "HTTP/1.1 200 OK");
	assert_stream(f, 0, "hello world");
	assert_stream(f, 1, "HTTP/1.1 200 OK");
	assert_int_equal(f->tcp[0].isn, 1000);
	assert_int_equal(f->tcp[0].offset, 11);
	assert_int_equal(r->k.in_order, 3);
	assert_int_equal(r->k.bytes_delivered, 26);
	assert_int_equal(r->k.midstream, 0);
	assert_int_equal(r->k.chunks_used_max, 0); /* nothing was copied */

	/* Through a decoded packet: the pointer is p->data + payload_off. */
	uint8_t frame[80] = {0x45, 0, 0, 20 + 20 + 7};
	memcpy(frame + 40, "GET / \n", 7);
	struct pkt p = {.data = frame, .caplen = sizeof(frame), .layers = 1u << LAYER_IPV4 | 1u << LAYER_TCP,
			.ip_version = 4, .proto = 6, .l4_off = 20, .payload_off = 40, .payload_len = 7,
			.seq = 1012, .ack = 5016, .tcp_flags = ACK | PSH};
	tcpr_packet(r, f, &p, 1, 0);
	assert_ptr_equal(S(f)->last_ptr[0], frame + 40);
	assert_stream(f, 0, "hello worldGET / \n");
	flow_del(r, f);
	tcpr_free(r);
}

/* A segment ahead of a hole is held (copied into the pool) and released,
 * in order, when the hole fills; the pool is empty again afterwards. */
static void test_out_of_order(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = flow_new();
	seg(r, f, 1, 0, SYN, NULL);
	static const char world[] = "world";
	seg(r, f, 1, 7, ACK, world);
	seg(r, f, 1, 12, ACK, "!!");
	assert_int_equal(S(f)->deliveries[0], 0);
	assert_int_equal(r->k.chunks_used, 1); /* the two held pieces share one chunk */
	assert_int_equal(f->tcp[0].nheld, 1);
	seg(r, f, 1, 1, ACK, "hello ");
	assert_stream(f, 0, "hello world!!");
	assert_string_equal(S(f)->events[0], "D6 D7");
	assert_true(S(f)->last_ptr[0] != (const uint8_t *)world); /* from the pool */
	assert_int_equal(r->k.out_of_order, 2);
	assert_int_equal(r->k.in_order, 1);
	assert_int_equal(r->k.chunks_used, 0);
	assert_int_equal(f->tcp[0].nheld, 0);
	assert_null(r->pend_head);
	flow_del(r, f);
	tcpr_free(r);
}

/* Held pieces are packed: 4 x 500 contiguous bytes fit one chunk, the next
 * ones spill into a second. */
static void test_chunk_packing(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = flow_new();
	seg(r, f, 1, 0, SYN, NULL);
	for (unsigned i = 0; i < 5; i++)
		seg(r, f, 1, 101 + 500 * i, ACK, rep((char)('a' + i), 500));
	assert_int_equal(r->k.chunks_used, 2);
	assert_int_equal(f->tcp[0].nheld, 2);
	seg(r, f, 1, 1, ACK, rep('x', 100));
	assert_int_equal(S(f)->len[0], 2600);
	assert_string_equal(S(f)->events[0], "D100 D2048 D452");
	assert_int_equal(r->k.chunks_used, 0);
	flow_del(r, f);
	tcpr_free(r);
}

/* ---- overlaps ---------------------------------------------------------------- */

/* A fresh stream whose next byte is sequence number 0. */
static struct flow *at_zero(struct tcpr *r)
{
	struct flow *f = flow_new();
	seg(r, f, 1, 0xffffffffu, SYN, NULL);
	assert_int_equal(f->tcp[0].next_seq, 0);
	return f;
}

/* Old bytes win over new ones wherever they overlap: new segment over the
 * start, over the end, inside, covering, bridging two held pieces; an
 * in-order segment over held bytes; a segment over delivered bytes. */
static void test_overlaps_first_wins(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f;

	/* New [5,15) over the start of held [10,20). */
	f = at_zero(r);
	seg(r, f, 1, 10, ACK, rep('B', 10));
	seg(r, f, 1, 5, ACK, rep('a', 10));
	seg(r, f, 1, 0, ACK, rep('x', 5));
	assert_stream(f, 0, "xxxxxaaaaaBBBBBBBBBB");
	assert_int_equal(r->k.overlaps, 1);
	assert_int_equal(r->k.overlap_bytes, 5);
	assert_int_equal(r->k.conflicts, 1);
	flow_del(r, f);

	/* New [15,25) over the end of held [10,20). */
	f = at_zero(r);
	seg(r, f, 1, 10, ACK, rep('B', 10));
	seg(r, f, 1, 15, ACK, rep('c', 10));
	seg(r, f, 1, 0, ACK, rep('x', 10));
	assert_stream(f, 0, "xxxxxxxxxxBBBBBBBBBBccccc");
	assert_int_equal(r->k.overlaps, 2);
	assert_int_equal(r->k.overlap_bytes, 10);
	flow_del(r, f);

	/* New [12,18) inside held [10,20): nothing new, a retransmission (with
	 * different bytes: a conflict). */
	f = at_zero(r);
	seg(r, f, 1, 10, ACK, rep('B', 10));
	seg(r, f, 1, 12, ACK, rep('d', 6));
	seg(r, f, 1, 0, ACK, rep('x', 10));
	assert_stream(f, 0, "xxxxxxxxxxBBBBBBBBBB");
	assert_int_equal(r->k.retransmitted, 1);
	assert_int_equal(r->k.conflicts, 3);
	flow_del(r, f);

	/* New [5,25) covering held [10,20). */
	f = at_zero(r);
	seg(r, f, 1, 10, ACK, rep('B', 10));
	seg(r, f, 1, 5, ACK, rep('e', 20));
	seg(r, f, 1, 0, ACK, rep('x', 5));
	assert_stream(f, 0, "xxxxxeeeeeBBBBBBBBBBeeeee");
	flow_del(r, f);

	/* New [8,20) bridging held [10,12) and [15,18). */
	f = at_zero(r);
	seg(r, f, 1, 10, ACK, "BB");
	seg(r, f, 1, 15, ACK, "CCC");
	seg(r, f, 1, 8, ACK, rep('n', 12));
	seg(r, f, 1, 0, ACK, rep('x', 8));
	assert_stream(f, 0, "xxxxxxxxnnBBnnnCCCnn");
	flow_del(r, f);

	/* An in-order [0,15) over held [10,20): the held bytes win. */
	f = at_zero(r);
	seg(r, f, 1, 10, ACK, rep('B', 10));
	uint64_t conflicts = r->k.conflicts;
	seg(r, f, 1, 0, ACK, rep('f', 15));
	assert_stream(f, 0, "ffffffffffBBBBBBBBBB");
	assert_int_equal(r->k.conflicts, conflicts + 1);
	flow_del(r, f);

	/* [5,15) over delivered [0,10): only [10,15) is new. */
	f = at_zero(r);
	seg(r, f, 1, 0, ACK, rep('g', 10));
	uint64_t overlaps = r->k.overlaps, obytes = r->k.overlap_bytes;
	seg(r, f, 1, 5, ACK, rep('h', 10));
	assert_stream(f, 0, "gggggggggghhhhh");
	assert_int_equal(r->k.overlaps, overlaps + 1);
	assert_int_equal(r->k.overlap_bytes, obytes + 5);
	assert_non_null(strchr(f->history, 'T'));
	flow_del(r, f);

	/* The same held bytes again: a retransmission, no conflict. */
	f = at_zero(r);
	conflicts = r->k.conflicts;
	uint64_t retrans = r->k.retransmitted;
	seg(r, f, 1, 10, ACK, "same");
	seg(r, f, 1, 10, ACK, "same");
	assert_int_equal(r->k.retransmitted, retrans + 1);
	assert_int_equal(r->k.conflicts, conflicts);
	flow_del(r, f);
	assert_int_equal(r->k.chunks_used, 0);
	tcpr_free(r);
}

/* A segment entirely delivered already is dropped and counted; history
 * shows 'T'. */
static void test_retransmission(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = at_zero(r);
	seg(r, f, 1, 0, ACK, "abc");
	seg(r, f, 1, 0, ACK, "abc");
	seg(r, f, 1, 1, ACK, "bc");
	seg(r, f, 1, 3, ACK, "def");
	/* A keep-alive: one old byte. */
	seg(r, f, 1, 5, ACK, "f");
	assert_stream(f, 0, "abcdef");
	assert_int_equal(r->k.retransmitted, 3);
	assert_int_equal(r->k.in_order, 2);
	assert_string_equal(f->history, "T");
	flow_del(r, f);
	tcpr_free(r);
}

/* Sequence numbers wrap at 2^32: segments on both sides of the wrap, out
 * of order and overlapping, come out as one stream. */
static void test_wraparound(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = flow_new();
	const char *text = "0123456789abcdefghijklmnopqrstuvwxyzABCD"; /* 40 bytes */
	uint32_t isn = 0xfffffff0u;
	seg(r, f, 1, isn, SYN, NULL);
	/* Byte i of the stream has sequence number isn + 1 + i; byte 14 is at
	 * 0xffffffff, byte 15 at 0. */
	char piece[16];
	static const unsigned order[][2] = {{24, 8}, {8, 10}, {32, 8}, {16, 10}, {0, 8}};
	for (unsigned k = 0; k < 5; k++) {
		memcpy(piece, text + order[k][0], order[k][1]);
		piece[order[k][1]] = 0;
		seg(r, f, 1, isn + 1 + order[k][0], ACK, piece);
	}
	assert_stream(f, 0, text);
	assert_int_equal(f->tcp[0].next_seq, isn + 41);
	assert_int_equal(f->tcp[0].next_seq, 0x19);
	assert_int_equal(r->k.gaps, 0);
	/* A stale segment from before the wrap is old, not 4 GB ahead. */
	seg(r, f, 1, isn + 1, ACK, "01234");
	assert_int_equal(r->k.retransmitted, 1);
	flow_del(r, f);
	tcpr_free(r);
}

/* ---- gaps ---------------------------------------------------------------------- */

/* A lost segment before the FIN: the hole waits (a retransmission may come)
 * and is reported as a gap when the flow ends, before the bytes after it. */
static void test_gap_missing_segment_fin(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = at_zero(r);
	seg(r, f, 1, 0, ACK, "0123456789");
	seg(r, f, 1, 20, ACK | FIN, "ABCDEFGHIJ");
	assert_stream(f, 0, "0123456789");
	tcpr_flow_end(r, f);
	assert_stream(f, 0, "0123456789##########ABCDEFGHIJ");
	assert_string_equal(S(f)->events[0], "D10 G10 D10");
	assert_int_equal(r->k.gaps, 1);
	assert_int_equal(r->k.gap_bytes, 10);
	assert_non_null(strchr(f->history, 'G'));
	flow_del(r, f);

	/* The retransmission arrives: no gap, the stream is complete. */
	f = at_zero(r);
	seg(r, f, 1, 0, ACK, "0123456789");
	seg(r, f, 1, 20, ACK | FIN, "ABCDEFGHIJ");
	seg(r, f, 1, 10, ACK, "klmnopqrst");
	assert_stream(f, 0, "0123456789klmnopqrstABCDEFGHIJ");
	assert_int_equal(f->tcp[0].state, TCPR_DONE);
	seg(r, f, 1, 30, ACK, "late");
	assert_int_equal(r->k.after_end, 1);
	flow_del(r, f);
	assert_int_equal(r->k.gaps, 1);

	/* Nothing held, the FIN says 10 bytes are missing. */
	f = at_zero(r);
	seg(r, f, 1, 0, ACK, "0123456789");
	seg(r, f, 1, 20, ACK | FIN, NULL);
	tcpr_flow_end(r, f);
	assert_stream(f, 0, "0123456789##########");
	flow_del(r, f);

	/* No FIN, but the peer acknowledged 20 bytes more than were seen. */
	f = at_zero(r);
	seg(r, f, 1, 0, ACK, "0123456789");
	struct tcpr_segment ack = {.seq = 500, .ack = 30, .flags = ACK};
	tcpr_segment(r, f, 0, &ack, 0);
	tcpr_flow_end(r, f);
	assert_stream(f, 0, "0123456789####################");
	assert_int_equal(r->k.gaps, 3);
	flow_del(r, f);
	tcpr_free(r);
}

/* The per-flow cap: a segment that would pass it gives up the oldest hole
 * (gap), the held bytes behind it go out, then the segment. */
static void test_gap_flow_cap(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 2 * TCPR_CHUNK);
	struct flow *f = at_zero(r);
	seg(r, f, 1, 100, ACK, rep('a', 2048));
	seg(r, f, 1, 2148, ACK, rep('b', 2048));
	assert_int_equal(f->tcp[0].nheld, 2);
	assert_int_equal(S(f)->len[0], 0);
	seg(r, f, 1, 4196, ACK, rep('c', 100));
	assert_int_equal(r->k.flow_cap, 1);
	assert_string_equal(S(f)->events[0], "G100 D2048 D2048 D100");
	assert_int_equal(f->tcp[0].offset, 4296);
	assert_int_equal(f->tcp[0].nheld, 0);
	/* A segment bigger than the cap with nothing held: skip to it. */
	seg(r, f, 1, 10000, ACK, rep('d', 5000));
	assert_int_equal(S(f)->gap_bytes[0], 100 + 5704);
	assert_int_equal(f->tcp[0].next_seq, 15000);
	seg(r, f, 1, 20000, ACK, rep('e', 10));
	assert_int_equal(r->k.chunks_used, 1);
	assert_int_equal(r->k.flow_cap, 2);
	tcpr_flow_end(r, f); /* the end reports the hole */
	assert_int_equal(S(f)->gap_bytes[0], 100 + 5704 + 5000);
	assert_int_equal(S(f)->len[0], 20010);
	flow_del(r, f);
	assert_int_equal(r->k.chunks_used, 0);
	tcpr_free(r);
}

/* An empty pool: the direction holding data longest (another flow) gives
 * up its holes; with no pool at all, out-of-order data skips at once. */
static void test_pool_exhaustion(void **state)
{
	(void)state;
	struct tcpr *r = reasm(4 * TCPR_CHUNK, 1 << 20);
	struct flow *a = at_zero(r), *b = at_zero(r);
	seg(r, a, 1, 10, ACK, rep('A', 4 * 2048));
	assert_int_equal(r->nfree_chunks, 0);
	seg(r, b, 1, 5, ACK, "bbbbb");
	assert_int_equal(r->k.pool_full, 1);
	assert_int_equal(S(a)->gap_bytes[0], 10);
	assert_int_equal(S(a)->len[0], 10 + 4 * 2048);
	assert_int_equal(a->tcp[0].nheld, 0);
	assert_int_equal(b->tcp[0].nheld, 1);
	seg(r, b, 1, 0, ACK, "aaaaa");
	assert_stream(b, 0, "aaaaabbbbb");
	flow_del(r, a);
	flow_del(r, b);
	tcpr_free(r);

	r = reasm(0, 1 << 20);
	struct flow *c = at_zero(r);
	seg(r, c, 1, 5, ACK, "later");
	assert_stream(c, 0, "#####later");
	seg(r, c, 1, 0, ACK, "early");
	assert_int_equal(r->k.retransmitted, 1);
	flow_del(r, c);
	tcpr_free(r);
}

/* A hole older than hole_timeout is given up on the flow's next segment
 * (either direction) or by tcpr_expire. */
static void test_hole_timeout(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = at_zero(r), *g = at_zero(r);
	seg_at(r, f, 1, 10, ACK, "held", 0);
	seg_at(r, f, 0, 1, SYN | ACK, NULL, 5 * SEC);
	assert_int_equal(S(f)->len[0], 0);
	seg_at(r, f, 0, 2, ACK, NULL, 10 * SEC);
	assert_stream(f, 0, "##########held");
	assert_int_equal(r->k.hole_timeouts, 1);

	seg_at(r, g, 1, 3, ACK, "xyz", 20 * SEC);
	assert_int_equal(tcpr_expire(r, 29 * SEC, 10), 0);
	assert_int_equal(tcpr_expire(r, 30 * SEC, 10), 1);
	assert_stream(g, 0, "###xyz");
	assert_null(r->pend_head);
	flow_del(r, f);
	flow_del(r, g);
	tcpr_free(r);
}

/* ---- other rules ------------------------------------------------------------- */

/* Without the SYN, delivery starts at the first segment seen; older bytes
 * are retransmissions. A late SYN before anything was delivered still
 * sets the start. */
static void test_midstream_pickup(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = flow_new();
	seg(r, f, 1, 5000, ACK, "abc");
	seg(r, f, 1, 4990, ACK, "0123456789");
	seg(r, f, 1, 5003, ACK, "def");
	assert_stream(f, 0, "abcdef");
	assert_int_equal(r->k.midstream, 1);
	assert_int_equal(f->tcp[0].isn, 4999);
	assert_int_equal(r->k.retransmitted, 1);

	struct flow *g = flow_new();
	seg(r, g, 0, 7000, ACK, NULL); /* a bare ACK first */
	seg(r, g, 0, 6000, SYN | ACK, NULL);
	seg(r, g, 0, 6001, ACK, "reply");
	assert_stream(g, 1, "reply");
	assert_int_equal(g->tcp[1].isn, 6000);
	flow_del(r, f);
	flow_del(r, g);
	tcpr_free(r);
}

/* Bytes the capture cut (caplen < wire length) are a gap, in order at once,
 * out of order when the stream reaches them. */
static void test_truncated_segments(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = at_zero(r);
	struct tcpr_segment s = {.seq = 0, .flags = ACK, .data = (const uint8_t *)"abcde", .len = 5, .wire_len = 10};
	tcpr_segment(r, f, 1, &s, 0);
	assert_stream(f, 0, "abcde#####");
	struct tcpr_segment t = {.seq = 20, .flags = ACK, .data = (const uint8_t *)"vwxyz", .len = 3, .wire_len = 5};
	tcpr_segment(r, f, 1, &t, 0);
	seg(r, f, 1, 10, ACK, "0123456789");
	assert_stream(f, 0, "abcde#####0123456789vwx##");
	assert_string_equal(S(f)->events[0], "D5 G5 D10 D3 G2");
	assert_int_equal(r->k.truncated, 2);
	flow_del(r, f);
	tcpr_free(r);
}

/* A RST: both directions give up their holes, deliver what they held and
 * stop. */
static void test_rst(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = at_zero(r);
	seg(r, f, 0, 99, SYN | ACK, NULL);
	seg(r, f, 1, 5, ACK, "after");
	seg(r, f, 0, 100, ACK, "resp");
	seg(r, f, 0, 104, RST, NULL);
	assert_stream(f, 0, "#####after");
	assert_stream(f, 1, "resp");
	assert_int_equal(f->tcp[0].state, TCPR_DONE);
	assert_int_equal(f->tcp[1].state, TCPR_DONE);
	seg(r, f, 1, 10, ACK, "more");
	assert_int_equal(r->k.after_end, 1);
	assert_int_equal(r->k.chunks_used, 0);
	flow_del(r, f);
	tcpr_free(r);
}

/* flow_ignore from the callback stops delivery at once; held bytes are
 * dropped and later segments only counted. */
static void test_ignore(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct flow *f = at_zero(r);
	S(f)->ignore_after[0] = 1;
	seg(r, f, 1, 10, ACK, "held1");
	seg(r, f, 1, 20, ACK, "held2");
	assert_int_equal(r->k.chunks_used, 2);
	seg(r, f, 1, 0, ACK, "first");
	assert_stream(f, 0, "first");
	assert_int_equal(r->k.chunks_used, 0);
	assert_null(r->pend_head);
	seg(r, f, 1, 5, ACK, "xxxxx");
	assert_int_equal(r->k.ignored, 1);
	tcpr_flow_end(r, f);
	assert_stream(f, 0, "first");
	/* The other direction is not affected. */
	seg(r, f, 0, 0, SYN | ACK, NULL);
	seg(r, f, 0, 1, ACK, "resp");
	assert_stream(f, 1, "resp");
	flow_del(r, f);
	tcpr_free(r);
}

/* Through the flow table: a flip swaps the halves (held data included), and
 * ending the flow flushes the streams before the end callback. */
struct order_log {
	unsigned end_order;
	unsigned ends;
	void *user;
};

static void on_flow_end(void *ctx, struct flow *f, enum flow_end_reason reason)
{
	(void)reason;
	struct order_log *l = ctx;
	l->end_order = ++callback_clock;
	l->ends++;
	l->user = f->user; /* freed by the test: it reads it afterwards */
	f->user = NULL;
}

static void test_flow_table_integration(void **state)
{
	(void)state;
	struct tcpr *r = reasm(1 << 20, 1 << 16);
	struct order_log log = {0};
	struct flow_table ft;
	struct flow_config cfg = {.table_size = 16, .on_end = on_flow_end, .on_end_ctx = &log};
	flow_timeouts_default(&cfg.timeouts);
	char err[256];
	assert_int_equal(flow_table_init(&ft, &cfg, err, sizeof(err)), 0);
	flow_table_attach_tcpr(&ft, r);

	/* Server data picked up mid-stream (the server is called originator),
	 * one segment held; then the client's SYN flips the flow. */
	struct flow_key k = {.src = {10, 0, 0, 2}, .dst = {10, 0, 0, 1}, .sport = 80, .dport = 4000,
			     .proto = 6, .ip_version = 4, .vlan = FLOW_VLAN_NONE};
	int orig, created;
	struct flow *f = flow_lookup_or_create(&ft, &k, SEC, &orig, &created);
	f->user = stream_new();
	assert_true(orig);
	seg_at(r, f, 1, 100, ACK, "0123456789", SEC);
	seg_at(r, f, 1, 120, ACK, "held", SEC);
	assert_int_equal(f->tcp[0].nheld, 1);
	uint8_t frame[64] = {0x45, 0, 0, 40};
	struct pkt syn = {.data = frame, .caplen = 64, .wirelen = 54, .layers = 1u << LAYER_IPV4 | 1u << LAYER_TCP,
			  .ip_version = 4, .proto = 6, .payload_off = 40, .tcp_flags = SYN, .seq = 7};
	struct flow_key k2 = k;
	memcpy(k2.src, k.dst, 16);
	memcpy(k2.dst, k.src, 16);
	k2.sport = 4000;
	k2.dport = 80;
	f = flow_lookup_or_create(&ft, &k2, 2 * SEC, &orig, &created);
	assert_false(orig);
	unsigned res = flow_update(&ft, f, &syn, orig, 2 * SEC);
	assert_true(res & FLOW_FLIPPED);
	assert_true(res & FLOW_ORIGINATOR);
	assert_int_equal(f->tcp[1].nheld, 1); /* the server's half moved */
	assert_int_equal(f->tcp[1].dir, 1);
	assert_int_equal(f->tcp[0].nheld, 0);
	assert_ptr_equal(r->pend_head, &f->tcp[1]);
	struct stream *s = f->user;

	/* The sweep gives up the stalled hole (10 s) before the flow idles out. */
	flow_expire(&ft, 12 * SEC, 100, NULL, NULL);
	assert_int_equal(s->gap_bytes[1], 10);
	assert_int_equal(s->len[0], 10); /* delivered while the server was called originator */
	assert_int_equal(s->len[1], 14); /* the gap and the held bytes, after the flip */
	seg_at(r, f, 0, 124, ACK, "tail", 13 * SEC);
	seg_at(r, f, 0, 140, ACK, "lost", 13 * SEC);

	/* Shutdown: the flow's streams flush first, then its end callback. */
	flow_end_all(&ft, NULL, NULL);
	assert_int_equal(log.ends, 1);
	assert_true(s->order < log.end_order);
	assert_int_equal(r->k.chunks_used, 0);
	assert_null(r->pend_head);
	assert_ptr_equal(log.user, s);
	stream_free(s);
	flow_table_free(&ft);
	tcpr_free(r);
}

/* ---- randomized ----------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* A random stream cut into random segments, sent locally out of order with
 * duplicates and re-cut overlapping retransmissions (same bytes), from a
 * random ISN (often near the wrap): delivered exactly. With segments
 * dropped: every delivered byte is the original's, the rest are gaps, and
 * offset = delivered + gap bytes. Repeated with a small per-flow cap. */
static void run_random(uint32_t per_flow_cap, bool drops, unsigned rounds)
{
	enum { LEN = 200000 };
	static uint8_t orig[LEN];
	struct tcpr *r = reasm(8 << 20, per_flow_cap);
	for (unsigned round = 0; round < rounds; round++) {
		for (unsigned i = 0; i < LEN; i++)
			orig[i] = (uint8_t)('a' + rnd(26));
		uint32_t isn = rnd(4) == 0 ? 0xffffffffu - rnd(100000) : (uint32_t)rng_state;
		struct flow *f = flow_new();
		seg(r, f, 1, isn, SYN, NULL);
		/* Segments [start, end) of the stream. */
		static uint32_t starts[LEN], ends[LEN];
		unsigned n = 0;
		for (uint32_t at = 0; at < LEN;) {
			uint32_t len = 1 + rnd(1500);
			if (at + len > LEN)
				len = LEN - at;
			starts[n] = at;
			ends[n++] = at + len;
			at += len;
		}
		/* Local reordering: swap within a window of 8. */
		for (unsigned i = 0; i + 1 < n; i++) {
			unsigned j = i + rnd(8);
			if (j < n) {
				uint32_t a = starts[i], b = ends[i];
				starts[i] = starts[j], ends[i] = ends[j];
				starts[j] = a, ends[j] = b;
			}
		}
		uint64_t dropped = 0;
		for (unsigned i = 0; i < n; i++) {
			if (drops && rnd(20) == 0) {
				dropped += ends[i] - starts[i];
				continue;
			}
			struct tcpr_segment s = {.seq = isn + 1 + starts[i], .flags = ACK, .data = orig + starts[i],
						 .len = ends[i] - starts[i], .wire_len = ends[i] - starts[i]};
			tcpr_segment(r, f, 1, &s, 0);
			if (rnd(10) == 0) /* duplicate */
				tcpr_segment(r, f, 1, &s, 0);
			if (rnd(10) == 0) { /* overlapping re-cut retransmission */
				uint32_t a = starts[i] > 700 ? starts[i] - rnd(700) : 0;
				uint32_t b = ends[i] + rnd(700) < LEN ? ends[i] + rnd(700) : LEN;
				struct tcpr_segment o = {.seq = isn + 1 + a, .flags = ACK, .data = orig + a, .len = b - a,
							 .wire_len = b - a};
				tcpr_segment(r, f, 1, &o, 0);
			}
		}
		struct tcpr_segment fin = {.seq = isn + 1 + LEN, .flags = ACK | FIN};
		tcpr_segment(r, f, 1, &fin, 0);
		struct stream *st = S(f);
		assert_int_equal(f->tcp[0].offset, st->len[0]); /* delivered + gap bytes */
		tcpr_flow_end(r, f);
		assert_int_equal(st->len[0], LEN);
		uint64_t hashes = 0;
		for (unsigned i = 0; i < LEN; i++) {
			if (st->buf[0][i] == '#')
				hashes++;
			else if (st->buf[0][i] != orig[i])
				fail_msg("byte %u differs (round %u)", i, round);
		}
		assert_int_equal(hashes, st->gap_bytes[0]);
		if (per_flow_cap >= LEN && !drops)
			assert_int_equal(st->gap_bytes[0], 0);
		else if (per_flow_cap >= LEN)
			assert_true(st->gap_bytes[0] <= dropped); /* only lost bytes (re-cuts may refill some) */
		assert_int_equal(r->k.conflicts, 0);
		flow_del(r, f);
		assert_int_equal(r->k.chunks_used, 0);
		assert_int_equal(r->nfree_chunks, r->nchunks);
		assert_int_equal(r->nfree_markers, r->nmarkers);
	}
	tcpr_free(r);
}

static void test_random_streams(void **state)
{
	(void)state;
	run_random(1 << 20, false, 4);
	run_random(1 << 20, true, 4);
	run_random(3 * TCPR_CHUNK, false, 3); /* cap: gaps may appear, bytes stay right */
	run_random(3 * TCPR_CHUNK, true, 3);
}

/* Counters have names; the stats object lists them. */
static void test_counter_names(void **state)
{
	(void)state;
	struct tcpr *r = reasm(TCPR_CHUNK * 4, 1 << 16);
	for (unsigned i = 0; i < tcpr_counter_count(); i++)
		assert_non_null(tcpr_counter_name(i));
	assert_null(tcpr_counter_name(tcpr_counter_count()));
	assert_string_equal(tcpr_counter_name(0), "segments");
	r->k.gap_bytes = 77;
	bool found = false;
	for (unsigned i = 0; i < tcpr_counter_count(); i++)
		if (strcmp(tcpr_counter_name(i), "gap_bytes") == 0)
			found = tcpr_counter_value(&r->k, i) == 77;
	assert_true(found);
	char buf[2048] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	tcpr_write_stats_json(r, f);
	fclose(f);
	assert_non_null(strstr(buf, "{\"chunks\": 4, \"chunk_bytes\": 2048, \"segments\": 0,"));
	assert_non_null(strstr(buf, "\"gap_bytes\": 77"));
	tcpr_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_zero_copy),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_chunk_packing),
		cmocka_unit_test(test_overlaps_first_wins),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_gap_missing_segment_fin),
		cmocka_unit_test(test_gap_flow_cap),
		cmocka_unit_test(test_pool_exhaustion),
		cmocka_unit_test(test_hole_timeout),
		cmocka_unit_test(test_midstream_pickup),
		cmocka_unit_test(test_truncated_segments),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_ignore),
		cmocka_unit_test(test_flow_table_integration),
		cmocka_unit_test(test_random_streams),
		cmocka_unit_test(test_counter_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
