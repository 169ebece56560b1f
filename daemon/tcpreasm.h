/* tcpreasm.h: TCP stream reassembly (RFC 9293 sequence space), per direction
 * of a flow, in fixed memory.
 *
 * Each direction of a TCP flow (struct tcpr_half, kept inside struct flow)
 * delivers its bytes in sequence order, exactly once, through two callbacks:
 *
 *   deliver(ctx, flow, from_originator, data, len)  contiguous stream bytes
 *   gap(ctx, flow, from_originator, nbytes)         nbytes are missing: the
 *                                                   stream goes on after them
 *
 * Zero copy: bytes of a segment that arrives in order are delivered straight
 * from the packet (data points into the packet's frame); bytes that had to
 * be held (they arrived ahead of a hole) are delivered from the pool chunk
 * they were copied into, one call per chunk. Either way `data` is valid
 * only during the callback: copy what you keep.
 *
 * Stream start. A SYN gives the initial sequence number (ISN); data starts at
 * ISN + 1 (data on the SYN itself is delivered too). A direction first seen
 * without its SYN is picked up mid-stream: delivery starts at the first
 * segment's sequence number (counted in `midstream`); earlier bytes that
 * show up later are dropped as retransmissions.
 *
 * Sequence numbers are compared with serial arithmetic (RFC 1982: a is
 * before b when (int32_t)(a - b) < 0), so streams cross 2^32 freely.
 *
 * Policies:
 * - Retransmission: a segment bringing no new byte (all of it delivered or
 *   held already) is dropped and counted (`retransmitted`, history 'T').
 * - Overlap: first wins. Bytes already delivered or held are kept; a
 *   segment overlapping them contributes only its new bytes (`overlaps`;
 *   `overlap_bytes` counts the bytes discarded from either kind). Where the
 *   discarded bytes overlap held bytes they are compared, and a difference
 *   is counted (`conflicts`: a possible evasion attempt).
 * - Out of order: a segment ahead of the next expected byte is copied into
 *   the pool (TCPR_CHUNK-byte chunks carved from --flow-memory at init;
 *   adjacent held data is packed into the same chunk) and released as soon
 *   as the hole before it fills.
 * - Caps: each direction of a flow holds at most max_per_flow bytes of
 *   chunks; the pool is shared. When a segment does not fit, the oldest
 *   hole is given up: the missing bytes are reported as a gap, the held
 *   bytes after it delivered, and the segment tried again (`flow_cap`).
 *   When the pool is empty, the direction that has held data longest (any
 *   flow's) gives up all its holes (`pool_full`). A segment that cannot be
 *   held at all (the direction holds nothing, no room anywhere) makes the
 *   stream skip to it: gap, then the segment.
 * - Holes older than hole_timeout (packet time) are given up: checked on
 *   every segment of the flow and by tcpr_expire() (`hole_timeouts`).
 * - A segment the capture cut short (snaplen): its captured bytes count,
 *   the rest is a gap where the stream reaches it (`truncated`).
 * - FIN: the stream ends at the FIN's sequence number; bytes beyond it are
 *   ignored. Bytes missing before the FIN stay a hole (a retransmission may
 *   still fill it) until the flow ends, a cap is hit or the hole times out:
 *   then they are reported as the final gap.
 * - RST: both directions give up their holes (gaps), deliver what they
 *   held, and stop.
 * - Flow end (tcpr_flow_end, called by the flow table): every hole is
 *   reported and held data delivered; bytes missing before a FIN, or
 *   acknowledged by the peer but never seen, are a final gap.
 * - Ignored directions (flow_ignore): nothing is delivered or held.
 *
 * Never papered over: every byte between the stream start and the last byte
 * delivered was either delivered or counted in a gap, so
 * half.offset == bytes delivered + gap bytes.
 *
 * No allocation after tcpr_init(): chunks and segment descriptors come from
 * preallocated pools. Single-threaded: one stage owns it (and the flow
 * table). The callbacks must not call tcpr functions for the same flow;
 * they may call flow_ignore(), which stops delivery at once.
 *
 * Where to run it: where the bytes are consumed. `data` is valid during the
 * callback only (a held chunk is reused right after it), so a consumer
 * that runs later, like the Python dispatch stage behind the ring, must
 * either get the callbacks itself (call tcpr_packet from the dispatch
 * stage, per packet slot, while the slot's frame is still held: in-order
 * bytes then point into the frame, which the slot keeps valid for the
 * whole dispatch) or copy. With the flow table attached
 * (flow_table_attach_tcpr), flow ends flush through these callbacks too,
 * so the table then belongs to the same stage. */
#ifndef PKTD_TCPREASM_H
#define PKTD_TCPREASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "packet.h"
#include "prefault.h"

#define TCPR_CHUNK 2048u /* bytes per pool chunk: a full-size Ethernet segment fits one */

struct flow;

typedef void (*tcpr_deliver_fn)(void *ctx, struct flow *f, int from_originator, const uint8_t *data,
				uint32_t len);
typedef void (*tcpr_gap_fn)(void *ctx, struct flow *f, int from_originator, uint32_t nbytes);

struct tcpr_config {
	uint64_t memory;          /* --flow-memory: pool bytes (chunks); 0 = hold nothing */
	uint32_t max_per_flow;    /* bytes one direction of a flow may hold (rounded up to chunks) */
	uint64_t hole_timeout_ns; /* packet time a hole may wait for its bytes */
	tcpr_deliver_fn deliver;
	tcpr_gap_fn gap;
	void *ctx;
};

enum tcpr_half_state {
	TCPR_NONE, /* nothing seen from this direction */
	TCPR_OPEN, /* streaming */
	TCPR_DONE, /* FIN reached, or RST: nothing more is delivered */
};

