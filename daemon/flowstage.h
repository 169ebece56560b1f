/* flowstage.h: flows and TCP streams in the dispatch stage: --flows records
 * and the Python flow hooks.
 *
 * When it runs. Only when something needs it: --flows was given, or a
 * plugin defines a flow hook (on_flow_start, on_stream, on_gap,
 * on_flow_end) or sets FLOWS = True (pkt.flow). Otherwise nothing is
 * allocated and dispatch keeps its plugin-major path untouched. TCP
 * reassembly (the --flow-memory pool) runs only when a plugin defines
 * on_stream or on_gap; with --flows alone the records have no 'T'/'G'
 * history letters (those come from reassembly). When streams are all that
 * is asked for (no --flows, no on_flow_start/on_flow_end, no FLOWS = True)
 * only TCP packets are tracked: a UDP flow per DNS query would cost a
 * lookup, a slot and an eviction for nothing (30% of dns.py's loop).
 *
 * Where. In the dispatch stage, because the reassembly callbacks hand out
 * pointers valid during the callback only and Python runs there (see
 * tcpreasm.h, "Where to run it"). A round (the packets one dispatch_run
 * takes from the ring) is walked in packet order, with the flow table's
 * batch lookup (flow_track_batch) overlapping the cache misses:
 *
 *   per packet, in order:
 *     flow lookup (ends a flow past its timeout first: on_flow_end) and
 *     update (a SYN on a closed flow ends it and starts a new one)
 *     on_flow_start(flow) for each plugin that sees the flow from this
 *       packet on (see below)
 *     on_packet(pkt) of every plugin whose FILTER (and PACKET_FILTER)
 *       matched, pkt.flow bound for plugins that want it
 *     TCP: reassembly -> on_stream(flow, from_originator, data) and
 *       on_gap(flow, from_originator, nbytes), in stream order
 *   then on_batch plugins, plugin-major, over the whole round (pkt.flow is
 *   None in a batch: the flows moved on during the round);
 *   then the sweep: flows past their timeout at the round's latest packet
 *   time end (replay is deterministic); live, the loop's tick sweeps on the
 *   wall clock too, so a quiet capture still ends its flows.
 *   At shutdown every flow ends (reason shutdown, or its timeout's).
 * A flow's end: its --flows record, then on_flow_end(flow, reason) for each
 * plugin that saw it start, then every plugin's flow.state is released.
 *
 * Which flows a plugin sees. A plugin sees a flow from the first packet of
 * it that its FILTER matched (usually the first packet): on_flow_start is
 * called then, its on_stream/on_gap get the flow's bytes from that packet on
 * (both directions, whatever FILTER says of the later packets), and
 * on_flow_end comes at the end. Fragments are not counted twice: with IP
 * reassembly on, a flow counts the reassembled datagram, not its
 * fragments.
 *
 * flow.ignore(): the plugin gets no more of the flow's stream (both
 * directions); once every stream plugin that saw the flow has ignored it
 * (or been disabled), reassembly stops for the flow (flow_ignore), so its
 * bytes are neither held nor delivered; a plugin whose FILTER first
 * matches a later packet of such a flow gets its start and end, no stream.
 *
 * Memory, fixed when tracking starts: the table (--flow-table-size), the
 * reassembly pool (--flow-memory), and per flow slot two plugin masks and
 * one PyObject * per plugin (flow.state); nothing per flow or per packet
 * after that. */
#ifndef PKTD_FLOWSTAGE_H
#define PKTD_FLOWSTAGE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "flow.h"
#include "plugin.h"
#include "ring.h"
#include "tcpreasm.h"

/* Counters: names in flowstage_counter_name() order. */
struct flowstage_counters {
	uint64_t records;         /* --flows lines written */
	uint64_t record_errors;   /* --flows lines that could not be written */
	uint64_t untracked;       /* dispatched packets without a flow (ARP, fragments, ...) */
	uint64_t starts;          /* on_flow_start calls */
	uint64_t streams;         /* on_stream calls */
	uint64_t stream_bytes;    /* bytes handed to on_stream */
	uint64_t stream_held;     /* of those calls, data from the reassembly pool (exports copy) */
	uint64_t gaps;            /* on_gap calls */
	uint64_t ends;            /* on_flow_end calls */
	uint64_t ignores;         /* flow.ignore() calls */
	uint64_t flows_ignored;   /* flows whose reassembly stopped: every stream plugin ignored them */
	uint64_t states_released; /* flow.state objects released at a flow's end */
	uint64_t handles_retained;/* flow handles kept past their callback (replaced) */
};

