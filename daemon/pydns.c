/* pydns.c: pktd.dns_emit() and pktd.dns_emit_udp(): one call per DNS
 * message from Python; parsers/dns.c decodes it, daemon/dnsrec.c writes
 * plugins/dns.py's record to the output. Nothing GC-tracked is allocated
 * per message: the results are True, False and None, the decoded message
 * lives in one static struct (the GIL serialises callers). */
#include "pydns.h"

#include <arpa/inet.h>
#include <stdbool.h>

#include "dns.h"
#include "dnsrec.h"
#include "packet.h"
#include "pymod.h"

static struct dns_msg g_msg;
static PyObject *g_key_decoded, *g_key_malformed;

/* stats[key] += 1 (a missing key counts from 0). */
static int count(PyObject *stats, PyObject *key)
{
	PyObject *v = PyDict_GetItemWithError(stats, key);
	long long x = 0;
	if (v) {
		x = PyLong_AsLongLong(v);
		if (x == -1 && PyErr_Occurred())
			return -1;
	} else if (PyErr_Occurred()) {
		return -1;
	}
	PyObject *n = PyLong_FromLongLong(x + 1);
	if (!n)
		return -1;
	int rc = PyDict_SetItem(stats, key, n);
	Py_DECREF(n);
	return rc;
}

/* Decode msg and write its record: True, False when it is malformed (with
 * stats: counted as "decoded" or "malformed"), NULL on an error. */
static PyObject *decode_and_write(const uint8_t *msg, size_t len, const struct dnsrec_meta *meta, PyObject *stats,
				  uint64_t *counts)
{
	struct output *o = pymod_output();
	if (!o) {
		PyErr_SetString(PyExc_RuntimeError, "pktd.dns_emit: no output open");
		return NULL;
	}
	if (dns_decode(msg, len, &g_msg) != DNS_OK) {
		if (counts)
			counts[1]++;
		if (stats && count(stats, g_key_malformed) < 0)
			return NULL;
		Py_RETURN_FALSE;
	}
	if (dnsrec_write(o, meta, msg, len, &g_msg) < 0) {
		pymod_counters.emit_errors++;
		return NULL;
	}
	pymod_counters.emitted++;
	if (counts)
		counts[0]++;
	if (stats && count(stats, g_key_decoded) < 0)
		return NULL;
	Py_RETURN_TRUE;
}

/* The optional stats argument: a dict, or None / absent. */
static int arg_stats(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t i, PyObject **stats)
{
	*stats = nargs > i && args[i] != Py_None ? args[i] : NULL;
	if (*stats && !PyDict_Check(*stats)) {
		PyErr_SetString(PyExc_TypeError, "pktd.dns_emit: stats must be a dict");
		return -1;
	}
	return 0;
}

static int arg_str(PyObject *v, const char *what, const char **s, size_t *n)
{
	Py_ssize_t k;
	if (!PyUnicode_Check(v)) {
		PyErr_Format(PyExc_TypeError, "pktd.dns_emit: %s must be str", what);
		return -1;
	}
	if (!(*s = PyUnicode_AsUTF8AndSize(v, &k)))
		return -1;
	*n = (size_t)k;
	return 0;
}

static int arg_port(PyObject *v, uint16_t *port)
{
	long x = PyLong_Check(v) ? PyLong_AsLong(v) : -1;
	if (x < 0 || x > 65535) {
		if (!PyErr_Occurred())
			PyErr_SetString(PyExc_ValueError, "pktd.dns_emit: a port must be an int in 0..65535");
		return -1;
	}
	*port = (uint16_t)x;
	return 0;
}

