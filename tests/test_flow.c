/* test_flow.c: the flow table: SipHash, keys, both directions, originator
 * rules, timeouts, linger, active timeout, eviction, hash flooding, history,
 * JSON records, counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "flow.h"
#include "siphash.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC) /* an arbitrary epoch time for packet times */

enum { TCP = 6, UDP = 17, ICMP = 1, ICMP6 = 58, GRE = 47 };
enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

static const uint8_t test_key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* ---- packets built by hand (no decoder: only the fields flow.c reads) ---- */

struct tpkt {
	struct pkt p;
	uint8_t buf[128];
};

/* An IPv4 packet a -> b (host-order addresses) with ports, TCP flags and
 * `payload` bytes of L4 payload; the L4 header is 20 bytes for TCP, 8 else. */
static struct pkt *mk4(struct tpkt *t, uint32_t a, uint32_t b, uint8_t proto, uint16_t sport, uint16_t dport,
		       uint16_t flags, uint32_t payload)
{
	memset(t, 0, sizeof(*t));
	uint32_t l4 = proto == TCP ? 20 : 8;
	uint32_t tot = 20 + l4 + payload;
	uint8_t *ip = t->buf;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[9] = proto;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(a >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(b >> (24 - 8 * i));
	}
	struct pkt *p = &t->p;
	p->data = t->buf;
	p->caplen = sizeof(t->buf);
	p->wirelen = 14 + tot;
	p->layers = 1u << LAYER_IPV4;
	p->ip_version = 4;
	p->proto = proto;
	p->l3_off = 0;
	p->l4_off = 20;
	p->payload_off = 20 + l4;
	p->payload_len = payload < sizeof(t->buf) - p->payload_off ? payload : (uint32_t)sizeof(t->buf) - p->payload_off;
	if (proto == TCP) {
		p->layers |= 1u << LAYER_TCP;
		p->tcp_flags = flags;
	} else if (proto == UDP) {
		p->layers |= 1u << LAYER_UDP;
	} else if (proto == ICMP) {
		p->layers |= 1u << LAYER_ICMP;
		p->icmp_type = (uint8_t)sport;
		p->icmp_code = (uint8_t)dport;
	}
	if (proto == TCP || proto == UDP) {
		p->sport = sport;
		p->dport = dport;
	}
	return p;
}

