/* flow.h: the flow table: bidirectional flows keyed by the innermost 5-tuple,
 * VLAN and tunnel context, in fixed memory, with timeouts and conn.log-style
 * records.
 *
 * Memory. flow_table_init() allocates everything once: --flow-table-size
 * flow slots (struct flow: 384 bytes, cache-line aligned; the count rounded
 * up to a power of two) and an open-addressing index of twice as many
 * 8-byte buckets (linear probing,
 * deletion by backward shift, so no tombstones). Both are pre-faulted and
 * asked for transparent huge pages (a lookup is a random access: fewer TLB
 * misses). Nothing is allocated per flow or per packet afterwards; a full
 * table evicts.
 *
 * Hashing. The index is keyed with SipHash-1-3 (siphash.h) under a 128-bit
 * key drawn from getrandom() at start-up: without the key an attacker cannot
 * choose 5-tuples that collide, so lookups stay O(1) under hash flooding.
 * (flow_config.hash_key fixes the key for tests; records never depend on it.)
 *
 * Keys. struct flow_key is directional, as the packet sees it (src = the
 * sender). The table stores the canonical form (the lower (address, port)
 * endpoint first), so both directions find the same flow, and tells the
 * caller whether the packet came from the originator.
 *   TCP, UDP, SCTP: addresses, ports, protocol.
 *   ICMP / ICMPv6, as Zeek does: sport = type, dport = the counterpart type
 *   for request/reply pairs (echo 8<->0, timestamp 13<->14, information
 *   15<->16, router 10<->9, mask 17<->18; ICMPv6 echo 128<->129, router
 *   133<->134, neighbor 135<->136, MLD 130<->131, node information
 *   139<->140), else the code. An echo request and its reply are one flow; the
 *   echo identifier is not part of the key (as in Zeek), so concurrent pings
 *   between two hosts share a flow.
 *   Other protocols: addresses and protocol, ports 0.
 * Plus the outermost VLAN id (FLOW_VLAN_NONE when untagged) and a 32-bit
 * tunnel context chosen by the caller (0 = none; e.g. the innermost
 * tunnel's VNI/TEID/GRE key, or a hash of the outer endpoints).
 *
 * Direction. The first SYN without ACK decides: its sender is the
 * originator. Before any such SYN, the sender of the first packet is the
 * originator, unless that packet is a SYN-ACK or an ICMP reply (echo,
 * timestamp, information, mask, node information reply): then its sender is
 * the responder. When a later packet changes the decision (a SYN from the
 * side that had been called responder), the flow is flipped: per-direction
 * counters and reassembly state swap, history letters swap case and '^' is
 * appended (as in Zeek's history). flow_update() returns the packet's final
 * direction.
 *
 * Time. Every function takes `now` in ns from the caller: the packet time
 * when replaying (deterministic), the loop clock for live capture. Time may
 * step backwards between inputs; nothing breaks, deadlines just wait.
 *   Idle timeouts per class: TCP handshake (SYN seen, not yet established),
 *   TCP established (also a flow picked up mid-stream), TCP closing (FIN
 *   from one side), UDP, ICMP, other. A TCP flow closed by FIN from both
 *   sides or by a RST lingers for tcp_linger (late ACKs and retransmissions
 *   still count) and then ends with reason fin or rst; a pure SYN on a
 *   closed flow (port reuse) ends it at once and starts a new record.
 *   Active timeout: a flow whose record started active_timeout ago emits its
 *   record (reason active_timeout) when its next packet arrives and goes on
 *   as a new record (same flow id, record number + 1, counters and history
 *   reset; TCP state, reassembly and the user slot carry on), as NetFlow
 *   does. A record therefore never spans more than active_timeout.
 *   Expiry is checked on lookup (a flow past its deadline ends before the
 *   packet is counted, so which records come out does not depend on how
 *   often the sweep runs, as long as the table does not fill; see
 *   test_records_independent_of_sweep) and by flow_expire(), a bounded sweep the caller
 *   runs on its tick. The sweep walks a timer wheel (FLOW_WHEEL_SLOTS slots
 *   of 2^FLOW_WHEEL_SHIFT ns, about 0.27 s): a flow sits in the slot of its
 *   deadline as computed when it was filed; a packet only moves the
 *   deadline later, so it costs no wheel work, and a flow found in its slot
 *   still active is filed again at its real deadline. A record therefore
 *   ends at most one slot (plus the sweep's own period) after its deadline.
 *   A full table evicts the flow nearest its deadline (the first live
 *   entry of the wheel: a lingering closed flow, or the flow idle longest
 *   relative to its class's timeout); its reason is the timeout's if the
 *   deadline has passed, else evicted.
 *
 * Records. One per ended record, through a callback (flow_end_fn) with the
 * reason; flow_record_json() formats it as one JSON line (see there), like
 * Zeek's conn.log. Counters (creations, ends by reason, lookups, probes,
 * flips, restarts) have names for stats JSON and /metrics.
 *
 * Reassembly. A flow carries the two halves of TCP reassembly state
 * (tcpreasm.h); with a struct tcpr attached (flow_table_attach_tcpr), ending
 * a flow first flushes its streams (held data delivered, holes reported as
 * gaps) and the sweep also expires stalled holes.
 *
 * Per packet, in the stage that owns the table (single-threaded; the
 * capture stage, or the dispatch stage when reassembly feeds Python: see
 * tcpreasm.h, "Where to run it"):
 *
 *	int orig, created;
 *	struct flow *f = flow_lookup_or_create_pkt(ft, p, tunnel_ctx, p->ts_ns, &orig, &created);
 *	if (f) {                        (NULL: not IP, a non-first fragment, ...)
 *		unsigned r = flow_update(ft, f, p, orig, p->ts_ns);
 *		orig = r & FLOW_ORIGINATOR;
 *		if (created || (r & FLOW_RESTARTED))  ... on_flow_start
 *		if (p->proto == 6)      (also when ignored: held bytes are dropped)
 *			tcpr_packet(tr, f, p, orig, p->ts_ns);  -> deliver / gap callbacks
 *	}
 * (the same as flow_key_from_pkt + flow_lookup_or_create, without the key
 * in memory), or for a whole batch, with the cache misses of a large table
 * overlapped: flow_track_batch(ft, items, n, per_item_fn, ctx).
 * Per loop tick (or every batch): flow_expire(ft, now, 256, NULL, NULL).
 * At shutdown: flow_end_all(ft, NULL, NULL), then tcpr_free, flow_table_free.
 * Records ended inside lookup/update go to the table's callback
 * (flow_config.on_end); flow_expire/flow_end_all take an optional override. */
