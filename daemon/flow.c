/* flow.c: the flow table (see flow.h for the model and the rules). */
#include "flow.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "prefault.h"

static_assert(sizeof(struct flow_key) == 44, "flow_key has no padding");
static_assert(sizeof(struct flow) % 64 == 0, "flow slots are whole cache lines");
static_assert(offsetof(struct flow, record) + 4 <= 192, "hot fields in the first 3 lines");

enum {
	IPPROTO_NUM_ICMP = 1,
	IPPROTO_NUM_TCP = 6,
	IPPROTO_NUM_UDP = 17,
	IPPROTO_NUM_ICMPV6 = 58,
	IPPROTO_NUM_SCTP = 132,
};

/* flow.bits */
enum {
	B_SAW_SYN = 1u << 0,  /* a SYN without ACK was seen (the originator is fixed) */
	B_FIN_ORIG = 1u << 1, /* FIN from the originator */
	B_FIN_RESP = 1u << 2, /* FIN from the responder */
	B_FLIPPED = 1u << 3,  /* '^' is in the history */
	B_QUEUED = 1u << 4,   /* filed in the wheel */
};

/* History letters, bit order of flow.hmask. */
static const char history_letters[] = "SHADFRTG";

void flow_timeouts_default(struct flow_timeouts *t)
{
	const uint64_t s = 1000000000ull;
	t->tcp_handshake_ns = 30 * s;
	t->tcp_established_ns = 300 * s;
	t->tcp_closing_ns = 60 * s;
	t->tcp_linger_ns = 5 * s;
	t->udp_ns = 60 * s;
	t->icmp_ns = 30 * s;
	t->other_ns = 60 * s;
	t->active_ns = 1800 * s;
}

/* ---- keys ---------------------------------------------------------------- */

static inline uint64_t ld64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t ld32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* A key's fields as scalars, before canonical ordering. */
struct rawkey {
	uint64_t s0, s1, d0, d1; /* addresses as 8-byte words (IPv4: 4 bytes, 4 zero) */
	uint32_t ports;          /* sport, dport as two uint16_t in memory (ports_image) */
	uint16_t vlan;
	uint8_t proto, ver;
};

/* The ports as their pair of uint16_t in memory, read as one word: the
 * layout of flow_key's sport/dport, flow_prepared's pa/pb and pkt's
 * sport/dport alike, so a word moves both and swapping the halves swaps
 * them, on either byte order. */
static_assert(offsetof(struct flow_key, dport) == offsetof(struct flow_key, sport) + 2, "port pair");
static_assert(offsetof(struct pkt, dport) == offsetof(struct pkt, sport) + 2, "port pair");

static inline uint32_t ports_image(uint16_t sport, uint16_t dport)
{
	uint16_t pp[2] = {sport, dport};
	uint32_t v;
	memcpy(&v, pp, 4);
	return v;
}

static inline void ports_split(uint32_t v, uint16_t *sport, uint16_t *dport)
{
	uint16_t pp[2];
	memcpy(pp, &v, 4);
	*sport = pp[0];
	*dport = pp[1];
}

/* Canonical order (the lower address, then port, is endpoint A), then
 * the keyed hash of the canonical key, computed from registers. */
static inline __attribute__((always_inline)) void prep_from_raw(const struct flow_table *ft, const struct rawkey *r,
								uint32_t tunnel, struct flow_prepared *c)
{
	/* Without a branch on the order: which side comes first is as random
	 * as the packet's direction, so a branch would be mispredicted half
	 * the time. Equal addresses are rare (then the ports decide). */
	unsigned __int128 sa = (unsigned __int128)r->s0 << 64 | r->s1, da = (unsigned __int128)r->d0 << 64 | r->d1;
	unsigned sw = sa > da;
	if (__builtin_expect(sa == da, 0)) {
		uint16_t sport, dport;
		ports_split(r->ports, &sport, &dport);
		sw = sport > dport;
	}
	uint64_t m = -(uint64_t)sw, x0 = (r->s0 ^ r->d0) & m, x1 = (r->s1 ^ r->d1) & m;
	uint64_t a0 = r->s0 ^ x0, a1 = r->s1 ^ x1, b0 = r->d0 ^ x0, b1 = r->d1 ^ x1;
	uint32_t ports = r->ports ^ ((r->ports ^ (r->ports << 16 | r->ports >> 16)) & (uint32_t)m);
	c->swapped = (uint8_t)sw;
	c->a0 = a0;
	c->a1 = a1;
	c->b0 = b0;
	c->b1 = b1;
	memcpy(&c->pa, &ports, 4);
	c->tunnel = tunnel;
	c->vlan = r->vlan;
	c->proto = r->proto;
	c->ver = r->ver;

	/* Ports (swapped like the addresses), protocol, VLAN: 7 bytes. The
	 * hashed message is the addresses, these 7 bytes, and the tunnel
	 * context (4 bytes) only when there is one, so most packets hash 15
	 * bytes (IPv4: two SipHash blocks) or 39 (IPv6: five). The IP version
	 * and the presence of a tunnel context show in the message length (15,
	 * 19, 39, 43 bytes), which SipHash absorbs: the four forms cannot
	 * collide. */
	uint64_t meta = (uint64_t)ports | (uint64_t)r->proto << 32 | (uint64_t)r->vlan << 40;
	if (r->ver == 4) {
		/* Both IPv4 addresses in one word (the rotation puts B's 4 bytes
		 * where A's padding is, on either byte order). */
		uint64_t w[2] = {a0 ^ (b0 << 32 | b0 >> 32), meta | (uint64_t)tunnel << 56};
		c->h = (uint32_t)(tunnel ? siphash_13_words_tail(&ft->key, w, 2, tunnel >> 8, 3)
					 : siphash_13_words_tail(&ft->key, w, 1, meta, 7));
	} else {
		uint64_t w[5] = {a0, a1, b0, b1, meta | (uint64_t)tunnel << 56};
		c->h = (uint32_t)(tunnel ? siphash_13_words_tail(&ft->key, w, 5, tunnel >> 8, 3)
					 : siphash_13_words_tail(&ft->key, w, 4, meta, 7));
	}
}

static inline void prep_from_key(const struct flow_table *ft, const struct flow_key *k, struct flow_prepared *c)
{
	struct rawkey r = {ld64(k->src), ld64(k->src + 8), ld64(k->dst), ld64(k->dst + 8),
			   ld32(&k->sport), k->vlan, k->proto, k->ip_version};
	prep_from_raw(ft, &r, k->tunnel, c);
}

/* A prepared key starts with a canonical struct flow_key, byte for byte. */
static_assert(offsetof(struct flow_prepared, a1) == offsetof(struct flow_key, src) + 8, "key layout");
static_assert(offsetof(struct flow_prepared, b0) == offsetof(struct flow_key, dst), "key layout");
static_assert(offsetof(struct flow_prepared, pa) == offsetof(struct flow_key, sport), "key layout");
static_assert(offsetof(struct flow_prepared, pb) == offsetof(struct flow_key, dport), "key layout");
static_assert(offsetof(struct flow_prepared, tunnel) == offsetof(struct flow_key, tunnel), "key layout");
static_assert(offsetof(struct flow_prepared, vlan) == offsetof(struct flow_key, vlan), "key layout");
static_assert(offsetof(struct flow_prepared, proto) == offsetof(struct flow_key, proto), "key layout");
static_assert(offsetof(struct flow_prepared, ver) == offsetof(struct flow_key, ip_version), "key layout");

/* Five 8-byte and one 4-byte comparison instead of eleven fields. */
static inline bool key_eq(const struct flow_key *k, const struct flow_prepared *c)
{
	const uint8_t *x = (const uint8_t *)k, *y = (const uint8_t *)c;
	return ((ld64(x) ^ ld64(y)) | (ld64(x + 8) ^ ld64(y + 8)) | (ld64(x + 16) ^ ld64(y + 16)) |
		(ld64(x + 24) ^ ld64(y + 24)) | (ld64(x + 32) ^ ld64(y + 32)) | (uint64_t)(ld32(x + 40) ^ ld32(y + 40))) == 0;
}

static inline void key_store(struct flow_key *k, const struct flow_prepared *c)
{
	memcpy(k, c, sizeof(*k));
}