/* IPv6 a -> b, addresses 2001:db8::<a> and 2001:db8::<b>. */
static struct pkt *mk6(struct tpkt *t, uint16_t a, uint16_t b, uint8_t proto, uint16_t sport, uint16_t dport,
		       uint16_t flags, uint32_t payload)
{
	memset(t, 0, sizeof(*t));
	uint32_t l4 = proto == TCP ? 20 : 8;
	uint8_t *ip = t->buf;
	ip[0] = 0x60;
	ip[4] = (uint8_t)((l4 + payload) >> 8);
	ip[5] = (uint8_t)(l4 + payload);
	ip[6] = proto;
	ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8;
	ip[22] = (uint8_t)(a >> 8), ip[23] = (uint8_t)a;
	ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8;
	ip[38] = (uint8_t)(b >> 8), ip[39] = (uint8_t)b;
	struct pkt *p = &t->p;
	p->data = t->buf;
	p->caplen = sizeof(t->buf);
	p->wirelen = 14 + 40 + l4 + payload;
	p->layers = 1u << LAYER_IPV6;
	p->ip_version = 6;
	p->proto = proto;
	p->l4_off = 40;
	p->payload_off = 40 + l4;
	p->payload_len = payload < sizeof(t->buf) - p->payload_off ? payload : (uint32_t)sizeof(t->buf) - p->payload_off;
	if (proto == TCP) {
		p->layers |= 1u << LAYER_TCP;
		p->tcp_flags = flags;
	} else if (proto == UDP) {
		p->layers |= 1u << LAYER_UDP;
	} else if (proto == ICMP6) {
		p->layers |= 1u << LAYER_ICMPV6;
		p->icmp_type = (uint8_t)sport;
		p->icmp_code = (uint8_t)dport;
	}
	if (proto == TCP || proto == UDP) {
		p->sport = sport;
		p->dport = dport;
	}
	return p;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define CLIENT IP(10, 0, 0, 1)
#define SERVER IP(10, 0, 0, 2)

/* ---- a table that records what ended -------------------------------------- */

struct ended {
	unsigned n;
	uint64_t id[64];
	unsigned reason[64];
	char json[64][512];
};

static void on_end(void *ctx, struct flow *f, enum flow_end_reason reason)
{
	struct ended *e = ctx;
	if (e->n < 64) {
		e->id[e->n] = f->id;
		e->reason[e->n] = reason;
		flow_record_json(f, e->json[e->n], sizeof(e->json[0]));
	}
	e->n++;
}

static struct flow_table *table(uint32_t size, struct ended *e)
{
	static struct flow_table ft;
	struct flow_config cfg = {.table_size = size, .on_end = on_end, .on_end_ctx = e, .hash_key = test_key};
	flow_timeouts_default(&cfg.timeouts);
	char err[256];
	memset(e, 0, sizeof(*e));
	assert_int_equal(flow_table_init(&ft, &cfg, err, sizeof(err)), 0);
	return &ft;
}

/* One packet through key, lookup and update, as the capture stage does it. */
struct seen {
	struct flow *f;
	int orig, created;
	unsigned res;
};

static struct seen feed(struct flow_table *ft, const struct pkt *p, uint64_t now)
{
	struct seen s = {0};
	struct flow_key k;
	assert_true(flow_key_from_pkt(p, 0, &k));
	s.f = flow_lookup_or_create(ft, &k, now, &s.orig, &s.created);
	assert_non_null(s.f);
	s.res = flow_update(ft, s.f, p, s.orig, now);
	s.orig = (s.res & FLOW_ORIGINATOR) != 0;
	return s;
}

/* ---- SipHash ---------------------------------------------------------------- */

/* SipHash-2-4 matches the paper's test vectors (key 00..0f, message
 * 00 01 02 ... of length i), and SipHash-1-3 matches CPython's bytes hash
 * under PYTHONHASHSEED=0 (key zero). */
static void test_siphash_vectors(void **state)
{
	(void)state;
	static const struct {
		unsigned len;
		uint64_t h;
	} v24[] = {
		{0, 0x726fdb47dd0e0e31ull},  {1, 0x74f839c593dc67fdull},  {2, 0x0d6c8009d9a94f5aull},
		{3, 0x85676696d7fb7e2dull},  {4, 0xcf2794e0277187b7ull},  {5, 0x18765564cd99a68dull},
		{6, 0xcbc9466e58fee3ceull},  {7, 0xab0200f58b01d137ull},  {8, 0x93f5f5799a932462ull},
		{9, 0x9e0082df0ba9e4b0ull},  {15, 0xa129ca6149be45e5ull}, {16, 0x3f2acc7f57c29bdbull},
		{31, 0x32d892fad841c342ull}, {32, 0x7127512f72f27cceull}, {63, 0x958a324ceb064572ull},
	};
	uint8_t msg[64];
	for (unsigned i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	struct siphash_key k;
	siphash_key_from_bytes(&k, test_key);
	for (unsigned i = 0; i < sizeof(v24) / sizeof(v24[0]); i++)
		assert_true(siphash_24(&k, msg, v24[i].len) == v24[i].h);

	struct siphash_key zero = {0, 0};
	assert_true(siphash_13(&zero, msg, 1) == 7541581120933061747ull);
	assert_true(siphash_13(&zero, msg, 44) == (uint64_t)-2857705416615276035ll);

	/* The word form equals the byte form over the same little-endian bytes. */
	uint64_t w[6];
	memcpy(w, msg, sizeof(w));
	for (unsigned n = 0; n <= 6; n++)
		assert_true(siphash_13_words(&k, w, n) == siphash_13(&k, msg, n * 8));
	/* And with a tail of 1 to 7 more bytes. */
	for (unsigned n = 0; n <= 5; n++)
		for (unsigned t = 1; t <= 7; t++) {
			uint64_t tail = 0;
			for (unsigned i = 0; i < t; i++)
				tail |= (uint64_t)msg[8 * n + i] << (8 * i);
			assert_true(siphash_13_words_tail(&k, w, n, tail, t) == siphash_13(&k, msg, 8 * n + t));
		}

	/* Two random keys differ (getrandom works here). */
	struct siphash_key r1, r2;
	assert_int_equal(siphash_key_random(&r1), 0);
	assert_int_equal(siphash_key_random(&r2), 0);
	assert_true(r1.k0 != r2.k0 || r1.k1 != r2.k1);
}

/* ---- keys ------------------------------------------------------------------ */

/* Keys carry addresses, ports, protocol, VLAN and tunnel; a reply has the
 * mirrored key; non-IP and non-first fragments have none. */
static void test_key_from_pkt(void **state)
{
	(void)state;
	struct tpkt t;
	struct flow_key k;
	struct pkt *p = mk4(&t, CLIENT, SERVER, TCP, 40000, 80, SYN, 0);
	assert_true(flow_key_from_pkt(p, 7, &k));
	assert_int_equal(k.ip_version, 4);
	assert_int_equal(k.proto, TCP);
	assert_int_equal(k.sport, 40000);
	assert_int_equal(k.dport, 80);
	assert_int_equal(k.vlan, FLOW_VLAN_NONE);
	assert_int_equal(k.tunnel, 7);
	assert_memory_equal(k.src, "\x0a\x00\x00\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_memory_equal(k.dst, "\x0a\x00\x00\x02", 4);

	p->vlan_count = 2;
	p->vlan_id[0] = 100;
	p->vlan_id[1] = 200;
	assert_true(flow_key_from_pkt(p, 0, &k));
	assert_int_equal(k.vlan, 100); /* the outermost tag */

	/* ICMP echo request 8 and reply 0: ports are type and counterpart. */
	p = mk4(&t, CLIENT, SERVER, ICMP, 8, 0, 0, 56);
	assert_true(flow_key_from_pkt(p, 0, &k));
	assert_int_equal(k.sport, 8);
	assert_int_equal(k.dport, 0);
	p = mk4(&t, SERVER, CLIENT, ICMP, 0, 0, 0, 56);
	assert_true(flow_key_from_pkt(p, 0, &k));
	assert_int_equal(k.sport, 0);
	assert_int_equal(k.dport, 8);
	/* One-way ICMP (destination unreachable 3, code 3): code stands in. */
	p = mk4(&t, CLIENT, SERVER, ICMP, 3, 3, 0, 28);
	assert_true(flow_key_from_pkt(p, 0, &k));
	assert_int_equal(k.sport, 3);
	assert_int_equal(k.dport, 3);
	/* ICMPv6 echo 128 <-> 129. */
	p = mk6(&t, 1, 2, ICMP6, 128, 0, 0, 16);
	assert_true(flow_key_from_pkt(p, 0, &k));
	assert_int_equal(k.sport, 128);
	assert_int_equal(k.dport, 129);

	/* IPv6 addresses in full. */
	p = mk6(&t, 0x1234, 2, UDP, 5353, 53, 0, 30);
	assert_true(flow_key_from_pkt(p, 0, &k));
	assert_int_equal(k.ip_version, 6);
	assert_int_equal(k.src[15], 0x34);
	assert_int_equal(k.src[14], 0x12);
	assert_int_equal(k.dst[0], 0x20);

	/* Other protocols: addresses and protocol only. */
	p = mk4(&t, CLIENT, SERVER, GRE, 0, 0, 0, 20);
	assert_true(flow_key_from_pkt(p, 0, &k));
	assert_int_equal(k.proto, GRE);
	assert_int_equal(k.sport, 0);

	/* No key: not IP, non-first fragment, TCP header missing. */
	p = mk4(&t, CLIENT, SERVER, UDP, 1, 2, 0, 8);
	p->layers = 1u << LAYER_ETH;
	p->ip_version = 0;
	assert_false(flow_key_from_pkt(p, 0, &k));
	p = mk4(&t, CLIENT, SERVER, UDP, 1, 2, 0, 8);
	p->flags |= PKT_FLAG_FRAGMENT;
	p->frag_offset = 1480;
	assert_false(flow_key_from_pkt(p, 0, &k));
	p->frag_offset = 0; /* the first fragment has the ports */
	assert_true(flow_key_from_pkt(p, 0, &k));
	p = mk4(&t, CLIENT, SERVER, TCP, 1, 2, SYN, 0);
	p->layers &= ~(1u << LAYER_TCP);
	assert_false(flow_key_from_pkt(p, 0, &k));
}

/* ---- lookup ---------------------------------------------------------------- */

/* Both directions find the same flow and report the direction; VLAN and
 * tunnel context separate flows. */
static void test_lookup_both_directions(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;
	struct seen a = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 5000, 53, 0, 30), T0);
	assert_true(a.created);
	assert_true(a.orig);
	assert_int_equal(a.f->id, 1);
	struct seen b = feed(ft, mk4(&t, SERVER, CLIENT, UDP, 53, 5000, 0, 60), T0 + 1000);
	assert_ptr_equal(b.f, a.f);
	assert_false(b.created);
	assert_false(b.orig);
	struct seen c = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 5000, 53, 0, 30), T0 + 2000);
	assert_ptr_equal(c.f, a.f);
	assert_true(c.orig);
	assert_int_equal(a.f->dir[0].pkts, 2);
	assert_int_equal(a.f->dir[1].pkts, 1);
	assert_int_equal(a.f->dir[0].payload_bytes, 60);
	assert_int_equal(a.f->dir[1].payload_bytes, 60);
	assert_int_equal(a.f->dir[0].bytes, 2 * (14 + 20 + 8 + 30));
	assert_int_equal(a.f->dir[0].first_ns, T0);
	assert_int_equal(a.f->dir[0].last_ns, T0 + 2000);
	assert_int_equal(a.f->dir[1].first_ns, T0 + 1000);
	assert_memory_equal(flow_orig_addr(a.f), "\x0a\x00\x00\x01", 4);
	assert_int_equal(flow_orig_port(a.f), 5000);
	assert_int_equal(flow_resp_port(a.f), 53);

	/* A port-swapped lookup of the same endpoints is another flow. */
	struct seen d = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 53, 5000, 0, 30), T0 + 3000);
	assert_true(d.created);
	assert_ptr_not_equal(d.f, a.f);

	/* VLAN and tunnel context separate flows. */
	struct flow_key k;
	struct pkt *p = mk4(&t, CLIENT, SERVER, UDP, 5000, 53, 0, 30);
	p->vlan_count = 1;
	p->vlan_id[0] = 10;
	assert_true(flow_key_from_pkt(p, 0, &k));
	int orig, created;
	struct flow *v = flow_lookup_or_create(ft, &k, T0 + 4000, &orig, &created);
	assert_true(created);
	assert_ptr_not_equal(v, a.f);
	p->vlan_count = 0;
	assert_true(flow_key_from_pkt(p, 99, &k));
	struct flow *tu = flow_lookup_or_create(ft, &k, T0 + 4000, &orig, &created);
	assert_true(created);
	assert_ptr_not_equal(tu, a.f);
	assert_ptr_not_equal(tu, v);

	/* flow_lookup finds without creating. */
	assert_true(flow_key_from_pkt(mk4(&t, SERVER, CLIENT, UDP, 53, 5000, 0, 1), 0, &k));
	assert_ptr_equal(flow_lookup(ft, &k, &orig), a.f);
	assert_false(orig);
	assert_true(flow_key_from_pkt(mk4(&t, SERVER, CLIENT, UDP, 54, 5000, 0, 1), 0, &k));
	assert_null(flow_lookup(ft, &k, &orig));
	assert_int_equal(ft->k.created, 4);
	assert_int_equal(ft->k.in_use, 4);

	/* One host talking to itself: the ports order the endpoints, both ways
	 * (IPv4 and IPv6). */
	struct seen l1 = feed(ft, mk4(&t, CLIENT, CLIENT, UDP, 7000, 6000, 0, 5), T0);
	struct seen l2 = feed(ft, mk4(&t, CLIENT, CLIENT, UDP, 6000, 7000, 0, 5), T0 + 1);
	assert_true(l1.created);
	assert_ptr_equal(l2.f, l1.f);
	assert_true(l1.orig);
	assert_false(l2.orig);
	struct seen l3 = feed(ft, mk6(&t, 3, 3, UDP, 6000, 7000, 0, 5), T0);
	struct seen l4 = feed(ft, mk6(&t, 3, 3, UDP, 7000, 6000, 0, 5), T0 + 1);
	assert_true(l3.created);
	assert_ptr_equal(l4.f, l3.f);
	assert_false(l4.orig);

	/* IPv6 both ways. */
	struct seen x = feed(ft, mk6(&t, 1, 2, TCP, 443, 50000, SYN | ACK, 0), T0);
	struct seen y = feed(ft, mk6(&t, 2, 1, TCP, 50000, 443, ACK, 0), T0 + 1);
	assert_ptr_equal(x.f, y.f);
	assert_false(x.orig); /* a SYN-ACK seen first: its sender is the responder */
	assert_true(y.orig);
	flow_end_all(ft, NULL, NULL);
	assert_int_equal(ft->k.in_use, 0);
	assert_int_equal(ft->k.ended[FLOW_END_SHUTDOWN], 7);
	flow_table_free(ft);
}