#ifndef PKTD_FLOW_H
#define PKTD_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "packet.h"
#include "prefault.h"
#include "siphash.h"
#include "tcpreasm.h"

#define FLOW_VLAN_NONE 0xffffu

/* TCP flag bits as in pkt.tcp_flags. */
enum flow_tcp_flag {
	FLOW_TH_FIN = 0x01,
	FLOW_TH_SYN = 0x02,
	FLOW_TH_RST = 0x04,
	FLOW_TH_PSH = 0x08,
	FLOW_TH_ACK = 0x10,
};

/* Directional key, as one packet sees it. Zero it (or build it with
 * flow_key_from_pkt) before filling: padding bytes of the addresses take
 * part in comparisons. */
struct flow_key {
	uint8_t src[16], dst[16]; /* IPv4: the first 4 bytes, the rest zero */
	uint16_t sport, dport;    /* host order; ICMP: type, counterpart type or code */
	uint32_t tunnel;          /* caller's tunnel context, 0 = none */
	uint16_t vlan;            /* outermost VLAN id, FLOW_VLAN_NONE when untagged */
	uint8_t proto;            /* IP protocol (innermost, after IPv6 extension headers) */
	uint8_t ip_version;       /* 4 or 6 */
};

/* Why a record ended. Names: "fin", "rst", "idle_timeout", ... */
enum flow_end_reason {
	FLOW_END_FIN,            /* FIN from both sides, after the linger */
	FLOW_END_RST,            /* RST, after the linger */
	FLOW_END_IDLE_TIMEOUT,   /* no packet for the class's idle timeout */
	FLOW_END_ACTIVE_TIMEOUT, /* record split; the flow goes on */
	FLOW_END_EVICTED,        /* table full, oldest idle flow pushed out */
	FLOW_END_SHUTDOWN,       /* flow_end_all() */
	FLOW_END_COUNT
};