/* Zeek's ICMP "counterpart" type: request <-> reply, else -1 (one-way: the
 * code stands in as the responder's port). */
static int icmp4_counterpart(uint8_t type)
{
	switch (type) {
	case 8: return 0;   /* echo */
	case 0: return 8;
	case 13: return 14; /* timestamp */
	case 14: return 13;
	case 15: return 16; /* information */
	case 16: return 15;
	case 10: return 9;  /* router solicitation / advertisement */
	case 9: return 10;
	case 17: return 18; /* address mask */
	case 18: return 17;
	default: return -1;
	}
}

static int icmp6_counterpart(uint8_t type)
{
	switch (type) {
	case 128: return 129; /* echo */
	case 129: return 128;
	case 133: return 134; /* router */
	case 134: return 133;
	case 135: return 136; /* neighbor */
	case 136: return 135;
	case 130: return 131; /* MLD query / report */
	case 131: return 130;
	case 139: return 140; /* node information */
	case 140: return 139;
	default: return -1;
	}
}

/* Reply types whose sender is the responder when seen first. */
static bool icmp_is_reply(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_NUM_ICMP)
		return type == 0 || type == 14 || type == 16 || type == 18;
	return type == 129 || type == 140;
}

static inline uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The key fields of a decoded packet (flow_key_from_pkt's rules). */
static inline __attribute__((always_inline)) bool raw_from_pkt(const struct pkt *p, struct rawkey *r)
{
	r->s0 = r->s1 = r->d0 = r->d1 = 0;
	if (p->ip_version == 4 && PKT_HAS(p, LAYER_IPV4)) {
		if ((uint64_t)p->l3_off + 20 > p->caplen)
			return false;
		/* Built in registers, then stored whole: a 4-byte store into
		 * the zeroed word would make the later 8-byte loads miss
		 * store forwarding (a stall each). */
		uint64_t s = 0, d = 0;
		memcpy(&s, p->data + p->l3_off + 12, 4);
		memcpy(&d, p->data + p->l3_off + 16, 4);
		r->s0 = s;
		r->d0 = d;
	} else if (p->ip_version == 6 && PKT_HAS(p, LAYER_IPV6)) {
		if ((uint64_t)p->l3_off + 40 > p->caplen)
			return false;
		memcpy(&r->s0, p->data + p->l3_off + 8, 8);
		memcpy(&r->s1, p->data + p->l3_off + 16, 8);
		memcpy(&r->d0, p->data + p->l3_off + 24, 8);
		memcpy(&r->d1, p->data + p->l3_off + 32, 8);
	} else {
		return false;
	}
	if ((p->flags & PKT_FLAG_FRAGMENT) && p->frag_offset != 0)
		return false; /* no L4 header: only a reassembled datagram has a flow */
	r->ver = p->ip_version;
	r->proto = p->proto;
	r->vlan = p->vlan_count ? (uint16_t)(p->vlan_id[0] & 0x0fff) : FLOW_VLAN_NONE;
	r->ports = 0;
	switch (p->proto) {
	case IPPROTO_NUM_TCP:
		if (!PKT_HAS(p, LAYER_TCP))
			return false;
		r->ports = ports_image(p->sport, p->dport);
		break;
	case IPPROTO_NUM_UDP:
		if (!PKT_HAS(p, LAYER_UDP))
			return false;
		r->ports = ports_image(p->sport, p->dport);
		break;
	case IPPROTO_NUM_SCTP:
		r->ports = ports_image(p->sport, p->dport); /* 0 when the SCTP header was not decoded */
		break;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6: {
		if (!PKT_HAS(p, p->proto == IPPROTO_NUM_ICMP ? LAYER_ICMP : LAYER_ICMPV6))
			return false;
		int cp = p->proto == IPPROTO_NUM_ICMP ? icmp4_counterpart(p->icmp_type)
						       : icmp6_counterpart(p->icmp_type);
		r->ports = ports_image(p->icmp_type, cp >= 0 ? (uint16_t)cp : p->icmp_code);
		break;
	}
	default:
		break;
	}
	return true;
}

bool flow_key_from_pkt(const struct pkt *p, uint32_t tunnel, struct flow_key *k)
{
	struct rawkey r;
	if (!raw_from_pkt(p, &r))
		return false;
	/* Addresses stored as whole 8-byte words: the lookup's 8-byte loads
	 * then forward from the store buffer. */
	memcpy(k->src, &r.s0, 8);
	memcpy(k->src + 8, &r.s1, 8);
	memcpy(k->dst, &r.d0, 8);
	memcpy(k->dst + 8, &r.d1, 8);
	ports_split(r.ports, &k->sport, &k->dport);
	k->tunnel = tunnel;
	k->vlan = r.vlan;
	k->proto = r.proto;
	k->ip_version = r.ver;
	return true;
}

/* L4 payload bytes on the wire of a packet whose IP datagram ends at
 * ip_end (by its length field): never less than what was captured;
 * length 0 (TSO) or inconsistent, what was captured. Selects, not
 * branches: payload or none alternates at random in a mix. */
static inline __attribute__((always_inline)) uint32_t payload_to(const struct pkt *p, uint64_t ip_end)
{
	uint32_t cap = p->payload_len;
	uint64_t w = (ip_end - p->payload_off) & -(uint64_t)(ip_end > p->payload_off);
	w = w < UINT32_MAX ? w : UINT32_MAX;
	return (uint32_t)w > cap ? (uint32_t)w : cap;
}

static inline __attribute__((always_inline)) uint32_t payload_wirelen(const struct pkt *p)
{
	uint32_t cap = p->payload_len;
	uint64_t ip_end;
	if (p->ip_version == 4 && PKT_HAS(p, LAYER_IPV4) && (uint64_t)p->l3_off + 4 <= p->caplen) {
		ip_end = (uint64_t)p->l3_off + be16_at(p->data + p->l3_off + 2);
	} else if (p->ip_version == 6 && PKT_HAS(p, LAYER_IPV6) && (uint64_t)p->l3_off + 6 <= p->caplen) {
		uint16_t plen = be16_at(p->data + p->l3_off + 4);
		if (plen == 0)
			return cap; /* jumbogram or TSO capture: trust what was captured */
		ip_end = (uint64_t)p->l3_off + 40 + plen;
	} else {
		return cap;
	}
	return payload_to(p, ip_end);
}

static inline __attribute__((always_inline)) bool prepare_pkt(struct flow_table *ft, const struct pkt *p,
								uint32_t tunnel, struct flow_prepared *pk)
{
	uint32_t l = p->layers;
	bool l4 = p->proto == IPPROTO_NUM_TCP ? (l >> LAYER_TCP) & 1 : p->proto == IPPROTO_NUM_UDP && ((l >> LAYER_UDP) & 1);
	if (p->ip_version == 4 && ((l >> LAYER_IPV4) & 1) && l4 && !(p->flags & PKT_FLAG_FRAGMENT) &&
	    (uint64_t)p->l3_off + 20 <= p->caplen) {
		/* Most packets: IPv4 TCP or UDP, not a fragment. raw_from_pkt's
		 * rules, with the zero halves of the addresses known to the
		 * compiler. */
		uint64_t s = 0, d = 0;
		memcpy(&s, p->data + p->l3_off + 12, 4);
		memcpy(&d, p->data + p->l3_off + 16, 4);
		struct rawkey r = {s, 0, d, 0, ld32(&p->sport),
				   p->vlan_count ? (uint16_t)(p->vlan_id[0] & 0x0fff) : FLOW_VLAN_NONE, p->proto, 4};
		prep_from_raw(ft, &r, tunnel, pk);
		pk->payload = payload_to(p, (uint64_t)p->l3_off + be16_at(p->data + p->l3_off + 2));
	} else {
		struct rawkey r;
		if (!raw_from_pkt(p, &r))
			return false;
		prep_from_raw(ft, &r, tunnel, pk);
		pk->payload = payload_wirelen(p);
	}
	__builtin_prefetch(&ft->buckets[pk->h & ft->bucket_mask]);
	return true;
}

bool flow_prepare_pkt(struct flow_table *ft, const struct pkt *p, uint32_t tunnel, struct flow_prepared *pk)
{
	return prepare_pkt(ft, p, tunnel, pk);
}

uint32_t flow_pkt_payload_wirelen(const struct pkt *p)
{
	return payload_wirelen(p);
}

/* ---- init ---------------------------------------------------------------- */

static uint32_t round_pow2(uint32_t n)
{
	uint32_t r = 1;
	while (r < n && r < (1u << 30))
		r <<= 1;
	return r;
}

/* A large zeroed, pre-faulted allocation, on transparent huge pages when
 * the kernel allows (random access to the table then costs fewer TLB
 * misses).
 * From 256 KiB on (the index of a 16k-flow table) the mapping is rounded up
 * to whole 2 MiB pages and aligned to them, or the kernel could not back
 * it with a huge page at all; smaller ones are plain pages. */
#define BIG_HUGE (2ul << 20)
#define BIG_HUGE_MIN (256ul << 10)

static size_t big_len(size_t size)
{
	return size >= BIG_HUGE_MIN ? (size + BIG_HUGE - 1) & ~(BIG_HUGE - 1) : size;
}

void *flow_big_alloc(size_t size, struct prefault_ahead *ahead, size_t now)
{
	if (size == 0)
		return NULL;
	size_t len = big_len(size);
	size_t extra = len != size || len >= BIG_HUGE ? BIG_HUGE : 0;
	uint8_t *p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (extra) {
		/* Keep the 2 MiB-aligned part; give the rest back. */
		uint8_t *a = (uint8_t *)(((uintptr_t)p + BIG_HUGE - 1) & ~(uintptr_t)(BIG_HUGE - 1));
		if (a > p)
			munmap(p, (size_t)(a - p));
		if (a + len < p + len + extra)
			munmap(a + len, (size_t)(p + len + extra - (a + len)));
		p = a;
#ifdef MADV_HUGEPAGE
		(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	}
	if (ahead)
		prefault_ahead_init(ahead, p, size, now, BIG_HUGE);
	else
		prefault_now(p, size);
	return p;
}

void flow_big_free(void *p, size_t size, struct prefault_ahead *ahead)
{
	if (p) {
		if (ahead)
			prefault_ahead_stop(ahead);
		munmap(p, big_len(size));
	}
}

static void set_timeouts(struct flow_table *ft, const struct flow_timeouts *t)
{
	ft->timeouts = *t;
	ft->timeout_ns[FLOW_CLASS_TCP_HANDSHAKE] = t->tcp_handshake_ns;
	ft->timeout_ns[FLOW_CLASS_TCP_ESTABLISHED] = t->tcp_established_ns;
	ft->timeout_ns[FLOW_CLASS_TCP_CLOSING] = t->tcp_closing_ns;
	ft->timeout_ns[FLOW_CLASS_TCP_CLOSED] = t->tcp_linger_ns;
	ft->timeout_ns[FLOW_CLASS_UDP] = t->udp_ns;
	ft->timeout_ns[FLOW_CLASS_ICMP] = t->icmp_ns;
	ft->timeout_ns[FLOW_CLASS_OTHER] = t->other_ns;
}

int flow_table_init(struct flow_table *ft, const struct flow_config *cfg, char *err, size_t errlen)
{
	memset(ft, 0, sizeof(*ft));
	if (cfg->table_size == 0 || cfg->table_size > (1u << 30)) {
		snprintf(err, errlen, "flow table size %u out of range (1 .. 2^30)", cfg->table_size);
		errno = EINVAL;
		return -1;
	}
	ft->nflows = round_pow2(cfg->table_size);
	uint32_t nbuckets = ft->nflows * 2; /* load factor <= 1/2 */
	ft->bucket_mask = nbuckets - 1;
	/* Slots are taken in index order (free_stack below): the first 2 MiB
	 * now, the rest ahead of the table's growth. The hash index is hit at
	 * random from the first packet: all of it now. */
	ft->flows = flow_big_alloc((size_t)ft->nflows * sizeof(*ft->flows), &ft->flows_ahead, BIG_HUGE);
	ft->buckets = flow_big_alloc((size_t)nbuckets * sizeof(*ft->buckets), NULL, 0);
	ft->free_stack = malloc((size_t)ft->nflows * sizeof(*ft->free_stack));
	ft->wheel_head = malloc(FLOW_WHEEL_SLOTS * sizeof(*ft->wheel_head));
	ft->wheel_tail = malloc(FLOW_WHEEL_SLOTS * sizeof(*ft->wheel_tail));
	if (!ft->flows || !ft->buckets || !ft->free_stack || !ft->wheel_head || !ft->wheel_tail) {
		int e = errno;
		flow_table_free(ft);
		snprintf(err, errlen, "flow table: cannot allocate %u flows (%zu bytes): %s", cfg->table_size,
			 (size_t)ft->nflows * (sizeof(struct flow) + 2 * sizeof(struct flow_bucket) + 4), strerror(e));
		errno = e;
		return -1;
	}
	for (uint32_t i = 0; i < FLOW_WHEEL_SLOTS; i++)
		ft->wheel_head[i] = ft->wheel_tail[i] = FLOW_NIL;
	/* Free slots popped in index order 0, 1, 2, ... (deterministic). */
	for (uint32_t i = 0; i < ft->nflows; i++)
		ft->free_stack[i] = ft->nflows - 1 - i;
	ft->nfree = ft->nflows;
	set_timeouts(ft, &cfg->timeouts);
	ft->on_end = cfg->on_end;
	ft->on_end_ctx = cfg->on_end_ctx;
	if (cfg->hash_key) {
		siphash_key_from_bytes(&ft->key, cfg->hash_key);
	} else if (siphash_key_random(&ft->key) < 0) {
		int e = errno;
		flow_table_free(ft);
		snprintf(err, errlen, "flow table: no random hash key: %s", strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}

void flow_table_free(struct flow_table *ft)
{
	flow_big_free(ft->flows, (size_t)ft->nflows * sizeof(*ft->flows), &ft->flows_ahead);
	flow_big_free(ft->buckets, ((size_t)ft->bucket_mask + 1) * sizeof(*ft->buckets), NULL);
	free(ft->free_stack);
	free(ft->wheel_head);
	free(ft->wheel_tail);
	ft->flows = NULL;
	ft->buckets = NULL;
	ft->free_stack = NULL;
	ft->wheel_head = ft->wheel_tail = NULL;
	ft->nfree = 0;
}

void flow_table_attach_tcpr(struct flow_table *ft, struct tcpr *tr)
{
	ft->tcpr = tr;
}

/* ---- index --------------------------------------------------------------- */

static inline uint32_t flow_index(const struct flow_table *ft, const struct flow *f)
{
	return (uint32_t)(f - ft->flows);
}

/* Find canonical key c (hash h). Returns the flow, or NULL with *empty set
 * to the bucket where it would go. */
static inline struct flow *index_find(struct flow_table *ft, const struct flow_prepared *c, uint32_t *empty)
{
	uint32_t h = c->h;
	uint32_t i = h & ft->bucket_mask;
	uint32_t probes = 1;
	struct flow *found = NULL;
	for (;; i = (i + 1) & ft->bucket_mask, probes++) {
		const struct flow_bucket *b = &ft->buckets[i];
		if (b->slot == 0) {
			*empty = i;
			break;
		}
		if (b->hash == h) {
			struct flow *f = &ft->flows[b->slot - 1];
			if (key_eq(&f->key, c)) {
				found = f;
				break;
			}
		}
	}
	ft->k.lookups++;
	ft->k.probes += probes;
	if (probes > ft->k.max_probe)
		ft->k.max_probe = probes;
	return found;
}

/* Where a key with hash h that is not in the index would go. */
static uint32_t index_empty(const struct flow_table *ft, uint32_t h)
{
	uint32_t i = h & ft->bucket_mask;
	while (ft->buckets[i].slot != 0)
		i = (i + 1) & ft->bucket_mask;
	return i;
}

/* Remove f's bucket; shift later entries of the cluster back (no tombstones). */
static void index_remove(struct flow_table *ft, const struct flow *f)
{
	uint32_t mask = ft->bucket_mask;
	uint32_t slot = flow_index(ft, f) + 1;
	uint32_t i = f->hash & mask;
	while (ft->buckets[i].slot != slot)
		i = (i + 1) & mask;
	for (uint32_t j = i;;) {
		j = (j + 1) & mask;
		if (ft->buckets[j].slot == 0)
			break;
		uint32_t home = ft->buckets[j].hash & mask;
		/* Entry j may fill hole i unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		ft->buckets[i] = ft->buckets[j];
		i = j;
	}
	ft->buckets[i].slot = 0;
}

/* ---- timer wheel --------------------------------------------------------- */

static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static inline uint64_t flow_deadline(const struct flow_table *ft, const struct flow *f)
{
	uint64_t base = f->cls == FLOW_CLASS_TCP_CLOSED ? f->closed_ns : f->last_ns;
	return sat_add(base, ft->timeout_ns[f->cls]);
}

static inline bool flow_is_expired(const struct flow_table *ft, const struct flow *f, uint64_t now)
{
	return now >= flow_deadline(ft, f);
}

#define WHEEL_MASK (FLOW_WHEEL_SLOTS - 1)

static inline void wheel_bit(struct flow_table *ft, uint32_t slot, bool on)
{
	uint64_t m = 1ull << (slot & 63);
	if (on)
		ft->wheel_bits[slot >> 6] |= m;
	else
		ft->wheel_bits[slot >> 6] &= ~m;
}

/* First tick in [t, end) whose slot holds flows, or UINT64_MAX. Every
 * flow is filed within one revolution of the cursor, so no more than one
 * revolution is searched (a far jump in time costs 64 word tests). */
static uint64_t wheel_next(const struct flow_table *ft, uint64_t t, uint64_t end)
{
	if (end - t > FLOW_WHEEL_SLOTS)
		end = t + FLOW_WHEEL_SLOTS;
	while (t < end) {
		uint32_t s = (uint32_t)(t & WHEEL_MASK);
		uint64_t w = ft->wheel_bits[s >> 6] >> (s & 63);
		if (w) {
			uint64_t at = t + (uint64_t)__builtin_ctzll(w);
			return at < end ? at : UINT64_MAX;
		}
		t += 64 - (s & 63);
	}
	return UINT64_MAX;
}

static void wheel_unlink(struct flow_table *ft, struct flow *f)
{
	if (!(f->bits & B_QUEUED))
		return;
	uint32_t slot = (uint32_t)(f->q_tick & WHEEL_MASK);
	if (f->qprev != FLOW_NIL)
		ft->flows[f->qprev].qnext = f->qnext;
	else
		ft->wheel_head[slot] = f->qnext;
	if (f->qnext != FLOW_NIL)
		ft->flows[f->qnext].qprev = f->qprev;
	else
		ft->wheel_tail[slot] = f->qprev;
	if (ft->wheel_head[slot] == FLOW_NIL)
		wheel_bit(ft, slot, false);
	f->bits &= (uint8_t)~B_QUEUED;
}

/* Append f to the slot of its current deadline (at least min_tick), clamped
 * to the wheel's window [cursor, cursor + SLOTS). */
static void wheel_file_from(struct flow_table *ft, struct flow *f, uint64_t min_tick)
{
	uint64_t tick = flow_deadline(ft, f) >> FLOW_WHEEL_SHIFT;
	if (!ft->wheel_started) {
		ft->cursor = f->last_ns >> FLOW_WHEEL_SHIFT;
		ft->wheel_started = true;
	}
	if (tick < min_tick)
		tick = min_tick;
	if (tick < ft->cursor)
		tick = ft->cursor;
	if (tick >= ft->cursor + FLOW_WHEEL_SLOTS)
		tick = ft->cursor + FLOW_WHEEL_SLOTS - 1;
	uint32_t slot = (uint32_t)(tick & WHEEL_MASK);
	uint32_t idx = flow_index(ft, f);
	f->q_tick = tick;
	f->qnext = FLOW_NIL;
	f->qprev = ft->wheel_tail[slot];
	if (f->qprev != FLOW_NIL)
		ft->flows[f->qprev].qnext = idx;
	else
		ft->wheel_head[slot] = idx;
	ft->wheel_tail[slot] = idx;
	wheel_bit(ft, slot, true);
	f->bits |= B_QUEUED;
}

static inline void wheel_file(struct flow_table *ft, struct flow *f)
{
	wheel_file_from(ft, f, 0);
}

/* The deadline moved earlier than where f is filed: refile. Later moves
 * are left lazy (the sweep refiles when it meets the flow). */
static inline void wheel_update(struct flow_table *ft, struct flow *f)
{
	if ((flow_deadline(ft, f) >> FLOW_WHEEL_SHIFT) < f->q_tick) {
		wheel_unlink(ft, f);
		wheel_file(ft, f);
	}
}

/* ---- life cycle ---------------------------------------------------------- */

static enum flow_class class_of(const struct flow *f)
{
	switch (f->key.proto) {
	case IPPROTO_NUM_TCP:
		switch (f->tcp_state) {
		case FLOW_TCP_HANDSHAKE: return FLOW_CLASS_TCP_HANDSHAKE;
		case FLOW_TCP_CLOSING: return FLOW_CLASS_TCP_CLOSING;
		case FLOW_TCP_CLOSED: return FLOW_CLASS_TCP_CLOSED;
		default: return FLOW_CLASS_TCP_ESTABLISHED;
		}
	case IPPROTO_NUM_UDP: return FLOW_CLASS_UDP;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6: return FLOW_CLASS_ICMP;
	default: return FLOW_CLASS_OTHER;
	}
}

/* The reason a flow ends for when its deadline has passed. */
static enum flow_end_reason timeout_reason(const struct flow *f)
{
	return f->cls == FLOW_CLASS_TCP_CLOSED ? (enum flow_end_reason)f->close_reason : FLOW_END_IDLE_TIMEOUT;
}

/* Reset the per-record part (counters, history). */
static void record_reset(struct flow *f, uint64_t now)
{
	memset(f->dir, 0, sizeof(f->dir));
	f->hmask[0] = f->hmask[1] = 0;
	f->hlen = 0;
	f->history[0] = 0;
	f->bits &= (uint8_t)~B_FLIPPED;
	f->first_ns = now;
}

/* A fresh flow in slot f: key c, sender endpoint `sender_b`. */
static void flow_setup(struct flow_table *ft, struct flow *f, uint64_t now, int sender_b)
{
	f->id = ++ft->next_id;
	f->record = 0;
	f->orig_is_b = (uint8_t)sender_b;
	f->ignored = 0;
	f->bits &= B_QUEUED;
	f->tcp_state = f->key.proto == IPPROTO_NUM_TCP ? FLOW_TCP_ESTABLISHED : FLOW_TCP_NONE;
	f->close_reason = FLOW_END_FIN;
	f->closed_ns = 0;
	f->last_ns = now;
	f->user = NULL;
	record_reset(f, now);
	tcpr_half_init(&f->tcp[0], 0);
	tcpr_half_init(&f->tcp[1], 1);
	f->cls = (uint8_t)class_of(f);
	ft->k.created++;
}

/* Emit f's record with `reason` (the flow goes on only for active_timeout). */
static void record_emit(struct flow_table *ft, struct flow *f, enum flow_end_reason reason, flow_end_fn cb,
			void *ctx)
{
	if (reason != FLOW_END_ACTIVE_TIMEOUT && ft->tcpr && f->key.proto == IPPROTO_NUM_TCP)
		tcpr_flow_end(ft->tcpr, f);
	f->end_reason = (uint8_t)reason;
	ft->k.ended[reason]++;
	if (cb)
		cb(ctx, f, reason);
}

/* End f and free its slot. */
static void flow_finish(struct flow_table *ft, struct flow *f, enum flow_end_reason reason, flow_end_fn cb,
			void *ctx)
{
	record_emit(ft, f, reason, cb, ctx);
	index_remove(ft, f);
	wheel_unlink(ft, f);
	f->in_use = 0;
	f->user = NULL;
	ft->free_stack[ft->nfree++] = flow_index(ft, f);
	ft->k.in_use--;
}

/* The live flow nearest its deadline: the first wheel entry from the
 * cursor that is not stale (stale ones, active since they were filed, are
 * refiled on the way, at most 64 of them). */
static struct flow *wheel_first(struct flow_table *ft)
{
	if (ft->k.in_use == 0)
		return NULL;
	unsigned refiled = 0;
	uint64_t end = ft->cursor + FLOW_WHEEL_SLOTS;
	for (uint64_t t = ft->cursor; (t = wheel_next(ft, t, end)) != UINT64_MAX; t++) {
		uint32_t idx = ft->wheel_head[t & WHEEL_MASK];
		while (idx != FLOW_NIL) {
			struct flow *f = &ft->flows[idx];
			uint32_t next = f->qnext;
			uint64_t due = flow_deadline(ft, f) >> FLOW_WHEEL_SHIFT;
			if (due <= t || refiled >= 64 || t == end - 1)
				return f;
			wheel_unlink(ft, f);
			wheel_file_from(ft, f, t + 1);
			refiled++;
			idx = next;
		}
	}
	return NULL;
}

static bool evict_one(struct flow_table *ft, uint64_t now)
{
	struct flow *v = wheel_first(ft);
	if (!v)
		return false;
	flow_finish(ft, v, flow_is_expired(ft, v, now) ? timeout_reason(v) : FLOW_END_EVICTED, ft->on_end,
		    ft->on_end_ctx);
	return true;
}

struct flow *flow_lookup(struct flow_table *ft, const struct flow_key *key, int *is_originator)
{
	struct flow_prepared c;
	uint32_t empty = 0;
	prep_from_key(ft, key, &c);
	struct flow *f = index_find(ft, &c, &empty);
	if (f && is_originator)
		*is_originator = c.swapped == f->orig_is_b;
	return f;
}

void flow_prepare(struct flow_table *ft, const struct flow_key *key, struct flow_prepared *pk)
{
	prep_from_key(ft, key, pk);
	__builtin_prefetch(&ft->buckets[pk->h & ft->bucket_mask]);
}

/* Prefetch the three hot lines of the flow in pk's home bucket. */
static inline __attribute__((always_inline)) void prefetch_flow(const struct flow_table *ft,
								 const struct flow_prepared *pk)
{
	uint32_t slot = ft->buckets[pk->h & ft->bucket_mask].slot;
	if (slot) {
		const char *f = (const char *)&ft->flows[slot - 1];
		__builtin_prefetch(f, 1);
		__builtin_prefetch(f + 64, 1);
		__builtin_prefetch(f + 128, 1);
		__builtin_prefetch(f + 192, 0); /* id (flow_batch_item.flow_id) */
	}
}

void flow_prefetch(struct flow_table *ft, const struct flow_prepared *pk)
{
	prefetch_flow(ft, pk);
	/* GCC's pure-const analysis counts prefetches as no effect and would
	 * delete calls to a function made only of them. */
	__asm__ volatile("" ::: "memory");
}

/* The lookup proper, inlined into every entry point so the prepared key
 * stays in registers. */
static inline __attribute__((always_inline)) struct flow *
lookup_prepared(struct flow_table *ft, const struct flow_prepared *pk, uint64_t now_ns, int *is_originator,
		int *created, bool file)
{
	const struct flow_prepared *c = pk;
	uint32_t empty = 0;
	if (now_ns > ft->latest_ns)
		ft->latest_ns = now_ns;
	struct flow *f = index_find(ft, c, &empty);
	*created = 0;
	if (f) {
		if (!flow_is_expired(ft, f, now_ns)) {
			if (ft->timeouts.active_ns && now_ns >= sat_add(f->first_ns, ft->timeouts.active_ns) &&
			    (f->dir[0].pkts | f->dir[1].pkts)) {
				record_emit(ft, f, FLOW_END_ACTIVE_TIMEOUT, ft->on_end, ft->on_end_ctx);
				record_reset(f, now_ns);
				f->record++;
			}
			*is_originator = c->swapped == f->orig_is_b;
			return f;
		}
		/* Past its deadline: it ends before this packet, which starts a new flow. */
		flow_finish(ft, f, timeout_reason(f), ft->on_end, ft->on_end_ctx);
		empty = index_empty(ft, c->h);
	}
	if (ft->nfree == 0) {
		if (!evict_one(ft, now_ns)) {
			ft->k.no_slot++;
			return NULL;
		}
		empty = index_empty(ft, c->h); /* the eviction may have moved buckets */
	}
	f = &ft->flows[ft->free_stack[--ft->nfree]];
	key_store(&f->key, c);
	f->hash = c->h;
	f->in_use = 1;
	f->bits = 0;
	flow_setup(ft, f, now_ns, c->swapped);
	ft->buckets[empty].hash = c->h;
	ft->buckets[empty].slot = flow_index(ft, f) + 1;
	/* Filed now, or (file false: the caller updates it with its first
	 * packet at once) by that update, once its class is known: a TCP
	 * flow's first SYN would otherwise move it at once to an earlier slot,
	 * touching two more random flows of the wheel. */
	if (file)
		wheel_file(ft, f);
	if (++ft->k.in_use > ft->k.in_use_max) {
		/* A slot never used before (free slots are reused first). */
		ft->k.in_use_max = ft->k.in_use;
		prefault_ahead_use(&ft->flows_ahead, (size_t)ft->k.in_use_max * sizeof(struct flow));
	}
	*created = 1;
	*is_originator = 1;
	return f;
}

struct flow *flow_lookup_or_create_prepared(struct flow_table *ft, const struct flow_prepared *pk, uint64_t now_ns,
					    int *is_originator, int *created)
{
	return lookup_prepared(ft, pk, now_ns, is_originator, created, true);
}

struct flow *flow_lookup_or_create(struct flow_table *ft, const struct flow_key *key, uint64_t now_ns,
				   int *is_originator, int *created)
{
	struct flow_prepared c;
	prep_from_key(ft, key, &c);
	return lookup_prepared(ft, &c, now_ns, is_originator, created, true);
}

struct flow *flow_lookup_or_create_pkt(struct flow_table *ft, const struct pkt *p, uint32_t tunnel, uint64_t now_ns,
				       int *is_originator, int *created)
{
	struct rawkey r;
	struct flow_prepared c;
	*created = 0;
	if (!raw_from_pkt(p, &r))
		return NULL;
	prep_from_raw(ft, &r, tunnel, &c);
	return lookup_prepared(ft, &c, now_ns, is_originator, created, true);
}

/* ---- per packet ---------------------------------------------------------- */

static inline void history_add(struct flow *f, unsigned d, unsigned letter_bit)
{
	uint8_t bit = (uint8_t)(1u << letter_bit);
	if (f->hmask[d] & bit)
		return;
	f->hmask[d] |= bit;
	if (f->hlen < FLOW_HISTORY_MAX - 1) {
		char ch = history_letters[letter_bit];
		f->history[f->hlen++] = d ? (char)(ch + ('a' - 'A')) : ch;
		f->history[f->hlen] = 0;
	}
}

void flow_history_add(struct flow *f, int from_originator, char letter)
{
	const char *p = memchr(history_letters, letter & ~0x20, sizeof(history_letters) - 1);
	if (p)
		history_add(f, from_originator ? 0 : 1, (unsigned)(p - history_letters));
}

/* Swap originator and responder. */
static void flow_flip(struct flow_table *ft, struct flow *f)
{
	struct flow_dir t = f->dir[0];
	f->dir[0] = f->dir[1];
	f->dir[1] = t;
	uint8_t m = f->hmask[0];
	f->hmask[0] = f->hmask[1];
	f->hmask[1] = m;
	for (unsigned i = 0; i < f->hlen; i++) {
		char ch = f->history[i];
		if (ch >= 'A' && ch <= 'Z')
			f->history[i] = (char)(ch + ('a' - 'A'));
		else if (ch >= 'a' && ch <= 'z')
			f->history[i] = (char)(ch - ('a' - 'A'));
	}
	if (!(f->bits & B_FLIPPED) && f->hlen < FLOW_HISTORY_MAX - 1) {
		f->history[f->hlen++] = '^';
		f->history[f->hlen] = 0;
	}
	f->bits |= B_FLIPPED;
	uint8_t fins = f->bits & (B_FIN_ORIG | B_FIN_RESP);
	f->bits = (uint8_t)((f->bits & ~(B_FIN_ORIG | B_FIN_RESP)) | ((fins & B_FIN_ORIG) ? B_FIN_RESP : 0) |
			    ((fins & B_FIN_RESP) ? B_FIN_ORIG : 0));
	uint8_t ig = f->ignored;
	f->ignored = (uint8_t)(((ig & FLOW_IGNORE_ORIG) ? FLOW_IGNORE_RESP : 0) | ((ig & FLOW_IGNORE_RESP) ? FLOW_IGNORE_ORIG : 0));
	f->orig_is_b ^= 1;
	if (ft->tcpr)
		tcpr_flow_flip(ft->tcpr, f);
	else {
		struct tcpr_half h = f->tcp[0];
		f->tcp[0] = f->tcp[1];
		f->tcp[1] = h;
		f->tcp[0].dir = 0;
		f->tcp[1].dir = 1;
	}
}

/* Count a packet in direction d (0: from the originator). */
static inline __attribute__((always_inline)) struct flow_dir *count_in(struct flow *f, unsigned d, uint32_t wirelen,
									 uint32_t payload, uint64_t now_ns)
{
	struct flow_dir *dir = &f->dir[d];
	if (dir->pkts == 0)
		dir->first_ns = now_ns;
	dir->pkts++;
	dir->bytes += wirelen;
	dir->payload_bytes += payload;
	dir->last_ns = now_ns;
	if (now_ns > f->last_ns)
		f->last_ns = now_ns;
	return dir;
}

/* flow_update, inlined into the batch loop (no call per packet). */
static inline __attribute__((always_inline)) unsigned update_inl(struct flow_table *ft, struct flow *f,
								 const struct pkt *p, int is_originator, uint64_t now_ns,
								 uint32_t payload)
{
	unsigned res = 0;
	bool first = (f->dir[0].pkts | f->dir[1].pkts) == 0 && f->record == 0;
	bool tcp = f->key.proto == IPPROTO_NUM_TCP && PKT_HAS(p, LAYER_TCP);
	uint16_t fl = tcp ? p->tcp_flags : 0;
	uint16_t synack = fl & (FLOW_TH_SYN | FLOW_TH_ACK);
	ft->k.packets++;

	/* Most packets: an established TCP flow's segment without SYN, FIN
	 * or RST. No direction decision, no state change: count it, and the
	 * A or D history letter. The same as the general path below. */
	if (tcp && !first && f->tcp_state == FLOW_TCP_ESTABLISHED &&
	    !(fl & (FLOW_TH_SYN | FLOW_TH_FIN | FLOW_TH_RST))) {
		unsigned d = is_originator ? 0 : 1;
		struct flow_dir *dir = count_in(f, d, p->wirelen, payload, now_ns);
		dir->tcp_flags |= fl;
		/* D (payload) or A (pure ACK), chosen without a branch (which
		 * one alternates at random); only a new letter branches. */
		unsigned has = payload != 0, bit = has << 3 | (!has & ((fl & FLOW_TH_ACK) != 0)) << 2;
		if (bit & ~(unsigned)f->hmask[d])
			history_add(f, d, has ? 3 : 2);
		return is_originator ? FLOW_ORIGINATOR : 0;
	}

	if (tcp && synack == FLOW_TH_SYN) {
		if (f->tcp_state == FLOW_TCP_CLOSED) {
			/* Port reuse: the closed flow ends, a new one starts here. */
			int sender_b = is_originator ? f->orig_is_b : !f->orig_is_b;
			record_emit(ft, f, (enum flow_end_reason)f->close_reason, ft->on_end, ft->on_end_ctx);
			flow_setup(ft, f, now_ns, sender_b);
			ft->k.restarts++;
			res |= FLOW_RESTARTED;
			is_originator = 1;
			first = true;
		}
		if (!(f->bits & B_SAW_SYN)) {
			f->bits |= B_SAW_SYN;
			if (!is_originator) {
				flow_flip(ft, f);
				is_originator = 1;
				res |= FLOW_FLIPPED;
				ft->k.flips++;
			}
		}
	} else if (first && ((tcp && synack == (FLOW_TH_SYN | FLOW_TH_ACK)) ||
			     ((f->key.proto == IPPROTO_NUM_ICMP || f->key.proto == IPPROTO_NUM_ICMPV6) &&
			      icmp_is_reply(f->key.proto, p->icmp_type)))) {
		/* A reply seen first: its sender is the responder. */
		flow_flip(ft, f);
		is_originator = 0;
		res |= FLOW_FLIPPED;
	}

	unsigned d = is_originator ? 0 : 1;
	struct flow_dir *dir = count_in(f, d, p->wirelen, payload, now_ns);

	if (tcp) {
		dir->tcp_flags |= fl;
		if (synack == FLOW_TH_SYN)
			history_add(f, d, 0);
		else if (synack == (FLOW_TH_SYN | FLOW_TH_ACK))
			history_add(f, d, 1);
		else if ((fl & (FLOW_TH_ACK | FLOW_TH_FIN | FLOW_TH_RST)) == FLOW_TH_ACK && payload == 0)
			history_add(f, d, 2);
		if (payload)
			history_add(f, d, 3);
		if (fl & FLOW_TH_FIN)
			history_add(f, d, 4);
		if (fl & FLOW_TH_RST)
			history_add(f, d, 5);

		uint8_t old_state = f->tcp_state;
		if (first)
			f->tcp_state = (fl & FLOW_TH_SYN) ? FLOW_TCP_HANDSHAKE : FLOW_TCP_ESTABLISHED;
		if (f->tcp_state != FLOW_TCP_CLOSED) {
			if (fl & FLOW_TH_RST) {
				f->tcp_state = FLOW_TCP_CLOSED;
				f->close_reason = FLOW_END_RST;
			} else if (fl & FLOW_TH_FIN) {
				f->bits |= d ? B_FIN_RESP : B_FIN_ORIG;
				if ((f->bits & (B_FIN_ORIG | B_FIN_RESP)) == (B_FIN_ORIG | B_FIN_RESP)) {
					f->tcp_state = FLOW_TCP_CLOSED;
					f->close_reason = FLOW_END_FIN;
				} else {
					f->tcp_state = FLOW_TCP_CLOSING;
				}
			} else if (f->tcp_state == FLOW_TCP_HANDSHAKE && (fl & FLOW_TH_ACK) && !(fl & FLOW_TH_SYN)) {
				f->tcp_state = FLOW_TCP_ESTABLISHED;
			}
			if (f->tcp_state == FLOW_TCP_CLOSED) {
				f->closed_ns = now_ns;
				res |= FLOW_CLOSED;
			}
		}
		if (f->tcp_state != old_state || first) {
			f->cls = (uint8_t)class_of(f);
			if (f->bits & B_QUEUED)
				wheel_update(ft, f);
		}
	} else if (payload) {
		history_add(f, d, 3);
	}
	if (__builtin_expect(!(f->bits & B_QUEUED), 0))
		wheel_file(ft, f); /* created by flow_track_batch: filed at its first class */
	return res | (is_originator ? FLOW_ORIGINATOR : 0);
}

unsigned flow_update(struct flow_table *ft, struct flow *f, const struct pkt *p, int is_originator, uint64_t now_ns)
{
	return update_inl(ft, f, p, is_originator, now_ns, payload_wirelen(p));
}

/* ---- batches -------------------------------------------------------------- */

/* Software pipeline over the batch: packet i is keyed and hashed and its
 * bucket prefetched at step i, its flow prefetched at step i + PF_FLOW, and
 * it is looked up and counted at step i + PF_DONE, so the cache misses of
 * several packets overlap instead of adding up. */
#ifndef PF_FLOW
#define PF_FLOW 4
#endif
#ifndef PF_DONE
#define PF_DONE 8
#endif
#ifndef PF_RING
#define PF_RING 16
#endif
#ifndef PF_PKT
#define PF_PKT 4 /* the packet's own lines (slot, IP header), ahead of its key */
#endif

static inline __attribute__((always_inline)) void batch_finish(struct flow_table *ft, struct flow_batch_item *it,
								 const struct flow_prepared *pk, bool ok)
{
	it->flow = NULL;
	it->flow_id = 0;
	it->res = 0;
	it->created = 0;
	if (ok) {
		int orig;
		uint64_t now = it->pkt->ts_ns;
		it->flow = lookup_prepared(ft, pk, now, &orig, &it->created, false);
		if (it->flow) {
			it->res = update_inl(ft, it->flow, it->pkt, orig, now, pk->payload);
			it->flow_id = it->flow->id;
		}
	}
}

/* Step i of the pipeline: prepare packet i, prefetch the flow of packet
 * i - PF_FLOW, finish packet i - PF_DONE. The loops below call it with
 * constant flags, so the steady state tests nothing about where it is. */
static inline __attribute__((always_inline)) void batch_step(struct flow_table *ft, struct flow_batch_item *items,
							     unsigned n, unsigned i, struct flow_prepared *pk, bool *ok,
							     flow_batch_fn each, void *ctx, bool prep, bool pf, bool fin)
{
	if (prep && i + PF_PKT < n) {
		/* The packet's fields the key needs (lines 1-3 of struct pkt;
		 * line 0, its data pointer, is read now) and its IP header: the
		 * capture stage wrote them, perhaps on another core. */
		const struct pkt *q = items[i + PF_PKT].pkt;
		__builtin_prefetch((const char *)q + 64);
		__builtin_prefetch((const char *)q + 128);
		__builtin_prefetch((const char *)q + 192);
		/* In integers: a stand-in packet (a fragment's) has no data,
		 * and a prefetch of any address is harmless. */
		__builtin_prefetch((const void *)((uintptr_t)q->data + q->l3_off));
	}
	if (prep)
		ok[i % PF_RING] = prepare_pkt(ft, items[i].pkt, items[i].tunnel, &pk[i % PF_RING]);
	if (pf && ok[(i - PF_FLOW) % PF_RING])
		prefetch_flow(ft, &pk[(i - PF_FLOW) % PF_RING]);
	if (fin) {
		unsigned j = i - PF_DONE;
		batch_finish(ft, &items[j], &pk[j % PF_RING], ok[j % PF_RING]);
		if (each)
			each(ctx, &items[j]);
	}
}

void flow_track_batch(struct flow_table *ft, struct flow_batch_item *items, unsigned n, flow_batch_fn each, void *ctx)
{
	struct flow_prepared pk[PF_RING];
	bool ok[PF_RING];
	unsigned i = 0;
	for (; i < n && i < PF_DONE; i++)
		batch_step(ft, items, n, i, pk, ok, each, ctx, true, i >= PF_FLOW, false);
	for (; i < n; i++)
		batch_step(ft, items, n, i, pk, ok, each, ctx, true, true, true);
	for (; i < n + PF_DONE; i++)
		batch_step(ft, items, n, i, pk, ok, each, ctx, false, i >= PF_FLOW && i - PF_FLOW < n, i >= PF_DONE);
}

/* ---- sweep --------------------------------------------------------------- */

unsigned flow_expire(struct flow_table *ft, uint64_t now_ns, unsigned max, flow_end_fn cb, void *ctx)
{
	if (!cb) {
		cb = ft->on_end;
		ctx = ft->on_end_ctx;
	}
	unsigned ended = 0;
	uint64_t budget = 4ull * max;
	if (now_ns > ft->latest_ns)
		ft->latest_ns = now_ns;
	uint64_t now_tick = now_ns >> FLOW_WHEEL_SHIFT;
	while (ft->wheel_started && ended < max && budget > 0 && ft->cursor <= now_tick) {
		uint64_t t = wheel_next(ft, ft->cursor, now_tick + 1);
		if (t == UINT64_MAX) {
			/* Nothing filed up to now: every flow is filed in
			 * [cursor, cursor + SLOTS), so moving the cursor to now
			 * keeps them all inside the window. */
			ft->cursor = now_tick;
			break;
		}
		ft->cursor = t;
		bool current = t == now_tick; /* still running: only what is due ends */
		uint32_t idx = ft->wheel_head[t & WHEEL_MASK];
		while (idx != FLOW_NIL && ended < max && budget > 0) {
			struct flow *f = &ft->flows[idx];
			uint32_t next = f->qnext;
			budget--;
			if (next != FLOW_NIL) {
				/* The list's next flow is a random slot: start its
				 * loads (deadline fields, links) while this one ends. */
				const char *nf = (const char *)&ft->flows[next];
				__builtin_prefetch(nf);
				__builtin_prefetch(nf + 192);
			}
			if (flow_is_expired(ft, f, now_ns)) {
				flow_finish(ft, f, timeout_reason(f), cb, ctx);
				ended++;
			} else if (!current || (flow_deadline(ft, f) >> FLOW_WHEEL_SHIFT) > t) {
				/* Active since it was filed: file it at its real deadline. */
				wheel_unlink(ft, f);
				wheel_file_from(ft, f, t + 1);
			}
			idx = next;
		}
		if (idx != FLOW_NIL || current)
			break; /* out of budget in this slot, or at the present */
		ft->cursor = t + 1;
	}
	if (ft->tcpr)
		tcpr_expire(ft->tcpr, now_ns, max);
	return ended;
}

void flow_end_all(struct flow_table *ft, flow_end_fn cb, void *ctx)
{
	if (!cb) {
		cb = ft->on_end;
		ctx = ft->on_end_ctx;
	}
	for (uint32_t i = 0; i < ft->nflows && ft->k.in_use; i++) {
		struct flow *f = &ft->flows[i];
		if (f->in_use)
			flow_finish(ft, f, flow_is_expired(ft, f, ft->latest_ns) ? timeout_reason(f) : FLOW_END_SHUTDOWN,
				    cb, ctx);
	}
}

/* ---- accessors and records ----------------------------------------------- */

const uint8_t *flow_orig_addr(const struct flow *f)
{
	return f->orig_is_b ? f->key.dst : f->key.src;
}

const uint8_t *flow_resp_addr(const struct flow *f)
{
	return f->orig_is_b ? f->key.src : f->key.dst;
}

uint16_t flow_orig_port(const struct flow *f)
{
	return f->orig_is_b ? f->key.dport : f->key.sport;
}

uint16_t flow_resp_port(const struct flow *f)
{
	return f->orig_is_b ? f->key.sport : f->key.dport;
}

static const char *const end_reason_names[FLOW_END_COUNT] = {
	"fin", "rst", "idle_timeout", "active_timeout", "evicted", "shutdown",
};

const char *flow_end_reason_name(unsigned reason)
{
	return reason < FLOW_END_COUNT ? end_reason_names[reason] : NULL;
}

static const char *const class_names[FLOW_CLASS_COUNT] = {
	"tcp_handshake", "tcp_established", "tcp_closing", "tcp_closed", "udp", "icmp", "other",
};

const char *flow_class_name(unsigned cls)
{
	return cls < FLOW_CLASS_COUNT ? class_names[cls] : NULL;
}

static const char *tcp_state_name(unsigned s)
{
	static const char *const names[] = {"none", "handshake", "established", "closing", "closed"};
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "none";
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_NUM_TCP: return "tcp";
	case IPPROTO_NUM_UDP: return "udp";
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6: return "icmp";
	case IPPROTO_NUM_SCTP: return "sctp";
	default: return "unknown";
	}
}

/* The record is written by hand (snprintf of two dozen fields costs about
 * a microsecond; this, a few percent of it: a flood of short flows writes
 * a record every few packets). Straight into the caller's buffer when it
 * holds RECORD_MAX bytes, and with no library call per field: numbers are
 * written in place, two digits at a time, and names copied byte by byte
 * (a memcpy call per field cost more than the field). */
#define RECORD_MAX 1024 /* a record is at most a few hundred bytes */

struct jw {
	char *p;
};

static inline void jw_mem(struct jw *w, const char *s, size_t n)
{
	memcpy(w->p, s, n);
	w->p += n;
}
#define JW_LIT(w, lit) jw_mem((w), (lit), sizeof(lit) - 1) /* constant size: inlined */

static const char digits2[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				 "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				 "8081828384858687888990919293949596979899";

static const uint64_t pow10s[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
	1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	1000000000000000000ull, 10000000000000000000ull,
};

/* Decimal digits of v: from its bit length (log10(2) ~ 1233 / 4096),
 * then one comparison. */
static inline unsigned ndigits(uint64_t v)
{
	unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
	unsigned n = (bits * 1233) >> 12; /* digits - 1 or digits */
	return n + ((v | 1) >= pow10s[n]); /* v | 1: 0 has one digit */
}

/* v's n lowest decimal digits, ending at e (exclusive); 32-bit divisions
 * (cheaper) once v fits, which times' and most counters' do. */
static inline void put_digits(char *e, uint64_t v, unsigned n)
{
	while (n >= 2 && v > UINT32_MAX) {
		e -= 2;
		memcpy(e, digits2 + 2 * (v % 100), 2);
		v /= 100;
		n -= 2;
	}
	uint32_t u = (uint32_t)v;
	while (n >= 2) {
		e -= 2;
		memcpy(e, digits2 + 2 * (u % 100), 2);
		u /= 100;
		n -= 2;
	}
	if (n)
		*--e = (char)('0' + u % 10);
}

static inline void jw_u64(struct jw *w, uint64_t v)
{
	unsigned n = ndigits(v);
	put_digits(w->p + n, v, n);
	w->p += n;
}

/* ns as seconds with 9 decimals. */
static inline void jw_time(struct jw *w, uint64_t ns)
{
	jw_u64(w, ns / 1000000000ull);
	*w->p = '.';
	put_digits(w->p + 10, ns % 1000000000ull, 9);
	w->p += 10;
}

static inline void jw_addr(struct jw *w, const struct flow *f, const uint8_t *a)
{
	if (f->key.ip_version == 4) {
		for (unsigned i = 0; i < 4; i++) {
			if (i)
				*w->p++ = '.';
			jw_u64(w, a[i]);
		}
		return;
	}
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(AF_INET6, a, text, sizeof(text)))
		snprintf(text, sizeof(text), "?");
	jw_mem(w, text, strlen(text));
}

/* A short name (a protocol, a state, a reason). */
static inline void jw_cstr(struct jw *w, const char *s)
{
	while (*s)
		*w->p++ = *s++;
}

int flow_record_json(const struct flow *f, char *buf, size_t size)
{
	char local[RECORD_MAX];
	struct jw w;
	w.p = size >= RECORD_MAX ? buf : local;
	char *start = w.p;
	uint64_t end = f->dir[0].last_ns > f->dir[1].last_ns ? f->dir[0].last_ns : f->dir[1].last_ns;
	if (end < f->first_ns)
		end = f->first_ns;
	bool tcp = f->key.proto == IPPROTO_NUM_TCP;

	JW_LIT(&w, "{\"flow_id\":");
	jw_u64(&w, f->id);
	JW_LIT(&w, ",\"record\":");
	jw_u64(&w, f->record);
	JW_LIT(&w, ",\"start\":");
	jw_time(&w, f->first_ns);
	JW_LIT(&w, ",\"end\":");
	jw_time(&w, end);
	JW_LIT(&w, ",\"duration\":");
	jw_time(&w, end - f->first_ns);
	JW_LIT(&w, ",\"proto\":\"");
	jw_cstr(&w, proto_name(f->key.proto));
	JW_LIT(&w, "\",\"ip_proto\":");
	jw_u64(&w, f->key.proto);
	JW_LIT(&w, ",\"ip_version\":");
	jw_u64(&w, f->key.ip_version);
	JW_LIT(&w, ",\"orig_h\":\"");
	jw_addr(&w, f, flow_orig_addr(f));
	JW_LIT(&w, "\",\"orig_p\":");
	jw_u64(&w, flow_orig_port(f));
	JW_LIT(&w, ",\"resp_h\":\"");
	jw_addr(&w, f, flow_resp_addr(f));
	JW_LIT(&w, "\",\"resp_p\":");
	jw_u64(&w, flow_resp_port(f));
	if (f->key.vlan != FLOW_VLAN_NONE) {
		JW_LIT(&w, ",\"vlan\":");
		jw_u64(&w, f->key.vlan);
	}
	if (f->key.tunnel) {
		JW_LIT(&w, ",\"tunnel\":");
		jw_u64(&w, f->key.tunnel);
	}
	JW_LIT(&w, ",\"orig_pkts\":");
	jw_u64(&w, f->dir[0].pkts);
	JW_LIT(&w, ",\"orig_bytes\":");
	jw_u64(&w, f->dir[0].bytes);
	JW_LIT(&w, ",\"orig_payload_bytes\":");
	jw_u64(&w, f->dir[0].payload_bytes);
	JW_LIT(&w, ",\"resp_pkts\":");
	jw_u64(&w, f->dir[1].pkts);
	JW_LIT(&w, ",\"resp_bytes\":");
	jw_u64(&w, f->dir[1].bytes);
	JW_LIT(&w, ",\"resp_payload_bytes\":");
	jw_u64(&w, f->dir[1].payload_bytes);
	if (tcp) {
		JW_LIT(&w, ",\"orig_tcp_flags\":");
		jw_u64(&w, f->dir[0].tcp_flags);
		JW_LIT(&w, ",\"resp_tcp_flags\":");
		jw_u64(&w, f->dir[1].tcp_flags);
	}
	/* History letters and '^' need no JSON escaping. */
	JW_LIT(&w, ",\"history\":\"");
	for (unsigned i = 0; i < sizeof(f->history) && f->history[i]; i++)
		*w.p++ = f->history[i];
	if (tcp) {
		JW_LIT(&w, "\",\"tcp_state\":\"");
		jw_cstr(&w, tcp_state_name(f->tcp_state));
	}
	const char *reason = flow_end_reason_name(f->end_reason);
	JW_LIT(&w, "\",\"end_reason\":\"");
	jw_cstr(&w, reason ? reason : "unknown");
	JW_LIT(&w, "\"}\n");

	size_t len = (size_t)(w.p - start);
	if (start == buf) {
		buf[len] = 0; /* len < RECORD_MAX <= size */
	} else if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(buf, start, n);
		buf[n] = 0;
	}
	return (int)len;
}

int flow_record_write(const struct flow *f, FILE *out)
{
	char line[1024];
	int n = flow_record_json(f, line, sizeof(line));
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1; /* cannot happen: a record is a few hundred bytes */
	return fwrite(line, 1, (size_t)n, out) == (size_t)n ? 0 : -1;
}

/* ---- counters ------------------------------------------------------------ */

enum {
	C_CREATED,
	C_ENDED_FIRST,
	C_PACKETS = C_ENDED_FIRST + FLOW_END_COUNT,
	C_LOOKUPS,
	C_PROBES,
	C_FLIPS,
	C_RESTARTS,
	C_NO_SLOT,
	C_IN_USE,
	C_IN_USE_MAX,
	C_MAX_PROBE,
	C_COUNT
};

static const char *const counter_names[C_COUNT] = {
	"created",
	"ended.fin", "ended.rst", "ended.idle_timeout", "ended.active_timeout", "ended.evicted", "ended.shutdown",
	"packets", "lookups", "probes", "flips", "restarts", "no_slot", "in_use", "in_use_max", "max_probe",
};

unsigned flow_counter_count(void)
{
	return C_COUNT;
}

const char *flow_counter_name(unsigned i)
{
	return i < C_COUNT ? counter_names[i] : NULL;
}

uint64_t flow_counter_value(const struct flow_counters *k, unsigned i)
{
	if (i >= C_ENDED_FIRST && i < C_ENDED_FIRST + FLOW_END_COUNT)
		return k->ended[i - C_ENDED_FIRST];
	switch (i) {
	case C_CREATED: return k->created;
	case C_PACKETS: return k->packets;
	case C_LOOKUPS: return k->lookups;
	case C_PROBES: return k->probes;
	case C_FLIPS: return k->flips;
	case C_RESTARTS: return k->restarts;
	case C_NO_SLOT: return k->no_slot;
	case C_IN_USE: return k->in_use;
	case C_IN_USE_MAX: return k->in_use_max;
	case C_MAX_PROBE: return k->max_probe;
	default: return 0;
	}
}

void flow_write_stats_json(const struct flow_table *ft, FILE *f)
{
	fprintf(f, "{\"table_size\": %u, \"created\": %llu, \"ended\": {", ft->nflows,
		(unsigned long long)ft->k.created);
	for (unsigned r = 0; r < FLOW_END_COUNT; r++)
		fprintf(f, "%s\"%s\": %llu", r ? ", " : "", end_reason_names[r], (unsigned long long)ft->k.ended[r]);
	fprintf(f, "}");
	for (unsigned i = C_PACKETS; i < C_COUNT; i++)
		fprintf(f, ", \"%s\": %llu", counter_names[i], (unsigned long long)flow_counter_value(&ft->k, i));
	fprintf(f, "}");
}