/* The first SYN without ACK decides the originator, whatever came first;
 * a SYN-ACK or an ICMP reply seen first makes its sender the responder. */
static void test_originator_rules(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;

	/* SYN-ACK first (the SYN was not captured). */
	struct seen a = feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40000, SYN | ACK, 0), T0);
	assert_true(a.created);
	assert_false(a.orig);
	assert_true(a.res & FLOW_FLIPPED);
	assert_memory_equal(flow_orig_addr(a.f), "\x0a\x00\x00\x01", 4);
	assert_int_equal(flow_orig_port(a.f), 40000);
	assert_int_equal(a.f->dir[1].pkts, 1);
	struct seen b = feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, ACK, 0), T0 + 1);
	assert_true(b.orig);
	assert_string_equal(a.f->history, "^hA");

	/* Mid-stream data from the server first, then the client's SYN: flipped
	 * at the SYN (port reuse aside), letters so far change case. */
	struct seen c = feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40001, ACK | PSH, 100), T0);
	assert_true(c.orig);
	assert_string_equal(c.f->history, "D");
	struct seen d = feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40001, 80, SYN, 0), T0 + 1);
	assert_true(d.orig);
	assert_true(d.res & FLOW_FLIPPED);
	assert_string_equal(c.f->history, "d^S");
	assert_int_equal(c.f->dir[0].pkts, 1); /* the SYN */
	assert_int_equal(c.f->dir[1].payload_bytes, 100);
	assert_int_equal(flow_orig_port(c.f), 40001);
	/* A second SYN from the other side changes nothing any more. */
	struct seen d2 = feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40001, SYN, 0), T0 + 2);
	assert_false(d2.orig);
	assert_false(d2.res & FLOW_FLIPPED);

	/* ICMP echo reply first: its sender is the responder. */
	struct seen i = feed(ft, mk4(&t, SERVER, CLIENT, ICMP, 0, 0, 0, 56), T0);
	assert_false(i.orig);
	struct seen j = feed(ft, mk4(&t, CLIENT, SERVER, ICMP, 8, 0, 0, 56), T0 + 1);
	assert_ptr_equal(i.f, j.f);
	assert_true(j.orig);
	assert_int_equal(flow_orig_port(i.f), 8);
	assert_int_equal(flow_resp_port(i.f), 0);
	/* UDP: the first packet's sender. */
	struct seen u = feed(ft, mk4(&t, SERVER, CLIENT, UDP, 53, 5000, 0, 10), T0);
	assert_true(u.orig);
	assert_memory_equal(flow_orig_addr(u.f), "\x0a\x00\x00\x02", 4);
	assert_int_equal(ft->k.flips, 1); /* only the later flip counts; first-packet ones do not */
	flow_table_free(ft);
}

/* ---- timeouts ---------------------------------------------------------------- */

/* Each class has its idle timeout: found at deadline - 1 ns, ended (and
 * replaced by a new flow) at the deadline, by lookup or by the sweep. */
