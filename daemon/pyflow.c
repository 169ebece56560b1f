/* pyflow.c: pktd.Flow, the reused flow handle (pyflow.h). */
#include "pyflow.h"

#include "flow.h"
#include "flowstage.h"
#include "pymod.h"

typedef struct {
	PyObject_HEAD
	struct flowstage *fs;
	struct flow *f;
	uint64_t epoch;
	uint64_t ts_ns;
	uint64_t frame; /* 0 = None */
	uint32_t plugin;
	int8_t orig;    /* 1, 0, or -1 = None */
} FlowObject;

static PyTypeObject Flow_Type;

PyObject *pyflow_new(void)
{
	FlowObject *h = PyObject_New(FlowObject, &Flow_Type);
	if (h) {
		h->fs = NULL;
		h->f = NULL;
		h->epoch = 0;
		h->ts_ns = 0;
		h->frame = 0;
		h->plugin = 0;
		h->orig = -1;
	}
	return (PyObject *)h;
}

void pyflow_bind(PyObject *obj, struct flowstage *fs, struct flow *f, unsigned plugin, int is_orig, uint64_t ts_ns,
		 uint64_t frame)
{
	FlowObject *h = (FlowObject *)obj;
	h->fs = fs;
	h->f = f;
	h->epoch = pymod_epoch();
	h->ts_ns = ts_ns;
	h->frame = frame;
	h->plugin = plugin;
	h->orig = (int8_t)(is_orig < 0 ? -1 : is_orig != 0);
}

int pyflow_reclaim(PyObject **obj)
{
	if (Py_REFCNT(*obj) == 1)
		return 0;
	PyObject *fresh = pyflow_new();
	if (!fresh)
		return -1;
	Py_SETREF(*obj, fresh);
	return 1;
}

#define FLOW_CHECK(h)                                \
	do {                                         \
		if ((h)->epoch != pymod_epoch() || !(h)->f) \
			return pymod_stale_error();  \
	} while (0)

#define FL_GETTER(name, expr)                                         \
	static PyObject *fl_##name(FlowObject *h, void *closure)      \
	{                                                             \
		(void)closure;                                        \
		FLOW_CHECK(h);                                        \
		const struct flow *f = h->f;                          \
		(void)f;                                              \
		return expr;                                          \
	}

FL_GETTER(id, pymod_int(f->id))
FL_GETTER(record, pymod_int(f->record))
FL_GETTER(orig_addr, pymod_ip_addr(f->key.ip_version, flow_orig_addr(f)))
FL_GETTER(resp_addr, pymod_ip_addr(f->key.ip_version, flow_resp_addr(f)))
FL_GETTER(orig_port, pymod_int(flow_orig_port(f)))
FL_GETTER(resp_port, pymod_int(flow_resp_port(f)))
FL_GETTER(proto, pymod_int(f->key.proto))
FL_GETTER(ip_version, pymod_int(f->key.ip_version))
FL_GETTER(vlan, f->key.vlan == FLOW_VLAN_NONE ? Py_NewRef(Py_None) : pymod_int(f->key.vlan))
FL_GETTER(is_originator, h->orig < 0 ? Py_NewRef(Py_None) : PyBool_FromLong(h->orig))
FL_GETTER(packets, pymod_int(f->dir[0].pkts + f->dir[1].pkts))
FL_GETTER(bytes, pymod_int(f->dir[0].bytes + f->dir[1].bytes))
FL_GETTER(orig_packets, pymod_int(f->dir[0].pkts))
FL_GETTER(resp_packets, pymod_int(f->dir[1].pkts))
FL_GETTER(orig_bytes, pymod_int(f->dir[0].bytes))
FL_GETTER(resp_bytes, pymod_int(f->dir[1].bytes))
FL_GETTER(start, PyFloat_FromDouble((double)f->first_ns / 1e9))
FL_GETTER(ts, PyFloat_FromDouble((double)h->ts_ns / 1e9))
FL_GETTER(frame, h->frame ? pymod_int(h->frame) : Py_NewRef(Py_None))
FL_GETTER(ignored, PyBool_FromLong((h->fs->ignored[f - h->fs->ft.flows] >> h->plugin) & 1))

