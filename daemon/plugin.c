/* plugin.c: load Python plugins, compile their FILTERs, call their hooks.
 *
 * A plugin file is imported as its own module (importlib, from its path)
 * with its directory on sys.path. An import, syntax or FILTER error stops
 * start-up. At run time an exception is counted and its traceback printed
 * (at most a few per plugin per window), and a plugin that fails
 * max_errors times in a row is disabled with a message. */
#include "plugin.h"

#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "decode.h"
#include "pymod.h"

#define TB_WINDOW_NS (10ull * 1000000000ull)
#define TB_PER_WINDOW 5

static PyObject *hook(PyObject *module, const char *name, int *err)
{
	PyObject *f = PyObject_GetAttrString(module, name);
	if (!f) {
		PyErr_Clear();
		return NULL;
	}
	if (!PyCallable_Check(f)) {
		fprintf(stderr, "pktd: plugin attribute '%s' is not callable\n", name);
		Py_DECREF(f);
		*err = 1;
		return NULL;
	}
	return f;
}

static int add_sys_path(const char *dir)
{
	PyObject *path = PySys_GetObject("path"); /* borrowed */
	PyObject *d = PyUnicode_DecodeFSDefault(dir);
	if (!path || !d) {
		Py_XDECREF(d);
		return -1;
	}
	int has = PySequence_Contains(path, d);
	/* Appended, not prepended: a plugin named like a standard module
	 * (plugins/http.py) must not shadow it for everyone else. */
	int rc = has ? 0 : PyList_Append(path, d);
	Py_DECREF(d);
	return has < 0 ? -1 : rc;
}

static PyObject *import_file(const char *modname, const char *path)
{
	PyObject *util = PyImport_ImportModule("importlib.util");
	if (!util)
		return NULL;
	PyObject *spec = PyObject_CallMethod(util, "spec_from_file_location", "ss", modname, path);
	PyObject *mod = NULL;
	if (spec && spec != Py_None) {
		mod = PyObject_CallMethod(util, "module_from_spec", "O", spec);
		if (mod) {
			PyObject *modules = PyImport_GetModuleDict();
			PyObject *loader = PyObject_GetAttrString(spec, "loader");
			PyObject *r = NULL;
			if (loader && PyDict_SetItemString(modules, modname, mod) == 0)
				r = PyObject_CallMethod(loader, "exec_module", "O", mod);
			if (!r) {
				Py_CLEAR(mod);
				if (PyDict_GetItemString(modules, modname))
					PyDict_DelItemString(modules, modname);
			}
			Py_XDECREF(r);
			Py_XDECREF(loader);
		}
	} else if (spec == Py_None) {
		PyErr_Format(PyExc_ImportError, "cannot load %s as a Python module (name it .py)", path);
	}
	Py_XDECREF(spec);
	Py_DECREF(util);
	return mod;
}

/* pcap_open_dead wants DLT_ values; they equal LINKTYPE_ values except
 * for raw IP. */
static int linktype_to_dlt(uint32_t linktype)
{
	return linktype == LINKTYPE_RAW ? DLT_RAW : (int)linktype;
}

/* A handle to compile filters for linktype with, as tcpdump -r has one: a
 * savefile (an in-memory pcap header), because libpcap compiles some
 * expressions differently for files than for live captures: on NULL/LOOP
 * links, "ip6" then accepts the BSD AF_INET6 values (24, 28, 30) files
 * carry, not only the host's (10 on Linux). A dead handle otherwise. */
static pcap_t *compiler_handle(uint32_t linktype, uint32_t snaplen)
{
	uint32_t hdr[6] = { 0xa1b2c3d4u, 0, 0, 0, snaplen, linktype }; /* host order: not swapped */
	uint16_t ver[2] = { 2, 4 };
	memcpy(&hdr[1], ver, sizeof(ver));
	FILE *fp = fmemopen(hdr, sizeof(hdr), "r");
	if (fp) {
		char e[PCAP_ERRBUF_SIZE];
		pcap_t *h = pcap_fopen_offline(fp, e); /* reads the header now; closes fp */
		if (h)
			return h;
		fclose(fp);
	}
	return pcap_open_dead(linktype_to_dlt(linktype), (int)snaplen);
}