static void test_idle_timeouts(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;
	struct {
		struct pkt *(*mk)(struct tpkt *, uint32_t, uint32_t, uint8_t, uint16_t, uint16_t, uint16_t, uint32_t);
		uint8_t proto;
		uint16_t flags;
		uint64_t timeout;
	} cases[] = {
		{mk4, UDP, 0, 60 * SEC},
		{mk4, ICMP, 0, 30 * SEC},
		{mk4, GRE, 0, 60 * SEC},
		{mk4, TCP, SYN, 30 * SEC},       /* handshake */
		{mk4, TCP, ACK | PSH, 300 * SEC}, /* mid-stream: established */
	};
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint16_t sp = cases[c].proto == ICMP ? 8 : (uint16_t)(1000 + c);
		struct seen a = feed(ft, cases[c].mk(&t, CLIENT, SERVER, cases[c].proto, sp, 0, cases[c].flags, 10), T0);
		uint64_t id = a.f->id;
		struct seen b =
			feed(ft, cases[c].mk(&t, CLIENT, SERVER, cases[c].proto, sp, 0, cases[c].flags, 10), T0 + cases[c].timeout - 1);
		assert_int_equal(b.f->id, id);
		assert_false(b.created);
		/* Idle from its last packet: due at last + timeout. */
		unsigned before = e.n;
		struct seen d = feed(ft, cases[c].mk(&t, CLIENT, SERVER, cases[c].proto, sp, 0, cases[c].flags, 10),
				     T0 + 2 * cases[c].timeout - 1);
		assert_true(d.created);
		assert_int_not_equal(d.f->id, id);
		assert_int_equal(e.n, before + 1);
		assert_int_equal(e.id[before], id);
		assert_int_equal(e.reason[before], FLOW_END_IDLE_TIMEOUT);
	}
	assert_int_equal(ft->k.ended[FLOW_END_IDLE_TIMEOUT], 5);

	/* The sweep ends them without a packet: not before their deadline. */
	unsigned before = e.n;
	assert_int_equal(flow_expire(ft, T0 + 2 * 30 * SEC - 2, 100, NULL, NULL), 0);
	assert_int_equal(flow_expire(ft, T0 + 3 * 30 * SEC, 100, NULL, NULL), 2);    /* ICMP, TCP handshake */
	assert_int_equal(flow_expire(ft, T0 + 3 * 60 * SEC, 100, NULL, NULL), 2);    /* UDP, other */
	assert_int_equal(flow_expire(ft, T0 + 899 * SEC, 100, NULL, NULL), 0);
	assert_int_equal(flow_expire(ft, T0 + 900 * SEC, 100, NULL, NULL), 1);       /* TCP established */
	assert_int_equal(e.n, before + 5);
	assert_int_equal(ft->k.in_use, 0);

	/* The deadline follows the last packet: an active flow is not ended by
	 * the sweep (it is refiled), one that stops is. */
	struct seen a = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 1, 2, 0, 1), T0 + 1000 * SEC);
	for (unsigned s = 1; s <= 10; s++) {
		feed(ft, mk4(&t, CLIENT, SERVER, UDP, 1, 2, 0, 1), T0 + (1000 + 50 * s) * SEC);
		assert_int_equal(flow_expire(ft, T0 + (1000 + 50 * s) * SEC, 100, NULL, NULL), 0);
	}
	assert_int_equal(flow_expire(ft, T0 + 1559 * SEC, 100, NULL, NULL), 0);
	assert_int_equal(flow_expire(ft, T0 + 1560 * SEC, 100, NULL, NULL), 1);
	assert_int_equal(e.id[e.n - 1], a.f->id);

	/* Time going backwards (a second input that is older) breaks nothing. */
	struct seen o = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 7, 8, 0, 1), T0 + 2000 * SEC);
	struct seen o2 = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 7, 8, 0, 1), T0);
	assert_ptr_equal(o.f, o2.f);
	assert_int_equal(flow_expire(ft, T0, 100, NULL, NULL), 0);
	assert_int_equal(flow_expire(ft, T0 + 2061 * SEC, 100, NULL, NULL), 1);
	flow_table_free(ft);
}

/* FIN from both sides or a RST closes a TCP flow; it lingers 5 s (late
 * packets still count, without extending it) and ends with fin / rst. A
 * SYN on a closed flow starts a new one at once. */
static void test_fin_rst_linger(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;
	struct seen a = feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, SYN, 0), T0);
	assert_int_equal(a.f->tcp_state, FLOW_TCP_HANDSHAKE);
	feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40000, SYN | ACK, 0), T0 + 1);
	feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, ACK, 0), T0 + 2);
	assert_int_equal(a.f->tcp_state, FLOW_TCP_ESTABLISHED);
	struct seen f1 = feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, FIN | ACK, 0), T0 + SEC);
	assert_int_equal(a.f->tcp_state, FLOW_TCP_CLOSING);
	assert_false(f1.res & FLOW_CLOSED);
	struct seen f2 = feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40000, FIN | ACK, 0), T0 + 2 * SEC);
	assert_true(f2.res & FLOW_CLOSED);
	assert_int_equal(a.f->tcp_state, FLOW_TCP_CLOSED);
	/* The last ACK 4 s later still counts, but does not extend the linger. */
	feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, ACK, 0), T0 + 6 * SEC);
	assert_int_equal(flow_expire(ft, T0 + 7 * SEC - 1, 100, NULL, NULL), 0);
	assert_int_equal(flow_expire(ft, T0 + 7 * SEC, 100, NULL, NULL), 1);
	assert_int_equal(e.reason[0], FLOW_END_FIN);
	assert_string_equal(strstr(e.json[0], "\"orig_pkts\""), "\"orig_pkts\":4,\"orig_bytes\":216,\"orig_payload_bytes\":0,"
		"\"resp_pkts\":2,\"resp_bytes\":108,\"resp_payload_bytes\":0,\"orig_tcp_flags\":19,\"resp_tcp_flags\":19,"
		"\"history\":\"ShAFf\",\"tcp_state\":\"closed\",\"end_reason\":\"fin\"}\n");

	/* RST. */
	struct seen r = feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40001, 80, SYN, 0), T0 + 20 * SEC);
	struct seen r2 = feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40001, RST | ACK, 0), T0 + 21 * SEC);
	assert_true(r2.res & FLOW_CLOSED);
	assert_string_equal(r.f->history, "Sr");
	assert_int_equal(flow_expire(ft, T0 + 26 * SEC - 1, 100, NULL, NULL), 0);
	assert_int_equal(flow_expire(ft, T0 + 26 * SEC, 100, NULL, NULL), 1);
	assert_int_equal(e.reason[1], FLOW_END_RST);

	/* Port reuse: a SYN on the closed flow ends it and starts a new one. */
	struct seen p = feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40002, 80, RST, 0), T0 + 30 * SEC);
	uint64_t old_id = p.f->id;
	struct seen q = feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40002, SYN, 0), T0 + 31 * SEC);
	assert_true(q.res & FLOW_RESTARTED);
	assert_true(q.orig); /* the new SYN's sender */
	assert_ptr_equal(q.f, p.f);
	assert_int_not_equal(q.f->id, old_id);
	assert_int_equal(e.id[2], old_id);
	assert_int_equal(e.reason[2], FLOW_END_RST);
	assert_int_equal(q.f->tcp_state, FLOW_TCP_HANDSHAKE);
	assert_string_equal(q.f->history, "S");
	assert_int_equal(flow_orig_port(q.f), 80);
	assert_int_equal(ft->k.restarts, 1);
	assert_int_equal(ft->k.ended[FLOW_END_FIN], 1);
	assert_int_equal(ft->k.ended[FLOW_END_RST], 2);
	flow_table_free(ft);
}

/* A flow active longer than the active timeout emits its record and goes
 * on as the next record of the same flow. */
