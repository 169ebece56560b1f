/* pymod.c: the `pktd` module: reused Packet, View and Batch objects.
 *
 * Lifetime contract (docs/plugins.md): a packet object and its views are
 * valid during the callback that received them. They carry the epoch they
 * were bound in; pymod_epoch_end() advances the global epoch, after which
 * every read raises pktd.ViewError. Buffer exports taken during the
 * callback stay valid and keep showing that packet's bytes: they count on
 * the frame header in the ring arena, and the ring never reuses a frame
 * whose count is non-zero. */
#include "pymod.h"

#include <structmember.h>

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "events.h"
#include "output.h"
#include "packet.h"
#include "pydns.h"
#include "pyflow.h"

#define INT_SMALL 257 /* CPython's own small ints: kept, so identity with literals holds */
#define ADDR_CACHE 4096
#define LAYERS_CACHE 1024 /* layer-name tuples by header-type sequence */

struct pymod_counters pymod_counters;

static uint64_t g_epoch = 1;
/* Cached ints: 0..256 are CPython's own; 257..65535 sit in one array of int
 * objects (pymod.h), found by arithmetic with no pointer table to miss on,
 * and prefetched by dispatch. */
static PyObject *g_small_ints[INT_SMALL];
struct pymod_int_slot *pymod_int_slots; /* PYMOD_INT_CACHE of them, 2 MiB-aligned */
static PyObject *g_event_names[EV_COUNT];
static PyObject *g_layer_names[LAYER_COUNT];
static PyObject *g_layer_tuples[1u << LAYER_COUNT];
static PyObject *g_hdr_names[HDR_TYPE_COUNT];
static PyObject *g_unknown_name;

/* pkt.layers of a packet with a header list: the names of its headers in
 * wire order, quoted ones left out and repeats in a row (VLAN tags, MPLS
 * labels) named once. Direct-mapped by that type sequence, so a stream of
 * a few packet shapes allocates nothing. */
struct layers_entry {
	uint8_t n;
	uint8_t types[PKT_MAX_HDRS];
	PyObject *tuple;
};
static struct layers_entry g_layers_cache[LAYERS_CACHE];
static PyObject *g_view_error;
static struct output *g_output;
static const char *g_plugin_name = "pktd";

struct addr_entry {
	uint8_t key[17]; /* kind (4, 6, or 'm' for MAC) + address */
	PyObject *str;
};
static struct addr_entry g_addr[ADDR_CACHE];

/* The cached int v < PYMOD_INT_CACHE (borrowed). */
static inline PyObject *int_obj(uint32_t v)
{
	return v < INT_SMALL ? g_small_ints[v] : (PyObject *)&pymod_int_slots[v];
}

static inline PyObject *int_cached(uint64_t v)
{
	if (v < PYMOD_INT_CACHE)
		return Py_NewRef(int_obj((uint32_t)v));
	return PyLong_FromUnsignedLongLong(v);
}

/* Text form of an address, from a small direct-mapped cache: a packet
 * stream repeats the same few addresses, so formatting is rare. */