static int filter_compile(struct plugin_filter *f, const char *expr, uint32_t linktype, uint32_t snaplen,
			  char *err, size_t errlen)
{
	pcap_t *dead = compiler_handle(linktype, snaplen);
	if (!dead) {
		snprintf(err, errlen, "cannot open a pcap handle for link type %u", linktype);
		return -1;
	}
	f->linktype = linktype;
	f->ok = pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (!f->ok)
		snprintf(err, errlen, "%s", pcap_geterr(dead));
	pcap_close(dead);
	return f->ok ? 0 : -1;
}

/* A true/false module attribute (FRAGMENTS, FLOWS): 0 when absent, -1
 * (message printed) when it has no truth value. */
static int flag_attr(struct plugin *p, const char *name)
{
	PyObject *v = PyObject_GetAttrString(p->module, name);
	if (!v) {
		PyErr_Clear();
		return 0;
	}
	int t = PyObject_IsTrue(v);
	Py_DECREF(v);
	if (t < 0) {
		fprintf(stderr, "pktd: plugin %s: %s must be true or false:\n", p->name, name);
		PyErr_Print();
	}
	return t;
}

/* A pcap filter module attribute (FILTER, PACKET_FILTER): *text stays NULL
 * when absent, None or empty; the syntax is checked now, against Ethernet
 * (other link types compile on first sight). -1 (message printed) on a
 * bad value. */
static int filter_attr(struct plugin *p, const char *name, char **text, struct plugin_filter *filters,
		       unsigned *nfilters, uint32_t snaplen)
{
	PyObject *flt = PyObject_GetAttrString(p->module, name);
	if (!flt) {
		PyErr_Clear();
		return 0;
	}
	if (flt != Py_None) {
		const char *s = PyUnicode_Check(flt) ? PyUnicode_AsUTF8(flt) : NULL;
		if (!s) {
			PyErr_Clear();
			fprintf(stderr, "pktd: plugin %s: %s must be a string\n", p->name, name);
			Py_DECREF(flt);
			return -1;
		}
		if (*s)
			*text = strdup(s);
	}
	Py_DECREF(flt);
	if (!*text)
		return 0;
	char err[PCAP_ERRBUF_SIZE + 64];
	struct plugin_filter f;
	if (filter_compile(&f, *text, LINKTYPE_ETHERNET, snaplen, err, sizeof(err)) < 0) {
		fprintf(stderr, "pktd: plugin %s: bad %s '%s': %s\n", p->name, name, *text, err);
		return -1;
	}
	filters[(*nfilters)++] = f;
	return 0;
}

int plugins_load(struct plugin_host *h, const char *const *paths, unsigned n, uint32_t batch, uint32_t max_errors,
		 uint32_t snaplen)
{
	memset(h, 0, sizeof(*h));
	h->max_errors = max_errors;
	h->snaplen = snaplen;
	h->plugins = calloc(n ? n : 1, sizeof(*h->plugins));
	if (!h->plugins)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct plugin *p = &h->plugins[i];
		p->index = i;
		p->path = strdup(paths[i]);
		h->n = i + 1;
		if (access(paths[i], R_OK) != 0) {
			fprintf(stderr, "pktd: plugin %s: %s\n", paths[i], strerror(errno));
			return -1;
		}
		char *copy = strdup(paths[i]);
		char *base = basename(copy);
		char *dot = strrchr(base, '.');
		if (dot)
			*dot = 0;
		snprintf(p->name, sizeof(p->name), "%s", base);
		free(copy);
		copy = strdup(paths[i]);
		char *dir = dirname(copy);
		int rc = add_sys_path(dir);
		free(copy);
		if (rc < 0) {
			PyErr_Print();
			return -1;
		}
		char modname[96];
		snprintf(modname, sizeof(modname), "pktd_plugin_%u_%s", i, p->name);
		pymod_set_current_plugin(p->name);
		p->module = import_file(modname, paths[i]);
		if (!p->module) {
			fprintf(stderr, "pktd: plugin %s failed to load:\n", paths[i]);
			PyErr_Print();
			return -1;
		}
		int bad = 0;
		p->on_packet = hook(p->module, "on_packet", &bad);
		p->on_batch = hook(p->module, "on_batch", &bad);
		p->on_tick = hook(p->module, "on_tick", &bad);
		p->teardown = hook(p->module, "teardown", &bad);
		p->on_flow_start = hook(p->module, "on_flow_start", &bad);
		p->on_stream = hook(p->module, "on_stream", &bad);
		p->on_gap = hook(p->module, "on_gap", &bad);
		p->on_flow_end = hook(p->module, "on_flow_end", &bad);
		if (bad)
			return -1;
		int t = flag_attr(p, "FRAGMENTS");
		if (t < 0)
			return -1;
		p->fragments = t;
		if (t)
			h->fragments_mask |= 1ull << i;
		if ((t = flag_attr(p, "FLOWS")) < 0)
			return -1;
		p->flows = t;
		if (filter_attr(p, "FILTER", &p->filter, p->filters, &p->nfilters, snaplen) < 0 ||
		    filter_attr(p, "PACKET_FILTER", &p->packet_filter, p->pfilters, &p->npfilters, snaplen) < 0)
			return -1;
		if (p->on_batch && !(p->batch = pymod_batch_new(batch)))
			return -1;
		if (!(p->packet = pymod_packet_new()))
			return -1;
	}
	return 0;
}

