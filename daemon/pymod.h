/* pymod.h: the built-in `pktd` Python module and its reused objects.
 *
 * Packet and View objects are created once and rebound to each packet;
 * attribute reads return cached objects (ints 0..65535, address strings,
 * reason names), so the host path allocates no GC-tracked object per
 * packet. Validity is an epoch: every bind stamps the current epoch and
 * pymod_epoch_end() advances it, so any packet or view kept past its
 * callback raises pktd.ViewError instead of showing another packet's
 * bytes. Buffer exports (memoryview(view)) count on the frame in the ring
 * arena, which pins the frame while they live. */
#ifndef PKTD_PYMOD_H
#define PKTD_PYMOD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "ring.h"

struct output;
struct pkt;

/* Ints 257..65535 as one array of int objects, 32 bytes each (pymod.c);
 * entries 0..256 are unused (CPython's small ints serve those). */
#define PYMOD_INT_CACHE 65536
struct pymod_int_slot {
	_Alignas(32) unsigned char bytes[32];
};
extern struct pymod_int_slot *pymod_int_slots;

/* Warm the cache for the port ints of a packet whose callback comes soon:
 * with many distinct ports their ints are not in cache, and pkt.sport /
 * pkt.dport would wait on a miss while the plugin runs. */
static inline void pymod_prefetch_ports(const struct pkt *p)
{
	__builtin_prefetch(&pymod_int_slots[p->sport], 1, 3);
	__builtin_prefetch(&pymod_int_slots[p->dport], 1, 3);
}

/* Call before Py_Initialize: makes `import pktd` resolve to us. */
int pymod_register(void);
/* Call after Py_Initialize: builds the caches and imports the module. */
int pymod_init(void);
void pymod_fini(void);

/* Where pktd.emit() writes and who pktd.log() names. */
void pymod_set_output(struct output *out);
void pymod_set_current_plugin(const char *name);

/* A reused packet object (a new reference). */
PyObject *pymod_packet_new(void);
/* Bind a packet object to a ring slot for the current epoch. */
void pymod_packet_bind(PyObject *packet, struct ring_slot *slot);
/* End the callback: everything bound so far becomes stale. */
void pymod_epoch_end(void);
/* After a callback: if the plugin kept `*packet` (or its views), give the
 * kept objects away and put fresh ones in their place. Returns 1 when
 * something was retained. */
int pymod_packet_reclaim(PyObject **packet);

/* A reused sequence of packets for on_batch (a new reference). */
PyObject *pymod_batch_new(uint32_t capacity);
/* The i-th packet object of the batch (borrowed), to bind before a call. */
PyObject *pymod_batch_item(PyObject *batch, uint32_t i);
void pymod_batch_set_len(PyObject *batch, uint32_t n);
/* Reclaim retained packets of the batch (see pymod_packet_reclaim). */
int pymod_batch_reclaim(PyObject *batch);

/* For the flow hooks (flowstage.c, pyflow.c). */
/* A reused view (a new reference). */
PyObject *pymod_view_new(void);
/* Bind a view for the current epoch to bytes of the packet in slot: buffer
 * exports pin them, as they do pkt.payload's. */
void pymod_view_bind_slot(PyObject *view, const uint8_t *buf, uint32_t len, struct ring_slot *slot);
/* Bind a view to bytes that are reused once the callback returns (the
 * reassembly pool): a buffer export gets a copy of them instead, so a kept
 * memoryview never shows reused memory. */
void pymod_view_bind_copy(PyObject *view, const uint8_t *buf, uint32_t len);
/* After a callback: a view the plugin kept is given away and *view
 * replaced. Returns 1 when it was retained. */
int pymod_view_reclaim(PyObject **view);
/* pkt.flow of a packet object (flow NULL: None). */
void pymod_packet_set_flow(PyObject *packet, PyObject *flow);
/* The current epoch, for objects bound outside this file. */
uint64_t pymod_epoch(void);
/* Raise pktd.ViewError (counted); returns NULL. */
PyObject *pymod_stale_error(void);
/* Cached small ints and address strings (new references). */
PyObject *pymod_int(uint64_t v);
PyObject *pymod_ip_addr(unsigned version, const uint8_t *addr);
/* For pydns.c: the decoded packet behind a packet object (NULL with
 * TypeError or pktd.ViewError set), and where pktd.emit() writes. */
const struct pkt *pymod_packet_pkt(PyObject *packet);
struct output *pymod_output(void);

/* Counters for stats. */
struct pymod_counters {
	uint64_t stale_uses;      /* ViewError raised */
	uint64_t packets_retained;/* packet objects kept past a callback */
	uint64_t views_retained;  /* view objects kept past a callback */
	uint64_t export_copies;   /* buffer exports of held stream data answered with a copy */
	uint64_t emitted;         /* records written by pktd.emit */
	uint64_t emit_errors;
};
extern struct pymod_counters pymod_counters;

#endif
