/* gcsched.c: the scheduled Python-GC policy and pause measurement. */
#include "gcsched.h"

#include <string.h>

#include "bigheap.h"
#include "clock.h"

static struct gcsched *g_active; /* the one receiving gc.callbacks */

/* Young collections per middle one, at most: what survives a middle
 * collection is frozen, so this is also how soon survivors stop being
 * scanned. */
#define MIDDLE_EVERY 10u

const char *gcsched_mode_name(enum gc_mode m)
{
	return m == GC_SCHEDULED ? "scheduled" : m == GC_DEFAULT ? "default" : "off";
}

/* gc.callbacks entry: callback(phase, info) around every collection. */
static PyObject *on_gc_event(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	(void)self;
	struct gcsched *g = g_active;
	if (!g || nargs != 2)
		Py_RETURN_NONE;
	const char *phase = PyUnicode_AsUTF8(args[0]);
	if (!phase) {
		PyErr_Clear();
		Py_RETURN_NONE;
	}
	if (phase[0] == 's' && phase[1] == 't' && phase[2] == 'a') { /* "start" */
		g->started_ns = clock_mono_ns();
		Py_RETURN_NONE;
	}
	uint64_t pause = g->last_pause_ns = clock_mono_ns() - g->started_ns;
	long gen = 2, collected = 0;
	PyObject *v = PyDict_GetItemString(args[1], "generation"); /* borrowed */
	if (v)
		gen = PyLong_AsLong(v);
	v = PyDict_GetItemString(args[1], "collected");
	if (v)
		collected = PyLong_AsLong(v);
	if (PyErr_Occurred())
		PyErr_Clear();
	if (gen < 0 || gen > 2)
		gen = 2;
	if (g->at_exit) { /* after dispatch ended: no packet waits on it */
		g->exit_pause_ns += pause;
		return Py_NewRef(Py_None);
	}
	if (g->at_start) { /* before the first packet: none waits on it either */
		g->start_pause_ns += pause;
		return Py_NewRef(Py_None);
	}
	hist_record(&g->pauses[gen], pause);
	g->collected[gen] += (uint64_t)(collected > 0 ? collected : 0);
	Py_RETURN_NONE;
}

static PyMethodDef gc_event_def = { "pktd_gc_event", (PyCFunction)(void (*)(void))on_gc_event, METH_FASTCALL,
				    "pktd: times every collection" };

static int call0(PyObject *f)
{
	PyObject *r = PyObject_CallNoArgs(f);
	if (!r)
		return -1;
	Py_DECREF(r);
	return 0;
}

static void count_frozen(struct gcsched *g)
{
	PyObject *r = PyObject_CallNoArgs(g->get_freeze_count);
	if (r) {
		g->frozen = PyLong_AsUnsignedLongLong(r);
		Py_DECREF(r);
	}
	PyErr_Clear();
}

/* Move every tracked object to the permanent generation: a list splice.
 * (Counting them walks the list, so that is left to start and exit.) */
static int freeze_now(struct gcsched *g)
{
	return call0(g->freeze);
}

void gcsched_init(struct gcsched *g, const struct config *c)
{
	memset(g, 0, sizeof(*g));
	g->mode = c->gc_mode;
	g->full_interval_ns = (uint64_t)(c->gc_full_interval * 1e9);
	g->young_interval_ns = (uint64_t)(c->gc_young_interval * 1e9);
	g->young_min = c->gc_young_min;
	g->maintenance_interval_ns = (uint64_t)(c->gc_maintenance_interval * 1e9);
	g->heap_reserve = c->gc_heap_reserve;
	g->pause_budget_ns = (uint64_t)(c->gc_pause_budget * 1e9);
	g->young_every_ns = g->young_every_min_ns = g->young_interval_ns;
	g->middle_every = g->middle_every_min = MIDDLE_EVERY;
}