/* Timeout classes. */
enum flow_class {
	FLOW_CLASS_TCP_HANDSHAKE,
	FLOW_CLASS_TCP_ESTABLISHED,
	FLOW_CLASS_TCP_CLOSING,
	FLOW_CLASS_TCP_CLOSED, /* lingering after FIN both ways or RST */
	FLOW_CLASS_UDP,
	FLOW_CLASS_ICMP,
	FLOW_CLASS_OTHER,
	FLOW_CLASS_COUNT
};

enum flow_tcp_state {
	FLOW_TCP_NONE,        /* not TCP */
	FLOW_TCP_HANDSHAKE,   /* SYN or SYN-ACK seen, not yet established */
	FLOW_TCP_ESTABLISHED, /* ACK after the handshake, or picked up mid-stream */
	FLOW_TCP_CLOSING,     /* FIN from one side */
	FLOW_TCP_CLOSED,      /* FIN from both sides, or RST: lingering */
};

struct flow_timeouts {
	uint64_t tcp_handshake_ns;   /* 30 s */
	uint64_t tcp_established_ns; /* 300 s */
	uint64_t tcp_closing_ns;     /* 60 s (one side sent FIN) */
	uint64_t tcp_linger_ns;      /* 5 s after FIN both ways or RST */
	uint64_t udp_ns;             /* 60 s */
	uint64_t icmp_ns;            /* 30 s */
	uint64_t other_ns;           /* 60 s */
	uint64_t active_ns;          /* 1800 s; 0 = no active timeout */
};

/* History letters (Zeek conn.log `history`): upper case from the
 * originator, lower case from the responder, each at most once per
 * direction, in the order first seen; '^' once the direction was flipped.
 *   S SYN without ACK      H SYN with ACK       A pure ACK (no payload,
 *   D payload (UDP too)    F FIN                  no SYN/FIN/RST)
 *   R RST                  T retransmitted payload (tcpreasm)
 *   G content gap (tcpreasm: bytes missing in this direction) */
#define FLOW_HISTORY_MAX 20 /* 8 letters x 2 directions + '^' + NUL, rounded */

struct flow;
/* A record ended (reason) or, for FLOW_END_ACTIVE_TIMEOUT, was split (the
 * flow goes on: keep f->user). Called before the slot is reused: format the
 * record here (flow_record_json) and release f->user. Must not call back
 * into the table. */
typedef void (*flow_end_fn)(void *ctx, struct flow *f, enum flow_end_reason reason);

/* Per direction of the current record. */
struct flow_dir {
	uint64_t pkts;
	uint64_t bytes;         /* wire length of the frames (pkt.wirelen) */
	uint64_t payload_bytes; /* L4 payload as declared by the IP length (Zeek's orig_bytes-like) */
	uint64_t first_ns, last_ns; /* 0 = no packet yet in this direction */
	uint16_t tcp_flags;     /* OR of the TCP flags seen */
};

enum flow_ignore_bits {
	FLOW_IGNORE_ORIG = 1u << 0, /* no stream delivery for the originator's bytes */
	FLOW_IGNORE_RESP = 1u << 1,
};

/* flow_update() result bits. */
enum flow_update_bits {
	FLOW_ORIGINATOR = 1u << 0, /* this packet came from the originator (after any flip) */
	FLOW_FLIPPED = 1u << 1,    /* this packet flipped the direction */
	FLOW_RESTARTED = 1u << 2,  /* a pure SYN on a closed flow: the old record ended
				    * (its reason, fin or rst), a new one (new id) starts with
				    * this packet: treat like created */
	FLOW_CLOSED = 1u << 3,     /* this packet closed the TCP flow (FIN both ways or RST) */
};

struct flow {
	/* Line 0: what a lookup compares, and the hot state. */
	_Alignas(64)
	struct flow_key key; /* canonical: src/sport is endpoint A (the lower), dst/dport B */
	uint32_t hash;       /* low 32 bits of the key's hash (bucket home) */
	uint8_t cls;         /* enum flow_class */
	uint8_t tcp_state;   /* enum flow_tcp_state */
	uint8_t orig_is_b;   /* the originator is endpoint B (dst of the stored key) */
	uint8_t ignored;     /* enum flow_ignore_bits, set by flow_ignore() */
	uint8_t hmask[2];    /* history letters seen per direction (bit per letter) */
	uint8_t bits;        /* internal (SYN seen, FIN seen per side, ...) */
	uint8_t hlen;        /* strlen(history) */
	uint64_t last_ns;    /* last packet, either direction */