int plugins_setup(struct plugin_host *h, const char *output_path)
{
	PyObject *types = PyImport_ImportModule("types");
	if (!types)
		return -1;
	PyObject *ns_type = PyObject_GetAttrString(types, "SimpleNamespace");
	Py_DECREF(types);
	if (!ns_type)
		return -1;
	int rc = 0;
	for (unsigned i = 0; i < h->n && rc == 0; i++) {
		struct plugin *p = &h->plugins[i];
		pymod_set_current_plugin(p->name);
		PyObject *setup = PyObject_GetAttrString(p->module, "setup");
		if (!setup) {
			PyErr_Clear();
			continue;
		}
		PyObject *kw = Py_BuildValue("{s:s,s:s,s:z}", "name", p->name, "path", p->path, "output", output_path);
		PyObject *noargs = PyTuple_New(0);
		PyObject *ctx = kw && noargs ? PyObject_Call(ns_type, noargs, kw) : NULL;
		Py_XDECREF(noargs);
		PyObject *r = ctx ? PyObject_CallOneArg(setup, ctx) : NULL;
		if (!r) {
			fprintf(stderr, "pktd: plugin %s: setup() failed:\n", p->name);
			PyErr_Print();
			rc = -1;
		}
		Py_XDECREF(r);
		Py_XDECREF(ctx);
		Py_XDECREF(kw);
		Py_DECREF(setup);
	}
	Py_DECREF(ns_type);
	return rc;
}

/* The filter `expr` compiled for linktype (compiled on first sight). */
static struct plugin_filter *filter_for(struct plugin_host *h, struct plugin *p, const char *what, const char *expr,
					struct plugin_filter *filters, unsigned *nfilters, uint32_t linktype)
{
	for (unsigned i = 0; i < *nfilters; i++)
		if (filters[i].linktype == linktype)
			return &filters[i];
	if (*nfilters == PLUGIN_MAX_LINKTYPES)
		return NULL;
	struct plugin_filter *f = &filters[(*nfilters)++];
	char err[PCAP_ERRBUF_SIZE + 64];
	if (filter_compile(f, expr, linktype, h->snaplen, err, sizeof(err)) < 0) {
		const char *name = decode_linktype_name(linktype);
		fprintf(stderr, "pktd: plugin %s: %s '%s' does not apply to link type %u (%s): %s; "
				"it gets no packets of that link type\n",
			p->name, what, expr, linktype, name ? name : "unknown", err);
	}
	return f;
}

bool plugin_packet_match(struct plugin_host *h, struct plugin *p, const struct pkt *pk)
{
	if (!p->packet_filter)
		return true;
	struct plugin_filter *f =
		filter_for(h, p, "PACKET_FILTER", p->packet_filter, p->pfilters, &p->npfilters, pk->linktype);
	if (!f || !f->ok) {
		p->filter_unsupported++;
		return false;
	}
	struct pcap_pkthdr hdr = { .caplen = pk->caplen, .len = pk->wirelen };
	return pcap_offline_filter(&f->prog, &hdr, pk->data) != 0;
}

