/* tcpreasm.c: TCP stream reassembly (RFC 9293 sequence space, RFC 1982 serial
 * arithmetic); policies in tcpreasm.h. */
#include "tcpreasm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

enum {
	TH_FIN = 0x01,
	TH_SYN = 0x02,
	TH_RST = 0x04,
	TH_ACK = 0x10,
};

/* tcpr_half.flags */
enum {
	HF_SYN_SEEN = 1u << 0,
	HF_FIN_KNOWN = 1u << 1,
	HF_ACK_KNOWN = 1u << 2,
	HF_MIDSTREAM = 1u << 3,
	HF_LINKED = 1u << 4, /* on the pending list */
};

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

void tcpr_config_default(struct tcpr_config *c)
{
	memset(c, 0, sizeof(*c));
	c->memory = 64ull << 20;
	c->max_per_flow = 256u << 10;
	c->hole_timeout_ns = 10ull * 1000000000ull;
}

void tcpr_half_init(struct tcpr_half *h, uint8_t dir)
{
	memset(h, 0, sizeof(*h));
	h->dir = dir;
}

int tcpr_init(struct tcpr *r, const struct tcpr_config *cfg, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	uint64_t n = cfg->memory / TCPR_CHUNK;
	if (n > (1u << 30)) {
		snprintf(err, errlen, "flow memory %llu too large (at most %llu)", (unsigned long long)cfg->memory,
			 (unsigned long long)TCPR_CHUNK << 30);
		errno = EINVAL;
		return -1;
	}
	r->nchunks = (uint32_t)n;
	r->nmarkers = r->nchunks / 2 + 64;
	uint64_t per = ((uint64_t)cfg->max_per_flow + TCPR_CHUNK - 1) / TCPR_CHUNK;
	r->cap_segs = per == 0 ? 1 : per > UINT32_MAX ? UINT32_MAX : (uint32_t)per;
	uint32_t nsegs = r->nchunks + r->nmarkers;
	/* Chunks are taken in order from the first (free_chunks below): a
	 * helper faults the pool in ahead of them. */
	r->pool = r->nchunks ? flow_big_alloc((size_t)r->nchunks * TCPR_CHUNK, &r->pool_ahead, 0) : NULL;
	r->segs = malloc((size_t)nsegs * sizeof(*r->segs));
	r->free_chunks = malloc(((size_t)r->nchunks + 1) * sizeof(*r->free_chunks));
	r->free_markers = malloc((size_t)r->nmarkers * sizeof(*r->free_markers));
	if ((r->nchunks && !r->pool) || !r->segs || !r->free_chunks || !r->free_markers) {
		int e = errno;
		tcpr_free(r);
		snprintf(err, errlen, "tcp reassembly: cannot allocate %llu bytes: %s",
			 (unsigned long long)cfg->memory, strerror(e));
		errno = e;
		return -1;
	}
	memset(r->segs, 0, (size_t)nsegs * sizeof(*r->segs));
	for (uint32_t i = 0; i < r->nchunks; i++)
		r->free_chunks[i] = r->nchunks - 1 - i;
	r->nfree_chunks = r->nchunks;
	for (uint32_t i = 0; i < r->nmarkers; i++)
		r->free_markers[i] = nsegs - 1 - i;
	r->nfree_markers = r->nmarkers;
	return 0;
}

void tcpr_free(struct tcpr *r)
{
	flow_big_free(r->pool, (size_t)r->nchunks * TCPR_CHUNK, &r->pool_ahead);
	free(r->segs);
	free(r->free_chunks);
	free(r->free_markers);
	r->pool = NULL;
	r->segs = NULL;
	r->free_chunks = NULL;
	r->free_markers = NULL;
	r->nfree_chunks = r->nfree_markers = 0;
	r->pend_head = r->pend_tail = NULL;
}

/* ---- descriptors and the pending list ------------------------------------- */

