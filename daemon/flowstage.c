/* flowstage.c: flows and TCP streams in the dispatch stage (flowstage.h). */
#include "flowstage.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "pyflow.h"
#include "pymod.h"
#include "reasm.h"

/* A packet that has no flow key: stands in for fragments (the reassembled
 * datagram counts instead) in a batch of lookups. */
static const struct pkt untracked_pkt;

static inline uint32_t flow_idx(const struct flowstage *fs, const struct flow *f)
{
	return (uint32_t)(f - fs->ft.flows);
}

/* Time of the event being handled: the packet's, else (a flow's end, a
 * flush at the end) the latest time the table was given. */
static inline uint64_t event_ts(const struct flowstage *fs)
{
	return fs->cur ? fs->cur->pkt.ts_ns : fs->ft.latest_ns;
}

static inline uint64_t event_frame(const struct flowstage *fs)
{
	return fs->cur ? fs->cur->pkt.frame_no : 0;
}

/* ---- tunnel context --------------------------------------------------------- */

static inline uint32_t fnv(uint32_t h, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

uint32_t flowstage_tunnel_ctx(const struct pkt *p)
{
	if (!p->tunnels)
		return 0;
	unsigned n = p->nhdrs < PKT_MAX_HDRS ? p->nhdrs : PKT_MAX_HDRS;
	int last_ip = -1, tun = -1, tun_ip = -1;
	for (unsigned i = 0; i < n; i++) {
		const struct pkt_hdr *e = &p->hdrs[i];
		if (e->flags & HDR_QUOTED)
			break;
		switch (e->type) {
		case HDR_GRE:
		case HDR_VXLAN:
		case HDR_GENEVE:
		case HDR_GTPU:
		case HDR_L2TP:
			tun = (int)i;
			tun_ip = last_ip;
			break;
		case HDR_IPV4:
		case HDR_IPV6:
			if (i > 0 && (p->hdrs[i - 1].type == HDR_IPV4 || p->hdrs[i - 1].type == HDR_IPV6)) {
				tun = (int)i; /* IP in IP */
				tun_ip = (int)i - 1;
			}
			last_ip = (int)i;
			break;
		default:
			break;
		}
	}
	if (tun < 0)
		return 0;
	const struct pkt_hdr *t = &p->hdrs[tun];
	uint32_t h = fnv(2166136261u, &t->type, 1);
	if (tun_ip >= 0) {
		const struct pkt_hdr *ip = &p->hdrs[tun_ip];
		unsigned alen = ip->type == HDR_IPV4 ? 4 : 16, at = ip->type == HDR_IPV4 ? 12 : 8;
		if (ip->len >= (ip->type == HDR_IPV4 ? 20 : 40) && (uint64_t)ip->off + at + 2 * alen <= p->caplen) {
			/* The endpoints in a fixed order: both directions agree. */
			const uint8_t *a = p->data + ip->off + at, *b = a + alen;
			if (memcmp(a, b, alen) > 0) {
				const uint8_t *x = a;
				a = b;
				b = x;
			}
			h = fnv(fnv(h, a, alen), b, alen);
		}
	}
	/* Ids that are the same both ways: a VNI, a GRE key (not PPTP's call
	 * ids, nor GTP-U TEIDs or L2TP ids, which each side picks). */
	bool sym = t->type == HDR_VXLAN || t->type == HDR_GENEVE ||
		   (t->type == HDR_GRE && (uint64_t)t->off + 2 <= p->caplen && (p->data[t->off + 1] & 7) == 0);
	if (sym && p->tunnel_id) {
		uint8_t id[4] = { (uint8_t)(p->tunnel_id >> 24), (uint8_t)(p->tunnel_id >> 16),
				  (uint8_t)(p->tunnel_id >> 8), (uint8_t)p->tunnel_id };
		h = fnv(h, id, 4);
	}
	return h ? h : 1;
}

/* ---- calling Python ----------------------------------------------------------- */

/* Call fn(*args) for plugin p: time, errors, end of the epoch. */
static void invoke(struct flowstage *fs, struct plugin *p, PyObject *fn, PyObject *const *args, size_t nargs,
		   const char *name)
{
	pymod_set_current_plugin(p->name);
	/* The ring's tick counter: two clock_gettime calls were 5% of
	 * dns.py's loop, and there is a call or more per packet here. */
	uint64_t t0 = ring_clock();
	PyObject *res = PyObject_Vectorcall(fn, args, nargs, NULL);
	pymod_epoch_end();
	p->time_ns += (uint64_t)((double)(ring_clock() - t0) * fs->ns_per_tick);
	if (!res) {
		plugin_error(fs->host, p, name);
	} else {
		plugin_ok(p);
		Py_DECREF(res);
	}
}

static void reclaim_handle(struct flowstage *fs)
{
	int r = pyflow_reclaim(&fs->handle);
	if (r > 0)
		fs->k.handles_retained++;
	else if (r < 0)
		PyErr_Clear();
}

/* Reassembly stops for f once no stream plugin that saw it still wants it. */
static void check_ignored(struct flowstage *fs, struct flow *f, uint32_t idx)
{
	uint64_t saw = fs->seen[idx] & fs->stream_mask;
	if (saw && !(saw & ~fs->ignored[idx]) &&
	    (f->ignored & (FLOW_IGNORE_ORIG | FLOW_IGNORE_RESP)) != (FLOW_IGNORE_ORIG | FLOW_IGNORE_RESP)) {
		flow_ignore(f, FLOW_IGNORE_ORIG | FLOW_IGNORE_RESP);
		fs->k.flows_ignored++;
	}
}

void flowstage_ignore(struct flowstage *fs, struct flow *f, unsigned plugin)
{
	uint32_t idx = flow_idx(fs, f);
	fs->k.ignores++;
	fs->ignored[idx] |= 1ull << plugin;
	check_ignored(fs, f, idx);
}

static void call_starts(struct flowstage *fs, struct flow *f, uint64_t mask, int orig)
{
	for (; mask; mask &= mask - 1) {
		unsigned b = (unsigned)__builtin_ctzll(mask);
		struct plugin *p = &fs->host->plugins[b];
		if (p->disabled)
			continue;
		pyflow_bind(fs->handle, fs, f, b, orig, event_ts(fs), event_frame(fs));
		PyObject *args[1] = { fs->handle };
		invoke(fs, p, p->on_flow_start, args, 1, "on_flow_start");
		p->flow_calls++;
		fs->k.starts++;
		reclaim_handle(fs);
	}
}

static void call_packet(struct flowstage *fs, unsigned b, struct ring_slot *s, struct flow *f, int orig)
{
	struct plugin *p = &fs->host->plugins[b];
	p->matched++;
	if (p->disabled) {
		p->skipped_disabled++;
		return;
	}
	if (p->packet_filter && !plugin_packet_match(fs->host, p, &s->pkt)) {
		p->packet_filtered++;
		return;
	}
	pymod_packet_bind(p->packet, s);
	bool with_flow = f && ((fs->flow_mask >> b) & 1);
	if (with_flow) {
		pyflow_bind(fs->handle, fs, f, b, orig, s->pkt.ts_ns, s->pkt.frame_no);
		pymod_packet_set_flow(p->packet, fs->handle);
	}
	PyObject *args[1] = { p->packet };
	invoke(fs, p, p->on_packet, args, 1, "on_packet");
	p->calls++;
	p->dispatched++;
	if (with_flow)
		pymod_packet_set_flow(p->packet, NULL);
	if (pymod_packet_reclaim(&p->packet) < 0)
		PyErr_Clear();
	if (with_flow)
		reclaim_handle(fs);
}

/* ---- reassembly and table callbacks --------------------------------------------- */

static void on_deliver(void *ctx, struct flow *f, int from_orig, const uint8_t *data, uint32_t len)
{
	struct flowstage *fs = ctx;
	uint32_t idx = flow_idx(fs, f);
	uint64_t mask = fs->seen[idx] & fs->stream_mask & ~fs->ignored[idx];
	const struct pkt *cp = fs->cur ? &fs->cur->pkt : NULL;
	uintptr_t at = (uintptr_t)data, base = cp ? (uintptr_t)cp->data : 0;
	bool in_pkt = cp && at >= base && at + len <= base + cp->caplen;
	for (; mask; mask &= mask - 1) {
		unsigned b = (unsigned)__builtin_ctzll(mask);
		struct plugin *p = &fs->host->plugins[b];
		if (p->disabled) {
			fs->ignored[idx] |= 1ull << b;
			continue;
		}
		if (!p->on_stream)
			continue;
		if (in_pkt)
			pymod_view_bind_slot(fs->view, data, len, fs->cur);
		else
			pymod_view_bind_copy(fs->view, data, len);
		pyflow_bind(fs->handle, fs, f, b, from_orig, event_ts(fs), event_frame(fs));
		PyObject *args[3] = { fs->handle, from_orig ? Py_True : Py_False, fs->view };
		invoke(fs, p, p->on_stream, args, 3, "on_stream");
		p->stream_calls++;
		p->stream_bytes += len;
		fs->k.streams++;
		fs->k.stream_bytes += len;
		fs->k.stream_held += !in_pkt;
		if (pymod_view_reclaim(&fs->view) < 0)
			PyErr_Clear();
		reclaim_handle(fs);
	}
	check_ignored(fs, f, idx);
}

static void on_gap(void *ctx, struct flow *f, int from_orig, uint32_t nbytes)
{
	struct flowstage *fs = ctx;
	uint32_t idx = flow_idx(fs, f);
	uint64_t mask = fs->seen[idx] & fs->stream_mask & ~fs->ignored[idx];
	for (; mask; mask &= mask - 1) {
		unsigned b = (unsigned)__builtin_ctzll(mask);
		struct plugin *p = &fs->host->plugins[b];
		if (p->disabled) {
			fs->ignored[idx] |= 1ull << b;
			continue;
		}
		if (!p->on_gap)
			continue;
		pyflow_bind(fs->handle, fs, f, b, from_orig, event_ts(fs), event_frame(fs));
		PyObject *n = PyLong_FromUnsignedLong(nbytes);
		if (!n) {
			PyErr_Clear();
			continue;
		}
		PyObject *args[3] = { fs->handle, from_orig ? Py_True : Py_False, n };
		invoke(fs, p, p->on_gap, args, 3, "on_gap");
		Py_DECREF(n);
		p->stream_calls++;
		fs->k.gaps++;
		reclaim_handle(fs);
	}
	check_ignored(fs, f, idx);
}

/* A record ended (or, active_timeout, was split). */
static void on_end(void *ctx, struct flow *f, enum flow_end_reason reason)
{
	struct flowstage *fs = ctx;
	if (fs->out) {
		int n = flow_record_json(f, fs->line, sizeof(fs->line));
		if (n > 0 && (size_t)n < sizeof(fs->line) && fwrite_unlocked(fs->line, 1, (size_t)n, fs->out) == (size_t)n)
			fs->k.records++;
		else
			fs->k.record_errors++;
	}
	if (reason == FLOW_END_ACTIVE_TIMEOUT || !fs->nplugins)
		return;
	uint32_t idx = flow_idx(fs, f);
	struct ring_slot *cur = fs->cur;
	fs->cur = NULL; /* an end is no packet's event */
	for (uint64_t mask = fs->seen[idx] & fs->end_mask; mask; mask &= mask - 1) {
		unsigned b = (unsigned)__builtin_ctzll(mask);
		struct plugin *p = &fs->host->plugins[b];
		if (p->disabled)
			continue;
		pyflow_bind(fs->handle, fs, f, b, -1, event_ts(fs), 0);
		PyObject *args[2] = { fs->handle, fs->reason_names[reason] };
		invoke(fs, p, p->on_flow_end, args, 2, "on_flow_end");
		p->flow_calls++;
		fs->k.ends++;
		reclaim_handle(fs);
	}
	PyObject **st = flowstage_state(fs, f, 0);
	for (unsigned i = 0; i < fs->nplugins; i++)
		if (st[i]) {
			Py_CLEAR(st[i]);
			fs->k.states_released++;
		}
	fs->seen[idx] = 0;
	fs->ignored[idx] = 0;
	fs->cur = cur;
}

/* ---- per packet --------------------------------------------------------------- */

static void on_item(void *ctx, struct flow_batch_item *it)
{
	struct flowstage *fs = ctx;
	struct ring_slot *s = ring_at(fs->ring, fs->first + (uint64_t)(it - fs->items));
	struct flow *f = it->flow;
	if (!f)
		fs->k.untracked++;
	int orig = (it->res & FLOW_ORIGINATOR) != 0;
	uint32_t idx = f ? flow_idx(fs, f) : 0;
	fs->cur = s;
	if (f) {
		uint64_t fresh = s->plugin_mask & fs->hook_mask & ~fs->seen[idx];
		if (fresh) {
			fs->seen[idx] |= fresh;
			if (fresh & fs->start_mask)
				call_starts(fs, f, fresh & fs->start_mask, orig);
		}
	}
	for (uint64_t m = s->plugin_mask & fs->packet_mask; m; m &= m - 1)
		call_packet(fs, (unsigned)__builtin_ctzll(m), s, f, orig);
	if (f && fs->reasm && (fs->seen[idx] & fs->stream_mask) && PKT_HAS(&s->pkt, LAYER_TCP))
		tcpr_packet(&fs->tr, f, &s->pkt, orig, s->pkt.ts_ns);
	fs->cur = NULL;
	ring_mark_done(fs->ring, s);
}

void flowstage_round(struct flowstage *fs, uint64_t first, uint32_t n)
{
	fs->ns_per_tick = ring_ns_per_tick(fs->ring);
	while (n > 0) {
		uint32_t m = n < fs->nitems ? n : fs->nitems;
		for (uint32_t i = 0; i < m; i++) {
			const struct pkt *p = &ring_at(fs->ring, first + i)->pkt;
			struct flow_batch_item *it = &fs->items[i];
			bool fragment = (p->flags & PKT_FLAG_FRAGMENT) && fs->frag_reasm && reasm_is_fragment(p);
			bool skip = fragment || (fs->tcp_only && !(p->proto == IPPROTO_TCP && PKT_HAS(p, LAYER_TCP)));
			it->pkt = skip ? &untracked_pkt : p;
			it->tunnel = p->tunnels ? flowstage_tunnel_ctx(p) : 0;
		}
		fs->first = first;
		if (fs->nplugins) {
			flow_track_batch(&fs->ft, fs->items, m, on_item, fs);
		} else {
			/* --flows alone: nothing to call per packet. */
			uint64_t before = fs->ft.k.packets;
			flow_track_batch(&fs->ft, fs->items, m, NULL, NULL);
			fs->k.untracked += m - (fs->ft.k.packets - before);
		}
		if (fs->tcp_only) {
			/* Untracked packets are time passing too: TCP flows
			 * still end on time between sparse TCP packets. */
			uint64_t t = ring_at(fs->ring, first + m - 1)->pkt.ts_ns;
			if (t > fs->ft.latest_ns)
				fs->ft.latest_ns = t;
		}
		first += m;
		n -= m;
	}
	/* The sweep, once per wheel tick of packet time (about 0.27 s; a
	 * record then ends at most a tick after its deadline, and rounds do
	 * not walk again and again the flows of the current tick that are not
	 * due yet), and every 32 rounds besides (time stands still when
	 * --loop replays a capture again). A sweep that hit its budget goes
	 * on in the next round. */
	uint64_t tick = fs->ft.latest_ns >> FLOW_WHEEL_SHIFT;
	if (tick != fs->swept_tick || ++fs->rounds_unswept >= 32) {
		if (flow_expire(&fs->ft, fs->ft.latest_ns, 256, NULL, NULL) < 256) {
			fs->swept_tick = tick;
			fs->rounds_unswept = 0;
		}
	}
}

void flowstage_tick(struct flowstage *fs, uint64_t wall_ns)
{
	if (!fs->on)
		return;
	fs->ns_per_tick = ring_ns_per_tick(fs->ring);
	if (fs->live)
		flow_expire(&fs->ft, wall_ns, 4096, NULL, NULL);
	if (fs->out)
		fflush(fs->out);
}

void flowstage_finish(struct flowstage *fs)
{
	if (!fs->on)
		return;
	fs->ns_per_tick = ring_ns_per_tick(fs->ring);
	flow_end_all(&fs->ft, NULL, NULL);
	if (fs->out)
		fflush(fs->out);
}

/* ---- set-up ------------------------------------------------------------------- */

int flowstage_open(struct flowstage *fs, const struct config *cfg, char *err, size_t errlen)
{
	memset(fs, 0, sizeof(*fs));
	if (!cfg->flows)
		return 0;
	fs->path = cfg->flows;
	fs->out = strcmp(cfg->flows, "-") == 0 ? stdout : fopen(cfg->flows, "w");
	if (!fs->out) {
		snprintf(err, errlen, "--flows %s: %s", cfg->flows, strerror(errno));
		return -1;
	}
	setvbuf(fs->out, NULL, _IOFBF, 1 << 20);
	return 0;
}

int flowstage_reopen(struct flowstage *fs, char *err, size_t errlen)
{
	if (!fs->out || fs->out == stdout)
		return fs->out ? fflush(fs->out) : 0;
	fclose(fs->out);
	fs->out = fopen(fs->path, "a");
	if (!fs->out) {
		snprintf(err, errlen, "--flows %s: %s; flow records are no longer written", fs->path, strerror(errno));
		return -1;
	}
	setvbuf(fs->out, NULL, _IOFBF, 1 << 20);
	return 0;
}

static uint64_t secs_ns(double s)
{
	return (uint64_t)(s * 1e9 + 0.5);
}

int flowstage_init(struct flowstage *fs, const struct config *cfg, struct plugin_host *h, struct ring *r, bool live,
		   char *err, size_t errlen)
{
	fs->host = h;
	fs->ring = r;
	fs->live = live;
	fs->frag_reasm = cfg->frag_memory > 0;
	fs->nplugins = h->n;
	fs->ns_per_tick = 1.0;
	for (unsigned i = 0; i < h->n; i++) {
		const struct plugin *p = &h->plugins[i];
		uint64_t bit = 1ull << i;
		if (p->on_flow_start || p->on_stream || p->on_gap || p->on_flow_end)
			fs->hook_mask |= bit;
		if (p->on_flow_start)
			fs->start_mask |= bit;
		if (p->on_stream || p->on_gap)
			fs->stream_mask |= bit;
		if (p->on_flow_end)
			fs->end_mask |= bit;
		if (plugin_wants_flows(p))
			fs->flow_mask |= bit;
		if (p->on_packet && !p->on_batch)
			fs->packet_mask |= bit;
	}
	fs->on = cfg->flows || fs->flow_mask;
	if (!fs->on)
		return 0;
	fs->tcp_only = !cfg->flows && !fs->start_mask && !fs->end_mask;
	for (unsigned i = 0; i < h->n; i++)
		if (h->plugins[i].flows)
			fs->tcp_only = false;
	fs->reasm = fs->stream_mask != 0;

	struct flow_config fc = { .table_size = cfg->flow_table_size, .on_end = on_end, .on_end_ctx = fs };
	flow_timeouts_default(&fc.timeouts);
	fc.timeouts.tcp_established_ns = secs_ns(cfg->flow_tcp_timeout);
	fc.timeouts.udp_ns = secs_ns(cfg->flow_udp_timeout);
	fc.timeouts.active_ns = secs_ns(cfg->flow_active_timeout);
	if (flow_table_init(&fs->ft, &fc, err, errlen) < 0)
		return -1;
	if (fs->reasm) {
		struct tcpr_config tc;
		tcpr_config_default(&tc);
		tc.memory = cfg->flow_memory;
		tc.deliver = on_deliver;
		tc.gap = on_gap;
		tc.ctx = fs;
		if (tcpr_init(&fs->tr, &tc, err, errlen) < 0)
			return -1;
		flow_table_attach_tcpr(&fs->ft, &fs->tr);
	}
	fs->nitems = cfg->batch ? cfg->batch : 256;
	if (!(fs->items = calloc(fs->nitems, sizeof(*fs->items))))
		goto nomem;
	if (fs->nplugins) {
		size_t nf = fs->ft.nflows;
		fs->seen = calloc(nf, sizeof(*fs->seen));
		fs->ignored = calloc(nf, sizeof(*fs->ignored));
		fs->state = calloc(nf * fs->nplugins, sizeof(*fs->state));
		if (!fs->seen || !fs->ignored || !fs->state)
			goto nomem;
		if (!(fs->handle = pyflow_new()) || !(fs->view = pymod_view_new()))
			goto py;
		for (unsigned i = 0; i < FLOW_END_COUNT; i++)
			if (!(fs->reason_names[i] = PyUnicode_InternFromString(flow_end_reason_name(i))))
				goto py;
	}
	return 0;
py:
	PyErr_Clear();
nomem:
	snprintf(err, errlen, "flow tracking: out of memory");
	return -1;
}

void flowstage_free(struct flowstage *fs)
{
	if (fs->state) {
		for (size_t i = 0; i < (size_t)fs->ft.nflows * fs->nplugins; i++)
			Py_CLEAR(fs->state[i]);
	}
	Py_CLEAR(fs->handle);
	Py_CLEAR(fs->view);
	for (unsigned i = 0; i < FLOW_END_COUNT; i++)
		Py_CLEAR(fs->reason_names[i]);
	free(fs->state);
	free(fs->seen);
	free(fs->ignored);
	free(fs->items);
	fs->state = NULL;
	fs->seen = fs->ignored = NULL;
	fs->items = NULL;
	if (fs->reasm)
		tcpr_free(&fs->tr);
	if (fs->on)
		flow_table_free(&fs->ft);
	if (fs->out && fs->out != stdout)
		fclose(fs->out);
	else if (fs->out)
		fflush(fs->out);
	fs->out = NULL;
	fs->on = fs->reasm = false;
}

/* ---- statistics ---------------------------------------------------------------- */

#define FS_COUNTER(name) { #name, offsetof(struct flowstage_counters, name) }
static const struct {
	const char *name;
	size_t off;
} fs_counters[] = {
	FS_COUNTER(records),	   FS_COUNTER(record_errors), FS_COUNTER(untracked),     FS_COUNTER(starts),
	FS_COUNTER(streams),	   FS_COUNTER(stream_bytes),  FS_COUNTER(stream_held),   FS_COUNTER(gaps),
	FS_COUNTER(ends),	   FS_COUNTER(ignores),	      FS_COUNTER(flows_ignored), FS_COUNTER(states_released),
	FS_COUNTER(handles_retained),
};
#define FS_NCOUNTERS (sizeof(fs_counters) / sizeof(fs_counters[0]))

unsigned flowstage_counter_count(void)
{
	return FS_NCOUNTERS;
}

const char *flowstage_counter_name(unsigned i)
{
	return i < FS_NCOUNTERS ? fs_counters[i].name : NULL;
}

uint64_t flowstage_counter_value(const struct flowstage_counters *k, unsigned i)
{
	return i < FS_NCOUNTERS ? *(const uint64_t *)((const char *)k + fs_counters[i].off) : 0;
}

void flowstage_print_summary(const struct flowstage *fs, FILE *f)
{
	if (!fs->on)
		return;
	const struct flow_counters *k = &fs->ft.k;
	fprintf(f, "  flows: %llu created, ended fin %llu, rst %llu, idle %llu, active split %llu, evicted %llu, "
		   "shutdown %llu; most at once %u of %u%s\n",
		(unsigned long long)k->created, (unsigned long long)k->ended[FLOW_END_FIN],
		(unsigned long long)k->ended[FLOW_END_RST], (unsigned long long)k->ended[FLOW_END_IDLE_TIMEOUT],
		(unsigned long long)k->ended[FLOW_END_ACTIVE_TIMEOUT], (unsigned long long)k->ended[FLOW_END_EVICTED],
		(unsigned long long)k->ended[FLOW_END_SHUTDOWN], k->in_use_max, fs->ft.nflows,
		fs->out ? "" : " (no --flows)");
	if (fs->out)
		fprintf(f, "  flow records: %llu written to %s%s\n", (unsigned long long)fs->k.records, fs->path,
			fs->k.record_errors ? " (with write errors)" : "");
	if (fs->reasm) {
		const struct tcpr_counters *t = &fs->tr.k;
		fprintf(f, "  tcp streams: %llu segments, %llu bytes delivered, %llu out of order, %llu retransmitted, "
			   "%llu gaps (%llu bytes), pool high-water %u of %u chunks\n",
			(unsigned long long)t->segments, (unsigned long long)t->bytes_delivered,
			(unsigned long long)t->out_of_order, (unsigned long long)t->retransmitted,
			(unsigned long long)t->gaps, (unsigned long long)t->gap_bytes, t->chunks_used_max, fs->tr.nchunks);
	}
	if (fs->nplugins && fs->hook_mask)
		fprintf(f, "  flow hooks: %llu starts, %llu streams (%llu bytes), %llu gaps, %llu ends, %llu flows ignored\n",
			(unsigned long long)fs->k.starts, (unsigned long long)fs->k.streams,
			(unsigned long long)fs->k.stream_bytes, (unsigned long long)fs->k.gaps,
			(unsigned long long)fs->k.ends, (unsigned long long)fs->k.flows_ignored);
}

void flowstage_write_json(const struct flowstage *fs, FILE *f)
{
	fputs("  \"flows\": ", f);
	if (fs->on)
		flow_write_stats_json(&fs->ft, f);
	else
		fputs("null", f);
	fputs(",\n  \"tcp_reassembly\": ", f);
	if (fs->reasm)
		tcpr_write_stats_json(&fs->tr, f);
	else
		fputs("null", f);
	fputs(",\n  \"flow_hooks\": ", f);
	if (fs->on) {
		for (unsigned i = 0; i < FS_NCOUNTERS; i++)
			fprintf(f, "%s\"%s\": %llu", i ? ", " : "{", fs_counters[i].name,
				(unsigned long long)flowstage_counter_value(&fs->k, i));
		fputs("}", f);
	} else {
		fputs("null", f);
	}
	fputs(",\n", f);
}

static void prom_counter1(FILE *f, const char *name, const char *help, uint64_t v)
{
	prom_family(f, name, "counter", help);
	prom_u64(f, name, "", v);
}

void flowstage_write_prom(const struct flowstage *fs, FILE *f)
{
	if (!fs->on)
		return;
	const struct flow_counters *k = &fs->ft.k;
	char labels[96];
	prom_counter1(f, "pktd_flows_created_total", "flows (records) started", k->created);
	prom_family(f, "pktd_flows_ended_total", "counter", "flow records ended, by reason");
	for (unsigned r = 0; r < FLOW_END_COUNT; r++) {
		labels[0] = 0;
		prom_label(labels, sizeof(labels), "reason", flow_end_reason_name(r));
		prom_u64(f, "pktd_flows_ended_total", labels, k->ended[r]);
	}
	prom_family(f, "pktd_flows_active", "gauge", "flows in the table now");
	prom_u64(f, "pktd_flows_active", "", k->in_use);
	prom_family(f, "pktd_flows_active_max", "gauge", "most flows in the table at once");
	prom_u64(f, "pktd_flows_active_max", "", k->in_use_max);
	prom_family(f, "pktd_flow_table_size", "gauge", "flow slots (--flow-table-size, rounded up to a power of two)");
	prom_u64(f, "pktd_flow_table_size", "", fs->ft.nflows);
	prom_counter1(f, "pktd_flow_packets_total", "packets counted in flows", k->packets);
	prom_counter1(f, "pktd_flow_lookups_total", "flow table lookups", k->lookups);
	prom_counter1(f, "pktd_flow_probes_total", "index buckets inspected by lookups", k->probes);
	prom_counter1(f, "pktd_flow_flips_total", "flows whose direction was flipped by a later SYN", k->flips);
	prom_counter1(f, "pktd_flow_restarts_total", "closed flows restarted by a new SYN (port reuse)", k->restarts);
	prom_counter1(f, "pktd_flow_no_slot_total", "packets that found no flow slot", k->no_slot);
	for (unsigned i = 0; i < FS_NCOUNTERS; i++) {
		char name[96];
		snprintf(name, sizeof(name), "pktd_flow_%s_total", fs_counters[i].name);
		prom_counter1(f, name, "flow stage counter (see docs/plugins.md, Flows)",
			      flowstage_counter_value(&fs->k, i));
	}
	if (!fs->reasm)
		return;
	for (unsigned i = 0; i < tcpr_counter_count(); i++) {
		const char *n = tcpr_counter_name(i);
		char name[96];
		if (strcmp(n, "chunks_used") == 0 || strcmp(n, "chunks_used_max") == 0) {
			snprintf(name, sizeof(name), "pktd_tcp_reassembly_%s", n);
			prom_family(f, name, "gauge", "TCP reassembly pool chunks in use (now, most)");
		} else {
			snprintf(name, sizeof(name), "pktd_tcp_reassembly_%s_total", n);
			prom_family(f, name, "counter", "TCP reassembly counter (daemon/tcpreasm.h)");
		}
		prom_u64(f, name, "", tcpr_counter_value(&fs->tr.k, i));
	}
	prom_family(f, "pktd_tcp_reassembly_chunks", "gauge", "TCP reassembly pool size in chunks");
	prom_u64(f, "pktd_tcp_reassembly_chunks", "", fs->tr.nchunks);
}