/* dns_emit(msg, ts, src, dst, sport, dport, transport, stats=None) -> bool */
static PyObject *mod_dns_emit(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	(void)self;
	struct dnsrec_meta meta;
	PyObject *stats;
	size_t tn;
	if (nargs != 7 && nargs != 8) {
		PyErr_SetString(PyExc_TypeError, "pktd.dns_emit(msg, ts, src, dst, sport, dport, transport, stats=None)");
		return NULL;
	}
	if (arg_stats(args, nargs, 7, &stats) < 0)
		return NULL;
	if (!PyFloat_Check(args[1])) {
		PyErr_SetString(PyExc_TypeError, "pktd.dns_emit: ts must be a float");
		return NULL;
	}
	meta.ts = PyFloat_AS_DOUBLE(args[1]);
	if (arg_str(args[2], "src", &meta.src, &meta.src_len) < 0 ||
	    arg_str(args[3], "dst", &meta.dst, &meta.dst_len) < 0 || arg_port(args[4], &meta.sport) < 0 ||
	    arg_port(args[5], &meta.dport) < 0 || arg_str(args[6], "transport", &meta.transport, &tn) < 0)
		return NULL;
	Py_buffer view;
	if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
		return NULL;
	PyObject *r = decode_and_write(view.buf, (size_t)view.len, &meta, stats, NULL);
	PyBuffer_Release(&view);
	return r;
}

/* Address text without Python objects (pkt.src's format: inet_ntop). */
static size_t addr_text(const struct pkt *p, bool dst, char *out)
{
	const uint8_t *ip = p->data + p->l3_off;
	if (p->ip_version == 4)
		return (size_t)dns_ipv4_text(ip + (dst ? 16 : 12), out);
	return (size_t)dns_ipv6_text(ip + (dst ? 24 : 8), out);
}

/* A whole UDP datagram to or from port (0: any) decoded and written: True,
 * False (malformed), or None when p is not one (nothing done). */
static PyObject *emit_udp(const struct pkt *p, uint16_t port, PyObject *stats, uint64_t *counts)
{
	if (!PKT_HAS(p, LAYER_UDP) || !(PKT_HAS(p, LAYER_IPV4) || PKT_HAS(p, LAYER_IPV6)) || p->frag_mf ||
	    p->frag_offset || p->payload_len == 0 || (port && p->sport != port && p->dport != port))
		Py_RETURN_NONE;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	struct dnsrec_meta meta = {
		.ts = (double)p->ts_ns / 1e9,
		.src = src,
		.dst = dst,
		.src_len = addr_text(p, false, src),
		.dst_len = addr_text(p, true, dst),
		.sport = p->sport,
		.dport = p->dport,
		.transport = "udp",
	};
	return decode_and_write(p->data + p->payload_off, p->payload_len, &meta, stats, counts);
}

/* dns_emit_udp(pkt, port, stats=None) -> bool | None */
static PyObject *mod_dns_emit_udp(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	(void)self;
	uint16_t port;
	PyObject *stats;
	if (nargs != 2 && nargs != 3) {
		PyErr_SetString(PyExc_TypeError, "pktd.dns_emit_udp(pkt, port, stats=None)");
		return NULL;
	}
	const struct pkt *p = pymod_packet_pkt(args[0]);
	if (!p || arg_port(args[1], &port) < 0 || arg_stats(args, nargs, 2, &stats) < 0)
		return NULL;
	return emit_udp(p, port, stats, NULL);
}

/* ---- pktd.DnsUdpHook: dns_emit_udp as a plugin's on_packet ---------------
 * Called by the dispatch loop straight (vectorcall), so a UDP/53 packet
 * costs no Python frame; counts are plain integers in the object; any
 * other packet goes to the fallback. */

typedef struct {
	PyObject_HEAD
	vectorcallfunc vectorcall;
	PyObject *fallback; /* NULL: none */
	uint64_t counts[2]; /* decoded, malformed */
	uint16_t port;
} HookObject;

static PyObject *hook_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
	HookObject *h = (HookObject *)self;
	Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
	if (nargs != 1 || (kwnames && PyTuple_GET_SIZE(kwnames))) {
		PyErr_SetString(PyExc_TypeError, "DnsUdpHook(pkt): one packet");
		return NULL;
	}
	const struct pkt *p = pymod_packet_pkt(args[0]);
	if (!p)
		return NULL;
	PyObject *r = emit_udp(p, h->port, NULL, h->counts);
	if (r != Py_None || !h->fallback)
		return r;
	Py_DECREF(r);
	return PyObject_Vectorcall(h->fallback, args, 1, NULL);
}