static inline struct tcpr_seg *S(struct tcpr *r, uint32_t ref)
{
	return &r->segs[ref - 1];
}
static inline bool is_data(const struct tcpr *r, uint32_t ref)
{
	return ref - 1 < r->nchunks;
}
static inline uint8_t *chunk(struct tcpr *r, uint32_t ref)
{
	return r->pool + (size_t)(ref - 1) * TCPR_CHUNK;
}

static uint32_t alloc_data(struct tcpr *r)
{
	uint32_t i = r->free_chunks[--r->nfree_chunks];
	if (++r->k.chunks_used > r->k.chunks_used_max) {
		/* A chunk never used before (freed ones are taken first). */
		r->k.chunks_used_max = r->k.chunks_used;
		prefault_ahead_use(&r->pool_ahead, (size_t)r->k.chunks_used_max * TCPR_CHUNK);
	}
	return i + 1;
}

static uint32_t alloc_marker(struct tcpr *r)
{
	return r->free_markers[--r->nfree_markers] + 1;
}

static void seg_release(struct tcpr *r, uint32_t ref)
{
	if (is_data(r, ref)) {
		r->free_chunks[r->nfree_chunks++] = ref - 1;
		r->k.chunks_used--;
	} else {
		r->free_markers[r->nfree_markers++] = ref - 1;
	}
}

static struct flow *half_flow(struct tcpr_half *h)
{
	struct tcpr_half *first = h - h->dir;
	return (struct flow *)((char *)first - offsetof(struct flow, tcp));
}

static void pend_unlink(struct tcpr *r, struct tcpr_half *h)
{
	if (!(h->flags & HF_LINKED))
		return;
	if (h->pprev)
		h->pprev->pnext = h->pnext;
	else
		r->pend_head = h->pnext;
	if (h->pnext)
		h->pnext->pprev = h->pprev;
	else
		r->pend_tail = h->pprev;
	h->pprev = h->pnext = NULL;
	h->flags &= (uint8_t)~HF_LINKED;
}

/* Link h in held_since order (from the tail: almost always at the tail). */
static void pend_link_sorted(struct tcpr *r, struct tcpr_half *h)
{
	struct tcpr_half *after = r->pend_tail;
	while (after && after->held_since_ns > h->held_since_ns)
		after = after->pprev;
	h->pprev = after;
	h->pnext = after ? after->pnext : r->pend_head;
	if (h->pnext)
		h->pnext->pprev = h;
	else
		r->pend_tail = h;
	if (after)
		after->pnext = h;
	else
		r->pend_head = h;
	h->flags |= HF_LINKED;
}

/* h holds data since now (its oldest hole starts now). */
static void pend_restart(struct tcpr *r, struct tcpr_half *h, uint64_t now)
{
	pend_unlink(r, h);
	h->held_since_ns = now;
	pend_link_sorted(r, h);
}

/* Drop everything h holds without delivering it (ignored direction, reset). */
static void release_silent(struct tcpr *r, struct tcpr_half *h)
{
	while (h->head) {
		uint32_t ref = h->head;
		h->head = S(r, ref)->next;
		seg_release(r, ref);
	}
	h->nheld = 0;
	pend_unlink(r, h);
}

/* ---- delivery ------------------------------------------------------------- */

/* Each returns false when the direction became ignored during the callback:
 * the caller then drops what is held and stops. */
static bool emit_data(struct tcpr *r, struct flow *f, struct tcpr_half *h, const uint8_t *p, uint32_t n)
{
	if (n == 0)
		return true;
	h->next_seq += n;
	h->offset += n;
	r->k.bytes_delivered += n;
	if (r->cfg.deliver)
		r->cfg.deliver(r->cfg.ctx, f, h->dir == 0, p, n);
	return !flow_ignored(f, h->dir == 0);
}

static bool emit_gap(struct tcpr *r, struct flow *f, struct tcpr_half *h, uint32_t n)
{
	if (n == 0)
		return true;
	h->next_seq += n;
	h->offset += n;
	r->k.gaps++;
	r->k.gap_bytes += n;
	flow_history_add(f, h->dir == 0, 'G');
	if (r->cfg.gap)
		r->cfg.gap(r->cfg.ctx, f, h->dir == 0, n);
	return !flow_ignored(f, h->dir == 0);
}

