/* pyflow.h: pktd.Flow, the reused flow handle of the flow hooks and pkt.flow.
 *
 * One handle is rebound before every callback that gets it (on_flow_start,
 * on_stream, on_gap, on_flow_end, on_packet through pkt.flow): a handful of
 * stores. Like packets and views it is valid during that callback only:
 * it carries the epoch it was bound in, any later use raises
 * pktd.ViewError, and a handle the plugin kept is replaced by a fresh one
 * (pyflow_reclaim), so the kept one never shows another flow. flow.state
 * is a slot in the flow stage's preallocated flows x plugins array. */
#ifndef PKTD_PYFLOW_H
#define PKTD_PYFLOW_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

struct flow;
struct flowstage;

/* Add the Flow type to the pktd module (from its init). */
int pyflow_add_type(PyObject *module);
/* A new handle (a new reference). */
PyObject *pyflow_new(void);
/* Bind a handle for the current epoch: flow f as plugin `plugin` sees it;
 * is_orig 1/0 for the current packet or stream direction, -1 (None) for
 * events of no direction; ts_ns the event's time; frame the frame number
 * of the packet that caused it, 0 (None) for none. */
void pyflow_bind(PyObject *handle, struct flowstage *fs, struct flow *f, unsigned plugin, int is_orig,
		 uint64_t ts_ns, uint64_t frame);
/* After a callback: a handle the plugin kept is given away and *handle
 * replaced. 1 when it was retained, -1 on memory error. */
int pyflow_reclaim(PyObject **handle);

#endif