int gcsched_start(struct gcsched *g)
{
	PyObject *gc = PyImport_ImportModule("gc");
	if (!gc)
		return -1;
	g->collect = PyObject_GetAttrString(gc, "collect");
	g->get_count = PyObject_GetAttrString(gc, "get_count");
	g->freeze = PyObject_GetAttrString(gc, "freeze");
	g->unfreeze = PyObject_GetAttrString(gc, "unfreeze");
	g->get_freeze_count = PyObject_GetAttrString(gc, "get_freeze_count");
	PyObject *callbacks = PyObject_GetAttrString(gc, "callbacks");
	Py_DECREF(gc);
	if (!g->collect || !g->get_count || !g->freeze || !g->unfreeze || !g->get_freeze_count || !callbacks) {
		Py_XDECREF(callbacks);
		return -1;
	}
	for (int i = 0; i < 3; i++)
		if (!(g->gen_arg[i] = PyLong_FromLong(i)))
			return -1;
	g->callback = PyCFunction_New(&gc_event_def, NULL);
	int rc = g->callback ? PyList_Append(callbacks, g->callback) : -1;
	Py_DECREF(callbacks);
	if (rc < 0)
		return -1;
	g_active = g;

	PyObject *disable = NULL;
	switch (g->mode) {
	case GC_SCHEDULED:
		/* Everything alive after setup is long-lived: collect once,
		 * then freeze it so later collections skip it. */
		g->at_start = true;
		int rc = gcsched_collect(g, 2) < 0 || freeze_now(g) < 0 ? -1 : 0;
		g->at_start = false;
		if (rc < 0)
			return -1;
		count_frozen(g);
		pyarena_install(&g->arena, GCSCHED_ARENA_RESERVE);
		if (g->heap_reserve && bigheap_install(g->heap_reserve) < 0)
			fprintf(stderr, "pktd: gc: cannot reserve address space for Python's big blocks; "
					"a growing table's resizes will fault their pages in\n");
		__attribute__((fallthrough)); /* automatic collection off too */
	case GC_OFF:
		gc = PyImport_ImportModule("gc");
		disable = gc ? PyObject_GetAttrString(gc, "disable") : NULL;
		Py_XDECREF(gc);
		if (!disable || call0(disable) < 0) {
			Py_XDECREF(disable);
			return -1;
		}
		Py_DECREF(disable);
		break;
	case GC_DEFAULT:
		break;
	}
	g->last_young_ns = g->last_full_ns = g->last_maintenance_ns = clock_mono_ns();
	return 0;
}

int gcsched_collect(struct gcsched *g, int generation)
{
	if (!g->collect)
		return 0; /* not started: no Python */
	/* PyGC_Collect() does nothing while automatic GC is disabled;
	 * gc.collect(n) always runs. */
	PyObject *r = PyObject_CallOneArg(g->collect, g->gen_arg[generation]);
	if (!r)
		return -1;
	Py_DECREF(r);
	g->scheduled[generation]++;
	return 0;
}

static long young_count(struct gcsched *g)
{
	PyObject *t = PyObject_CallNoArgs(g->get_count);
	long n = -1;
	if (t && PyTuple_Check(t) && PyTuple_GET_SIZE(t) > 0)
		n = PyLong_AsLong(PyTuple_GET_ITEM(t, 0));
	Py_XDECREF(t);
	if (PyErr_Occurred()) {
		PyErr_Clear();
		n = -1;
	}
	return n;
}

/* Reclaim cycles among frozen objects: the one long pause, kept for idle
 * moments. */
static void maintenance(struct gcsched *g, uint64_t now)
{
	g->last_maintenance_ns = g->last_full_ns = g->last_young_ns = now;
	g->youngs_since_middle = 0;
	g->maintenances++;
	if (call0(g->unfreeze) < 0 || gcsched_collect(g, 2) < 0 || freeze_now(g) < 0)
		PyErr_Print();
}

static void poll_collect(struct gcsched *g, uint64_t now, bool idle);

/* The shortest young interval the budget may bring: below it, the fixed
 * cost of a collection (about 15 us) would dominate. */
#define YOUNG_EVERY_MIN_NS 200000u

static void shorten_young(struct gcsched *g, uint64_t pause, uint64_t target)
{
	uint64_t t = (uint64_t)((double)g->young_every_ns * (double)target / (double)pause);
	g->young_every_ns = t < YOUNG_EVERY_MIN_NS ? YOUNG_EVERY_MIN_NS : t;
	if (g->young_every_ns < g->young_every_min_ns)
		g->young_every_min_ns = g->young_every_ns;
}