/* Deliver the first held range from next_seq on (it starts at or before
 * next_seq) and free it. */
static bool emit_head(struct tcpr *r, struct flow *f, struct tcpr_half *h)
{
	uint32_t ref = h->head;
	struct tcpr_seg *s = S(r, ref);
	uint32_t off = h->next_seq - s->seq;
	h->head = s->next;
	h->nheld--;
	bool ok = true;
	if (off < s->len)
		ok = is_data(r, ref) ? emit_data(r, f, h, chunk(r, ref) + off, s->len - off)
				     : emit_gap(r, f, h, s->len - off);
	seg_release(r, ref); /* after the callback: the bytes were still needed */
	return ok;
}

/* Deliver held ranges that have become contiguous. */
static bool flush_contiguous(struct tcpr *r, struct flow *f, struct tcpr_half *h)
{
	while (h->head && seq_leq(S(r, h->head)->seq, h->next_seq))
		if (!emit_head(r, f, h))
			return false;
	if (!h->head)
		pend_unlink(r, h);
	return true;
}

/* The bytes before the first held range will not come: report them as a
 * gap and deliver what follows them. */
static bool give_up_first_hole(struct tcpr *r, struct flow *f, struct tcpr_half *h, uint64_t now)
{
	if (!h->head)
		return true;
	uint32_t first = S(r, h->head)->seq;
	if (seq_gt(first, h->next_seq) && !emit_gap(r, f, h, first - h->next_seq))
		return false;
	if (!flush_contiguous(r, f, h))
		return false;
	if (h->head)
		pend_restart(r, h, now);
	return true;
}

/* Give up every hole of h (delivering all it holds); always leaves h
 * holding nothing. */
static void give_up_all(struct tcpr *r, struct flow *f, struct tcpr_half *h)
{
	while (h->head) {
		uint32_t first = S(r, h->head)->seq;
		if (seq_gt(first, h->next_seq) && !emit_gap(r, f, h, first - h->next_seq))
			break;
		if (!flush_contiguous(r, f, h))
			break;
	}
	release_silent(r, h);
}

/* ---- segments ------------------------------------------------------------- */

/* Bytes [a, a + w) of which [a, a + n) were captured at p, with a at or
 * before next_seq < a + w: deliver from next_seq on, held bytes winning
 * where they overlap. */
static void in_order_data(struct tcpr *r, struct flow *f, struct tcpr_half *h, uint32_t a, const uint8_t *p,
			  uint32_t n, uint32_t w)
{
	uint32_t end = a + w, cap_end = a + n;
	uint32_t overlapped = h->next_seq - a, fresh = 0;
	bool conflict = false, ok = true;
	while (ok && seq_lt(h->next_seq, end)) {
		uint32_t pos = h->next_seq;
		uint32_t ref = h->head;
		if (ref && seq_leq(S(r, ref)->seq, pos)) {
			struct tcpr_seg *s = S(r, ref);
			uint32_t o_end = seq_min(s->seq + s->len, end);
			overlapped += o_end - pos;
			uint32_t c_end = seq_min(o_end, cap_end);
			if (is_data(r, ref) && seq_lt(pos, c_end) &&
			    memcmp(p + (pos - a), chunk(r, ref) + (pos - s->seq), c_end - pos) != 0)
				conflict = true;
			ok = emit_head(r, f, h);
			continue;
		}
		uint32_t lim = end;
		if (ref && seq_lt(S(r, ref)->seq, lim))
			lim = S(r, ref)->seq;
		if (seq_lt(pos, cap_end)) {
			uint32_t m = seq_min(lim, cap_end);
			fresh += m - pos;
			ok = emit_data(r, f, h, p + (pos - a), m - pos);
		} else {
			fresh += lim - pos; /* cut by the capture: never seen */
			ok = emit_gap(r, f, h, lim - pos);
		}
	}
	if (ok)
		ok = flush_contiguous(r, f, h);
	if (!ok)
		release_silent(r, h);
	r->k.overlap_bytes += overlapped;
	if (conflict)
		r->k.conflicts++;
	if (fresh == 0) {
		r->k.retransmitted++;
		flow_history_add(f, h->dir == 0, 'T');
	} else if (overlapped) {
		r->k.overlaps++;
		flow_history_add(f, h->dir == 0, 'T');
	} else {
		r->k.in_order++;
	}
}