static PyObject *addr_str(uint8_t kind, const uint8_t *a, unsigned n)
{
	uint32_t h = 2166136261u ^ kind;
	for (unsigned i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	struct addr_entry *e = &g_addr[(h ^ (h >> 15)) & (ADDR_CACHE - 1)];
	if (e->str && e->key[0] == kind && memcmp(e->key + 1, a, n) == 0)
		return Py_NewRef(e->str);
	char text[INET6_ADDRSTRLEN + 1];
	if (kind == 'm') {
		snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
	} else if (!inet_ntop(kind == 4 ? AF_INET : AF_INET6, a, text, sizeof(text))) {
		Py_RETURN_NONE;
	}
	PyObject *s = PyUnicode_FromString(text);
	if (!s)
		return NULL;
	Py_XSETREF(e->str, Py_NewRef(s));
	e->key[0] = kind;
	memcpy(e->key + 1, a, n);
	return s;
}

static PyObject *stale_error(void)
{
	pymod_counters.stale_uses++;
	PyErr_SetString(g_view_error,
			"packet or view used after its callback returned; copy with bytes() to keep data");
	return NULL;
}

/* ---- View ------------------------------------------------------------ */

typedef struct {
	PyObject_HEAD
	const uint8_t *buf;
	Py_ssize_t len;
	uint64_t epoch;
	_Atomic uint32_t *exports; /* counts buffer exports of buf; NULL: none */
	uint8_t copy_export; /* buf is reused after the callback (reassembly pool): export a copy */
} ViewObject;

static PyTypeObject View_Type;

static ViewObject *view_alloc(void)
{
	ViewObject *v = PyObject_New(ViewObject, &View_Type);
	if (v) {
		v->buf = NULL;
		v->len = 0;
		v->epoch = 0;
		v->exports = NULL;
		v->copy_export = 0;
	}
	return v;
}

#define VIEW_CHECK(v, fail)                         \
	do {                                        \
		if ((v)->epoch != g_epoch) {        \
			stale_error();              \
			return fail;                \
		}                                   \
	} while (0)

static Py_ssize_t view_length(ViewObject *v)
{
	VIEW_CHECK(v, -1);
	return v->len;
}

static PyObject *view_item(ViewObject *v, Py_ssize_t i)
{
	VIEW_CHECK(v, NULL);
	if (i < 0)
		i += v->len;
	if (i < 0 || i >= v->len) {
		PyErr_SetString(PyExc_IndexError, "view index out of range");
		return NULL;
	}
	return Py_NewRef(int_obj(v->buf[i]));
}

static PyObject *view_subscript(ViewObject *v, PyObject *key)
{
	VIEW_CHECK(v, NULL);
	if (PyIndex_Check(key)) {
		Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
		if (i == -1 && PyErr_Occurred())
			return NULL;
		return view_item(v, i);
	}
	if (!PySlice_Check(key)) {
		PyErr_SetString(PyExc_TypeError, "view indices must be integers or slices");
		return NULL;
	}
	Py_ssize_t start, stop, step;
	if (PySlice_Unpack(key, &start, &stop, &step) < 0)
		return NULL;
	Py_ssize_t n = PySlice_AdjustIndices(v->len, &start, &stop, step);
	if (step != 1) {
		/* Strided slices are rare: copy them. */
		PyObject *b = PyBytes_FromStringAndSize(NULL, n);
		if (!b)
			return NULL;
		char *w = PyBytes_AS_STRING(b);
		for (Py_ssize_t i = 0, j = start; i < n; i++, j += step)
			w[i] = (char)v->buf[j];
		return b;
	}
	ViewObject *s = view_alloc();
	if (!s)
		return NULL;
	s->buf = v->buf + start;
	s->len = n;
	s->epoch = v->epoch;
	s->exports = v->exports;
	s->copy_export = v->copy_export;
	return (PyObject *)s;
}

static int view_getbuffer(ViewObject *v, Py_buffer *view, int flags)
{
	if (v->epoch != g_epoch) {
		stale_error();
		view->obj = NULL;
		return -1;
	}
	if (v->copy_export) {
		/* Memory that cannot be pinned: the export is a copy, held by a
		 * bytes object (the exporter), so it never shows reused bytes. */
		PyObject *copy = PyBytes_FromStringAndSize((const char *)v->buf, v->len);
		if (!copy) {
			view->obj = NULL;
			return -1;
		}
		int rc = PyBuffer_FillInfo(view, copy, PyBytes_AS_STRING(copy), v->len, 1, flags);
		Py_DECREF(copy);
		if (rc == 0)
			pymod_counters.export_copies++;
		return rc;
	}
	if (PyBuffer_FillInfo(view, (PyObject *)v, (void *)v->buf, v->len, 1, flags) < 0)
		return -1;
	view->internal = (void *)v->exports;
	if (v->exports)
		atomic_fetch_add_explicit(v->exports, 1, memory_order_acq_rel);
	return 0;
}

static void view_releasebuffer(ViewObject *v, Py_buffer *view)
{
	(void)v;
	_Atomic uint32_t *exports = view->internal;
	if (exports)
		atomic_fetch_sub_explicit(exports, 1, memory_order_acq_rel);
}

static PyObject *view_tobytes(ViewObject *v, PyObject *unused)
{
	(void)unused;
	VIEW_CHECK(v, NULL);
	return PyBytes_FromStringAndSize((const char *)v->buf, v->len);
}

static PyObject *view_hex(ViewObject *v, PyObject *unused)
{
	(void)unused;
	VIEW_CHECK(v, NULL);
	static const char hex[] = "0123456789abcdef";
	PyObject *s = PyUnicode_New(v->len * 2, 127);
	if (!s)
		return NULL;
	Py_UCS1 *w = PyUnicode_1BYTE_DATA(s);
	for (Py_ssize_t i = 0; i < v->len; i++) {
		w[2 * i] = (Py_UCS1)hex[v->buf[i] >> 4];
		w[2 * i + 1] = (Py_UCS1)hex[v->buf[i] & 15];
	}
	return s;
}

static PyObject *view_richcompare(ViewObject *v, PyObject *other, int op)
{
	if (op != Py_EQ && op != Py_NE)
		Py_RETURN_NOTIMPLEMENTED;
	VIEW_CHECK(v, NULL);
	Py_buffer b;
	if (PyObject_GetBuffer(other, &b, PyBUF_SIMPLE) < 0) {
		PyErr_Clear();
		Py_RETURN_NOTIMPLEMENTED;
	}
	int eq = b.len == v->len && memcmp(b.buf, v->buf, (size_t)v->len) == 0;
	PyBuffer_Release(&b);
	return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyObject *view_repr(ViewObject *v)
{
	if (v->epoch != g_epoch)
		return PyUnicode_FromString("<pktd.View (released)>");
	return PyUnicode_FromFormat("<pktd.View len=%zd>", v->len);
}

static PyMethodDef view_methods[] = {
	{ "tobytes", (PyCFunction)view_tobytes, METH_NOARGS, "Copy the bytes out (valid forever)." },
	{ "hex", (PyCFunction)view_hex, METH_NOARGS, "The bytes as a hex string." },
	{ NULL, NULL, 0, NULL },
};

static PySequenceMethods view_as_sequence = {
	.sq_length = (lenfunc)view_length,
	.sq_item = (ssizeargfunc)view_item,
};
static PyMappingMethods view_as_mapping = {
	.mp_length = (lenfunc)view_length,
	.mp_subscript = (binaryfunc)view_subscript,
};
static PyBufferProcs view_as_buffer = {
	.bf_getbuffer = (getbufferproc)view_getbuffer,
	.bf_releasebuffer = (releasebufferproc)view_releasebuffer,
};

static PyTypeObject View_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "pktd.View",
	.tp_doc = "Zero-copy read-only bytes of a packet, valid during its callback.",
	.tp_basicsize = sizeof(ViewObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_dealloc = (destructor)PyObject_Del,
	.tp_repr = (reprfunc)view_repr,
	.tp_as_sequence = &view_as_sequence,
	.tp_as_mapping = &view_as_mapping,
	.tp_as_buffer = &view_as_buffer,
	.tp_richcompare = (richcmpfunc)view_richcompare,
	.tp_methods = view_methods,
};

/* ---- Packet ---------------------------------------------------------- */

/* The attributes read most (ports, protocol, lengths, the views) are
 * T_OBJECT_EX members, not getters: CPython 3.11 specializes reading one
 * into a single load from the object, with no call. Binding stores them;
 * they are borrowed (cached ints, None, the packet's own views) except the
 * few lengths past the int cache, owned (bits in `owned`).
 *
 * A member cannot check the epoch, so a packet's type says whether it is
 * bound: Packet_Type from its bind to the end of the epoch, then
 * StalePacket_Type, a subclass whose every packet attribute raises
 * pktd.ViewError. Packets bound in the current epoch are listed (g_bound),
 * so pymod_epoch_end() can turn them stale. */
typedef struct PacketObject {
	PyObject_HEAD
	PyObject *m_sport, *m_dport, *m_proto, *m_caplen, *m_wirelen, *m_payload_len;
	const struct pkt *p;
	uint64_t epoch;
	ViewObject *payload;
	ViewObject *raw;
	PyObject *flow; /* pkt.flow: the flow handle, NULL = None (pymod_packet_set_flow) */
	struct PacketObject *next_bound; /* in g_bound while the type is Packet_Type */
	uint8_t owned; /* OWN_* bits: members holding a reference */
} PacketObject;

enum { OWN_CAPLEN = 1, OWN_WIRELEN = 2, OWN_PAYLOAD_LEN = 4 };

static PyTypeObject Packet_Type, StalePacket_Type;
static PacketObject *g_bound;

/* Clear the members (dropping owned ones) and make the packet stale. */
static void packet_unbind(PacketObject *pk)
{
	Py_SET_TYPE(pk, &StalePacket_Type);
	if (pk->owned) {
		if (pk->owned & OWN_CAPLEN)
			Py_DECREF(pk->m_caplen);
		if (pk->owned & OWN_WIRELEN)
			Py_DECREF(pk->m_wirelen);
		if (pk->owned & OWN_PAYLOAD_LEN)
			Py_DECREF(pk->m_payload_len);
		pk->owned = 0;
	}
	pk->m_sport = pk->m_dport = pk->m_proto = pk->m_caplen = pk->m_wirelen = pk->m_payload_len = NULL;
}

static void packet_dealloc(PacketObject *pk)
{
	if (Py_IS_TYPE(pk, &Packet_Type)) { /* bound in this epoch: unlist it */
		PacketObject **pp = &g_bound;
		while (*pp != pk)
			pp = &(*pp)->next_bound;
		*pp = pk->next_bound;
	}
	packet_unbind(pk);
	Py_XDECREF(pk->payload);
	Py_XDECREF(pk->raw);
	Py_XDECREF(pk->flow);
	PyObject_Del(pk);
}

PyObject *pymod_packet_new(void)
{
	PacketObject *pk = PyObject_New(PacketObject, &StalePacket_Type);
	if (!pk)
		return NULL;
	pk->m_sport = pk->m_dport = pk->m_proto = pk->m_caplen = pk->m_wirelen = pk->m_payload_len = NULL;
	pk->owned = 0;
	pk->next_bound = NULL;
	pk->p = NULL;
	pk->epoch = 0;
	pk->flow = NULL;
	pk->payload = view_alloc();
	pk->raw = view_alloc();
	if (!pk->payload || !pk->raw) {
		Py_DECREF(pk);
		return NULL;
	}
	return (PyObject *)pk;
}

/* A length member: the cached int, or an owned one past the cache (NULL,
 * read as AttributeError, if that allocation fails). */
static inline PyObject *len_member(PacketObject *pk, uint32_t v, uint8_t bit)
{
	if (v < PYMOD_INT_CACHE)
		return int_obj(v);
	PyObject *o = PyLong_FromUnsignedLong(v);
	if (o)
		pk->owned |= bit;
	else
		PyErr_Clear();
	return o;
}

void pymod_packet_bind(PyObject *obj, struct ring_slot *slot)
{
	PacketObject *pk = (PacketObject *)obj;
	const struct pkt *p = &slot->pkt;
	if (!Py_IS_TYPE(pk, &Packet_Type)) {
		Py_SET_TYPE(pk, &Packet_Type);
		pk->next_bound = g_bound;
		g_bound = pk;
	} else if (pk->owned) {
		packet_unbind(pk); /* bound twice in one epoch: drop the first's */
		Py_SET_TYPE(pk, &Packet_Type);
	}
	pk->p = p;
	pk->epoch = g_epoch;
	int ports = PKT_HAS(p, LAYER_TCP) || PKT_HAS(p, LAYER_UDP);
	int ip = PKT_HAS(p, LAYER_IPV4) || PKT_HAS(p, LAYER_IPV6);
	pk->m_sport = ports ? int_obj(p->sport) : Py_None;
	pk->m_dport = ports ? int_obj(p->dport) : Py_None;
	pk->m_proto = ip ? int_obj(p->proto) : Py_None;
	pk->m_caplen = len_member(pk, p->caplen, OWN_CAPLEN);
	pk->m_wirelen = len_member(pk, p->wirelen, OWN_WIRELEN);
	pk->m_payload_len = len_member(pk, p->payload_len, OWN_PAYLOAD_LEN);
	ViewObject *v = pk->payload;
	v->buf = p->data + p->payload_off;
	v->len = p->payload_len;
	v->epoch = g_epoch;
	v->exports = slot->exports;
	v = pk->raw;
	v->buf = p->data;
	v->len = p->caplen;
	v->epoch = g_epoch;
	v->exports = slot->exports;
}

void pymod_epoch_end(void)
{
	g_epoch++;
	for (PacketObject *pk = g_bound; pk; pk = pk->next_bound)
		packet_unbind(pk);
	g_bound = NULL;
}

/* ---- for the flow hooks (flowstage.c, pyflow.c) --------------------------- */

void pymod_packet_set_flow(PyObject *packet, PyObject *flow)
{
	PacketObject *pk = (PacketObject *)packet;
	Py_XSETREF(pk->flow, Py_XNewRef(flow));
}

PyObject *pymod_view_new(void)
{
	return (PyObject *)view_alloc();
}

void pymod_view_bind_slot(PyObject *obj, const uint8_t *buf, uint32_t len, struct ring_slot *slot)
{
	ViewObject *v = (ViewObject *)obj;
	v->buf = buf;
	v->len = len;
	v->epoch = g_epoch;
	v->exports = slot->exports;
	v->copy_export = 0;
}

void pymod_view_bind_copy(PyObject *obj, const uint8_t *buf, uint32_t len)
{
	ViewObject *v = (ViewObject *)obj;
	v->buf = buf;
	v->len = len;
	v->epoch = g_epoch;
	v->exports = NULL;
	v->copy_export = 1;
}

uint64_t pymod_epoch(void)
{
	return g_epoch;
}

PyObject *pymod_stale_error(void)
{
	return stale_error();
}

PyObject *pymod_int(uint64_t v)
{
	return int_cached(v);
}

PyObject *pymod_ip_addr(unsigned version, const uint8_t *a)
{
	return version == 4 ? addr_str(4, a, 4) : addr_str(6, a, 16);
}

const struct pkt *pymod_packet_pkt(PyObject *obj)
{
	if (!PyObject_TypeCheck(obj, &Packet_Type)) {
		PyErr_SetString(PyExc_TypeError, "expected a pktd.Packet");
		return NULL;
	}
	PacketObject *pk = (PacketObject *)obj;
	if (pk->epoch != g_epoch) {
		stale_error();
		return NULL;
	}
	return pk->p;
}

struct output *pymod_output(void)
{
	return g_output;
}

static int view_reclaim(ViewObject **vp)
{
	if (Py_REFCNT(*vp) == 1)
		return 0;
	ViewObject *fresh = view_alloc();
	if (!fresh)
		return -1;
	Py_SETREF(*vp, fresh);
	pymod_counters.views_retained++;
	return 1;
}

int pymod_view_reclaim(PyObject **obj)
{
	return view_reclaim((ViewObject **)obj);
}

int pymod_packet_reclaim(PyObject **obj)
{
	PacketObject *pk = (PacketObject *)*obj;
	if (Py_REFCNT(pk) > 1) {
		PyObject *fresh = pymod_packet_new();
		if (!fresh)
			return -1;
		Py_SETREF(*obj, fresh);
		pymod_counters.packets_retained++;
		return 1;
	}
	int a = view_reclaim(&pk->payload);
	int b = view_reclaim(&pk->raw);
	return (a < 0 || b < 0) ? -1 : (a || b);
}

#define PK_CHECK(pk)                    \
	do {                            \
		if ((pk)->epoch != g_epoch) \
			return stale_error(); \
	} while (0)

#define PK_GETTER(name, cond, expr)                                   \
	static PyObject *pk_##name(PacketObject *pk, void *closure)   \
	{                                                             \
		(void)closure;                                        \
		PK_CHECK(pk);                                         \
		const struct pkt *p = pk->p;                          \
		(void)p;                                              \
		if (!(cond))                                          \
			Py_RETURN_NONE;                               \
		return expr;                                          \
	}

#define HAS(l) PKT_HAS(p, l)
#define HAS_PORTS (HAS(LAYER_TCP) || HAS(LAYER_UDP))
#define HAS_IP (HAS(LAYER_IPV4) || HAS(LAYER_IPV6))
#define HAS_ICMP (HAS(LAYER_ICMP) || HAS(LAYER_ICMPV6))

PK_GETTER(frame, 1, int_cached(p->frame_no))
PK_GETTER(ts, 1, PyFloat_FromDouble((double)p->ts_ns / 1e9))
PK_GETTER(ts_ns, 1, PyLong_FromUnsignedLongLong(p->ts_ns))
PK_GETTER(linktype, 1, int_cached(p->linktype))
PK_GETTER(ifindex, 1, int_cached(p->ifindex))
PK_GETTER(eth_src, HAS(LAYER_ETH), addr_str('m', p->data + p->eth_off + 6, 6))
PK_GETTER(eth_dst, HAS(LAYER_ETH), addr_str('m', p->data + p->eth_off, 6))
PK_GETTER(vlan, p->vlan_count > 0, int_cached(p->vlan_id[0]))
PK_GETTER(ethertype, p->ethertype != 0, int_cached(p->ethertype))
PK_GETTER(ip_version, HAS_IP, int_cached(p->ip_version))
PK_GETTER(src, HAS_IP,
	  p->ip_version == 4 ? addr_str(4, p->data + p->l3_off + 12, 4) : addr_str(6, p->data + p->l3_off + 8, 16))
PK_GETTER(dst, HAS_IP,
	  p->ip_version == 4 ? addr_str(4, p->data + p->l3_off + 16, 4) : addr_str(6, p->data + p->l3_off + 24, 16))
PK_GETTER(ip6_nxt, HAS(LAYER_IPV6), int_cached(p->ip6_nxt))
PK_GETTER(ttl, HAS_IP, int_cached(p->ttl))
PK_GETTER(frag_offset, HAS_IP, int_cached(p->frag_offset))
PK_GETTER(more_fragments, HAS_IP, PyBool_FromLong(p->frag_mf))
PK_GETTER(is_fragment, 1, PyBool_FromLong(p->flags & PKT_FLAG_FRAGMENT))
PK_GETTER(tcp_flags, HAS(LAYER_TCP), int_cached(p->tcp_flags))
PK_GETTER(seq, HAS(LAYER_TCP), int_cached(p->seq))
PK_GETTER(ack, HAS(LAYER_TCP), int_cached(p->ack))
PK_GETTER(tcp_window, HAS(LAYER_TCP), int_cached(p->tcp_window))
PK_GETTER(icmp_type, HAS_ICMP, int_cached(p->icmp_type))
PK_GETTER(icmp_code, HAS_ICMP, int_cached(p->icmp_code))
PK_GETTER(arp_op, HAS(LAYER_ARP), int_cached(p->arp_op))
PK_GETTER(error, p->error != 0 && p->error < EV_COUNT, Py_NewRef(g_event_names[p->error]))
PK_GETTER(truncated, 1, PyBool_FromLong(p->flags & PKT_FLAG_TRUNCATED))
PK_GETTER(reassembled, 1, PyBool_FromLong(p->flags & PKT_FLAG_REASSEMBLED))

static PyObject *hdr_name(uint8_t type)
{
	return type < HDR_TYPE_COUNT && g_hdr_names[type] ? g_hdr_names[type] : g_unknown_name;
}

static PyObject *pk_layers(PacketObject *pk, void *closure)
{
	(void)closure;
	PK_CHECK(pk);
	const struct pkt *p = pk->p;
	unsigned nh = p->nhdrs < PKT_MAX_HDRS ? p->nhdrs : PKT_MAX_HDRS;
	if (nh == 0)
		return Py_NewRef(g_layer_tuples[p->layers & ((1u << LAYER_COUNT) - 1)]);
	uint8_t types[PKT_MAX_HDRS];
	unsigned n = 0;
	uint32_t h = 2166136261u;
	for (unsigned i = 0; i < nh; i++) {
		const struct pkt_hdr *e = &p->hdrs[i];
		if ((e->flags & HDR_QUOTED) || (n > 0 && types[n - 1] == e->type))
			continue;
		types[n++] = e->type;
		h = (h ^ e->type) * 16777619u;
	}
	struct layers_entry *c = &g_layers_cache[(h ^ (h >> 13)) & (LAYERS_CACHE - 1)];
	if (c->tuple && c->n == n && memcmp(c->types, types, n) == 0)
		return Py_NewRef(c->tuple);
	PyObject *t = PyTuple_New(n);
	if (!t)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		PyTuple_SET_ITEM(t, i, Py_NewRef(hdr_name(types[i])));
	Py_XSETREF(c->tuple, Py_NewRef(t));
	c->n = (uint8_t)n;
	memcpy(c->types, types, n);
	return t;
}

/* pkt.headers: ((name, offset, length, quoted), ...) for every header. */
static PyObject *pk_headers(PacketObject *pk, void *closure)
{
	(void)closure;
	PK_CHECK(pk);
	const struct pkt *p = pk->p;
	unsigned nh = p->nhdrs < PKT_MAX_HDRS ? p->nhdrs : PKT_MAX_HDRS;
	PyObject *t = PyTuple_New(nh);
	for (unsigned i = 0; t && i < nh; i++) {
		const struct pkt_hdr *e = &p->hdrs[i];
		PyObject *off = int_cached(e->off);
		PyObject *item = off ? PyTuple_Pack(4, hdr_name(e->type), off, int_obj(e->len),
						    (e->flags & HDR_QUOTED) ? Py_True : Py_False)
				     : NULL;
		Py_XDECREF(off);
		if (!item) {
			Py_CLEAR(t);
			break;
		}
		PyTuple_SET_ITEM(t, i, item);
	}
	return t;
}

static bool hdr_has(const struct pkt *p, const struct pkt_hdr *e, uint32_t n)
{
	return e->len >= n && (uint64_t)e->off + n <= p->caplen;
}

static uint32_t be16_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 8 | b[1];
}

static uint32_t be32_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The id of the tunnel header e (+ the header after it): an int, a tuple,
 * or None. *kind may be changed (GRE carrying ERSPAN). */
static PyObject *tunnel_id(const struct pkt *p, unsigned i, const char **kind)
{
	const struct pkt_hdr *e = &p->hdrs[i];
	const uint8_t *b = p->data + e->off;
	switch (e->type) {
	case HDR_VXLAN:
	case HDR_GENEVE:
		if (hdr_has(p, e, 7))
			return PyLong_FromUnsignedLong(be32_at(b + 3) & 0xffffff);
		break;
	case HDR_GTPU:
		if (hdr_has(p, e, 8))
			return PyLong_FromUnsignedLong(be32_at(b + 4));
		break;
	case HDR_GRE: {
		if (i + 1 < p->nhdrs && p->hdrs[i + 1].type == HDR_ERSPAN && hdr_has(p, &p->hdrs[i + 1], 4)) {
			*kind = "erspan";
			return PyLong_FromUnsignedLong(be16_at(p->data + p->hdrs[i + 1].off + 2) & 0x3ff);
		}
		if (!hdr_has(p, e, 4))
			break;
		uint32_t flags = be16_at(b);
		if (!(flags & 0x2000)) /* no key */
			break;
		if ((flags & 7) == 1) /* PPTP: payload length, call id */
			return hdr_has(p, e, 8) ? PyLong_FromUnsignedLong(be16_at(b + 6)) : Py_NewRef(Py_None);
		uint32_t at = 4 + ((flags & 0x8000) ? 4 : 0);
		if (hdr_has(p, e, at + 4))
			return PyLong_FromUnsignedLong(be32_at(b + at));
		break;
	}
	case HDR_L2TP: {
		if (!hdr_has(p, e, 2))
			break;
		uint32_t at = (be16_at(b) & 0x4000) ? 4 : 2;
		if (hdr_has(p, e, at + 4))
			return Py_BuildValue("(II)", be16_at(b + at), be16_at(b + at + 2));
		break;
	}
	case HDR_MPLS: {
		unsigned n = 0;
		while (i + n < p->nhdrs && p->hdrs[i + n].type == HDR_MPLS && hdr_has(p, &p->hdrs[i + n], 4))
			n++;
		PyObject *t = PyTuple_New(n);
		for (unsigned j = 0; t && j < n; j++) {
			PyObject *v = PyLong_FromUnsignedLong(be32_at(p->data + p->hdrs[i + j].off) >> 12);
			if (!v) {
				Py_CLEAR(t);
				break;
			}
			PyTuple_SET_ITEM(t, j, v);
		}
		return t;
	}
	default:
		break;
	}
	Py_RETURN_NONE;
}

static PyObject *ip_addr(const struct pkt *p, const struct pkt_hdr *ip, bool dst)
{
	if (!ip)
		Py_RETURN_NONE;
	if (ip->type == HDR_IPV4)
		return hdr_has(p, ip, 20) ? addr_str(4, p->data + ip->off + (dst ? 16 : 12), 4) : Py_NewRef(Py_None);
	return hdr_has(p, ip, 40) ? addr_str(6, p->data + ip->off + (dst ? 24 : 8), 16) : Py_NewRef(Py_None);
}

/* pkt.tunnel: the outermost encapsulation, (kind, outer_src, outer_dst, id),
 * or None. */
static PyObject *pk_tunnel(PacketObject *pk, void *closure)
{
	(void)closure;
	PK_CHECK(pk);
	const struct pkt *p = pk->p;
	unsigned nh = p->nhdrs < PKT_MAX_HDRS ? p->nhdrs : PKT_MAX_HDRS;
	const struct pkt_hdr *outer_ip = NULL, *prev = NULL;
	for (unsigned i = 0; i < nh; i++) {
		const struct pkt_hdr *e = &p->hdrs[i];
		if (e->flags & HDR_QUOTED)
			break;
		const char *kind = NULL;
		const struct pkt_hdr *ip = outer_ip;
		switch (e->type) {
		case HDR_GRE: kind = "gre"; break;
		case HDR_VXLAN: kind = "vxlan"; break;
		case HDR_GENEVE: kind = "geneve"; break;
		case HDR_GTPU: kind = "gtpu"; break;
		case HDR_L2TP: kind = "l2tp"; break;
		case HDR_MPLS: kind = "mpls"; break;
		case HDR_IPV4:
		case HDR_IPV6:
			if (prev && (prev->type == HDR_IPV4 || prev->type == HDR_IPV6)) {
				kind = "ipip";
				ip = prev;
			}
			outer_ip = e;
			break;
		default:
			break;
		}
		prev = e;
		if (!kind)
			continue;
		PyObject *id = tunnel_id(p, i, &kind);
		PyObject *src = id ? ip_addr(p, ip, false) : NULL;
		PyObject *dst = src ? ip_addr(p, ip, true) : NULL;
		PyObject *r = dst ? Py_BuildValue("(sOOO)", kind, src, dst, id) : NULL;
		Py_XDECREF(id);
		Py_XDECREF(src);
		Py_XDECREF(dst);
		return r;
	}
	Py_RETURN_NONE;
}

/* pkt.flow: the packet's flow (pktd.Flow), or None (flow tracking off, the
 * plugin did not ask for it with FLOWS = True or a flow hook, or a packet
 * without a flow: ARP, a fragment). */
static PyObject *pk_flow(PacketObject *pk, void *closure)
{
	(void)closure;
	PK_CHECK(pk);
	if (!pk->flow)
		Py_RETURN_NONE;
	return Py_NewRef(pk->flow);
}

/* Type of the last header that is not inside an ICMP error quote. */
static int last_hdr(const struct pkt *p)
{
	for (int i = (int)p->nhdrs - 1; i >= 0; i--)
		if (!(p->hdrs[i].flags & HDR_QUOTED))
			return p->hdrs[i].type;
	return -1;
}

#define ARP_IPV4_ETH (HAS(LAYER_ARP) && p->arp_htype == 1 && p->arp_hlen == 6 && p->arp_plen == 4 && p->arp_tpa_off)
#define QUOTE_V(p) ((p)->data[(p)->quote_off] >> 4)
PK_GETTER(arp_htype, HAS(LAYER_ARP), int_cached(p->arp_htype))
PK_GETTER(arp_ptype, HAS(LAYER_ARP), int_cached(p->arp_ptype))
PK_GETTER(arp_sender_mac, ARP_IPV4_ETH, addr_str('m', p->data + p->arp_sha_off, 6))
PK_GETTER(arp_sender_ip, ARP_IPV4_ETH, addr_str(4, p->data + p->arp_spa_off, 4))
PK_GETTER(arp_target_mac, ARP_IPV4_ETH, addr_str('m', p->data + p->arp_tha_off, 6))
PK_GETTER(arp_target_ip, ARP_IPV4_ETH, addr_str(4, p->data + p->arp_tpa_off, 4))
PK_GETTER(quoted_src, p->quote_off != 0,
	  QUOTE_V(p) == 4 ? addr_str(4, p->data + p->quote_off + 12, 4) : addr_str(6, p->data + p->quote_off + 8, 16))
PK_GETTER(quoted_dst, p->quote_off != 0,
	  QUOTE_V(p) == 4 ? addr_str(4, p->data + p->quote_off + 16, 4) : addr_str(6, p->data + p->quote_off + 24, 16))
PK_GETTER(quoted_proto, p->quote_off != 0, int_cached(p->quote_proto))
PK_GETTER(quoted_sport, p->quote_off != 0 && (p->quote_sport || p->quote_dport), int_cached(p->quote_sport))
PK_GETTER(quoted_dport, p->quote_off != 0 && (p->quote_sport || p->quote_dport), int_cached(p->quote_dport))
PK_GETTER(sctp_vtag, last_hdr(p) == HDR_SCTP, int_cached(p->sctp_vtag))
PK_GETTER(sctp_chunk_type, last_hdr(p) == HDR_SCTP && p->sctp_nchunks > 0, int_cached(p->sctp_chunk_type))
PK_GETTER(sctp_chunks, last_hdr(p) == HDR_SCTP, int_cached(p->sctp_nchunks))
PK_GETTER(igmp_type, last_hdr(p) == HDR_IGMP, int_cached(p->igmp_type))
PK_GETTER(igmp_max_resp, last_hdr(p) == HDR_IGMP, int_cached(p->igmp_max_resp))
PK_GETTER(igmp_records, last_hdr(p) == HDR_IGMP, int_cached(p->igmp_nrecords))
static PyObject *pk_igmp_group(PacketObject *pk, void *closure)
{
	(void)closure;
	PK_CHECK(pk);
	const struct pkt *p = pk->p;
	if (last_hdr(p) != HDR_IGMP)
		Py_RETURN_NONE;
	uint8_t a[4] = { (uint8_t)(p->igmp_group >> 24), (uint8_t)(p->igmp_group >> 16), (uint8_t)(p->igmp_group >> 8),
			 (uint8_t)p->igmp_group };
	return addr_str(4, a, 4);
}
PK_GETTER(ppp_proto, p->ppp_proto != 0, int_cached(p->ppp_proto))
PK_GETTER(pppoe_session, p->pppoe_session != 0 || p->pppoe_code != 0, int_cached(p->pppoe_session))

static PyObject *pk_vlan_tags(PacketObject *pk, void *closure)
{
	(void)closure;
	PK_CHECK(pk);
	const struct pkt *p = pk->p;
	unsigned n = p->vlan_count < PKT_MAX_VLANS ? p->vlan_count : PKT_MAX_VLANS;
	PyObject *t = PyTuple_New(n);
	for (unsigned i = 0; t && i < n; i++) {
		PyObject *pair = PyTuple_Pack(2, int_obj(p->vlan_tpid[i]), int_obj(p->vlan_id[i]));
		if (!pair) {
			Py_CLEAR(t);
			break;
		}
		PyTuple_SET_ITEM(t, i, pair);
	}
	return t;
}

/* Bound at pymod_packet_bind (see PacketObject). */
#define MEMBER(name, field, doc) { #name, T_OBJECT_EX, offsetof(PacketObject, field), READONLY, doc }
static PyMemberDef packet_members[] = {
	MEMBER(caplen, m_caplen, "Captured length."),
	MEMBER(wirelen, m_wirelen, "Length on the wire."),
	MEMBER(proto, m_proto, "Upper-layer protocol number (after IPv6 extension headers)."),
	MEMBER(sport, m_sport, "TCP/UDP source port or None."),
	MEMBER(dport, m_dport, "TCP/UDP destination port or None."),
	MEMBER(payload, payload, "View of the bytes after the innermost decoded header."),
	MEMBER(payload_len, m_payload_len, "Length of payload."),
	MEMBER(raw, raw, "View of the whole captured frame."),
	{ NULL, 0, 0, 0, NULL },
};

#define GET(name, doc) { #name, (getter)pk_##name, NULL, doc, NULL }
static PyGetSetDef packet_getset[] = {
	GET(frame, "Frame number, 1-based across all inputs."),
	GET(ts, "Capture time, float seconds since the epoch."),
	GET(ts_ns, "Capture time, int nanoseconds since the epoch."),
	GET(linktype, "LINKTYPE_ number of the frame."),
	GET(ifindex, "pcapng interface id (0 for pcap)."),
	GET(eth_src, "Ethernet source MAC or None."),
	GET(eth_dst, "Ethernet destination MAC or None."),
	GET(vlan, "Outermost VLAN id or None."),
	GET(vlan_tags, "Tuple of (tpid, vid) pairs, outermost first."),
	GET(ethertype, "Ethertype after VLAN tags, or None."),
	GET(ip_version, "4, 6 or None."),
	GET(src, "IP source address as text, or None."),
	GET(dst, "IP destination address as text, or None."),
	GET(ip6_nxt, "Next-header field of the fixed IPv6 header."),
	GET(ttl, "TTL or hop limit."),
	GET(frag_offset, "IP fragment offset in bytes."),
	GET(more_fragments, "IP more-fragments flag."),
	GET(is_fragment, "True for an IPv4/IPv6 fragment."),
	GET(tcp_flags, "TCP flags (low 12 bits) or None."),
	GET(seq, "TCP sequence number or None."),
	GET(ack, "TCP acknowledgment number or None."),
	GET(tcp_window, "TCP window or None."),
	GET(icmp_type, "ICMP/ICMPv6 type or None."),
	GET(icmp_code, "ICMP/ICMPv6 code or None."),
	GET(arp_op, "ARP opcode or None."),
	GET(error, "None, or the first decode problem, e.g. 'ipv4.too_small'."),
	GET(truncated, "True when caplen is shorter than the headers declared."),
	GET(reassembled, "True for an IP datagram reassembled from fragments (frame = the completing fragment)."),
	GET(layers, "Tuple of decoded layer names in wire order (repeats in a row once, ICMP quotes left out)."),
	GET(headers, "Tuple of (name, offset, length, quoted) for every decoded header, outermost first."),
	GET(tunnel, "None, or (kind, outer_src, outer_dst, id) of the outermost encapsulation."),
	GET(arp_htype, "ARP hardware type (1 = Ethernet) or None."),
	GET(arp_ptype, "ARP protocol type (0x0800 = IPv4) or None."),
	GET(arp_sender_mac, "ARP sender hardware address (Ethernet/IPv4 ARP) or None."),
	GET(arp_sender_ip, "ARP sender protocol address (Ethernet/IPv4 ARP) or None."),
	GET(arp_target_mac, "ARP target hardware address (Ethernet/IPv4 ARP) or None."),
	GET(arp_target_ip, "ARP target protocol address (Ethernet/IPv4 ARP) or None."),
	GET(quoted_src, "ICMP/ICMPv6 error: source address of the quoted packet, or None."),
	GET(quoted_dst, "ICMP/ICMPv6 error: destination address of the quoted packet, or None."),
	GET(quoted_proto, "ICMP/ICMPv6 error: protocol of the quoted packet, or None."),
	GET(quoted_sport, "ICMP/ICMPv6 error: source port of the quoted TCP/UDP/SCTP header, or None."),
	GET(quoted_dport, "ICMP/ICMPv6 error: destination port of the quoted TCP/UDP/SCTP header, or None."),
	GET(sctp_vtag, "SCTP verification tag or None."),
	GET(sctp_chunk_type, "SCTP: type of the first chunk, or None."),
	GET(sctp_chunks, "SCTP: number of complete chunks, or None."),
	GET(igmp_type, "IGMP message type or None."),
	GET(igmp_max_resp, "IGMP max response time/code or None."),
	GET(igmp_group, "IGMP group address or None."),
	GET(igmp_records, "IGMPv3 report: number of group records, or None."),
	GET(ppp_proto, "PPP protocol field of the (innermost) PPP header, or None."),
	GET(pppoe_session, "PPPoE session id, or None."),
	GET(flow, "The packet's pktd.Flow (FLOWS = True or a flow hook), or None."),
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyObject *packet_repr(PacketObject *pk)
{
	if (pk->epoch != g_epoch)
		return PyUnicode_FromString("<pktd.Packet (released)>");
	return PyUnicode_FromFormat("<pktd.Packet frame=%llu caplen=%u>", (unsigned long long)pk->p->frame_no,
				    pk->p->caplen);
}

static PyTypeObject Packet_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "pktd.Packet",
	.tp_doc = "A decoded packet, reused: valid during its callback only.",
	.tp_basicsize = sizeof(PacketObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_dealloc = (destructor)packet_dealloc,
	.tp_repr = (reprfunc)packet_repr,
	.tp_getset = packet_getset,
	.tp_members = packet_members,
};

/* A packet after its epoch (PacketObject): every packet attribute raises
 * pktd.ViewError; anything else (type, repr, dunders) works as usual. */
static PyObject *stale_packet_getattro(PyObject *obj, PyObject *name)
{
	PyObject *d = _PyType_Lookup(&Packet_Type, name);
	if (d && (Py_IS_TYPE(d, &PyMemberDescr_Type) || Py_IS_TYPE(d, &PyGetSetDescr_Type)) &&
	    PyDescr_TYPE(d) == &Packet_Type)
		return stale_error();
	return PyObject_GenericGetAttr(obj, name);
}

static PyTypeObject StalePacket_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "pktd.Packet",
	.tp_doc = "A decoded packet, reused: valid during its callback only.",
	.tp_basicsize = sizeof(PacketObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_base = &Packet_Type,
	.tp_dealloc = (destructor)packet_dealloc,
	.tp_repr = (reprfunc)packet_repr,
	.tp_getattro = stale_packet_getattro,
};

/* ---- Batch ----------------------------------------------------------- */

typedef struct BatchObject BatchObject;
typedef struct {
	PyObject_HEAD
	BatchObject *batch; /* NULL once the batch is gone */
	int owned;          /* holds a reference to batch */
	uint32_t next;
} BatchIterObject;

struct BatchObject {
	PyObject_HEAD
	uint32_t len, cap;
	PyObject **items;
	/* One iterator reused by every `for p in pkts`; it points back at
	 * the batch without a reference, so there is no cycle. */
	BatchIterObject *iter;
};

static PyTypeObject Batch_Type, BatchIter_Type;

static BatchIterObject *batchiter_new(BatchObject *b, int owned)
{
	BatchIterObject *it = PyObject_New(BatchIterObject, &BatchIter_Type);
	if (it) {
		it->batch = b;
		it->owned = owned;
		it->next = 0;
		if (owned)
			Py_INCREF(b);
	}
	return it;
}

static void batchiter_dealloc(BatchIterObject *it)
{
	if (it->owned)
		Py_XDECREF(it->batch);
	PyObject_Del(it);
}

static void batch_dealloc(BatchObject *b)
{
	for (uint32_t i = 0; i < b->cap; i++)
		Py_XDECREF(b->items[i]);
	PyMem_Free(b->items);
	if (b->iter) {
		b->iter->batch = NULL;
		Py_DECREF(b->iter);
	}
	PyObject_Del(b);
}

PyObject *pymod_batch_new(uint32_t capacity)
{
	BatchObject *b = PyObject_New(BatchObject, &Batch_Type);
	if (!b)
		return NULL;
	b->len = 0;
	b->cap = 0;
	b->iter = NULL;
	b->items = PyMem_Calloc(capacity, sizeof(PyObject *));
	if (!b->items) {
		Py_DECREF(b);
		return PyErr_NoMemory();
	}
	b->cap = capacity;
	for (uint32_t i = 0; i < capacity; i++) {
		if (!(b->items[i] = pymod_packet_new())) {
			Py_DECREF(b);
			return NULL;
		}
	}
	if (!(b->iter = batchiter_new(b, 0))) {
		Py_DECREF(b);
		return NULL;
	}
	return (PyObject *)b;
}

PyObject *pymod_batch_item(PyObject *batch, uint32_t i)
{
	return ((BatchObject *)batch)->items[i];
}

void pymod_batch_set_len(PyObject *batch, uint32_t n)
{
	((BatchObject *)batch)->len = n;
}

int pymod_batch_reclaim(PyObject *batch)
{
	BatchObject *b = (BatchObject *)batch;
	int kept = 0;
	for (uint32_t i = 0; i < b->len; i++) {
		int r = pymod_packet_reclaim(&b->items[i]);
		if (r < 0)
			return -1;
		kept |= r;
	}
	return kept;
}

static Py_ssize_t batch_length(BatchObject *b)
{
	return b->len;
}

static PyObject *batch_item(BatchObject *b, Py_ssize_t i)
{
	if (i < 0)
		i += b->len;
	if (i < 0 || i >= b->len) {
		PyErr_SetString(PyExc_IndexError, "batch index out of range");
		return NULL;
	}
	return Py_NewRef(b->items[i]);
}

static PyObject *batch_iter(BatchObject *b)
{
	if (Py_REFCNT(b->iter) == 1) {
		b->iter->next = 0;
		return Py_NewRef((PyObject *)b->iter);
	}
	return (PyObject *)batchiter_new(b, 1); /* the shared one is in use */
}

static PyObject *batchiter_next(BatchIterObject *it)
{
	BatchObject *b = it->batch;
	if (!b || it->next >= b->len)
		return NULL;
	return Py_NewRef(b->items[it->next++]);
}

static PySequenceMethods batch_as_sequence = {
	.sq_length = (lenfunc)batch_length,
	.sq_item = (ssizeargfunc)batch_item,
};

static PyTypeObject Batch_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "pktd.Batch",
	.tp_doc = "A reused sequence of reused packets, valid during on_batch().",
	.tp_basicsize = sizeof(BatchObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_dealloc = (destructor)batch_dealloc,
	.tp_as_sequence = &batch_as_sequence,
	.tp_iter = (getiterfunc)batch_iter,
};

static PyTypeObject BatchIter_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "pktd.BatchIterator",
	.tp_basicsize = sizeof(BatchIterObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_dealloc = (destructor)batchiter_dealloc,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = (iternextfunc)batchiter_next,
};

/* ---- module ------------------------------------------------------------ */

void pymod_set_output(struct output *out)
{
	g_output = out;
}

void pymod_set_current_plugin(const char *name)
{
	g_plugin_name = name;
}

static PyObject *mod_emit(PyObject *self, PyObject *record)
{
	(void)self;
	if (!g_output) {
		PyErr_SetString(PyExc_RuntimeError, "pktd.emit: no output open");
		return NULL;
	}
	if (output_write_json(g_output, record) < 0) {
		pymod_counters.emit_errors++;
		return NULL;
	}
	pymod_counters.emitted++;
	Py_RETURN_NONE;
}

static PyObject *mod_log(PyObject *self, PyObject *msg)
{
	(void)self;
	PyObject *s = PyObject_Str(msg);
	if (!s)
		return NULL;
	const char *u = PyUnicode_AsUTF8(s);
	if (!u) {
		Py_DECREF(s);
		return NULL;
	}
	if (g_output && g_output->fp == stdout)
		fflush(stdout);
	fprintf(stderr, "pktd: [%s] %s\n", g_plugin_name, u);
	Py_DECREF(s);
	Py_RETURN_NONE;
}

static PyMethodDef mod_methods[] = {
	{ "emit", mod_emit, METH_O, "emit(record): write a dict as one JSON line to -o FILE or stdout." },
	{ "log", mod_log, METH_O, "log(msg): one line on stderr, prefixed with the plugin name." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef pktd_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "pktd",
	.m_doc = "pktd host module: emit records, packet and view types.",
	.m_size = -1,
	.m_methods = mod_methods,
};

static PyObject *pyinit_pktd(void)
{
	if (PyType_Ready(&View_Type) < 0 || PyType_Ready(&Packet_Type) < 0 ||
	    PyType_Ready(&StalePacket_Type) < 0 || PyType_Ready(&Batch_Type) < 0 ||
	    PyType_Ready(&BatchIter_Type) < 0)
		return NULL;
	PyObject *m = PyModule_Create(&pktd_module);
	if (!m)
		return NULL;
	g_view_error = PyErr_NewExceptionWithDoc("pktd.ViewError",
						 "A packet, view or batch was used after its callback returned.",
						 PyExc_ValueError, NULL);
	if (!g_view_error || PyModule_AddObjectRef(m, "ViewError", g_view_error) < 0 ||
	    PyModule_AddObjectRef(m, "Packet", (PyObject *)&Packet_Type) < 0 ||
	    PyModule_AddObjectRef(m, "View", (PyObject *)&View_Type) < 0 ||
	    PyModule_AddObjectRef(m, "Batch", (PyObject *)&Batch_Type) < 0 || pyflow_add_type(m) < 0 ||
	    pydns_add_functions(m) < 0 ||
	    PyModule_AddObjectRef(m, "STREAMS", Py_True) < 0 || /* on_stream is delivered (flowstage.h) */
	    PyModule_AddStringConstant(m, "version", PKTD_VERSION) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}

int pymod_register(void)
{
	return PyImport_AppendInittab("pktd", pyinit_pktd);
}

static const char *const layer_names[LAYER_COUNT] = {
	[LAYER_ETH] = "eth",   [LAYER_VLAN] = "vlan", [LAYER_ARP] = "arp",   [LAYER_SLL] = "sll",
	[LAYER_SLL2] = "sll2", [LAYER_NULL] = "null", [LAYER_IPV4] = "ipv4", [LAYER_IPV6] = "ipv6",
	[LAYER_TCP] = "tcp",   [LAYER_UDP] = "udp",   [LAYER_ICMP] = "icmp", [LAYER_ICMPV6] = "icmpv6",
};

static const char *const hdr_names[HDR_TYPE_COUNT] = {
	[HDR_ETH] = "eth",	 [HDR_VLAN] = "vlan",	  [HDR_LLC] = "llc",	 [HDR_SNAP] = "snap",
	[HDR_MPLS] = "mpls",	 [HDR_PPPOE] = "pppoe",	  [HDR_PPP] = "ppp",	 [HDR_CHDLC] = "chdlc",
	[HDR_SLL] = "sll",	 [HDR_SLL2] = "sll2",	  [HDR_NULL] = "null",	 [HDR_ARP] = "arp",
	[HDR_IPV4] = "ipv4",	 [HDR_IPV6] = "ipv6",	  [HDR_TCP] = "tcp",	 [HDR_UDP] = "udp",
	[HDR_ICMP] = "icmp",	 [HDR_ICMPV6] = "icmpv6", [HDR_GRE] = "gre",	 [HDR_ERSPAN] = "erspan",
	[HDR_VXLAN] = "vxlan",	 [HDR_GENEVE] = "geneve", [HDR_GTPU] = "gtpu",	 [HDR_L2TP] = "l2tp",
	[HDR_SCTP] = "sctp",	 [HDR_IGMP] = "igmp",	  [HDR_CMD] = "cmd",
};

/* The size of int object o (int.__sizeof__), -1 on error. */
static Py_ssize_t int_size(PyObject *o)
{
	PyObject *r = PyObject_CallMethod(o, "__sizeof__", NULL);
	Py_ssize_t n = r ? PyLong_AsSsize_t(r) : -1;
	Py_XDECREF(r);
	return n;
}

/* Fill the int array: each slot a copy of the int object CPython makes for
 * that value, with a reference count no decref can bring to zero (the
 * array is not Python's to free). One 2 MiB huge page maps it where the kernel
 * allows. */
static int ints_init(void)
{
	for (unsigned i = 0; i < INT_SMALL; i++)
		if (!(g_small_ints[i] = PyLong_FromUnsignedLong(i)))
			return -1;
	size_t bytes = PYMOD_INT_CACHE * sizeof(struct pymod_int_slot);
	if (!pymod_int_slots) { /* kept across a restart of Python: never freed (ints may outlive us) */
		if (!(pymod_int_slots = aligned_alloc(2u << 20, bytes))) {
			PyErr_NoMemory();
			return -1;
		}
		madvise(pymod_int_slots, bytes, MADV_HUGEPAGE); /* a hint: failure is fine */
	}
	Py_ssize_t size = -1; /* the same for every value when the first and last agree */
	for (unsigned i = INT_SMALL; i < PYMOD_INT_CACHE; i++) {
		PyObject *o = PyLong_FromUnsignedLong(i);
		if (!o)
			return -1;
		Py_ssize_t n = size;
		if (n < 0 && (n = int_size(o)) >= 0 && i == INT_SMALL) {
			PyObject *last = PyLong_FromUnsignedLong(PYMOD_INT_CACHE - 1);
			if (last && int_size(last) == n)
				size = n;
			Py_XDECREF(last);
		}
		if (n < 0 || (size_t)n > sizeof(struct pymod_int_slot)) {
			Py_DECREF(o);
			if (!PyErr_Occurred())
				PyErr_SetString(PyExc_RuntimeError, "pktd: int object larger than its cache slot");
			return -1;
		}
		memcpy(&pymod_int_slots[i], o, (size_t)n);
		Py_DECREF(o);
		Py_SET_REFCNT((PyObject *)&pymod_int_slots[i], (Py_ssize_t)1 << 40);
	}
	return 0;
}

int pymod_init(void)
{
	if (ints_init() < 0)
		return -1;
	for (unsigned i = 0; i < EV_COUNT; i++)
		if (!(g_event_names[i] = PyUnicode_InternFromString(decode_event_name(i))))
			return -1;
	for (unsigned i = 0; i < LAYER_COUNT; i++)
		if (!(g_layer_names[i] = PyUnicode_InternFromString(layer_names[i])))
			return -1;
	for (unsigned i = 0; i < HDR_TYPE_COUNT; i++)
		if (hdr_names[i] && !(g_hdr_names[i] = PyUnicode_InternFromString(hdr_names[i])))
			return -1;
	if (!(g_unknown_name = PyUnicode_InternFromString("unknown")))
		return -1;
	for (unsigned mask = 0; mask < (1u << LAYER_COUNT); mask++) {
		PyObject *t = PyTuple_New(__builtin_popcount(mask));
		if (!t)
			return -1;
		for (unsigned i = 0, j = 0; i < LAYER_COUNT; i++)
			if (mask & (1u << i))
				PyTuple_SET_ITEM(t, j++, Py_NewRef(g_layer_names[i]));
		g_layer_tuples[mask] = t;
	}
	PyObject *m = PyImport_ImportModule("pktd");
	if (!m)
		return -1;
	Py_DECREF(m);
	return 0;
}

void pymod_fini(void)
{
	/* The int array stays: plugins' dicts still hold its ints until
	 * Python finalizes, and none of them is ever freed. */
	for (unsigned i = 0; i < INT_SMALL; i++)
		Py_CLEAR(g_small_ints[i]);
	for (unsigned i = 0; i < EV_COUNT; i++)
		Py_CLEAR(g_event_names[i]);
	for (unsigned i = 0; i < LAYER_COUNT; i++)
		Py_CLEAR(g_layer_names[i]);
	for (unsigned i = 0; i < (1u << LAYER_COUNT); i++)
		Py_CLEAR(g_layer_tuples[i]);
	for (unsigned i = 0; i < HDR_TYPE_COUNT; i++)
		Py_CLEAR(g_hdr_names[i]);
	Py_CLEAR(g_unknown_name);
	for (unsigned i = 0; i < LAYERS_CACHE; i++)
		Py_CLEAR(g_layers_cache[i].tuple);
	for (unsigned i = 0; i < ADDR_CACHE; i++)
		Py_CLEAR(g_addr[i].str);
	Py_CLEAR(g_view_error);
}
