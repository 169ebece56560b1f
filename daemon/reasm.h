/* reasm.h: IPv4 and IPv6 fragment reassembly (RFC 791 section 3.2, RFC 815, RFC 8200 section 4.5).
 *
 * A bounded table, allocated once at start-up and never grown: a pool of
 * REASM_CHUNK-byte chunks (--frag-memory) holding fragment data, and
 * --frag-datagrams descriptors (key, held byte ranges, the first fragment's
 * headers, chunk indices). Nothing is allocated per datagram.
 *
 * The capture stage hands every decoded frame to reasm_add(). A frame whose
 * outermost fragmented IPv4/IPv6 header (header list, else l3_off) is a
 * real fragment is filed under its key: (linktype, outermost VLAN id, IP
 * version, src, dst, identification, and for IPv4 the protocol). When the
 * last missing byte arrives reasm_add() returns REASM_COMPLETE and the
 * caller builds the datagram into the ring with reasm_build(): the first
 * fragment's link and IP headers, fragment fields cleared and lengths fixed
 * up (docs/design.md, "Fragment reassembly"), then the whole payload.
 *
 * Policies:
 * - Overlaps: first wins. Bytes already held are kept; only the new bytes
 *   of an overlapping fragment are stored. Every overlapping fragment is
 *   counted (`overlaps`; `duplicates` when it brought nothing new).
 * - Time: packet time, so a replay is deterministic. A datagram whose first
 *   fragment arrived more than --frag-timeout seconds (packet time) before
 *   the current frame is evicted (`timeout`).
 * - Limits: no free descriptor evicts the oldest datagram (`datagrams`);
 *   no free chunk evicts the oldest other datagrams, and the current one if
 *   that is not enough (`memory`); a datagram beyond 65535 bytes of IP
 *   header + payload, or whose headers before the fragmentable part exceed
 *   REASM_MAX_PREFIX, is dropped (`too_big`); more than REASM_MAX_RANGES
 *   disjoint pieces drop it too (`holes`).
 * - Conflicting ends (a second last fragment with another end, data past a
 *   known end) are ignored and counted (`invalid`); a fragment whose data
 *   the capture cut short is not used (`truncated`).
 *
 * Single-threaded: owned by the capture stage. */
#ifndef PKTD_REASM_H
#define PKTD_REASM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "packet.h"

#define REASM_CHUNK 2048u        /* bytes per pool chunk */
#define REASM_MAX_DATA 65535u    /* IP header + reassembled payload, at most */
#define REASM_MAX_CHUNKS ((REASM_MAX_DATA + REASM_CHUNK - 1) / REASM_CHUNK)
#define REASM_MAX_RANGES 48      /* disjoint held pieces of one datagram */
#define REASM_MAX_PREFIX 512     /* link + outer + IP headers kept from the first fragment */
#define REASM_MAX_ENCLOSING 8    /* length fields of enclosing headers fixed up */

struct reasm_config {
	uint64_t memory;        /* chunk pool bytes; 0 = reassembly off */
	uint32_t max_datagrams; /* descriptors (datagrams in flight) */
	uint64_t timeout_ns;    /* packet time */
};

enum reasm_result {
	REASM_NOT_FRAGMENT = 0, /* not a fragment (or reassembly off): deliver as usual */
	REASM_HELD,             /* a fragment, filed (or a duplicate) */
	REASM_COMPLETE,         /* this fragment completed a datagram: reasm_build() it */
	REASM_DROPPED,          /* a fragment that cannot be used (counted) */
};

/* Eviction reasons: names in stats JSON ("reassembly": {"evicted": {...}}). */
enum reasm_evict {
	REASM_EVICT_TIMEOUT,
	REASM_EVICT_MEMORY,
	REASM_EVICT_DATAGRAMS,
	REASM_EVICT_TOO_BIG,
	REASM_EVICT_HOLES,
	REASM_EVICT_COUNT
};

struct reasm_counters {
	uint64_t fragments;  /* frames with a fragmented IP header */
	uint64_t datagrams;  /* datagrams started */
	uint64_t completed;  /* datagrams with every byte */
	uint64_t built;      /* reassembled packets written out */
	uint64_t unbuilt;    /* completed but could not be written (ring too small) */
	uint64_t overlaps;   /* fragments overlapping bytes already held */
	uint64_t duplicates; /* ... of which brought no new byte */
	uint64_t invalid;    /* conflicting end or data past the end: ignored */
	uint64_t truncated;  /* fragment data cut by the capture: ignored */
	uint64_t evicted[REASM_EVICT_COUNT];
	uint32_t in_flight;        /* datagrams held now */
	uint32_t in_flight_max;    /* high-water mark */
	uint32_t chunks_used_max;  /* pool high-water mark, in chunks */
};

