/* reasm.c: IPv4/IPv6 fragment reassembly over a preallocated chunk pool (RFC 791, RFC 815, RFC 8200).
 *
 * Data structures (all allocated by reasm_init):
 *   pool       nchunks_total x REASM_CHUNK bytes; free chunks on a stack
 *   dg[]       max_datagrams descriptors; free ones on a list through hnext
 *   buckets[]  hash heads (a power of two >= 2 x max_datagrams), chains
 *              through hnext
 *   age list   oldest..newest by creation, for timeouts and evictions
 *
 * A datagram's payload byte at offset o lives in chunk chunks[o / CHUNK] at
 * o % CHUNK; held bytes are a sorted list of disjoint, non-touching ranges.
 * Every read of frame bytes is bounds-checked against caplen. */
#include "reasm.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "proto.h"

#define NONE (-1)
#define END_UNKNOWN UINT32_MAX
#define IPV4_MF 0x2000u
#define IPV4_OFF_MASK 0x1fffu
#define IPV6_OFF_MASK 0xfff8u
#define IPV6_M 0x0001u
#define IPV6_MAX_EXT 8u

static const char *const evict_names[REASM_EVICT_COUNT] = {
	[REASM_EVICT_TIMEOUT] = "timeout",     [REASM_EVICT_MEMORY] = "memory",
	[REASM_EVICT_DATAGRAMS] = "datagrams", [REASM_EVICT_TOO_BIG] = "too_big",
	[REASM_EVICT_HOLES] = "holes",
};