	/* Lines 1-2: this record, per direction ([0] originator, [1] responder),
	 * and what updates write. Lines 0-2 are all a packet touches. */
	struct flow_dir dir[2];
	uint64_t first_ns;    /* first packet of this record */
	char history[FLOW_HISTORY_MAX];
	uint32_t record;      /* record number within the flow (active timeout splits) */

	/* Line 3: colder. */
	uint64_t id;          /* stable, unique in this run (1, 2, ...) */
	uint64_t closed_ns;   /* when the TCP flow closed (linger start) */
	uint64_t q_tick;      /* wheel tick it is filed under */
	uint32_t qprev, qnext; /* wheel slot list links (flow index, FLOW_NIL) */
	void *user;           /* the caller's (Python) state; NULL on create, untouched after */
	uint8_t end_reason;   /* enum flow_end_reason, set before the callback */
	uint8_t close_reason; /* FLOW_END_FIN or FLOW_END_RST once closed */
	uint8_t in_use;

	/* TCP reassembly, one half per direction ([0] originator). */
	struct tcpr_half tcp[2];
};

#define FLOW_NIL UINT32_MAX
#define FLOW_WHEEL_SHIFT 28u   /* a wheel tick is 2^28 ns, about 0.27 s */
#define FLOW_WHEEL_SLOTS 4096u /* about 18 minutes; later deadlines are refiled */

/* Counters: names in flow_counter_name() order for stats and /metrics. */
struct flow_counters {
	uint64_t created;
	uint64_t ended[FLOW_END_COUNT]; /* by reason */
	uint64_t packets;   /* flow_update calls */
	uint64_t lookups;
	uint64_t probes;    /* buckets inspected by lookups (probes / lookups ~ 1) */
	uint64_t flips;     /* direction flipped after the first packet */
	uint64_t restarts;  /* port reuse after close */
	uint64_t no_slot;   /* lookup_or_create found no flow to evict (table size 0) */
	uint32_t in_use;
	uint32_t in_use_max;
	uint32_t max_probe; /* longest probe sequence seen */
};

struct flow_bucket {
	uint32_t hash; /* low 32 bits of the hash; meaningful when slot != 0 */
	uint32_t slot; /* flow index + 1; 0 = empty */
};

struct flow_config {
	uint32_t table_size;          /* --flow-table-size: flows held at once (>= 1) */
	struct flow_timeouts timeouts;
	flow_end_fn on_end;           /* records ended inside lookup/update; may be NULL */
	void *on_end_ctx;
	const uint8_t *hash_key;      /* 16 bytes; NULL = random (getrandom) */
};

struct flow_table {
	struct flow *flows;
	uint32_t nflows;  /* power of two */
	struct prefault_ahead flows_ahead; /* flows faulted in ahead of use */
	struct flow_bucket *buckets;
	uint32_t bucket_mask;
	uint32_t *free_stack; /* free slot indices */
	uint32_t nfree;
	uint32_t *wheel_head; /* FLOW_WHEEL_SLOTS FIFO lists (flow index, FLOW_NIL) */
	uint32_t *wheel_tail;
	uint64_t wheel_bits[FLOW_WHEEL_SLOTS / 64]; /* non-empty slots */
	uint64_t cursor;      /* first tick not yet swept */
	bool wheel_started;
	uint64_t timeout_ns[FLOW_CLASS_COUNT];
	struct flow_timeouts timeouts;
	struct siphash_key key;
	flow_end_fn on_end;
	void *on_end_ctx;
	struct tcpr *tcpr; /* attached reassembly, or NULL */
	uint64_t next_id;
	uint64_t latest_ns; /* latest time passed in (flow_end_all's "now") */
	struct flow_counters k;
};

/* Zeroed memory on transparent huge pages where available (the table and
 * the reassembly pool); NULL on failure. Without `ahead` it is all faulted
 * in now; with it, `now` bytes are, and the rest follows use
 * (prefault_ahead_use): for memory used from its start onwards. */
void *flow_big_alloc(size_t size, struct prefault_ahead *ahead, size_t now);
void flow_big_free(void *p, size_t size, struct prefault_ahead *ahead);

/* Default timeouts (the values in the struct comments). */
void flow_timeouts_default(struct flow_timeouts *t);

/* Allocate and pre-fault the table. Returns 0, or -1 with a message in err
 * (and errno set). */