static void test_active_timeout(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;
	struct flow *f = NULL;
	for (unsigned s = 0; s <= 2000; s += 10) {
		struct seen x = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 123, 123, 0, 48), T0 + s * SEC);
		if (!f)
			f = x.f;
		assert_ptr_equal(x.f, f);
		assert_int_equal(x.created, s == 0);
	}
	assert_int_equal(e.n, 1);
	assert_int_equal(e.reason[0], FLOW_END_ACTIVE_TIMEOUT);
	assert_int_equal(e.id[0], f->id);
	/* Packets at 0..1790 s in the first record, 1800.. in the second. */
	assert_non_null(strstr(e.json[0], "\"record\":0,\"start\":1700000000.000000000,\"end\":1700001790.000000000,"
					  "\"duration\":1790.000000000"));
	assert_non_null(strstr(e.json[0], "\"orig_pkts\":180,"));
	assert_int_equal(f->record, 1);
	assert_int_equal(f->dir[0].pkts, 21);
	assert_int_equal(f->first_ns, T0 + 1800 * SEC);
	flow_end_all(ft, NULL, NULL);
	assert_non_null(strstr(e.json[1], "\"record\":1,"));
	assert_non_null(strstr(e.json[1], "\"end_reason\":\"shutdown\""));
	assert_int_equal(ft->k.created, 1);
	flow_table_free(ft);
}

/* ---- eviction ----------------------------------------------------------------- */

/* A full table evicts the flow nearest its deadline: a closed TCP flow
 * first, else the one idle longest; the reason is evicted (or the timeout's
 * when already due); in_use never passes the table size. */
static void test_eviction(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(4, &e);
	struct tpkt t;
	uint64_t id[5];
	for (unsigned i = 0; i < 4; i++)
		id[i] = feed(ft, mk4(&t, CLIENT, SERVER, UDP, (uint16_t)(1000 + i), 53, 0, 10), T0 + i * SEC).f->id;
	assert_int_equal(ft->k.in_use, 4);
	/* Flow 0 is refreshed: flow 1 is now the oldest idle. */
	feed(ft, mk4(&t, CLIENT, SERVER, UDP, 1000, 53, 0, 10), T0 + 4 * SEC);
	id[4] = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 1004, 53, 0, 10), T0 + 5 * SEC).f->id;
	assert_int_equal(e.n, 1);
	assert_int_equal(e.id[0], id[1]);
	assert_int_equal(e.reason[0], FLOW_END_EVICTED);
	assert_int_equal(ft->k.in_use, 4);
	/* A closed TCP flow goes before older UDP ones. */
	uint64_t closed_id = feed(ft, mk4(&t, CLIENT, SERVER, TCP, 5, 6, RST, 0), T0 + 6 * SEC).f->id;
	assert_int_equal(e.id[1], id[2]); /* making room for the TCP flow */
	feed(ft, mk4(&t, CLIENT, SERVER, UDP, 1005, 53, 0, 10), T0 + 7 * SEC);
	assert_int_equal(e.id[2], closed_id);
	assert_int_equal(e.reason[2], FLOW_END_EVICTED);
	/* A flow already past its deadline ends with its timeout's reason. */
	feed(ft, mk4(&t, CLIENT, SERVER, UDP, 1006, 53, 0, 10), T0 + 100 * SEC);
	assert_int_equal(e.reason[3], FLOW_END_IDLE_TIMEOUT);
	assert_int_equal(ft->k.ended[FLOW_END_EVICTED], 3);
	assert_int_equal(ft->k.ended[FLOW_END_IDLE_TIMEOUT], 1);
	assert_int_equal(ft->k.created, 8);
	assert_int_equal(ft->k.in_use_max, 4);

	/* A flood of new flows: every one beyond the size evicts one. */
	for (unsigned i = 0; i < 1000; i++)
		feed(ft, mk4(&t, IP(192, 168, i >> 8, i & 255), SERVER, TCP, 1234, 80, SYN, 0), T0 + 200 * SEC + i);
	assert_int_equal(ft->k.in_use, 4);
	assert_int_equal(ft->k.created, 1008);
	assert_int_equal(ft->k.ended[FLOW_END_EVICTED] + ft->k.ended[FLOW_END_IDLE_TIMEOUT], 1004);
	flow_table_free(ft);
}

/* The sweep ends at most `max` flows per call and picks up where it
 * stopped. */
static void test_sweep_bounded(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(2048, &e);
	struct tpkt t;
	for (unsigned i = 0; i < 1000; i++)
		feed(ft, mk4(&t, IP(10, 1, i >> 8, i & 255), SERVER, UDP, 1, 2, 0, 1), T0 + i * 1000);
	unsigned calls = 0, total = 0, n;
	while ((n = flow_expire(ft, T0 + 61 * SEC, 10, NULL, NULL)) > 0) {
		assert_true(n <= 10);
		total += n;
		calls++;
	}
	assert_int_equal(total, 1000);
	assert_int_equal(calls, 100);
	assert_int_equal(ft->k.in_use, 0);
	assert_int_equal(ft->k.ended[FLOW_END_IDLE_TIMEOUT], 1000);
	/* A far jump in time with an empty table is cheap and harmless. */
	assert_int_equal(flow_expire(ft, T0 + 86400 * 365 * SEC, 10, NULL, NULL), 0);
	flow_table_free(ft);
}

/* ---- hash flooding ---------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100,000 keys that all collide under a naive hash (src ^ dst ^ ports is the
 * same for every one) still spread: probes per lookup stay about 1 and the
 * longest probe sequence short; lookups cost about what random keys cost. */
static void test_hash_flooding(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct ended e;
	struct flow_table *ft = table(131072, &e);
	struct flow_key *keys = calloc(N, sizeof(*keys));
	assert_non_null(keys);
	uint32_t naive0 = 0;
	for (uint32_t i = 0; i < N; i++) {
		struct flow_key *k = &keys[i];
		uint32_t src = 0x0a000000u + i, dst = src ^ 0x5a5a5a5au; /* src ^ dst constant */
		memcpy(k->src, &src, 4);
		memcpy(k->dst, &dst, 4);
		k->sport = 1234;
		k->dport = 80;
		k->proto = TCP;
		k->ip_version = 4;
		k->vlan = FLOW_VLAN_NONE;
		uint32_t naive = src ^ dst ^ ((uint32_t)k->sport << 16 | k->dport);
		if (i == 0)
			naive0 = naive;
		assert_int_equal(naive, naive0); /* one bucket for all under the naive hash */
	}
	int orig, created;
	double t0 = now_s();
	for (uint32_t i = 0; i < N; i++)
		assert_non_null(flow_lookup_or_create(ft, &keys[i], T0, &orig, &created));
	double t1 = now_s();
	assert_int_equal(ft->k.in_use, N);
	uint64_t probes0 = ft->k.probes, lookups0 = ft->k.lookups;
	for (uint32_t i = 0; i < N; i++) {
		assert_non_null(flow_lookup_or_create(ft, &keys[i], T0, &orig, &created));
		assert_false(created);
	}
	double t2 = now_s();
	double per_probe = (double)(ft->k.probes - probes0) / (double)(ft->k.lookups - lookups0);
	print_message("hash flooding: %u colliding keys: %.2f probes/lookup, longest %u, insert %.0f ns, lookup %.0f ns\n",
		      N, per_probe, ft->k.max_probe, (t1 - t0) / N * 1e9, (t2 - t1) / N * 1e9);
	assert_true(per_probe < 2.0);
	assert_true(ft->k.max_probe < 40);
	flow_end_all(ft, NULL, NULL);

	/* Random keys, for comparison. */
	for (uint32_t i = 0; i < N; i++) {
		uint32_t r = (uint32_t)rand();
		memcpy(keys[i].src, &r, 4);
	}
	double t3 = now_s();
	for (uint32_t i = 0; i < N; i++)
		flow_lookup_or_create(ft, &keys[i], T0, &orig, &created);
	double t4 = now_s();
	print_message("hash flooding: random keys: insert %.0f ns\n", (t4 - t3) / N * 1e9);
	free(keys);
	flow_table_free(ft);
}