struct hold_plan {
	uint32_t chunks, markers; /* descriptors needed */
	uint32_t fresh;           /* new bytes (captured or lost) */
	uint32_t overlapped;      /* bytes already held */
	bool conflict;
};

/* Walk h's held list for bytes [a, a + w) (captured [a, a + n) at p), all
 * ahead of next_seq. Dry run (commit false): fill *pl. Commit: store the
 * new bytes (packing into the previous chunk when adjacent), lost bytes as
 * markers. Both modes take the same decisions. */
static void hold_walk(struct tcpr *r, struct tcpr_half *h, uint32_t a, const uint8_t *p, uint32_t n, uint32_t w,
		      struct hold_plan *pl, bool commit)
{
	uint32_t end = a + w, cap_end = a + n, pos = a;
	uint32_t prev = 0, cur = h->head;
	/* What precedes the insertion point: kind 0 none, 1 data, 2 marker. */
	unsigned prev_kind = 0;
	uint32_t prev_end = 0, prev_len = 0;
	memset(pl, 0, sizeof(*pl));

#define SET_PREV(ref_)                                                                  \
	do {                                                                            \
		prev = (ref_);                                                          \
		prev_kind = is_data(r, prev) ? 1 : 2;                                   \
		prev_end = S(r, prev)->seq + S(r, prev)->len;                           \
		prev_len = S(r, prev)->len;                                             \
	} while (0)

	while (cur && seq_leq(S(r, cur)->seq + S(r, cur)->len, pos)) {
		SET_PREV(cur);
		cur = S(r, cur)->next;
	}
	while (seq_lt(pos, end)) {
		if (cur && seq_leq(S(r, cur)->seq, pos)) {
			struct tcpr_seg *s = S(r, cur);
			uint32_t o_end = seq_min(s->seq + s->len, end);
			pl->overlapped += o_end - pos;
			uint32_t c_end = seq_min(o_end, cap_end);
			if (!commit && is_data(r, cur) && seq_lt(pos, c_end) &&
			    memcmp(p + (pos - a), chunk(r, cur) + (pos - s->seq), c_end - pos) != 0)
				pl->conflict = true;
			pos = o_end;
			SET_PREV(cur);
			cur = s->next;
			continue;
		}
		uint32_t lim = end;
		if (cur && seq_lt(S(r, cur)->seq, lim))
			lim = S(r, cur)->seq;
		pl->fresh += lim - pos;
		if (seq_lt(pos, cap_end)) {
			uint32_t len = seq_min(lim, cap_end) - pos;
			if (prev_kind == 1 && prev_end == pos && prev_len < TCPR_CHUNK) {
				uint32_t take = TCPR_CHUNK - prev_len < len ? TCPR_CHUNK - prev_len : len;
				if (commit) {
					memcpy(chunk(r, prev) + prev_len, p + (pos - a), take);
					S(r, prev)->len += take;
				}
				prev_len += take;
				prev_end += take;
				pos += take;
				len -= take;
			}
			while (len) {
				uint32_t take = len < TCPR_CHUNK ? len : TCPR_CHUNK;
				if (commit) {
					uint32_t ref = alloc_data(r);
					struct tcpr_seg *s = S(r, ref);
					s->seq = pos;
					s->len = take;
					s->next = cur;
					memcpy(chunk(r, ref), p + (pos - a), take);
					if (prev)
						S(r, prev)->next = ref;
					else
						h->head = ref;
					prev = ref;
					h->nheld++;
				} else {
					pl->chunks++;
				}
				prev_kind = 1;
				prev_len = take;
				prev_end = pos + take;
				pos += take;
				len -= take;
			}
		}
		if (seq_lt(pos, lim)) { /* lost bytes: a marker, or longer previous marker */
			uint32_t len = lim - pos;
			if (prev_kind == 2 && prev_end == pos) {
				if (commit)
					S(r, prev)->len += len;
				prev_len += len;
			} else if (commit) {
				uint32_t ref = alloc_marker(r);
				struct tcpr_seg *s = S(r, ref);
				s->seq = pos;
				s->len = len;
				s->next = cur;
				if (prev)
					S(r, prev)->next = ref;
				else
					h->head = ref;
				prev = ref;
				h->nheld++;
				prev_len = len;
			} else {
				pl->markers++;
				prev_len = len;
			}
			prev_kind = 2;
			prev_end = lim;
			pos = lim;
		}
	}
#undef SET_PREV
}