uint64_t plugins_match(struct plugin_host *h, uint32_t linktype, const uint8_t *data, uint32_t caplen,
		       uint32_t wirelen)
{
	uint64_t mask = 0;
	for (unsigned i = 0; i < h->n; i++) {
		struct plugin *p = &h->plugins[i];
		if (!p->filter) {
			mask |= 1ull << i;
			continue;
		}
		struct plugin_filter *f = filter_for(h, p, "FILTER", p->filter, p->filters, &p->nfilters, linktype);
		if (!f || !f->ok) {
			p->filter_unsupported++;
			continue;
		}
		struct pcap_pkthdr hdr = { .caplen = caplen, .len = wirelen };
		if (pcap_offline_filter(&f->prog, &hdr, data))
			mask |= 1ull << i;
	}
	return mask;
}

void plugin_error(struct plugin_host *h, struct plugin *p, const char *hook_name)
{
	p->errors++;
	p->consecutive_errors++;
	uint64_t now = clock_mono_ns();
	if (now - p->tb_window_start_ns > TB_WINDOW_NS) {
		if (p->tb_window_count > TB_PER_WINDOW)
			fprintf(stderr, "pktd: plugin %s: %u more exceptions in the last %llus not shown\n", p->name,
				p->tb_window_count - TB_PER_WINDOW, (unsigned long long)(TB_WINDOW_NS / 1000000000ull));
		p->tb_window_start_ns = now;
		p->tb_window_count = 0;
	}
	if (++p->tb_window_count <= TB_PER_WINDOW) {
		fflush(stdout);
		fprintf(stderr, "pktd: plugin %s: exception in %s() (error %llu):\n", p->name, hook_name,
			(unsigned long long)p->errors);
		PyErr_PrintEx(0); /* 0: do not keep the traceback in sys.last_* */
		p->tracebacks_printed++;
	} else {
		PyErr_Clear();
		p->tracebacks_suppressed++;
	}
	if (p->consecutive_errors >= h->max_errors && !p->disabled) {
		p->disabled = true;
		fprintf(stderr, "pktd: plugin %s disabled after %llu consecutive errors (--max-plugin-errors %u)\n",
			p->name, (unsigned long long)p->consecutive_errors, h->max_errors);
	}
}

void plugins_tick(struct plugin_host *h, double now)
{
	for (unsigned i = 0; i < h->n; i++) {
		struct plugin *p = &h->plugins[i];
		if (p->disabled || !p->on_tick)
			continue;
		pymod_set_current_plugin(p->name);
		PyObject *t = PyFloat_FromDouble(now);
		PyObject *r = t ? PyObject_CallOneArg(p->on_tick, t) : NULL;
		Py_XDECREF(t);
		if (!r)
			plugin_error(h, p, "on_tick");
		else
			plugin_ok(p);
		Py_XDECREF(r);
	}
}

void plugins_teardown(struct plugin_host *h)
{
	for (unsigned i = 0; i < h->n; i++) {
		struct plugin *p = &h->plugins[i];
		if (p->tb_window_count > TB_PER_WINDOW)
			fprintf(stderr, "pktd: plugin %s: %u more exceptions not shown\n", p->name,
				p->tb_window_count - TB_PER_WINDOW);
		if (!p->teardown)
			continue;
		pymod_set_current_plugin(p->name);
		PyObject *r = PyObject_CallNoArgs(p->teardown);
		if (!r)
			plugin_error(h, p, "teardown");
		Py_XDECREF(r);
	}
	pymod_set_current_plugin("pktd");
}

void plugins_free(struct plugin_host *h)
{
	for (unsigned i = 0; i < h->n; i++) {
		struct plugin *p = &h->plugins[i];
		Py_XDECREF(p->on_packet);
		Py_XDECREF(p->on_batch);
		Py_XDECREF(p->on_tick);
		Py_XDECREF(p->teardown);
		Py_XDECREF(p->on_flow_start);
		Py_XDECREF(p->on_stream);
		Py_XDECREF(p->on_gap);
		Py_XDECREF(p->on_flow_end);
		Py_XDECREF(p->batch);
		Py_XDECREF(p->packet);
		Py_XDECREF(p->module);
		for (unsigned j = 0; j < p->nfilters; j++)
			if (p->filters[j].ok)
				pcap_freecode(&p->filters[j].prog);
		for (unsigned j = 0; j < p->npfilters; j++)
			if (p->pfilters[j].ok)
				pcap_freecode(&p->pfilters[j].prog);
		free(p->filter);
		free(p->packet_filter);
		free(p->path);
	}
	free(h->plugins);
	memset(h, 0, sizeof(*h));
}
