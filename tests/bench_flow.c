/* bench_flow.c: cost of flow tracking per packet (key + lookup + update, and
 * the sweep every 256 packets), 1M packets over 100k flows.
 *
 *   gcc -std=gnu11 -O2 -g -Iparsers -Idaemon -o build/bench_flow tests/bench_flow.c \
 *       daemon/flow.c daemon/siphash.c daemon/tcpreasm.c
 *   build/bench_flow [flows] [packets]
 *
 * Each flow is a TCP connection (SYN, SYN-ACK, ACK, data..., FIN, FIN) of
 * packets/flows packets; the packets of all flows are interleaved in random
 * order (each flow's own packets stay in order), the worst case for caches.
 * A second pass replays them in bursts of 8 packets per flow (closer to
 * real traffic). Packet times advance 1 us per packet.
 *
 * As in the capture stage, each packet is first "decoded" into one of 256
 * ring slots (hot in cache), then tracked. The figure is the CPU time
 * (CLOCK_PROCESS_CPUTIME_ID, best of 5) of synthesis + tracking minus that
 * of synthesis alone: what flow tracking adds per packet, once per packet
 * (flow_lookup_or_create_pkt, flow_update) and once with
 * flow_track_batch over batches of 256 (the sweep runs every 256 packets in
 * both). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow.h"

/* A packet as the decoder leaves it in a ring slot. */
struct bpkt {
	struct pkt p;
	uint8_t buf[64];
};

/* The trace: 8 bytes per packet (flow, kind), so the trace itself costs
 * little cache; each packet is synthesized into one of 256 ring slots. */
struct desc {
	uint32_t flow;
	uint8_t kind; /* 0 SYN, 1 SYN-ACK, 2 ACK, 3 data c->s, 4 data s->c, 5 FIN c, 6 FIN s */
};

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* "Decode" packet d into slot b: the fields and bytes flow tracking reads. */
static inline const struct pkt *synth(struct bpkt *b, struct desc d)
{
	static const uint16_t flags[7] = {0x02, 0x12, 0x10, 0x18, 0x18, 0x11, 0x11};
	static const uint8_t to_client[7] = {0, 1, 0, 0, 1, 0, 1};
	uint32_t c = 0x0a000000u + d.flow, s = 0xc0a80001u + (d.flow % 97);
	uint16_t cp = (uint16_t)(1024 + d.flow % 60000), sp = 443;
	uint32_t payload = d.kind == 3 || d.kind == 4 ? 1000 : 0;
	bool rev = to_client[d.kind];
	uint32_t tot = 40 + payload;
	b->buf[0] = 0x45;
	b->buf[2] = (uint8_t)(tot >> 8);
	b->buf[3] = (uint8_t)tot;
	b->buf[9] = 6;
	memcpy(b->buf + 12, rev ? &s : &c, 4);
	memcpy(b->buf + 16, rev ? &c : &s, 4);
	struct pkt *p = &b->p;
	p->data = b->buf;
	p->caplen = 54;
	p->wirelen = 14 + tot;
	p->layers = 1u << LAYER_IPV4 | 1u << LAYER_TCP;
	p->ip_version = 4;
	p->proto = 6;
	p->l4_off = 20;
	p->payload_off = 40;
	p->payload_len = payload ? 14 : 0;
	p->sport = rev ? sp : cp;
	p->dport = rev ? cp : sp;
	p->tcp_flags = flags[d.kind];
	return p;
}

static unsigned ended;
static void on_end(void *ctx, struct flow *f, enum flow_end_reason r)
{
	(void)ctx;
	(void)f;
	(void)r;
	ended++;
}