/* Bytes [a, a + w) (captured [a, a + n) at p) ahead of or at next_seq. */
static void stream_data(struct tcpr *r, struct flow *f, struct tcpr_half *h, uint32_t a, const uint8_t *p,
			uint32_t n, uint32_t w, uint64_t now)
{
	for (;;) {
		if (seq_leq(a + w, h->next_seq)) {
			r->k.retransmitted++;
			r->k.overlap_bytes += w;
			flow_history_add(f, h->dir == 0, 'T');
			return;
		}
		if (seq_leq(a, h->next_seq)) {
			in_order_data(r, f, h, a, p, n, w);
			return;
		}
		struct hold_plan pl;
		hold_walk(r, h, a, p, n, w, &pl, false);
		if (pl.fresh == 0) {
			r->k.retransmitted++;
			r->k.overlap_bytes += w;
			if (pl.conflict)
				r->k.conflicts++;
			flow_history_add(f, h->dir == 0, 'T');
			return;
		}
		uint32_t need = pl.chunks + pl.markers;
		bool over_cap = (uint64_t)h->nheld + need > r->cap_segs;
		bool no_room = pl.chunks > r->nfree_chunks || pl.markers > r->nfree_markers;
		if (!over_cap && !no_room) {
			bool was_empty = h->head == 0;
			struct hold_plan done;
			hold_walk(r, h, a, p, n, w, &done, true); /* same decisions as the plan */
			r->k.out_of_order++;
			if (pl.overlapped) {
				r->k.overlaps++;
				r->k.overlap_bytes += pl.overlapped;
				flow_history_add(f, h->dir == 0, 'T');
			}
			if (pl.conflict)
				r->k.conflicts++;
			if (was_empty)
				pend_restart(r, h, now);
			return;
		}
		/* Make room: give up a hole, then try again. */
		if (over_cap) {
			r->k.flow_cap++;
			if (h->head) {
				if (!give_up_first_hole(r, f, h, now)) {
					release_silent(r, h);
					return;
				}
				continue;
			}
		} else {
			r->k.pool_full++;
			struct tcpr_half *v = r->pend_head;
			if (v == h) {
				if (!give_up_first_hole(r, f, h, now)) {
					release_silent(r, h);
					return;
				}
				continue;
			}
			if (v) {
				give_up_all(r, half_flow(v), v);
				continue;
			}
		}
		/* Nothing held that could make room: skip to this segment. */
		if (!emit_gap(r, f, h, a - h->next_seq)) {
			release_silent(r, h);
			return;
		}
	}
}

/* A RST: both directions deliver what they hold, report their holes, stop. */
static void reset_both(struct tcpr *r, struct flow *f)
{
	for (unsigned d = 0; d < 2; d++) {
		struct tcpr_half *h = &f->tcp[d];
		if (h->state == TCPR_NONE)
			continue;
		if (flow_ignored(f, d == 0))
			release_silent(r, h);
		else
			give_up_all(r, f, h);
		h->state = TCPR_DONE;
	}
}