const char *reasm_evict_name(unsigned reason)
{
	return reason < REASM_EVICT_COUNT ? evict_names[reason] : "unknown";
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static void put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* ---- set-up ------------------------------------------------------------ */

int reasm_init(struct reasm *r, const struct reasm_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	r->oldest = r->newest = r->complete = r->dg_free = NONE;
	if (cfg->memory == 0 || cfg->max_datagrams == 0)
		return 0;
	uint64_t n = cfg->memory / REASM_CHUNK;
	if (n == 0)
		n = 1;
	if (n > UINT32_MAX / 2)
		n = UINT32_MAX / 2;
	uint32_t nb = 1;
	while (nb < 2u * cfg->max_datagrams && nb < (1u << 30))
		nb <<= 1;
	r->pool = malloc(n * REASM_CHUNK);
	r->free_chunks = malloc(n * sizeof(*r->free_chunks));
	r->dg = calloc(cfg->max_datagrams, sizeof(*r->dg));
	r->buckets = malloc(nb * sizeof(*r->buckets));
	if (!r->pool || !r->free_chunks || !r->dg || !r->buckets) {
		reasm_free(r);
		errno = ENOMEM;
		return -1;
	}
	r->nchunks_total = (uint32_t)n;
	for (uint32_t i = 0; i < r->nchunks_total; i++)
		r->free_chunks[i] = r->nchunks_total - 1 - i;
	r->nfree = r->nchunks_total;
	for (uint32_t i = 0; i < cfg->max_datagrams; i++)
		r->dg[i].hnext = i + 1 < cfg->max_datagrams ? (int32_t)(i + 1) : NONE;
	r->dg_free = 0;
	r->bucket_mask = nb - 1;
	for (uint32_t i = 0; i < nb; i++)
		r->buckets[i] = NONE;
	r->enabled = true;
	return 0;
}

void reasm_free(struct reasm *r)
{
	free(r->pool);
	free(r->free_chunks);
	free(r->dg);
	free(r->buckets);
	r->pool = NULL;
	r->free_chunks = NULL;
	r->dg = NULL;
	r->buckets = NULL;
	r->nfree = r->nchunks_total = 0;
	r->oldest = r->newest = r->complete = r->dg_free = NONE;
	r->enabled = false;
}

/* ---- the table ------------------------------------------------------------ */

static uint32_t key_hash(const struct reasm_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h ^ (h >> 16);
}

static int32_t lookup(const struct reasm *r, const struct reasm_key *k, uint32_t h)
{
	for (int32_t i = r->buckets[h & r->bucket_mask]; i != NONE; i = r->dg[i].hnext)
		if (memcmp(&r->dg[i].key, k, sizeof(*k)) == 0)
			return i;
	return NONE;
}

/* Return a datagram's chunks and descriptor; count why. */
static void dgram_free(struct reasm *r, int32_t i)
{
	struct reasm_dgram *d = &r->dg[i];
	for (unsigned c = 0; c < REASM_MAX_CHUNKS; c++)
		if (d->chunks[c]) {
			r->free_chunks[r->nfree++] = d->chunks[c] - 1;
			d->chunks[c] = 0;
		}
	/* Unlink from the hash chain. */
	int32_t *pp = &r->buckets[key_hash(&d->key) & r->bucket_mask];
	while (*pp != NONE && *pp != i)
		pp = &r->dg[*pp].hnext;
	if (*pp == i)
		*pp = d->hnext;
	/* And from the age list. */
	if (d->older != NONE)
		r->dg[d->older].newer = d->newer;
	else
		r->oldest = d->newer;
	if (d->newer != NONE)
		r->dg[d->newer].older = d->older;
	else
		r->newest = d->older;
	d->used = false;
	d->hnext = r->dg_free;
	r->dg_free = i;
	r->k.in_flight--;
	if (r->complete == i)
		r->complete = NONE;
}

static void evict(struct reasm *r, int32_t i, enum reasm_evict why)
{
	r->k.evicted[why]++;
	dgram_free(r, i);
}

/* The oldest datagram other than `keep` (and not one waiting to be
 * built), NONE when there is none. */
static int32_t oldest_other(const struct reasm *r, int32_t keep)
{
	for (int32_t i = r->oldest; i != NONE; i = r->dg[i].newer)
		if (i != keep && i != r->complete)
			return i;
	return NONE;
}

static int32_t dgram_new(struct reasm *r, const struct reasm_key *k, uint32_t h, uint64_t now)
{
	if (r->dg_free == NONE) {
		int32_t victim = oldest_other(r, NONE);
		if (victim == NONE)
			return NONE;
		evict(r, victim, REASM_EVICT_DATAGRAMS);
	}
	int32_t i = r->dg_free;
	struct reasm_dgram *d = &r->dg[i];
	r->dg_free = d->hnext;
	/* Reset the header fields; prefix bytes are written before use. */
	memset(d, 0, offsetof(struct reasm_dgram, prefix));
	d->key = *k;
	d->used = true;
	d->first_ns = now;
	d->end = END_UNKNOWN;
	d->hnext = r->buckets[h & r->bucket_mask];
	r->buckets[h & r->bucket_mask] = i;
	d->newer = NONE;
	d->older = r->newest;
	if (r->newest != NONE)
		r->dg[r->newest].newer = i;
	else
		r->oldest = i;
	r->newest = i;
	r->k.datagrams++;
	if (++r->k.in_flight > r->k.in_flight_max)
		r->k.in_flight_max = r->k.in_flight;
	return i;
}

static bool expired(const struct reasm *r, const struct reasm_dgram *d, uint64_t now)
{
	return now > d->first_ns && now - d->first_ns > r->cfg.timeout_ns;
}

void reasm_expire(struct reasm *r, uint64_t now_ns)
{
	if (!r->enabled)
		return;
	/* The age list is in arrival order; packet time normally follows it.
	 * When it does not (inputs out of time order) a datagram may outlive
	 * its timeout until it reaches the head or is touched again. */
	while (r->oldest != NONE && r->oldest != r->complete && expired(r, &r->dg[r->oldest], now_ns))
		evict(r, r->oldest, REASM_EVICT_TIMEOUT);
}

/* ---- finding the fragmented header ------------------------------------------- */

struct frag {
	struct reasm_key key;
	uint32_t ip_off;     /* fragmented IP header in the frame */
	uint32_t data_off;   /* first byte of this fragment's data */
	uint32_t data_len;
	uint32_t offset;     /* of the data in the payload */
	bool mf;
	bool truncated;      /* the capture cut the data short */
	uint32_t prefix_len; /* bytes before the fragmentable part (IPv6: before the fragment header) */
	uint32_t unfrag_len; /* IP header bytes that stay (IPv4 header, IPv6 header + ext before the fragment header) */
	uint32_t nh_off;     /* IPv6 */
	uint8_t frag_nh;     /* IPv6 */
	uint32_t ip_len;     /* IP datagram length declared by this fragment */
	unsigned hdr_index;  /* in p->hdrs, or PKT_MAX_HDRS when from l3_off */
};

/* The IPv4 header at off: true for a real fragment (MF or offset set). */
static bool parse_ipv4(const struct pkt *p, uint32_t off, struct frag *f)
{
	const uint8_t *b = p->data + off;
	if ((uint64_t)off + 20 > p->caplen || (b[0] >> 4) != 4)
		return false;
	uint32_t ihl = (uint32_t)(b[0] & 15) * 4u;
	uint32_t total = get16(b + 2);
	uint16_t fo = get16(b + 6);
	if (ihl < 20 || total < ihl || (uint64_t)off + ihl > p->caplen)
		return false;
	if (!(fo & IPV4_MF) && !(fo & IPV4_OFF_MASK))
		return false;
	f->key.version = 4;
	f->key.proto = b[9];
	f->key.id = get16(b + 4);
	memcpy(f->key.src, b + 12, 4);
	memcpy(f->key.dst, b + 16, 4);
	f->ip_off = off;
	f->data_off = off + ihl;
	f->data_len = total - ihl;
	f->offset = (uint32_t)(fo & IPV4_OFF_MASK) * 8u;
	f->mf = (fo & IPV4_MF) != 0;
	f->truncated = (uint64_t)off + total > p->caplen;
	f->prefix_len = off + ihl;
	f->unfrag_len = ihl;
	f->ip_len = total;
	return true;
}

/* The IPv6 header at off: true when its extension chain holds a fragment
 * header that is not atomic (offset or M set). */
static bool parse_ipv6(const struct pkt *p, uint32_t off, struct frag *f)
{
	const uint8_t *d = p->data;
	if ((uint64_t)off + 40 > p->caplen || (d[off] >> 4) != 6)
		return false;
	uint32_t plen = get16(d + off + 4);
	if (plen == 0) /* jumbogram or TSO: no fragments there */
		return false;
	uint64_t ip_end = (uint64_t)off + 40 + plen;
	uint32_t nh_off = off + 6;
	uint8_t nxt = d[nh_off];
	uint64_t cur = (uint64_t)off + 40;
	for (unsigned n = 0; n <= IPV6_MAX_EXT; n++) {
		if (nxt == IP_PROTO_FRAGMENT) {
			if (cur + 8 > ip_end || cur + 8 > p->caplen)
				return false;
			uint16_t om = get16(d + cur + 2);
			if (!(om & IPV6_OFF_MASK) && !(om & IPV6_M))
				return false; /* atomic fragment (RFC 6946): a whole packet */
			f->key.version = 6;
			f->key.proto = 0;
			f->key.id = get32(d + cur + 4);
			memcpy(f->key.src, d + off + 8, 16);
			memcpy(f->key.dst, d + off + 24, 16);
			f->ip_off = off;
			f->data_off = (uint32_t)cur + 8;
			f->data_len = (uint32_t)(ip_end - cur - 8);
			f->offset = om & IPV6_OFF_MASK;
			f->mf = (om & IPV6_M) != 0;
			f->truncated = ip_end > p->caplen;
			f->prefix_len = (uint32_t)cur;
			f->unfrag_len = (uint32_t)cur - off;
			f->nh_off = nh_off;
			f->frag_nh = d[cur];
			f->ip_len = 40 + plen;
			return true;
		}
		uint64_t len;
		switch (nxt) {
		case IP_PROTO_HOPOPTS:
		case IP_PROTO_ROUTING:
		case IP_PROTO_DSTOPTS:
			if (cur + 2 > ip_end || cur + 2 > p->caplen)
				return false;
			len = ((uint64_t)d[cur + 1] + 1) * 8;
			break;
		case IP_PROTO_AH:
			if (cur + 2 > ip_end || cur + 2 > p->caplen)
				return false;
			len = ((uint64_t)d[cur + 1] + 2) * 4;
			break;
		default:
			return false;
		}
		nh_off = (uint32_t)cur;
		nxt = d[cur];
		cur += len;
	}
	return false;
}

static bool is_enclosing(uint8_t type)
{
	switch (type) {
	case HDR_IPV4:
	case HDR_IPV6:
	case HDR_UDP:
	case HDR_GTPU:
	case HDR_PPPOE:
	case HDR_L2TP:
		return true;
	default:
		return false;
	}
}

/* The outermost fragmented IP header of the frame: from the header list
 * when the decoder filled one, else the IP header at l3_off. */
static bool find_fragment(const struct pkt *p, struct frag *f)
{
	memset(f, 0, sizeof(*f));
	bool listed_ip = false;
	unsigned n = p->nhdrs < PKT_MAX_HDRS ? p->nhdrs : PKT_MAX_HDRS;
	for (unsigned i = 0; i < n; i++) {
		const struct pkt_hdr *h = &p->hdrs[i];
		if (h->flags & HDR_QUOTED)
			continue;
		if (h->type != HDR_IPV4 && h->type != HDR_IPV6)
			continue;
		listed_ip = true;
		if (h->type == HDR_IPV4 ? parse_ipv4(p, h->off, f) : parse_ipv6(p, h->off, f)) {
			f->hdr_index = i;
			return true;
		}
	}
	if (listed_ip)
		return false;
	f->hdr_index = PKT_MAX_HDRS;
	if (PKT_HAS(p, LAYER_IPV4))
		return parse_ipv4(p, p->l3_off, f);
	if (PKT_HAS(p, LAYER_IPV6))
		return parse_ipv6(p, p->l3_off, f);
	return false;
}

bool reasm_is_fragment(const struct pkt *p)
{
	struct frag f;
	return (p->flags & PKT_FLAG_FRAGMENT) && !(p->flags & PKT_FLAG_REASSEMBLED) && p->data != NULL &&
	       find_fragment(p, &f);
}

/* ---- filing a fragment ------------------------------------------------------------ */

/* Copy payload bytes [s, e) from src (which holds byte s) into the chunks,
 * which must exist. */
static void put_bytes(struct reasm *r, struct reasm_dgram *d, uint32_t s, uint32_t e, const uint8_t *src)
{
	while (s < e) {
		uint32_t ci = s / REASM_CHUNK, co = s % REASM_CHUNK;
		uint32_t n = REASM_CHUNK - co;
		if (n > e - s)
			n = e - s;
		memcpy(r->pool + (size_t)(d->chunks[ci] - 1) * REASM_CHUNK + co, src, n);
		src += n;
		s += n;
	}
}

/* Chunks missing for bytes [s, e). A chunk with no chunk index holds no
 * byte, so every missing one is touched by a gap. */
static uint32_t chunks_missing(const struct reasm_dgram *d, uint32_t s, uint32_t e)
{
	uint32_t need = 0;
	for (uint32_t ci = s / REASM_CHUNK; ci <= (e - 1) / REASM_CHUNK; ci++)
		need += d->chunks[ci] == 0;
	return need;
}

static void chunks_take(struct reasm *r, struct reasm_dgram *d, uint32_t s, uint32_t e)
{
	for (uint32_t ci = s / REASM_CHUNK; ci <= (e - 1) / REASM_CHUNK; ci++)
		if (d->chunks[ci] == 0)
			d->chunks[ci] = r->free_chunks[--r->nfree] + 1;
	uint32_t used = r->nchunks_total - r->nfree;
	if (used > r->k.chunks_used_max)
		r->k.chunks_used_max = used;
}

/* Keep the headers of the offset-0 fragment (first one wins). */
static bool keep_prefix(struct reasm_dgram *d, const struct pkt *p, const struct frag *f)
{
	if (f->prefix_len > REASM_MAX_PREFIX)
		return false;
	memcpy(d->prefix, p->data, f->prefix_len);
	d->prefix_len = (uint16_t)f->prefix_len;
	d->ip_off = (uint16_t)f->ip_off;
	d->nh_off = (uint16_t)f->nh_off;
	d->frag_nh = f->frag_nh;
	d->orig_ip_len = f->ip_len;
	d->linktype = p->linktype;
	d->ifindex = p->ifindex;
	d->nenclosing = 0;
	if (f->hdr_index < PKT_MAX_HDRS)
		for (unsigned i = 0; i < f->hdr_index && d->nenclosing < REASM_MAX_ENCLOSING; i++) {
			const struct pkt_hdr *h = &p->hdrs[i];
			if (!(h->flags & HDR_QUOTED) && is_enclosing(h->type) && h->off + 8u <= f->ip_off)
				d->enclosing[d->nenclosing++] = (struct reasm_enclosing){ h->type, (uint16_t)h->off };
		}
	return true;
}

/* The enclosing length fields a built datagram of `grow` more bytes
 * rewrites; false when one would pass 65535. */
static bool enclosing_field(const struct reasm_dgram *d, const struct reasm_enclosing *e, uint32_t *at)
{
	const uint8_t *h = d->prefix + e->off;
	switch (e->type) {
	case HDR_IPV4:
	case HDR_GTPU:
		*at = e->off + 2u;
		return true;
	case HDR_IPV6:
	case HDR_UDP:
	case HDR_PPPOE:
		*at = e->off + 4u;
		return true;
	case HDR_L2TP:
		*at = e->off + 2u;
		return (h[0] & 0x40) != 0; /* L bit: a length field is present */
	default:
		return false;
	}
}

static bool enclosing_fit(const struct reasm_dgram *d, uint32_t grow)
{
	for (unsigned i = 0; i < d->nenclosing; i++) {
		uint32_t at;
		if (enclosing_field(d, &d->enclosing[i], &at) && get16(d->prefix + at) + grow > 0xffffu)
			return false;
	}
	return true;
}

static uint32_t built_ip_len(const struct reasm_dgram *d)
{
	return d->prefix_len - d->ip_off + d->end;
}

static bool complete(const struct reasm *r, const struct reasm_dgram *d)
{
	(void)r;
	return d->end != END_UNKNOWN && d->prefix_len != 0 && d->nranges == 1 && d->ranges[0].start == 0 &&
	       d->ranges[0].end == d->end;
}

enum reasm_result reasm_add(struct reasm *r, const struct pkt *p)
{
	if (!r->enabled)
		return REASM_NOT_FRAGMENT;
	uint64_t now = p->ts_ns;
	if (r->oldest != NONE)
		reasm_expire(r, now);
	struct frag f;
	if (!(p->flags & PKT_FLAG_FRAGMENT) || p->data == NULL || !find_fragment(p, &f))
		return REASM_NOT_FRAGMENT;
	r->k.fragments++;
	if (f.truncated) {
		r->k.truncated++;
		return REASM_DROPPED;
	}
	f.key.linktype = p->linktype;
	f.key.vlan = p->vlan_count ? p->vlan_id[0] : 0xffff;
	uint32_t h = key_hash(&f.key);
	int32_t i = lookup(r, &f.key, h);
	if (i != NONE && expired(r, &r->dg[i], now)) {
		evict(r, i, REASM_EVICT_TIMEOUT);
		i = NONE;
	}
	uint64_t s = f.offset, e = (uint64_t)f.offset + f.data_len;
	if (f.unfrag_len + e > REASM_MAX_DATA || (f.offset == 0 && f.prefix_len > REASM_MAX_PREFIX)) {
		if (i != NONE)
			dgram_free(r, i);
		r->k.evicted[REASM_EVICT_TOO_BIG]++;
		return REASM_DROPPED;
	}
	if (i == NONE && (i = dgram_new(r, &f.key, h, now)) == NONE) {
		r->k.evicted[REASM_EVICT_DATAGRAMS]++;
		return REASM_DROPPED;
	}
	struct reasm_dgram *d = &r->dg[i];

	/* The end: set by the last fragment, never moved (first wins). */
	uint32_t held_end = d->nranges ? d->ranges[d->nranges - 1].end : 0;
	if (!f.mf) {
		if ((d->end != END_UNKNOWN && d->end != e) || held_end > e) {
			r->k.invalid++;
			return REASM_HELD;
		}
	} else if (d->end != END_UNKNOWN && e > d->end) {
		r->k.invalid++;
		return REASM_HELD;
	}

	/* Ranges touching [s, e) merge into one; the others stay. */
	unsigned first = 0, last = 0, touching = 0;
	uint32_t covered = 0;
	for (unsigned k = 0; k < d->nranges; k++) {
		const struct reasm_range *g = &d->ranges[k];
		if (g->end < s || g->start > e)
			continue;
		if (!touching)
			first = k;
		last = k;
		touching++;
		uint64_t a = g->start > s ? g->start : s, b = g->end < e ? g->end : e;
		if (b > a)
			covered += (uint32_t)(b - a);
	}
	if (covered) {
		r->k.overlaps++;
		if (covered == e - s)
			r->k.duplicates++;
	}
	if (e > s && d->nranges - touching + 1 > REASM_MAX_RANGES) {
		evict(r, i, REASM_EVICT_HOLES);
		return REASM_DROPPED;
	}
	if (e > s && covered < e - s) {
		uint32_t need = chunks_missing(d, (uint32_t)s, (uint32_t)e);
		while (r->nfree < need) {
			int32_t victim = oldest_other(r, i);
			if (victim == NONE) {
				evict(r, i, REASM_EVICT_MEMORY);
				return REASM_DROPPED;
			}
			evict(r, victim, REASM_EVICT_MEMORY);
		}
		chunks_take(r, d, (uint32_t)s, (uint32_t)e);
		/* Copy only the gaps between the ranges already held. */
		const uint8_t *src = p->data + f.data_off;
		uint64_t pos = s;
		for (unsigned k = 0; k < d->nranges && pos < e; k++) {
			const struct reasm_range *g = &d->ranges[k];
			if (g->end <= pos)
				continue;
			if (g->start >= e)
				break;
			if (g->start > pos)
				put_bytes(r, d, (uint32_t)pos, g->start, src + (pos - s));
			pos = g->end;
		}
		if (pos < e)
			put_bytes(r, d, (uint32_t)pos, (uint32_t)e, src + (pos - s));
		d->held += (uint32_t)(e - s) - covered;
	}
	if (e > s) {
		struct reasm_range m = { (uint32_t)s, (uint32_t)e };
		if (touching) {
			if (d->ranges[first].start < m.start)
				m.start = d->ranges[first].start;
			if (d->ranges[last].end > m.end)
				m.end = d->ranges[last].end;
			d->ranges[first] = m;
			memmove(&d->ranges[first + 1], &d->ranges[last + 1],
				(d->nranges - last - 1) * sizeof(d->ranges[0]));
			d->nranges = (uint8_t)(d->nranges - (touching - 1));
		} else {
			unsigned at = 0;
			while (at < d->nranges && d->ranges[at].start < m.start)
				at++;
			memmove(&d->ranges[at + 1], &d->ranges[at], (d->nranges - at) * sizeof(d->ranges[0]));
			d->ranges[at] = m;
			d->nranges++;
		}
	}
	if (!f.mf)
		d->end = (uint32_t)e;
	if (f.offset == 0 && d->prefix_len == 0 && !keep_prefix(d, p, &f)) {
		evict(r, i, REASM_EVICT_TOO_BIG);
		return REASM_DROPPED;
	}
	if (!complete(r, d))
		return REASM_HELD;
	r->k.completed++;
	uint32_t grow = built_ip_len(d) > d->orig_ip_len ? built_ip_len(d) - d->orig_ip_len : 0;
	if (built_ip_len(d) > REASM_MAX_DATA || !enclosing_fit(d, grow)) {
		evict(r, i, REASM_EVICT_TOO_BIG);
		return REASM_DROPPED;
	}
	r->complete = i;
	return REASM_COMPLETE;
}

/* ---- building the datagram ------------------------------------------------------ */

bool reasm_pending(const struct reasm *r, uint32_t *len, uint32_t *linktype, uint32_t *ifindex)
{
	if (r->complete == NONE)
		return false;
	const struct reasm_dgram *d = &r->dg[r->complete];
	if (len)
		*len = d->prefix_len + d->end;
	if (linktype)
		*linktype = d->linktype;
	if (ifindex)
		*ifindex = d->ifindex;
	return true;
}

static void ipv4_checksum(uint8_t *ip)
{
	uint32_t ihl = (uint32_t)(ip[0] & 15) * 4u, sum = 0;
	ip[10] = ip[11] = 0;
	for (uint32_t i = 0; i + 1 < ihl; i += 2)
		sum += get16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
}

uint32_t reasm_build(struct reasm *r, uint8_t *out)
{
	if (r->complete == NONE)
		return 0;
	struct reasm_dgram *d = &r->dg[r->complete];
	uint32_t len = d->prefix_len + d->end;
	memcpy(out, d->prefix, d->prefix_len);
	for (uint32_t o = 0; o < d->end; o += REASM_CHUNK) {
		uint32_t n = d->end - o < REASM_CHUNK ? d->end - o : REASM_CHUNK;
		memcpy(out + d->prefix_len + o, r->pool + (size_t)(d->chunks[o / REASM_CHUNK] - 1) * REASM_CHUNK, n);
	}
	uint8_t *ip = out + d->ip_off;
	uint32_t ip_len = built_ip_len(d);
	if (d->key.version == 4) {
		put16(ip + 2, ip_len);
		ip[6] &= 0xc0; /* keep reserved and DF; MF and offset cleared */
		ip[7] = 0;
		ipv4_checksum(ip);
	} else {
		/* The fragment header is left out: its next header moves into
		 * the byte that named it. */
		out[d->nh_off] = d->frag_nh;
		put16(ip + 4, ip_len - 40);
	}
	uint32_t grow = ip_len > d->orig_ip_len ? ip_len - d->orig_ip_len : 0;
	for (unsigned i = 0; i < d->nenclosing; i++) {
		uint32_t at;
		const struct reasm_enclosing *e = &d->enclosing[i];
		if (!enclosing_field(d, e, &at))
			continue;
		put16(out + at, get16(out + at) + grow);
		if (e->type == HDR_IPV4)
			ipv4_checksum(out + e->off);
		else if (e->type == HDR_UDP)
			out[e->off + 6] = out[e->off + 7] = 0; /* checksum no longer valid: "none" */
	}
	r->k.built++;
	dgram_free(r, r->complete);
	return len;
}

void reasm_discard(struct reasm *r)
{
	if (r->complete == NONE)
		return;
	r->k.unbuilt++;
	dgram_free(r, r->complete);
}

/* ---- statistics ------------------------------------------------------------ */

void reasm_write_json(const struct reasm *r, const struct reasm_counters *k, FILE *f)
{
	fprintf(f,
		"{\"enabled\": %s, \"memory_bytes\": %llu, \"chunk_bytes\": %u, \"max_datagrams\": %u, "
		"\"timeout_s\": %.3f, \"fragments\": %llu, \"datagrams\": %llu, \"completed\": %llu, \"built\": %llu, "
		"\"unbuilt\": %llu, \"overlaps\": %llu, \"duplicates\": %llu, \"invalid\": %llu, \"truncated\": %llu, "
		"\"evicted\": {",
		r->cfg.memory && r->cfg.max_datagrams ? "true" : "false", (unsigned long long)r->cfg.memory, REASM_CHUNK,
		r->cfg.max_datagrams, (double)r->cfg.timeout_ns / 1e9, (unsigned long long)k->fragments,
		(unsigned long long)k->datagrams, (unsigned long long)k->completed, (unsigned long long)k->built,
		(unsigned long long)k->unbuilt, (unsigned long long)k->overlaps, (unsigned long long)k->duplicates,
		(unsigned long long)k->invalid, (unsigned long long)k->truncated);
	for (unsigned i = 0; i < REASM_EVICT_COUNT; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", evict_names[i], (unsigned long long)k->evicted[i]);
	fprintf(f, "}, \"in_flight\": %u, \"in_flight_max\": %u, \"chunks_used_max\": %u}", k->in_flight,
		k->in_flight_max, k->chunks_used_max);
}

void reasm_print_summary(const struct reasm *r, FILE *f)
{
	const struct reasm_counters *k = &r->k;
	if (!k->fragments)
		return;
	uint64_t ev = 0;
	for (unsigned i = 0; i < REASM_EVICT_COUNT; i++)
		ev += k->evicted[i];
	fprintf(f,
		"  reassembly: %llu fragments, %llu datagrams built, %llu overlaps, %llu invalid, %llu truncated, "
		"%llu evicted (",
		(unsigned long long)k->fragments, (unsigned long long)k->built, (unsigned long long)k->overlaps,
		(unsigned long long)k->invalid, (unsigned long long)k->truncated, (unsigned long long)ev);
	for (unsigned i = 0; i < REASM_EVICT_COUNT; i++)
		fprintf(f, "%s%s %llu", i ? ", " : "", evict_names[i], (unsigned long long)k->evicted[i]);
	fprintf(f, "), %u in flight at the end\n", k->in_flight);
}

static void prom_counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	prom_family(f, name, "counter", help);
	prom_u64(f, name, "", v);
}

void reasm_write_prom(const struct reasm_counters *k, FILE *f)
{
	prom_counter(f, "pktd_reassembly_fragments_total", "frames with a fragmented IP header", k->fragments);
	prom_counter(f, "pktd_reassembly_datagrams_total", "datagrams reassembly started", k->datagrams);
	prom_counter(f, "pktd_reassembly_completed_total", "datagrams with every byte", k->completed);
	prom_counter(f, "pktd_reassembly_unbuilt_total", "completed datagrams too large for the ring", k->unbuilt);
	prom_counter(f, "pktd_reassembly_overlaps_total", "fragments overlapping bytes already held (first wins)",
		     k->overlaps);
	prom_counter(f, "pktd_reassembly_duplicates_total", "overlapping fragments that brought no new byte",
		     k->duplicates);
	prom_counter(f, "pktd_reassembly_invalid_total", "fragments ignored: conflicting end or data past the end",
		     k->invalid);
	prom_counter(f, "pktd_reassembly_truncated_total", "fragments ignored: data cut by the snaplen", k->truncated);
	prom_family(f, "pktd_reassembly_evicted_total", "counter", "datagrams dropped unfinished, by reason");
	for (unsigned i = 0; i < REASM_EVICT_COUNT; i++) {
		char labels[64] = "";
		prom_label(labels, sizeof(labels), "reason", evict_names[i]);
		prom_u64(f, "pktd_reassembly_evicted_total", labels, k->evicted[i]);
	}
	prom_family(f, "pktd_reassembly_in_flight", "gauge", "datagrams waiting for fragments");
	prom_u64(f, "pktd_reassembly_in_flight", "", k->in_flight);
}