/* Keep the next pauses within the budget, from the one just measured. */
static void keep_budget(struct gcsched *g, int gen, uint64_t pause)
{
	uint64_t b = g->pause_budget_ns;
	if (gen == 0 || g->middle_every == 1) {
		if (pause > b / 2)
			shorten_young(g, pause, b / 2);
		else if (pause < b / 8 && g->young_every_ns < g->young_interval_ns) {
			g->young_every_ns += g->young_every_ns / 4;
			if (g->young_every_ns > g->young_interval_ns)
				g->young_every_ns = g->young_interval_ns;
		}
	}
	if (gen != 1)
		return;
	if (pause > b && g->middle_every > 1) {
		unsigned k = (unsigned)((double)g->middle_every * (double)b / (double)pause);
		g->middle_every = k < 1 ? 1 : k;
		if (g->middle_every < g->middle_every_min)
			g->middle_every_min = g->middle_every;
	} else if (pause < b / 4 && g->middle_every < MIDDLE_EVERY) {
		g->middle_every++;
	}
}

void gcsched_poll(struct gcsched *g, uint64_t now, bool idle)
{
	if (g->mode != GC_SCHEDULED || !g->collect)
		return;
	poll_collect(g, now, idle);
	/* After any collection (it may have given arenas back): touch the
	 * next arena's pages now, while no packet waits in the ring. */
	if (idle)
		pyarena_refill(&g->arena, GCSCHED_REFILL_PAGES);
}

static void poll_collect(struct gcsched *g, uint64_t now, bool idle)
{
	uint64_t since_maintenance = now - g->last_maintenance_ns;
	if ((idle && since_maintenance >= g->maintenance_interval_ns) ||
	    since_maintenance >= 2 * g->maintenance_interval_ns) {
		maintenance(g, now);
		return;
	}
	if (now - g->last_full_ns >= g->full_interval_ns) {
		/* Frozen survivors are not scanned: this pause is short. */
		g->last_full_ns = g->last_young_ns = now;
		g->youngs_since_middle = 0;
		if (gcsched_collect(g, 2) < 0 || freeze_now(g) < 0)
			PyErr_Print();
		return;
	}
	if (!idle && now - g->last_young_ns < g->young_every_ns)
		return;
	g->last_young_ns = now;
	long n = young_count(g);
	/* Idle or not, a collection for a handful of objects costs more in
	 * fixed overhead than it frees. */
	if (n < (long)g->young_min)
		return;
	int gen = 0;
	if (++g->youngs_since_middle >= g->middle_every) {
		gen = 1;
		g->youngs_since_middle = 0;
	}
	g->last_pause_ns = 0;
	if (gcsched_collect(g, gen) < 0) {
		PyErr_Print();
		return;
	}
	keep_budget(g, gen, g->last_pause_ns); /* as gc.callbacks timed it */
	if (gen == 1) {
		/* What survived a middle collection is long-lived state. */
		g->freezes++;
		if (freeze_now(g) < 0)
			PyErr_Print();
	}
}

void gcsched_finish(struct gcsched *g)
{
	if (g->mode == GC_OFF || !g->collect)
		return;
	g->at_exit = true;
	if (g->mode == GC_SCHEDULED) {
		count_frozen(g);
		if (call0(g->unfreeze) < 0)
			PyErr_Print();
	}
	if (gcsched_collect(g, 2) < 0)
		PyErr_Print();
}

void gcsched_free(struct gcsched *g)
{
	pyarena_uninstall(&g->arena);
	if (g_active == g)
		g_active = NULL;
	if (g->callback) {
		PyObject *gc = PyImport_ImportModule("gc");
		PyObject *callbacks = gc ? PyObject_GetAttrString(gc, "callbacks") : NULL;
		if (callbacks) {
			Py_ssize_t i = PySequence_Index(callbacks, g->callback);
			if (i >= 0)
				PySequence_DelItem(callbacks, i);
		}
		PyErr_Clear();
		Py_XDECREF(callbacks);
		Py_XDECREF(gc);
	}
	Py_CLEAR(g->callback);
	Py_CLEAR(g->collect);
	Py_CLEAR(g->get_count);
	Py_CLEAR(g->freeze);
	Py_CLEAR(g->unfreeze);
	Py_CLEAR(g->get_freeze_count);
	for (int i = 0; i < 3; i++)
		Py_CLEAR(g->gen_arg[i]);
}