void tcpr_segment(struct tcpr *r, struct flow *f, int from_originator, const struct tcpr_segment *s, uint64_t now_ns)
{
	unsigned d = from_originator ? 0 : 1;
	struct tcpr_half *h = &f->tcp[d], *peer = &f->tcp[d ^ 1];
	r->k.segments++;

	if (s->flags & TH_ACK) {
		if (!(peer->flags & HF_ACK_KNOWN) || seq_gt(s->ack, peer->max_ack)) {
			peer->max_ack = s->ack;
			peer->flags |= HF_ACK_KNOWN;
		}
	}
	if (flow_ignored(f, from_originator)) {
		r->k.ignored++;
		if (h->head)
			release_silent(r, h);
		return;
	}
	/* Holes stalled too long, in either direction of this flow. */
	for (unsigned i = 0; i < 2; i++) {
		struct tcpr_half *x = &f->tcp[i];
		if (x->head && now_ns >= x->held_since_ns && now_ns - x->held_since_ns >= r->cfg.hole_timeout_ns) {
			r->k.hole_timeouts++;
			if (flow_ignored(f, i == 0))
				release_silent(r, x);
			else
				give_up_all(r, f, x);
		}
	}

	uint32_t a = s->seq;
	if (h->state == TCPR_NONE) {
		if (s->flags & TH_SYN) {
			h->isn = s->seq;
			h->next_seq = s->seq + 1;
			h->flags |= HF_SYN_SEEN;
		} else {
			h->isn = s->seq - 1;
			h->next_seq = s->seq;
			h->flags |= HF_MIDSTREAM;
			r->k.midstream++;
		}
		h->state = TCPR_OPEN;
	} else if ((s->flags & TH_SYN) && !(h->flags & HF_SYN_SEEN) && h->state == TCPR_OPEN && h->offset == 0 &&
		   !h->head) {
		/* The SYN after a mid-stream start that delivered nothing yet
		 * (capture reordering): start from it after all. */
		h->isn = s->seq;
		h->next_seq = s->seq + 1;
		h->flags = (uint8_t)((h->flags | HF_SYN_SEEN) & ~HF_MIDSTREAM);
		r->k.midstream--;
	}
	if (s->flags & TH_SYN)
		a = s->seq + 1;
	if (s->flags & TH_RST) {
		reset_both(r, f);
		return;
	}

	uint32_t w = s->wire_len > s->len ? s->wire_len : s->len;
	uint32_t n = s->len;
	if (n < w)
		r->k.truncated++;
	if ((s->flags & TH_FIN) && !(h->flags & HF_FIN_KNOWN)) {
		h->fin_seq = a + w;
		h->flags |= HF_FIN_KNOWN;
	}
	if (w && h->state == TCPR_DONE) {
		r->k.after_end++;
		return;
	}
	if (w && (h->flags & HF_FIN_KNOWN) && seq_gt(a + w, h->fin_seq)) {
		r->k.after_end++;
		if (!seq_lt(a, h->fin_seq))
			return;
		w = h->fin_seq - a;
		if (n > w)
			n = w;
	}
	if (w)
		stream_data(r, f, h, a, s->data, n, w, now_ns);
	if ((h->flags & HF_FIN_KNOWN) && h->next_seq == h->fin_seq && h->state == TCPR_OPEN) {
		h->state = TCPR_DONE;
		release_silent(r, h); /* nothing can be held past the FIN; be sure */
	}
}

void tcpr_packet(struct tcpr *r, struct flow *f, const struct pkt *p, int from_originator, uint64_t now_ns)
{
	if (!PKT_HAS(p, LAYER_TCP))
		return;
	struct tcpr_segment s = {
		.seq = p->seq,
		.ack = p->ack,
		.flags = p->tcp_flags,
		.data = p->data + p->payload_off,
		.len = p->payload_len,
		.wire_len = flow_pkt_payload_wirelen(p),
	};
	tcpr_segment(r, f, from_originator, &s, now_ns);
}

