/* dispatch.c: call plugins for the packets in the ring. */
#include "dispatch.h"

#include <stddef.h>

#include "clock.h"
#include "flowstage.h"
#include "pymod.h"

void dispatch_init(struct dispatcher *d, struct ring *ring, struct plugin_host *host)
{
	d->ring = ring;
	d->host = host;
	d->next = atomic_load(&ring->tail);
	d->packets = d->rounds = d->filtered_out = 0;
	d->fs = NULL;
}

/* How many packets ahead dispatch prefetches: the slot's lines
 * that dispatch reads (with the capture thread they were just written on
 * the other core, and the first read of each waited on its transfer),
 * then, once those are in, the packet's port ints. A callback takes
 * 100-200 ns, a miss to another core, L3 or DRAM about as long. */
#define PREFETCH_SLOT_AHEAD 4
#define PREFETCH_AHEAD 2

/* The lines of a slot dispatch reads: the packet up to its payload fields
 * (bind) and the tail with plugin_mask and exports. */
static inline void prefetch_slot(const struct ring_slot *s)
{
	const char *b = (const char *)s;
	for (size_t off = 0; off < offsetof(struct pkt, payload_len) + sizeof(s->pkt.payload_len); off += 64)
		__builtin_prefetch(b + off, 0, 3);
	__builtin_prefetch(&s->exports, 0, 3);
	__builtin_prefetch(&s->plugin_mask, 0, 3);
}

static void run_batch_plugin(struct plugin_host *h, struct plugin *p, struct ring *r, uint64_t first, uint32_t n)
{
	uint64_t bit = 1ull << p->index;
	uint32_t k = 0;
	for (uint32_t i = 0; i < n && i < PREFETCH_SLOT_AHEAD; i++)
		prefetch_slot(ring_at(r, first + i));
	for (uint32_t i = 0; i < n; i++) {
		struct ring_slot *s = ring_at(r, first + i);
		if (i + PREFETCH_SLOT_AHEAD < n)
			prefetch_slot(ring_at(r, first + i + PREFETCH_SLOT_AHEAD));
		if (!(s->plugin_mask & bit))
			continue;
		if (p->packet_filter && !plugin_packet_match(h, p, &s->pkt)) {
			p->matched++;
			p->packet_filtered++;
			continue;
		}
		pymod_prefetch_ports(&s->pkt); /* read in the plugin's loop soon */
		pymod_packet_bind(pymod_batch_item(p->batch, k++), s);
	}
	p->matched += k;
	if (k == 0)
		return;
	pymod_batch_set_len(p->batch, k);
	PyObject *res = PyObject_CallOneArg(p->on_batch, p->batch);
	pymod_epoch_end();
	p->calls++;
	p->dispatched += k;
	if (!res)
		plugin_error(h, p, "on_batch");
	else
		plugin_ok(p);
	Py_XDECREF(res);
	if (pymod_batch_reclaim(p->batch) < 0)
		PyErr_Clear();
	if (r->stamp) {
		uint64_t now = ring_clock();
		for (uint32_t i = 0; i < n; i++)
			if (ring_at(r, first + i)->plugin_mask & bit)
				ring_mark_done_at(r, ring_at(r, first + i), now);
	}
}

static void run_packet_plugin(struct plugin_host *h, struct plugin *p, struct ring *r, uint64_t first, uint32_t n)
{
	uint64_t bit = 1ull << p->index;
	/* A Python function's vectorcall entry straight, not through
	 * PyObject_Vectorcall: a function call less per packet, and no result
	 * check (a Python function returns NULL only with an exception set).
	 * Other callables (a C hook) keep the check. */
	vectorcallfunc call = PyFunction_Check(p->on_packet) ? PyVectorcall_Function(p->on_packet) : NULL;
	if (!call)
		call = PyObject_Vectorcall;
	for (uint32_t i = 0; i < n && i < PREFETCH_SLOT_AHEAD; i++)
		prefetch_slot(ring_at(r, first + i));
	for (uint32_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		pymod_prefetch_ports(&ring_at(r, first + i)->pkt);
	for (uint32_t i = 0; i < n; i++) {
		struct ring_slot *s = ring_at(r, first + i);
		if (i + PREFETCH_SLOT_AHEAD < n)
			prefetch_slot(ring_at(r, first + i + PREFETCH_SLOT_AHEAD));
		if (i + PREFETCH_AHEAD < n)
			pymod_prefetch_ports(&ring_at(r, first + i + PREFETCH_AHEAD)->pkt);
		if (!(s->plugin_mask & bit))
			continue;
		p->matched++;
		if (p->disabled) {
			p->skipped_disabled++;
			continue;
		}
		if (p->packet_filter && !plugin_packet_match(h, p, &s->pkt)) {
			p->packet_filtered++;
			continue;
		}
		pymod_packet_bind(p->packet, s);
		PyObject *args[2] = { NULL, p->packet }; /* args[0]: scratch the callee may use */
		PyObject *res = call(p->on_packet, args + 1, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
		pymod_epoch_end();
		p->calls++;
		p->dispatched++;
		if (!res)
			plugin_error(h, p, "on_packet");
		else
			plugin_ok(p);
		Py_XDECREF(res);
		if (pymod_packet_reclaim(&p->packet) < 0)
			PyErr_Clear();
		ring_mark_done(r, s);
	}
}

uint32_t dispatch_run(struct dispatcher *d, uint32_t max)
{
	struct ring *r = d->ring;
	uint64_t first = d->next;
	uint64_t avail = ring_published(r) - first;
	uint32_t n = avail < max ? (uint32_t)avail : max;
	if (n > 0) {
		/* Flow tracking: flows, flow hooks and on_packet plugins in packet
		 * order (flowstage.h); on_batch plugins below, as usual. */
		if (d->fs)
			flowstage_round(d->fs, first, n);
		for (unsigned i = 0; i < d->host->n; i++) {
			struct plugin *p = &d->host->plugins[i];
			if (d->fs && !p->on_batch)
				continue;
			if (p->disabled) {
				uint64_t bit = 1ull << p->index;
				for (uint32_t j = 0; j < n; j++)
					if (ring_at(r, first + j)->plugin_mask & bit)
						p->matched++, p->skipped_disabled++;
				continue;
			}
			if (!p->on_batch && !p->on_packet)
				continue;
			pymod_set_current_plugin(p->name);
			uint64_t t0 = clock_mono_ns();
			if (p->on_batch)
				run_batch_plugin(d->host, p, r, first, n);
			else
				run_packet_plugin(d->host, p, r, first, n);
			p->time_ns += clock_mono_ns() - t0;
		}
		for (uint32_t j = 0; j < n; j++)
			d->filtered_out += ring_at(r, first + j)->plugin_mask == 0;
		ring_note_latency(r, first, n);
		d->next = first + n;
		d->packets += n;
		d->rounds++;
	}
	/* Release what every plugin has seen; also retries slots held back
	 * earlier by a full pin table. */
	if (atomic_load_explicit(&r->tail, memory_order_relaxed) != d->next)
		ring_release_to(r, d->next);
	return n;
}

uint64_t dispatch_unreleased(struct dispatcher *d)
{
	return d->next - atomic_load(&d->ring->tail);
}