int flow_table_init(struct flow_table *ft, const struct flow_config *cfg, char *err, size_t errlen);
/* Free everything (flows still in the table are dropped silently: call
 * flow_end_all first). Counters stay readable. */
void flow_table_free(struct flow_table *ft);
/* Reassembly to flush when a TCP flow ends, and whose stalled holes
 * flow_expire() gives up. */
void flow_table_attach_tcpr(struct flow_table *ft, struct tcpr *tr);

/* The key of a decoded packet: innermost IP addresses (p->data + l3_off +
 * 12/16 for IPv4, + 8/24 for IPv6), protocol, ports (TCP/UDP/SCTP) or ICMP
 * type/counterpart, p->vlan_id[0] when tagged, and the caller's tunnel
 * context. False (no key) for a packet without a decoded IPv4/IPv6 header,
 * a non-first fragment, or a TCP/UDP/ICMP packet whose L4 header did not
 * decode. */
bool flow_key_from_pkt(const struct pkt *p, uint32_t tunnel, struct flow_key *k);

/* Find the packet's flow, or create it (evicting when full). *is_originator
 * tells whether the key's src is the originator; *created is 1 for a new
 * flow (its originator is the key's src until flow_update decides
 * otherwise). A flow found past its idle or linger deadline ends first (a
 * new one is created); one past its active timeout emits its record and
 * goes on as a new record. Returns NULL only for a table of size 0. */
struct flow *flow_lookup_or_create(struct flow_table *ft, const struct flow_key *key, uint64_t now_ns,
				   int *is_originator, int *created);

/* The same in steps, so a caller can start the memory loads of later
 * packets before it needs them (see flow_track_batch):
 * flow_prepare canonicalizes and hashes the key and prefetches its bucket;
 * flow_prefetch (a few packets later) prefetches the flow the bucket names;
 * flow_lookup_or_create_prepared does the rest. */
struct flow_prepared {
	/* The first 44 bytes have struct flow_key's layout (the canonical
	 * key), so the lookup compares and stores them as whole words. */
	uint64_t a0, a1, b0, b1; /* endpoint A's and B's address as 8-byte words */
	uint16_t pa, pb;
	uint32_t tunnel;
	uint16_t vlan;
	uint8_t proto, ver;
	uint8_t swapped; /* the key's src is endpoint B */
	uint32_t h;      /* low 32 bits of the keyed hash */
	uint32_t payload; /* flow_prepare_pkt: flow_pkt_payload_wirelen(p) */
};
void flow_prepare(struct flow_table *ft, const struct flow_key *key, struct flow_prepared *pk);
/* flow_key_from_pkt + flow_prepare in one (no key struct in between). */
bool flow_prepare_pkt(struct flow_table *ft, const struct pkt *p, uint32_t tunnel, struct flow_prepared *pk);
void flow_prefetch(struct flow_table *ft, const struct flow_prepared *pk);
struct flow *flow_lookup_or_create_prepared(struct flow_table *ft, const struct flow_prepared *pk, uint64_t now_ns,
					    int *is_originator, int *created);

/* Key, look up and update a batch of decoded packets (time: pkt.ts_ns),
 * with the cache misses of consecutive packets overlapped (software
 * prefetch 4 and 8 packets ahead). The results are those of calling
 * flow_key_from_pkt, flow_lookup_or_create and flow_update per packet in
 * order, and `each` (if not NULL) is called for every item, in order, right
 * after its update: do the per-packet work there (tcpr_packet, flow start
 * hooks), exactly as in the per-packet loop. After the batch an item's
 * flow may have been ended and its slot reused by a later item: compare
 * flow->id with flow_id before using it. */
struct flow_batch_item {
	const struct pkt *pkt; /* in */
	uint32_t tunnel;       /* in: tunnel context for the key */
	struct flow *flow;     /* out: NULL when the packet has no key */
	uint64_t flow_id;      /* out: flow->id at the time */
	unsigned res;          /* out: flow_update bits (FLOW_ORIGINATOR, ...) */
	int created;           /* out */
};
typedef void (*flow_batch_fn)(void *ctx, struct flow_batch_item *item);
void flow_track_batch(struct flow_table *ft, struct flow_batch_item *items, unsigned n, flow_batch_fn each, void *ctx);

/* flow_key_from_pkt + flow_lookup_or_create in one, without building the
 * key in memory (faster: the fields go from the packet to the hash in
 * registers). NULL when the packet has no key (or the table has size 0). */