struct flowstage {
	bool on;    /* tracking runs */
	bool reasm; /* TCP reassembly runs (a plugin has on_stream or on_gap) */
	bool live;  /* the tick sweeps on the wall clock */
	bool frag_reasm; /* IP reassembly is on: fragments are not tracked */
	bool tcp_only;   /* only stream hooks need flows: other packets are not tracked */
	struct flow_table ft;
	struct tcpr tr;
	struct plugin_host *host;
	struct ring *ring;
	unsigned nplugins;
	/* Plugins by what they define (bit i = plugin i). */
	uint64_t hook_mask;   /* any flow hook: they "see" flows */
	uint64_t start_mask;  /* on_flow_start */
	uint64_t stream_mask; /* on_stream or on_gap */
	uint64_t end_mask;    /* on_flow_end */
	uint64_t flow_mask;   /* pkt.flow is bound for them (FLOWS = True or a flow hook) */
	uint64_t packet_mask; /* on_packet without on_batch: called in packet order here */
	uint64_t *seen;       /* per flow slot: plugins that saw the flow */
	uint64_t *ignored;    /* per flow slot: plugins that called flow.ignore() */
	PyObject **state;     /* per flow slot x plugin: flow.state (NULL = None) */

	struct flow_batch_item *items; /* one round */
	uint32_t nitems;
	uint64_t first;            /* ring index of items[0] */
	struct ring_slot *cur;     /* packet being handled; NULL between packets */
	double ns_per_tick;        /* ring_clock() ticks to ns, for plugin time */
	uint64_t swept_tick;       /* wheel tick of packet time the last full sweep ran in */
	uint32_t rounds_unswept;   /* rounds since then */

	const char *path; /* --flows */
	FILE *out;
	char line[1024];

	PyObject *handle; /* reused pktd.Flow */
	PyObject *view;   /* reused pktd.View for on_stream data */
	PyObject *reason_names[FLOW_END_COUNT];
	struct flowstage_counters k;
};

/* --flows: open the file (before privileges are dropped). 0, or -1 with a
 * message in err. */
int flowstage_open(struct flowstage *fs, const struct config *cfg, char *err, size_t errlen);
/* After the plugins are loaded: decide whether tracking runs and allocate
 * everything it needs. 0 (fs->on tells), or -1 with a message in err. */
int flowstage_init(struct flowstage *fs, const struct config *cfg, struct plugin_host *h, struct ring *r,
		   bool live, char *err, size_t errlen);
/* One dispatch round: the n published slots from ring index first, in
 * packet order (flows, flow hooks, on_packet plugins, streams), then the
 * sweep. on_batch plugins are left to the caller. */
void flowstage_round(struct flowstage *fs, uint64_t first, uint32_t n);
/* The loop's tick: live, end the flows past their timeout on the wall clock;
 * flush --flows. */
void flowstage_tick(struct flowstage *fs, uint64_t wall_ns);
/* End every flow (before the plugins' teardown). */
void flowstage_finish(struct flowstage *fs);
/* SIGHUP: reopen --flows at its path (append). */
int flowstage_reopen(struct flowstage *fs, char *err, size_t errlen);
void flowstage_free(struct flowstage *fs);

/* flow.ignore() of plugin `plugin` (pyflow.c). */
void flowstage_ignore(struct flowstage *fs, struct flow *f, unsigned plugin);
/* The flow.state slot of `plugin` for f. */
static inline PyObject **flowstage_state(struct flowstage *fs, const struct flow *f, unsigned plugin)
{
	return &fs->state[(size_t)(f - fs->ft.flows) * fs->nplugins + plugin];
}

/* Tunnel context of a packet's flow key: 0 without a tunnel, else a hash
 * of the innermost encapsulation's outer IP endpoints (the same in both
 * directions) and, for VXLAN, Geneve and keyed GRE, its id. */
uint32_t flowstage_tunnel_ctx(const struct pkt *p);

/* Statistics: summary lines, the "flows" / "tcp_reassembly" / "flow_hooks"
 * members of --stats-json (each preceded by its name, ending with ",\n"),
 * Prometheus families (pktd_flow_*, pktd_tcp_reassembly_*). */
void flowstage_print_summary(const struct flowstage *fs, FILE *f);
void flowstage_write_json(const struct flowstage *fs, FILE *f);
void flowstage_write_prom(const struct flowstage *fs, FILE *f);
unsigned flowstage_counter_count(void);
const char *flowstage_counter_name(unsigned i);
uint64_t flowstage_counter_value(const struct flowstage_counters *k, unsigned i);

#endif