/* ---- history and records ------------------------------------------------------- */

/* The history string of a whole connection, as Zeek writes it. */
static void test_history(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;
	struct seen a = feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, SYN, 0), T0);
	feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40000, SYN | ACK, 0), T0 + 1);
	feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, ACK, 0), T0 + 2);
	feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, ACK | PSH, 100), T0 + 3);
	feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40000, ACK, 0), T0 + 4);
	feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40000, ACK | PSH, 1000), T0 + 5);
	feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, ACK | PSH, 100), T0 + 6); /* letters once */
	feed(ft, mk4(&t, CLIENT, SERVER, TCP, 40000, 80, FIN | ACK, 0), T0 + 7);
	feed(ft, mk4(&t, SERVER, CLIENT, TCP, 80, 40000, FIN | ACK, 0), T0 + 8);
	assert_string_equal(a.f->history, "ShADadFf");
	assert_int_equal(a.f->dir[0].tcp_flags, SYN | ACK | PSH | FIN);
	assert_int_equal(a.f->dir[1].tcp_flags, SYN | ACK | PSH | FIN);
	/* tcpreasm's letters: T retransmission, G gap. */
	flow_history_add(a.f, 0, 'G'); /* from the responder */
	flow_history_add(a.f, 0, 'g'); /* once per direction */
	flow_history_add(a.f, 1, 'T'); /* from the originator */
	assert_string_equal(a.f->history, "ShADadFfgT");
	/* UDP: data both ways. */
	struct seen u = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 5000, 53, 0, 30), T0);
	feed(ft, mk4(&t, SERVER, CLIENT, UDP, 53, 5000, 0, 60), T0 + 1);
	assert_string_equal(u.f->history, "Dd");
	/* Packets cut by the snaplen still count as data (IP length). */
	struct pkt *p = mk4(&t, CLIENT, SERVER, TCP, 40005, 80, ACK, 1400);
	p->payload_len = 0;
	assert_int_equal(flow_pkt_payload_wirelen(p), 1400);
	struct seen x = feed(ft, p, T0);
	assert_string_equal(x.f->history, "D");
	assert_int_equal(x.f->dir[0].payload_bytes, 1400);
	flow_table_free(ft);
}

/* A record is one JSON line with every field, addresses as text; a short
 * buffer gets a truncated, terminated string and the needed length. */
static void test_record_json(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;
	struct pkt *p = mk4(&t, CLIENT, SERVER, UDP, 5000, 53, 0, 30);
	p->vlan_count = 1;
	p->vlan_id[0] = 42;
	struct flow_key k;
	assert_true(flow_key_from_pkt(p, 7, &k));
	int orig, created;
	struct flow *f = flow_lookup_or_create(ft, &k, T0 + 250000000ull, &orig, &created);
	flow_update(ft, f, p, orig, T0 + 250000000ull);
	p = mk4(&t, SERVER, CLIENT, UDP, 53, 5000, 0, 60);
	p->vlan_count = 1;
	p->vlan_id[0] = 42;
	assert_true(flow_key_from_pkt(p, 7, &k));
	f = flow_lookup_or_create(ft, &k, T0 + 750000001ull, &orig, &created);
	flow_update(ft, f, p, orig, T0 + 750000001ull);
	flow_end_all(ft, NULL, NULL);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.json[0],
			    "{\"flow_id\":1,\"record\":0,\"start\":1700000000.250000000,\"end\":1700000000.750000001,"
			    "\"duration\":0.500000001,\"proto\":\"udp\",\"ip_proto\":17,\"ip_version\":4,"
			    "\"orig_h\":\"10.0.0.1\",\"orig_p\":5000,\"resp_h\":\"10.0.0.2\",\"resp_p\":53,\"vlan\":42,"
			    "\"tunnel\":7,\"orig_pkts\":1,\"orig_bytes\":72,\"orig_payload_bytes\":30,\"resp_pkts\":1,"
			    "\"resp_bytes\":102,\"resp_payload_bytes\":60,\"history\":\"Dd\",\"end_reason\":\"shutdown\"}\n");

	/* IPv6 text addresses, TCP fields, snprintf semantics. */
	struct seen s = feed(ft, mk6(&t, 1, 0xabcd, TCP, 50000, 443, SYN, 0), T0);
	char line[600];
	s.f->end_reason = FLOW_END_IDLE_TIMEOUT;
	int n = flow_record_json(s.f, line, sizeof(line));
	assert_int_equal(n, (int)strlen(line));
	assert_non_null(strstr(line, "\"orig_h\":\"2001:db8::1\",\"orig_p\":50000,\"resp_h\":\"2001:db8::abcd\",\"resp_p\":443"));
	assert_non_null(strstr(line, "\"orig_tcp_flags\":2,\"resp_tcp_flags\":0,\"history\":\"S\",\"tcp_state\":\"handshake\","
				     "\"end_reason\":\"idle_timeout\"}\n"));
	assert_null(strstr(line, "vlan"));
	char small[40];
	assert_int_equal(flow_record_json(s.f, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, line, sizeof(small) - 1);
	FILE *out = tmpfile();
	assert_int_equal(flow_record_write(s.f, out), 0);
	assert_int_equal(ftell(out), n);
	fclose(out);
	flow_table_free(ft);
}

/* Record numbers are written in place, two digits at a time: 0, powers of
 * ten and their neighbours, and UINT64_MAX come out as printf writes them,
 * whether the record goes straight into a large buffer or through a small one. */
static void test_record_numbers(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;
	struct seen s = feed(ft, mk4(&t, CLIENT, SERVER, UDP, 5000, 53, 0, 30), T0);
	static const uint64_t vals[] = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 4294967295ull,
					4294967296ull, 9999999999999999999ull, 10000000000000000000ull, UINT64_MAX};
	unsigned nv = sizeof(vals) / sizeof(vals[0]);
	for (unsigned i = 0; i < nv + 2 * 19; i++) {
		/* then every power of ten from 10 and the number below it */
		uint64_t p10 = 1;
		for (unsigned j = 0; i >= nv && j <= (i - nv) / 2; j++)
			p10 *= 10;
		uint64_t v = i < nv ? vals[i] : p10 - ((i - nv) & 1);
		s.f->dir[0].pkts = v;
		s.f->dir[1].bytes = v;
		s.f->first_ns = v;
		s.f->dir[0].last_ns = s.f->dir[1].last_ns = v;
		char want[200], line[1024], small[300];
		int n = flow_record_json(s.f, line, sizeof(line));
		assert_int_equal(n, (int)strlen(line));
		snprintf(want, sizeof(want), "\"start\":%llu.%09llu,\"end\":%llu.%09llu,\"duration\":0.000000000,",
			 (unsigned long long)(v / 1000000000ull), (unsigned long long)(v % 1000000000ull),
			 (unsigned long long)(v / 1000000000ull), (unsigned long long)(v % 1000000000ull));
		assert_non_null(strstr(line, want));
		snprintf(want, sizeof(want), "\"orig_pkts\":%llu,", (unsigned long long)v);
		assert_non_null(strstr(line, want));
		snprintf(want, sizeof(want), "\"resp_bytes\":%llu,", (unsigned long long)v);
		assert_non_null(strstr(line, want));
		assert_int_equal(flow_record_json(s.f, small, sizeof(small)), n);
		assert_memory_equal(small, line, strlen(small));
	}
	flow_table_free(ft);
}