struct reasm_key {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t linktype;
	uint16_t vlan; /* outermost VLAN id, 0xffff when untagged */
	uint8_t version;
	uint8_t proto; /* IPv4 protocol; 0 for IPv6 */
};

/* A length field of a header in front of the fragmented one (tunnels). */
struct reasm_enclosing {
	uint8_t type; /* enum pkt_hdr_type */
	uint16_t off; /* in the prefix */
};

struct reasm_range {
	uint32_t start, end; /* payload bytes [start, end) */
};

struct reasm_dgram {
	struct reasm_key key;
	int32_t hnext;             /* hash chain; free list when unused */
	int32_t older, newer;      /* age list */
	bool used;
	uint64_t first_ns;         /* packet time of the first fragment seen */
	uint32_t end;              /* payload length, UINT32_MAX until the last fragment */
	uint32_t held;             /* payload bytes held */
	uint8_t nranges;
	struct reasm_range ranges[REASM_MAX_RANGES];
	uint32_t chunks[REASM_MAX_CHUNKS]; /* pool index + 1; 0 = none */
	uint8_t nchunks;

	/* From the offset-0 fragment (prefix_len == 0 until it is seen). */
	uint16_t prefix_len;  /* bytes before the fragmentable part (IPv6: before the fragment header) */
	uint16_t ip_off;      /* fragmented IP header in the prefix */
	uint16_t nh_off;      /* IPv6: the next-header byte naming the fragment header */
	uint8_t frag_nh;      /* IPv6: next header after the fragment header */
	uint8_t nenclosing;
	struct reasm_enclosing enclosing[REASM_MAX_ENCLOSING];
	uint32_t orig_ip_len; /* IP datagram length declared by the first fragment */
	uint32_t linktype, ifindex;
	uint8_t prefix[REASM_MAX_PREFIX];
};

struct reasm {
	struct reasm_config cfg;
	bool enabled;
	uint8_t *pool;
	uint32_t nchunks_total;
	uint32_t *free_chunks; /* stack of free chunk indices */
	uint32_t nfree;
	struct reasm_dgram *dg;
	int32_t dg_free;       /* free descriptor list (through hnext) */
	int32_t *buckets;
	uint32_t bucket_mask;
	int32_t oldest, newest;
	int32_t complete;      /* datagram ready for reasm_build(), -1 none */
	struct reasm_counters k;
};

/* True when p is a real IP fragment (some unquoted IPv4/IPv6 header of it
 * is fragmented, an IPv6 atomic fragment is not), the kind reasm_add()
 * files; false for a datagram reassembly built. */
bool reasm_is_fragment(const struct pkt *p);

/* Allocate the pool and table. memory 0 leaves reassembly off. Returns -1
 * (errno set) when memory cannot be had. */
int reasm_init(struct reasm *r, const struct reasm_config *cfg);
/* Free the pool and table; the counters stay readable. */
void reasm_free(struct reasm *r);

/* File one decoded frame. On REASM_COMPLETE the datagram waits for
 * reasm_build() (or reasm_discard()) before the next reasm_add(). */
enum reasm_result reasm_add(struct reasm *r, const struct pkt *p);

/* The completed datagram: its built frame length, link type and
 * interface. False when none is waiting. */
bool reasm_pending(const struct reasm *r, uint32_t *len, uint32_t *linktype, uint32_t *ifindex);
/* Write the completed datagram as a frame into out (room for the length
 * reasm_pending() gave) and free it. Returns the bytes written. */
uint32_t reasm_build(struct reasm *r, uint8_t *out);
/* Drop the completed datagram unbuilt (it can never fit the ring). */
void reasm_discard(struct reasm *r);

/* Evict every datagram older than the timeout at packet time now_ns. */
void reasm_expire(struct reasm *r, uint64_t now_ns);

/* "timeout", "memory", ... */
const char *reasm_evict_name(unsigned reason);

/* The "reassembly" object of --stats-json (no trailing newline): r's
 * settings with counters k (r->k, or a copy of them); and one summary line. */
void reasm_write_json(const struct reasm *r, const struct reasm_counters *k, FILE *f);
void reasm_print_summary(const struct reasm *r, FILE *f);
/* The same counters as Prometheus families (pktd_reassembly_*). */
void reasm_write_prom(const struct reasm_counters *k, FILE *f);

#endif