/* One direction of a TCP flow (inside struct flow). */
struct tcpr_half {
	uint32_t next_seq;  /* sequence number of the next byte to deliver */
	uint32_t isn;       /* the SYN's sequence number (mid-stream: first seq - 1) */
	uint32_t fin_seq;   /* sequence number of the FIN (end of data), when known */
	uint32_t max_ack;   /* highest ACK the peer sent for these bytes, when known */
	uint32_t head;      /* first held segment (descriptor index + 1; 0 = none) */
	uint32_t nheld;     /* descriptors held (data chunks and lost-byte markers) */
	uint64_t offset;    /* stream bytes delivered or reported as gaps so far */
	uint64_t held_since_ns; /* when the current hole started holding data */
	struct tcpr_half *pprev, *pnext; /* directions holding data, oldest first */
	uint8_t state;      /* enum tcpr_half_state */
	uint8_t flags;      /* internal */
	uint8_t dir;        /* 0 originator, 1 responder (its index in flow->tcp) */
};

/* A held range of one direction: data in chunk `index` (descriptors below
 * the chunk count) or lost bytes (descriptors above: a gap when reached). */
struct tcpr_seg {
	uint32_t seq;
	uint32_t len;
	uint32_t next; /* index + 1; 0 = last */
};

/* Counters: names in tcpr_counter_name() order. */
struct tcpr_counters {
	uint64_t segments;       /* segments seen (any flags) */
	uint64_t in_order;       /* with new bytes at the next expected byte */
	uint64_t out_of_order;   /* with new bytes ahead of a hole: held */
	uint64_t retransmitted;  /* with no new byte: dropped */
	uint64_t overlaps;       /* with new bytes, overlapping old ones (old kept) */
	uint64_t overlap_bytes;  /* bytes discarded in favour of old bytes */
	uint64_t conflicts;      /* segments whose discarded bytes differed from held ones */
	uint64_t bytes_delivered;
	uint64_t gaps;
	uint64_t gap_bytes;
	uint64_t pool_full;      /* a hold found the pool empty */
	uint64_t flow_cap;       /* a hold would pass max_per_flow */
	uint64_t hole_timeouts;  /* holes given up after hole_timeout */
	uint64_t midstream;      /* directions picked up without their SYN */
	uint64_t truncated;      /* segments cut short by the capture */
	uint64_t ignored;        /* segments of ignored directions */
	uint64_t after_end;      /* segments with bytes past the FIN or after the end */
	uint32_t chunks_used;
	uint32_t chunks_used_max;
};

/* One TCP segment, as tcpr_segment() takes it. */
struct tcpr_segment {
	uint32_t seq, ack;
	uint16_t flags;        /* TCP flags (pkt.tcp_flags) */
	const uint8_t *data;   /* captured payload */
	uint32_t len;          /* captured payload bytes */
	uint32_t wire_len;     /* payload bytes on the wire (>= len; more when cut by snaplen) */
};

struct tcpr {
	struct tcpr_config cfg;
	uint8_t *pool;            /* nchunks * TCPR_CHUNK */
	struct prefault_ahead pool_ahead; /* the pool faulted in ahead of use */
	uint32_t nchunks;
	struct tcpr_seg *segs;    /* nchunks data descriptors, then nmarkers */
	uint32_t nmarkers;
	uint32_t *free_chunks;    /* stack */
	uint32_t nfree_chunks;
	uint32_t *free_markers;   /* stack of descriptor indices >= nchunks */
	uint32_t nfree_markers;
	uint32_t cap_segs;        /* held descriptors per direction */
	struct tcpr_half *pend_head, *pend_tail;
	struct tcpr_counters k;
};

/* Defaults: memory 64 MiB, 256 KiB per direction, holes wait 10 s. */
void tcpr_config_default(struct tcpr_config *c);

/* Allocate and pre-fault the pool. Returns 0, or -1 with a message in err. */
int tcpr_init(struct tcpr *r, const struct tcpr_config *cfg, char *err, size_t errlen);
void tcpr_free(struct tcpr *r);

/* A half's state for a new flow (the flow table calls it). */
void tcpr_half_init(struct tcpr_half *h, uint8_t dir);

/* One decoded TCP packet of flow f (after flow_update, with its direction).
 * Builds the segment from p (seq, ack, flags, payload and its wire length)
 * and calls tcpr_segment(). Non-TCP packets are ignored. */
void tcpr_packet(struct tcpr *r, struct flow *f, const struct pkt *p, int from_originator, uint64_t now_ns);
void tcpr_segment(struct tcpr *r, struct flow *f, int from_originator, const struct tcpr_segment *s,
		  uint64_t now_ns);

/* The flow ends: give up every hole, deliver held bytes, report bytes
 * missing before a FIN or acknowledged but never seen, release everything.
 * The flow table calls it before the flow's end callback. */
void tcpr_flow_end(struct tcpr *r, struct flow *f);

/* The flow's direction was flipped: swap the halves (the flow table calls it). */
void tcpr_flow_flip(struct tcpr *r, struct flow *f);

/* Give up holes stalled longer than hole_timeout at now_ns, at most max
 * directions. Returns how many were given up. */
unsigned tcpr_expire(struct tcpr *r, uint64_t now_ns, unsigned max);

/* Counters by index: "segments", "in_order", ... "chunks_used_max". */
unsigned tcpr_counter_count(void);
const char *tcpr_counter_name(unsigned i);
uint64_t tcpr_counter_value(const struct tcpr_counters *k, unsigned i);

/* The "tcp_reassembly" object of --stats-json (no trailing newline). */
void tcpr_write_stats_json(const struct tcpr *r, FILE *f);

#endif