/* Every counter has a name; the stats object names the end reasons. */
static void test_counter_names(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(8, &e);
	struct tpkt t;
	feed(ft, mk4(&t, CLIENT, SERVER, UDP, 1, 2, 0, 1), T0);
	for (unsigned i = 0; i < flow_counter_count(); i++)
		assert_non_null(flow_counter_name(i));
	assert_null(flow_counter_name(flow_counter_count()));
	assert_string_equal(flow_counter_name(0), "created");
	assert_int_equal(flow_counter_value(&ft->k, 0), 1);
	assert_string_equal(flow_counter_name(1 + FLOW_END_EVICTED), "ended.evicted");
	for (unsigned r = 0; r < FLOW_END_COUNT; r++)
		assert_non_null(flow_end_reason_name(r));
	assert_null(flow_end_reason_name(FLOW_END_COUNT));
	for (unsigned c = 0; c < FLOW_CLASS_COUNT; c++)
		assert_non_null(flow_class_name(c));
	char buf[2048] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	flow_write_stats_json(ft, f);
	fclose(f);
	assert_non_null(strstr(buf, "\"created\": 1, \"ended\": {\"fin\": 0, \"rst\": 0, \"idle_timeout\": 0,"));
	assert_non_null(strstr(buf, "\"in_use\": 1"));
	flow_table_free(ft);
}