struct flow *flow_lookup_or_create_pkt(struct flow_table *ft, const struct pkt *p, uint32_t tunnel, uint64_t now_ns,
				       int *is_originator, int *created);

/* Find only; NULL when absent. Does not end expired flows. */
struct flow *flow_lookup(struct flow_table *ft, const struct flow_key *key, int *is_originator);

/* Count the packet (packets, wire bytes, payload bytes, flags, times),
 * extend the history, run the TCP state machine, decide the direction.
 * Returns enum flow_update_bits; FLOW_ORIGINATOR gives the packet's
 * direction after any flip. */
unsigned flow_update(struct flow_table *ft, struct flow *f, const struct pkt *p, int is_originator, uint64_t now_ns);

/* End up to `max` flows whose deadline passed at now_ns, looking at no more
 * than 4 * max wheel entries (and at most FLOW_WHEEL_SLOTS empty slots), so
 * a call never stalls the loop; then give up reassembly holes stalled past
 * their timeout (up to max). cb NULL = the table's callback. Returns the
 * number of records ended. */
unsigned flow_expire(struct flow_table *ft, uint64_t now_ns, unsigned max, flow_end_fn cb, void *ctx);

/* End every flow, in slot order: reason shutdown, or the timeout's reason
 * for a flow already past its deadline at the latest time the table was
 * given (as if the sweep had run). */
void flow_end_all(struct flow_table *ft, flow_end_fn cb, void *ctx);

/* Stop stream delivery for one or both directions (FLOW_IGNORE_*); held
 * data of an ignored direction is dropped on its next segment or at the end. */
static inline void flow_ignore(struct flow *f, unsigned bits)
{
	f->ignored |= (uint8_t)bits;
}
static inline bool flow_ignored(const struct flow *f, int from_originator)
{
	return (f->ignored & (from_originator ? FLOW_IGNORE_ORIG : FLOW_IGNORE_RESP)) != 0;
}

/* The originator's and responder's address (16 bytes, IPv4 in the first 4)
 * and port of a flow. */
const uint8_t *flow_orig_addr(const struct flow *f);
const uint8_t *flow_resp_addr(const struct flow *f);
uint16_t flow_orig_port(const struct flow *f);
uint16_t flow_resp_port(const struct flow *f);

/* L4 payload bytes of p on the wire: from the IP length field (so bytes
 * cut by the snaplen count), never less than the captured payload. */
uint32_t flow_pkt_payload_wirelen(const struct pkt *p);

/* Add a history letter (upper case form, e.g. 'G') for one direction;
 * used by tcpreasm for 'T' and 'G'. */
void flow_history_add(struct flow *f, int from_originator, char letter);

/* The record of f as one JSON line with a trailing newline, snprintf-style:
 * returns the length it needs (excluding the NUL), writes at most size
 * bytes. Fields, in order:
 *   flow_id, record, start, end, duration (s, 9 decimals), proto (name or
 *   number), ip_version, orig_h, orig_p, resp_h, resp_p (text addresses;
 *   ICMP: type and counterpart/code), vlan (when tagged), tunnel (when not
 *   0), orig_pkts, orig_bytes (wire), orig_payload_bytes, resp_pkts,
 *   resp_bytes, resp_payload_bytes, orig_tcp_flags, resp_tcp_flags (TCP
 *   only, the OR of flags as a number), history, tcp_state (TCP only),
 *   end_reason (f->end_reason). */
int flow_record_json(const struct flow *f, char *buf, size_t size);
/* The same line written to out; returns 0 or -1 on a write error. */
int flow_record_write(const struct flow *f, FILE *out);

/* Names: "fin", "rst", "idle_timeout", "active_timeout", "evicted",
 * "shutdown"; NULL out of range. */
const char *flow_end_reason_name(unsigned reason);
/* "tcp_handshake", "tcp_established", ... */
const char *flow_class_name(unsigned cls);

/* Counters by index for stats/metrics: "created", "ended.fin", ...,
 * "packets", "lookups", "probes", "flips", "restarts", "no_slot",
 * "in_use", "in_use_max", "max_probe". */
unsigned flow_counter_count(void);
const char *flow_counter_name(unsigned i);
uint64_t flow_counter_value(const struct flow_counters *k, unsigned i);

/* The "flows" object of --stats-json (no trailing newline). */
void flow_write_stats_json(const struct flow_table *ft, FILE *f);

#endif