static PyObject *fl_get_state(FlowObject *h, void *closure)
{
	(void)closure;
	FLOW_CHECK(h);
	PyObject *s = *flowstage_state(h->fs, h->f, h->plugin);
	return Py_NewRef(s ? s : Py_None);
}

static int fl_set_state(FlowObject *h, PyObject *value, void *closure)
{
	(void)closure;
	if (h->epoch != pymod_epoch() || !h->f) {
		pymod_stale_error();
		return -1;
	}
	PyObject **slot = flowstage_state(h->fs, h->f, h->plugin);
	Py_XSETREF(*slot, value && value != Py_None ? Py_NewRef(value) : NULL);
	return 0;
}

static PyObject *fl_ignore(FlowObject *h, PyObject *unused)
{
	(void)unused;
	FLOW_CHECK(h);
	flowstage_ignore(h->fs, h->f, h->plugin);
	Py_RETURN_NONE;
}

static PyObject *flow_repr(FlowObject *h)
{
	if (h->epoch != pymod_epoch() || !h->f)
		return PyUnicode_FromString("<pktd.Flow (released)>");
	return PyUnicode_FromFormat("<pktd.Flow id=%llu proto=%u>", (unsigned long long)h->f->id,
				    (unsigned)h->f->key.proto);
}

#define GET(name, doc) { #name, (getter)fl_##name, NULL, doc, NULL }
static PyGetSetDef flow_getset[] = {
	GET(id, "Flow id, unique in this run (1, 2, ...); the --flows record's flow_id."),
	GET(record, "Record number within the flow (an active timeout splits long flows)."),
	GET(orig_addr, "Originator's IP address (text): the sender of the first SYN, else of the first packet."),
	GET(orig_port, "Originator's port (ICMP: the type)."),
	GET(resp_addr, "Responder's IP address (text)."),
	GET(resp_port, "Responder's port (ICMP: the counterpart type, or the code)."),
	GET(proto, "IP protocol number (6 TCP, 17 UDP, ...)."),
	GET(ip_version, "4 or 6."),
	GET(vlan, "Outermost VLAN id, or None."),
	GET(is_originator, "True when the current packet (or stream data) comes from the originator; None in on_flow_end."),
	GET(packets, "Packets of this record so far, both directions."),
	GET(bytes, "Wire bytes of this record's frames so far, both directions."),
	GET(orig_packets, "Packets from the originator."),
	GET(resp_packets, "Packets from the responder."),
	GET(orig_bytes, "Wire bytes from the originator."),
	GET(resp_bytes, "Wire bytes from the responder."),
	GET(start, "Time of the record's first packet, float seconds."),
	GET(ts, "Time of the current packet or event, float seconds."),
	GET(frame, "Frame number of the packet that caused this callback, or None (a flow's end)."),
	GET(ignored, "True once this plugin called ignore() for the flow."),
	{ "state", (getter)fl_get_state, (setter)fl_set_state,
	  "This plugin's object for this flow (None at first); released when the flow ends, after on_flow_end.",
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
#undef GET

static PyMethodDef flow_methods[] = {
	{ "ignore", (PyCFunction)fl_ignore, METH_NOARGS,
	  "ignore(): no more on_stream/on_gap for this flow (both directions) for this plugin." },
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject Flow_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "pktd.Flow",
	.tp_doc = "A flow (bidirectional 5-tuple), reused: valid during its callback only.",
	.tp_basicsize = sizeof(FlowObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_dealloc = (destructor)PyObject_Del,
	.tp_repr = (reprfunc)flow_repr,
	.tp_getset = flow_getset,
	.tp_methods = flow_methods,
};

int pyflow_add_type(PyObject *module)
{
	if (PyType_Ready(&Flow_Type) < 0)
		return -1;
	return PyModule_AddObjectRef(module, "Flow", (PyObject *)&Flow_Type);
}