/* Bad sizes are refused with a message. */
static void test_init_errors(void **state)
{
	(void)state;
	struct flow_table ft;
	struct flow_config cfg = {.table_size = 0};
	flow_timeouts_default(&cfg.timeouts);
	char err[256];
	assert_int_equal(flow_table_init(&ft, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range"));
	cfg.table_size = 5; /* rounded up */
	assert_int_equal(flow_table_init(&ft, &cfg, err, sizeof(err)), 0);
	assert_int_equal(ft.nflows, 8);
	flow_table_free(&ft);
}

/* Which records come out does not depend on how often the sweep runs:
 * a replay swept before every packet, never swept, and swept in small
 * bounded steps gives the same records (in another order). */
struct recset {
	unsigned n;
	char lines[2048][640];
};

static void rec_collect(void *ctx, struct flow *f, enum flow_end_reason reason)
{
	(void)reason;
	struct recset *r = ctx;
	assert_true(r->n < 2048);
	flow_record_json(f, r->lines[r->n++], sizeof(r->lines[0]));
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void replay(struct recset *out, int sweep_every, unsigned sweep_max)
{
	struct flow_table ft;
	struct flow_config cfg = {.table_size = 1024, .on_end = rec_collect, .on_end_ctx = out, .hash_key = test_key};
	flow_timeouts_default(&cfg.timeouts);
	char err[256];
	memset(out, 0, sizeof(*out));
	assert_int_equal(flow_table_init(&ft, &cfg, err, sizeof(err)), 0);
	uint64_t x = 12345, now = T0;
	struct tpkt t;
	for (unsigned i = 0; i < 2000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		unsigned r = (unsigned)(x >> 33);
		now += (uint64_t)(r % 400) * SEC / 100; /* 0 .. 4 s */
		unsigned fl = r % 23;
		bool rev = (r >> 5) & 1;
		uint32_t c = IP(10, 3, 0, fl), srv = SERVER;
		struct pkt *p;
		if (fl < 8) {
			static const uint16_t tcpflags[] = {SYN, SYN | ACK, ACK, ACK | PSH, ACK | PSH, FIN | ACK, RST, ACK};
			uint16_t fls = tcpflags[(r >> 8) % 8];
			p = rev ? mk4(&t, srv, c, TCP, 80, 3000, fls, (r >> 12) % 3 * 100)
				: mk4(&t, c, srv, TCP, 3000, 80, fls, (r >> 12) % 3 * 100);
		} else if (fl < 18) {
			p = rev ? mk4(&t, srv, c, UDP, 53, 4000, 0, 40) : mk4(&t, c, srv, UDP, 4000, 53, 0, 40);
		} else {
			p = rev ? mk4(&t, srv, c, ICMP, 0, 0, 0, 56) : mk4(&t, c, srv, ICMP, 8, 0, 0, 56);
		}
		if (i % 5 == 0) /* one busy flow, long enough for active timeouts */
			p = mk4(&t, IP(10, 3, 1, 1), srv, UDP, 5000, 5001, 0, 100);
		if (sweep_every && i % (unsigned)sweep_every == 0)
			flow_expire(&ft, now, sweep_max, NULL, NULL);
		int orig, created;
		struct flow *f = flow_lookup_or_create_pkt(&ft, p, 0, now, &orig, &created);
		assert_non_null(f);
		flow_update(&ft, f, p, orig, now);
	}
	flow_end_all(&ft, NULL, NULL);
	flow_table_free(&ft);
	qsort(out->lines, out->n, sizeof(out->lines[0]), cmp_lines);
}

static void test_records_independent_of_sweep(void **state)
{
	(void)state;
	static struct recset a, b, c;
	replay(&a, 1, 1000);
	replay(&b, 0, 0);
	replay(&c, 37, 3);
	assert_true(a.n > 100);
	assert_int_equal(b.n, a.n);
	assert_int_equal(c.n, a.n);
	unsigned reasons[FLOW_END_COUNT] = {0};
	for (unsigned i = 0; i < a.n; i++) {
		assert_string_equal(b.lines[i], a.lines[i]);
		assert_string_equal(c.lines[i], a.lines[i]);
		for (unsigned r = 0; r < FLOW_END_COUNT; r++) {
			char want[64];
			snprintf(want, sizeof(want), "\"end_reason\":\"%s\"", flow_end_reason_name(r));
			if (strstr(a.lines[i], want))
				reasons[r]++;
		}
	}
	print_message("sweep independence: %u records (fin %u, rst %u, idle %u, active %u, shutdown %u)\n", a.n,
		      reasons[FLOW_END_FIN], reasons[FLOW_END_RST], reasons[FLOW_END_IDLE_TIMEOUT],
		      reasons[FLOW_END_ACTIVE_TIMEOUT], reasons[FLOW_END_SHUTDOWN]);
	assert_true(reasons[FLOW_END_IDLE_TIMEOUT] > 0);
	assert_true(reasons[FLOW_END_RST] > 0);
	assert_true(reasons[FLOW_END_ACTIVE_TIMEOUT] > 0);
}

/* flow_lookup_or_create_pkt finds what the key path finds, and nothing for
 * a packet without a key. */
static void test_lookup_pkt_variant(void **state)
{
	(void)state;
	struct ended e;
	struct flow_table *ft = table(64, &e);
	struct tpkt t;
	struct seen a = feed(ft, mk6(&t, 1, 2, UDP, 5353, 53, 0, 10), T0);
	int orig, created;
	struct flow *f = flow_lookup_or_create_pkt(ft, mk6(&t, 2, 1, UDP, 53, 5353, 0, 10), 0, T0 + 1, &orig, &created);
	assert_ptr_equal(f, a.f);
	assert_false(orig);
	assert_false(created);
	f = flow_lookup_or_create_pkt(ft, mk6(&t, 2, 1, UDP, 53, 5353, 0, 10), 5, T0 + 1, &orig, &created);
	assert_ptr_not_equal(f, a.f); /* another tunnel context */
	assert_true(created);
	struct pkt *p = mk4(&t, CLIENT, SERVER, UDP, 1, 2, 0, 1);
	p->layers = 0;
	created = 7;
	assert_null(flow_lookup_or_create_pkt(ft, p, 0, T0, &orig, &created));
	assert_int_equal(created, 0);
	flow_table_free(ft);
}

/* Indicative cost of key + lookup + update per packet, per packet and
 * batched, with the packet hot in cache as after decoding (the figure to
 * quote is tests/bench_flow.c's, at -O2 on an idle machine). */
static void test_microbench(void **state)
{
	(void)state;
	enum { FLOWS = 20000, PKTS = 200000, BATCH = 256 };
	struct ended e;
	struct flow_table *ft = table(32768, &e);
	static struct tpkt ring[BATCH];
	static struct flow_batch_item items[BATCH];
	uint32_t x = 1;
	double t0 = now_s();
	for (unsigned i = 0; i < PKTS; i++) {
		x = x * 1103515245u + 12345u;
		unsigned fl = (x >> 8) % FLOWS;
		struct pkt *p = mk4(&ring[0], IP(10, 2, fl >> 8, fl & 255), SERVER, TCP, 1024, 443, ACK, 100);
		struct flow_key k;
		flow_key_from_pkt(p, 0, &k);
		int orig, created;
		struct flow *f = flow_lookup_or_create(ft, &k, T0 + i, &orig, &created);
		flow_update(ft, f, p, orig, T0 + i);
	}
	double t1 = now_s();
	for (unsigned i = 0; i < PKTS; i += BATCH) {
		for (unsigned j = 0; j < BATCH; j++) {
			x = x * 1103515245u + 12345u;
			unsigned fl = (x >> 8) % FLOWS;
			items[j].pkt = mk4(&ring[j], IP(10, 2, fl >> 8, fl & 255), SERVER, TCP, 1024, 443, ACK, 100);
			ring[j].p.ts_ns = T0 + PKTS + i + j;
		}
		flow_track_batch(ft, items, BATCH, NULL, NULL);
	}
	double t2 = now_s();
	print_message("microbench: %.0f ns per packet, %.0f ns batched (packet building included; %u packets over %u flows)\n",
		      (t1 - t0) / PKTS * 1e9, (t2 - t1) / PKTS * 1e9, PKTS, FLOWS);
	assert_int_equal(ft->k.packets, PKTS + (PKTS + BATCH - 1) / BATCH * BATCH);
	assert_int_equal(ft->k.created, FLOWS);
	flow_table_free(ft);
}

/* The batch gives the results of the per-packet loop, calls back in order
 * with the flow valid, and handles packets without a key. */
struct batch_log {
	unsigned n;
	uint64_t ids[64];
	unsigned res[64];
};

static void batch_each(void *ctx, struct flow_batch_item *it)
{
	struct batch_log *l = ctx;
	if (l->n < 64) {
		l->ids[l->n] = it->flow ? it->flow->id : 0;
		l->res[l->n] = it->res;
		if (it->flow)
			assert_int_equal(it->flow->id, it->flow_id);
	}
	l->n++;
}

static void test_batch_matches_per_packet(void **state)
{
	(void)state;
	enum { N = 40 };
	static struct tpkt pk[N];
	struct flow_batch_item items[N];
	for (unsigned i = 0; i < N; i++) {
		unsigned fl = i % 7;
		bool rev = (i / 7) & 1;
		if (i == 13) {
			mk4(&pk[i], CLIENT, SERVER, UDP, 1, 2, 0, 1);
			pk[i].p.layers = 0; /* no key */
			pk[i].p.ip_version = 0;
		} else if (rev) {
			mk4(&pk[i], SERVER, IP(10, 9, 0, fl), TCP, 80, (uint16_t)(2000 + fl), i < 14 ? SYN | ACK : ACK, 10);
		} else {
			mk4(&pk[i], IP(10, 9, 0, fl), SERVER, TCP, (uint16_t)(2000 + fl), 80, i < 7 ? SYN : ACK | PSH, 10);
		}
		pk[i].p.ts_ns = T0 + i * 1000;
		items[i] = (struct flow_batch_item){.pkt = &pk[i].p};
	}
	/* Reference: the per-packet loop. */
	struct ended e1, e2;
	struct flow_table *ft = table(4, &e1); /* small: evictions inside the batch */
	uint64_t ref_ids[N];
	unsigned ref_res[N];
	for (unsigned i = 0; i < N; i++) {
		struct flow_key k;
		ref_ids[i] = 0;
		ref_res[i] = 0;
		if (!flow_key_from_pkt(&pk[i].p, 0, &k))
			continue;
		int orig, created;
		struct flow *f = flow_lookup_or_create(ft, &k, pk[i].p.ts_ns, &orig, &created);
		ref_res[i] = flow_update(ft, f, &pk[i].p, orig, pk[i].p.ts_ns);
		ref_ids[i] = f->id;
	}
	char ref_hist[64];
	snprintf(ref_hist, sizeof(ref_hist), "%llu %llu", (unsigned long long)ft->k.created,
		 (unsigned long long)ft->k.ended[FLOW_END_EVICTED]);
	flow_table_free(ft);

	ft = table(4, &e2);
	struct batch_log log = {0};
	flow_track_batch(ft, items, N, batch_each, &log);
	assert_int_equal(log.n, N);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(log.ids[i], ref_ids[i]);
		assert_int_equal(log.res[i], ref_res[i]);
	}
	assert_null(items[13].flow);
	char hist[64];
	snprintf(hist, sizeof(hist), "%llu %llu", (unsigned long long)ft->k.created,
		 (unsigned long long)ft->k.ended[FLOW_END_EVICTED]);
	assert_string_equal(hist, ref_hist);
	assert_int_equal(e2.n, e1.n);
	for (unsigned i = 0; i < e1.n && i < 64; i++)
		assert_string_equal(e2.json[i], e1.json[i]);
	flow_table_free(ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_key_from_pkt),
		cmocka_unit_test(test_lookup_both_directions),
		cmocka_unit_test(test_originator_rules),
		cmocka_unit_test(test_idle_timeouts),
		cmocka_unit_test(test_fin_rst_linger),
		cmocka_unit_test(test_active_timeout),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_sweep_bounded),
		cmocka_unit_test(test_hash_flooding),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_record_json),
		cmocka_unit_test(test_record_numbers),
		cmocka_unit_test(test_counter_names),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_batch_matches_per_packet),
		cmocka_unit_test(test_records_independent_of_sweep),
		cmocka_unit_test(test_lookup_pkt_variant),
		cmocka_unit_test(test_microbench),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