/* mode 0: synthesis only; 1: per packet; 2: flow_track_batch per 256. */
static double run(const struct desc *trace, uint32_t npk, uint32_t nflows, int mode, uint64_t *sink)
{
	static struct bpkt ring[256];
	static struct flow_batch_item items[256];
	struct flow_table ft;
	struct flow_config cfg = {.table_size = nflows + nflows / 4, .on_end = on_end};
	flow_timeouts_default(&cfg.timeouts);
	char err[256];
	if (flow_table_init(&ft, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	uint64_t t = 1700000000ull * 1000000000ull;
	double t0 = cpu_s();
	for (uint32_t i = 0; mode == 2 && i < npk; i += 256) {
		unsigned n = npk - i < 256 ? npk - i : 256;
		for (unsigned j = 0; j < n; j++, t += 1000) {
			items[j].pkt = synth(&ring[j], trace[i + j]);
			ring[j].p.ts_ns = t;
		}
		flow_track_batch(&ft, items, n, NULL, NULL);
		*sink += items[n - 1].res;
		flow_expire(&ft, t, 64, NULL, NULL);
	}
	for (uint32_t i = 0; mode < 2 && i < npk; i++, t += 1000) {
		const struct pkt *p = synth(&ring[i & 255], trace[i]);
		if (mode == 0) {
			*sink += p->data[12] + p->sport;
			continue;
		}
		int orig, created;
		struct flow *f = flow_lookup_or_create_pkt(&ft, p, 0, t, &orig, &created);
		if (f)
			*sink += flow_update(&ft, f, p, orig, t);
		if ((i & 255) == 255)
			flow_expire(&ft, t, 64, NULL, NULL);
	}
	double el = cpu_s() - t0;
	if (mode && ft.k.created != nflows) {
		fprintf(stderr, "bench: %llu flows created, expected %u\n", (unsigned long long)ft.k.created, nflows);
		exit(1);
	}
	flow_end_all(&ft, NULL, NULL);
	flow_table_free(&ft);
	return el;
}

static void measure(const char *name, const struct desc *trace, uint32_t npk, uint32_t nflows)
{
	uint64_t sink = 0;
	double best_base = 1e9, best_flow = 1e9, best_batch = 1e9;
	for (int r = 0; r < 5; r++) {
		double b = run(trace, npk, nflows, 0, &sink);
		double f = run(trace, npk, nflows, 1, &sink);
		double g = run(trace, npk, nflows, 2, &sink);
		best_base = b < best_base ? b : best_base;
		best_flow = f < best_flow ? f : best_flow;
		best_batch = g < best_batch ? g : best_batch;
	}
	printf("%-18s %u packets over %u flows: flow tracking %.1f ns/packet per packet, %.1f ns/packet with "
	       "flow_track_batch (packet synthesis %.1f ns excluded)%s\n",
	       name, npk, nflows, (best_flow - best_base) / npk * 1e9, (best_batch - best_base) / npk * 1e9,
	       best_base / npk * 1e9, sink == 42 ? " " : "");
}

/* Each flow's packets: SYN, SYN-ACK, ACK, data alternating, FIN, FIN. */
static uint8_t kind_of(uint32_t j, uint32_t per)
{
	if (j < 3)
		return (uint8_t)j;
	if (j == per - 2)
		return 5;
	if (j == per - 1)
		return 6;
	return j & 1 ? 4 : 3;
}

static void shuffle(uint32_t *a, uint32_t n)
{
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(xorshift() % (i + 1));
		uint32_t x = a[i];
		a[i] = a[j];
		a[j] = x;
	}
}

int main(int argc, char **argv)
{
	uint32_t nflows = argc > 1 ? (uint32_t)atoi(argv[1]) : 100000;
	uint32_t npk = argc > 2 ? (uint32_t)atoi(argv[2]) : 1000000;
	uint32_t per = npk / nflows;
	if (per < 6)
		per = 6;
	npk = per * nflows;
	struct desc *trace = calloc(npk, sizeof(*trace));
	uint32_t *slots = malloc(npk * sizeof(*slots));
	uint32_t *next = calloc(nflows, sizeof(*next));
	if (!trace || !slots || !next)
		return 1;

	/* Random interleaving, each flow's packets in order. */
	for (uint32_t i = 0; i < npk; i++)
		slots[i] = i / per;
	shuffle(slots, npk);
	for (uint32_t i = 0; i < npk; i++) {
		uint32_t f = slots[i];
		trace[i] = (struct desc){f, kind_of(next[f]++, per)};
	}
	measure("random interleave:", trace, npk, nflows);

	/* Bursts of 8 packets of one flow, flows in random order. */
	memset(next, 0, nflows * sizeof(*next));
	shuffle(slots, npk);
	uint32_t o = 0;
	for (uint32_t i = 0; i < npk; i++)
		for (unsigned b = 0; b < 8 && next[slots[i]] < per; b++, o++)
			trace[o] = (struct desc){slots[i], kind_of(next[slots[i]]++, per)};
	measure("bursts of 8:", trace, o, nflows);
	printf("(records ended %u)\n", ended);
	free(trace);
	free(slots);
	free(next);
	return 0;
}
