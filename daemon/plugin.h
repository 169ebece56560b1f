/* plugin.h: one loaded Python plugin, its hooks, filter and counters. */
#ifndef PKTD_PLUGIN_H
#define PKTD_PLUGIN_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

#define PLUGIN_MAX_LINKTYPES 16

/* FILTER compiled for one link type (pcapng mixes them per interface). */
struct plugin_filter {
	uint32_t linktype;
	bool ok; /* false: the expression does not apply to this link type */
	struct bpf_program prog;
};

struct plugin {
	char name[64];
	char *path;
	PyObject *module;
	PyObject *on_packet, *on_batch, *on_tick, *teardown; /* NULL if absent */
	PyObject *on_flow_start, *on_stream, *on_gap, *on_flow_end; /* flow hooks, NULL if absent */
	PyObject *batch;                                     /* reused pktd.Batch */
	PyObject *packet;                                    /* reused pktd.Packet */
	unsigned index;                                      /* bit in slot->plugin_mask */

	bool fragments; /* FRAGMENTS = True: also the IP fragments of reassembled datagrams */
	bool flows;     /* FLOWS = True: pkt.flow wanted (flow tracking on) */
	char *filter; /* FILTER text, NULL = every packet */
	struct plugin_filter filters[PLUGIN_MAX_LINKTYPES];
	unsigned nfilters;
	/* PACKET_FILTER: of the packets FILTER matched, those on_packet /
	 * on_batch get (the flow hooks still see every matched packet's flow). */
	char *packet_filter;
	struct plugin_filter pfilters[PLUGIN_MAX_LINKTYPES];
	unsigned npfilters;

	bool disabled;
	uint64_t matched;      /* packets its FILTER accepted */
	uint64_t dispatched;   /* packets handed to it */
	uint64_t calls;        /* hook calls (on_packet or on_batch) */
	uint64_t errors;       /* exceptions raised by its hooks */
	uint64_t consecutive_errors;
	uint64_t skipped_disabled; /* matched after it was disabled */
	uint64_t filter_unsupported; /* packets whose link type its FILTER cannot express */
	uint64_t packet_filtered; /* matched, but held back from on_packet/on_batch by PACKET_FILTER */
	uint64_t flow_calls;   /* on_flow_start and on_flow_end calls */
	uint64_t stream_calls; /* on_stream and on_gap calls */
	uint64_t stream_bytes; /* bytes handed to on_stream */
	uint64_t time_ns;      /* time inside its hooks */
	uint64_t tracebacks_printed, tracebacks_suppressed;
	uint64_t tb_window_start_ns; /* rate limit for tracebacks */
	uint32_t tb_window_count;
};

struct plugin_host {
	struct plugin *plugins;
	unsigned n;
	uint32_t max_errors;
	uint32_t snaplen;
	uint64_t fragments_mask; /* plugins with FRAGMENTS = True */
};

/* Load every plugin file: import, find hooks, validate FILTER. Returns -1
 * (message and traceback printed) on an import/syntax/filter error. */
int plugins_load(struct plugin_host *h, const char *const *paths, unsigned n, uint32_t batch, uint32_t max_errors,
		 uint32_t snaplen);
/* Call setup(ctx) on each. -1 when one raised (start-up fails). */
int plugins_setup(struct plugin_host *h, const char *output_path);
/* Bit mask of plugins whose FILTER matches this frame (C-side BPF). */
uint64_t plugins_match(struct plugin_host *h, uint32_t linktype, const uint8_t *data, uint32_t caplen,
		       uint32_t wirelen);
/* True when p has no PACKET_FILTER or it matches the packet (run in the
 * dispatch stage, on packets FILTER already matched). */
bool plugin_packet_match(struct plugin_host *h, struct plugin *p, const struct pkt *pk);
/* True when the plugin defines a flow hook (on_flow_start, on_stream,
 * on_gap, on_flow_end) or sets FLOWS = True: flow tracking must run. */
static inline bool plugin_wants_flows(const struct plugin *p)
{
	return p->flows || p->on_flow_start || p->on_stream || p->on_gap || p->on_flow_end;
}
/* Record an exception from plugin p (traceback rate-limited, disable after
 * max_errors in a row). Clears the Python error. */
void plugin_error(struct plugin_host *h, struct plugin *p, const char *hook);
static inline void plugin_ok(struct plugin *p)
{
	p->consecutive_errors = 0;
}
void plugins_tick(struct plugin_host *h, double now);
void plugins_teardown(struct plugin_host *h);
void plugins_free(struct plugin_host *h);

#endif