void tcpr_flow_end(struct tcpr *r, struct flow *f)
{
	for (unsigned d = 0; d < 2; d++) {
		struct tcpr_half *h = &f->tcp[d];
		if (h->state != TCPR_NONE && !flow_ignored(f, d == 0)) {
			give_up_all(r, f, h);
			/* Bytes missing before the FIN, or acknowledged but never seen. */
			uint32_t limit = h->next_seq;
			if (h->flags & HF_FIN_KNOWN)
				limit = h->fin_seq;
			else if (h->flags & HF_ACK_KNOWN)
				limit = h->max_ack;
			if (seq_gt(limit, h->next_seq) && limit - h->next_seq < (1u << 30) && !flow_ignored(f, d == 0))
				emit_gap(r, f, h, limit - h->next_seq);
		}
		release_silent(r, h);
		tcpr_half_init(h, (uint8_t)d);
	}
}

void tcpr_flow_flip(struct tcpr *r, struct flow *f)
{
	bool linked[2];
	for (unsigned d = 0; d < 2; d++) {
		linked[d] = (f->tcp[d].flags & HF_LINKED) != 0;
		pend_unlink(r, &f->tcp[d]);
	}
	struct tcpr_half t = f->tcp[0];
	f->tcp[0] = f->tcp[1];
	f->tcp[1] = t;
	for (unsigned d = 0; d < 2; d++) {
		f->tcp[d].dir = (uint8_t)d;
		if (linked[d ^ 1])
			pend_link_sorted(r, &f->tcp[d]);
	}
}

unsigned tcpr_expire(struct tcpr *r, uint64_t now_ns, unsigned max)
{
	unsigned n = 0;
	while (n < max && r->pend_head && now_ns >= r->pend_head->held_since_ns &&
	       now_ns - r->pend_head->held_since_ns >= r->cfg.hole_timeout_ns) {
		struct tcpr_half *h = r->pend_head;
		struct flow *f = half_flow(h);
		r->k.hole_timeouts++;
		if (flow_ignored(f, h->dir == 0))
			release_silent(r, h);
		else
			give_up_all(r, f, h);
		n++;
	}
	return n;
}

/* ---- counters ------------------------------------------------------------- */

#define TCPR_COUNTER(name) {#name, offsetof(struct tcpr_counters, name)}
static const struct {
	const char *name;
	size_t off;
} counters[] = {
	TCPR_COUNTER(segments),   TCPR_COUNTER(in_order),      TCPR_COUNTER(out_of_order),
	TCPR_COUNTER(retransmitted), TCPR_COUNTER(overlaps),   TCPR_COUNTER(overlap_bytes),
	TCPR_COUNTER(conflicts),  TCPR_COUNTER(bytes_delivered), TCPR_COUNTER(gaps),
	TCPR_COUNTER(gap_bytes),  TCPR_COUNTER(pool_full),     TCPR_COUNTER(flow_cap),
	TCPR_COUNTER(hole_timeouts), TCPR_COUNTER(midstream),  TCPR_COUNTER(truncated),
	TCPR_COUNTER(ignored),    TCPR_COUNTER(after_end),
};
#define NCOUNTERS64 (sizeof(counters) / sizeof(counters[0]))

unsigned tcpr_counter_count(void)
{
	return (unsigned)NCOUNTERS64 + 2;
}

const char *tcpr_counter_name(unsigned i)
{
	if (i < NCOUNTERS64)
		return counters[i].name;
	if (i == NCOUNTERS64)
		return "chunks_used";
	if (i == NCOUNTERS64 + 1)
		return "chunks_used_max";
	return NULL;
}

uint64_t tcpr_counter_value(const struct tcpr_counters *k, unsigned i)
{
	if (i < NCOUNTERS64) {
		uint64_t v;
		memcpy(&v, (const char *)k + counters[i].off, sizeof(v));
		return v;
	}
	if (i == NCOUNTERS64)
		return k->chunks_used;
	if (i == NCOUNTERS64 + 1)
		return k->chunks_used_max;
	return 0;
}

void tcpr_write_stats_json(const struct tcpr *r, FILE *f)
{
	fprintf(f, "{\"chunks\": %u, \"chunk_bytes\": %u", r->nchunks, TCPR_CHUNK);
	for (unsigned i = 0; i < tcpr_counter_count(); i++)
		fprintf(f, ", \"%s\": %llu", tcpr_counter_name(i), (unsigned long long)tcpr_counter_value(&r->k, i));
	fprintf(f, "}");
}