static PyObject *hook_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "port", "fallback", NULL };
	PyObject *port_obj, *fallback = Py_None;
	uint16_t port;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:DnsUdpHook", kwlist, &port_obj, &fallback) ||
	    arg_port(port_obj, &port) < 0)
		return NULL;
	if (fallback != Py_None && !PyCallable_Check(fallback)) {
		PyErr_SetString(PyExc_TypeError, "DnsUdpHook: fallback must be callable or None");
		return NULL;
	}
	HookObject *h = (HookObject *)type->tp_alloc(type, 0);
	if (!h)
		return NULL;
	h->vectorcall = hook_vectorcall;
	h->fallback = fallback == Py_None ? NULL : Py_NewRef(fallback);
	h->port = port;
	return (PyObject *)h;
}

static int hook_traverse(HookObject *h, visitproc visit, void *arg)
{
	Py_VISIT(h->fallback);
	return 0;
}

static int hook_clear(HookObject *h)
{
	Py_CLEAR(h->fallback);
	return 0;
}

static void hook_dealloc(HookObject *h)
{
	PyObject_GC_UnTrack(h);
	hook_clear(h);
	Py_TYPE(h)->tp_free((PyObject *)h);
}

static PyObject *hook_get_decoded(HookObject *h, void *closure)
{
	(void)closure;
	return PyLong_FromUnsignedLongLong(h->counts[0]);
}

static PyObject *hook_get_malformed(HookObject *h, void *closure)
{
	(void)closure;
	return PyLong_FromUnsignedLongLong(h->counts[1]);
}

static PyGetSetDef hook_getset[] = {
	{ "decoded", (getter)hook_get_decoded, NULL, "Messages decoded and written.", NULL },
	{ "malformed", (getter)hook_get_malformed, NULL, "Malformed messages (nothing written).", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyTypeObject Hook_Type = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pktd.DnsUdpHook",
	.tp_basicsize = sizeof(HookObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
	.tp_doc = "DnsUdpHook(port, fallback=None): a callable for on_packet. A whole UDP datagram to or from "
		  "port (0: any) is decoded and written as dns_emit_udp() does, counted in .decoded or .malformed; "
		  "any other packet is passed to fallback(pkt).",
	.tp_new = hook_new,
	.tp_dealloc = (destructor)hook_dealloc,
	.tp_traverse = (traverseproc)hook_traverse,
	.tp_clear = (inquiry)hook_clear,
	.tp_vectorcall_offset = offsetof(HookObject, vectorcall),
	.tp_call = PyVectorcall_Call,
	.tp_getset = hook_getset,
};

static PyMethodDef dns_methods[] = {
	{ "dns_emit", (PyCFunction)(void (*)(void))mod_dns_emit, METH_FASTCALL,
	  "dns_emit(msg, ts, src, dst, sport, dport, transport, stats=None) -> bool: decode the DNS message in msg "
	  "(a buffer, no TCP length prefix) and write plugins/dns.py's record for it; False when it is malformed. "
	  "stats: a dict whose \"decoded\" or \"malformed\" count is incremented." },
	{ "dns_emit_udp", (PyCFunction)(void (*)(void))mod_dns_emit_udp, METH_FASTCALL,
	  "dns_emit_udp(pkt, port, stats=None) -> bool | None: dns_emit() of a UDP packet's payload, its "
	  "addresses, ports and time; None (nothing done, nothing counted) when pkt is not a whole UDP datagram "
	  "with a payload to or from port (0: any)." },
	{ NULL, NULL, 0, NULL },
};

int pydns_add_functions(PyObject *module)
{
	if (!g_key_decoded && !(g_key_decoded = PyUnicode_InternFromString("decoded")))
		return -1;
	if (!g_key_malformed && !(g_key_malformed = PyUnicode_InternFromString("malformed")))
		return -1;
	if (PyType_Ready(&Hook_Type) < 0 || PyModule_AddObjectRef(module, "DnsUdpHook", (PyObject *)&Hook_Type) < 0)
		return -1;
	return PyModule_AddFunctions(module, dns_methods);
}
