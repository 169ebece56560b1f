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

static int filter_compile(struct plugin_filter *f, const char *expr, uint32_t linktype, uint32_t snaplen,
			  char *err, size_t errlen)
{
	pcap_t *dead = pcap_open_dead(linktype_to_dlt(linktype), (int)snaplen);
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
		if (bad)
			return -1;
		PyObject *frag = PyObject_GetAttrString(p->module, "FRAGMENTS");
		if (!frag) {
			PyErr_Clear();
		} else {
			int t = PyObject_IsTrue(frag);
			Py_DECREF(frag);
			if (t < 0) {
				fprintf(stderr, "pktd: plugin %s: FRAGMENTS must be true or false:\n", p->name);
				PyErr_Print();
				return -1;
			}
			p->fragments = t;
			if (t)
				h->fragments_mask |= 1ull << i;
		}
		PyObject *flt = PyObject_GetAttrString(p->module, "FILTER");
		if (!flt) {
			PyErr_Clear();
		} else if (flt != Py_None) {
			const char *s = PyUnicode_Check(flt) ? PyUnicode_AsUTF8(flt) : NULL;
			if (!s) {
				PyErr_Clear();
				fprintf(stderr, "pktd: plugin %s: FILTER must be a string\n", p->name);
				Py_DECREF(flt);
				return -1;
			}
			if (*s)
				p->filter = strdup(s);
		}
		Py_XDECREF(flt);
		if (p->filter) {
			/* Check the syntax now, against Ethernet; other link types
			 * compile on first sight. */
			char err[PCAP_ERRBUF_SIZE + 64];
			struct plugin_filter f;
			if (filter_compile(&f, p->filter, LINKTYPE_ETHERNET, snaplen, err, sizeof(err)) < 0) {
				fprintf(stderr, "pktd: plugin %s: bad FILTER '%s': %s\n", p->name, p->filter, err);
				return -1;
			}
			p->filters[p->nfilters++] = f;
		}
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

static struct plugin_filter *filter_for(struct plugin_host *h, struct plugin *p, uint32_t linktype)
{
	for (unsigned i = 0; i < p->nfilters; i++)
		if (p->filters[i].linktype == linktype)
			return &p->filters[i];
	if (p->nfilters == PLUGIN_MAX_LINKTYPES)
		return NULL;
	struct plugin_filter *f = &p->filters[p->nfilters++];
	char err[PCAP_ERRBUF_SIZE + 64];
	if (filter_compile(f, p->filter, linktype, h->snaplen, err, sizeof(err)) < 0) {
		const char *name = decode_linktype_name(linktype);
		fprintf(stderr, "pktd: plugin %s: FILTER '%s' does not apply to link type %u (%s): %s; "
				"it gets no packets of that link type\n",
			p->name, p->filter, linktype, name ? name : "unknown", err);
	}
	return f;
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
		struct plugin_filter *f = filter_for(h, p, linktype);
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
		Py_XDECREF(p->batch);
		Py_XDECREF(p->packet);
		Py_XDECREF(p->module);
		for (unsigned j = 0; j < p->nfilters; j++)
			if (p->filters[j].ok)
				pcap_freecode(&p->filters[j].prog);
		free(p->filter);
		free(p->path);
	}
	free(h->plugins);
	memset(h, 0, sizeof(*h));
}
