/* test_gcsched.c: the GC policy: freeze and disable, young collections on
 * idle or budget, full collections at the interval, pauses measured. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "gcsched.h"
#include "hist.h"
#include "pyhost.h"

static long py_eval(const char *expr)
{
	PyObject *main = PyImport_AddModule("__main__");
	PyObject *g = PyModule_GetDict(main);
	PyObject *r = PyRun_String(expr, Py_eval_input, g, g);
	if (!r) {
		PyErr_Print();
		fail_msg("eval failed: %s", expr);
	}
	long v = PyObject_IsTrue(r) && PyLong_Check(r) ? PyLong_AsLong(r) : PyObject_IsTrue(r);
	Py_DECREF(r);
	return v;
}

static void py_exec(const char *code)
{
	assert_int_equal(PyRun_SimpleString(code), 0);
}

static struct config cfg(enum gc_mode m)
{
	struct config c;
	config_defaults(&c);
	c.gc_mode = m;
	return c;
}

/* scheduled: start-up objects are frozen and automatic collection is off. */
static void test_scheduled_freezes_and_disables(void **state)
{
	(void)state;
	struct gcsched g;
	struct config c = cfg(GC_SCHEDULED);
	assert_int_equal((gcsched_init(&g, &c), gcsched_start(&g)), 0);
	assert_int_equal(py_eval("__import__('gc').isenabled()"), 0);
	assert_true(g.frozen > 0);
	/* The start-up collection is timed apart: no packet waits on it. */
	assert_int_equal(g.pauses[2].count, 0);
	assert_true(g.start_pause_ns > 0);
	gcsched_free(&g);
	py_exec("import gc; gc.unfreeze(); gc.enable()");
}

/* Cyclic garbage made while dispatching is reclaimed by the full
 * collection at the interval, and that pause is measured. */
static void test_full_collection_reclaims_cycles(void **state)
{
	(void)state;
	struct gcsched g;
	struct config c = cfg(GC_SCHEDULED);
	c.gc_full_interval = 0.001;
	assert_int_equal((gcsched_init(&g, &c), gcsched_start(&g)), 0);
	py_exec("import weakref\n"
		"class Node: pass\n"
		"probe = Node(); probe.me = probe\n"
		"ref = weakref.ref(probe)\n"
		"for i in range(1000):\n"
		"    n = Node(); n.me = n\n"
		"del probe, n\n");
	assert_int_equal(py_eval("ref() is not None"), 1); /* automatic GC is off */
	gcsched_poll(&g, clock_mono_ns() + 10000000ull, false);
	assert_int_equal(py_eval("ref() is None"), 1);
	assert_true(g.collected[2] >= 1000);
	assert_int_equal(g.pauses[2].count, 1); /* the start-up one is apart */
	assert_true(g.pauses[2].max_ns > 0);
	gcsched_free(&g);
	py_exec("import gc; gc.unfreeze(); gc.enable()");
}

/* Young collections run when the ring runs empty, or once the time budget
 * has passed; not before. */
static void test_young_on_idle_and_budget(void **state)
{
	(void)state;
	struct gcsched g;
	struct config c = cfg(GC_SCHEDULED);
	c.gc_young_interval = 0.005;
	c.gc_young_min = 10;
	assert_int_equal((gcsched_init(&g, &c), gcsched_start(&g)), 0);
	uint64_t t = g.last_young_ns;
	py_exec("junk = [[] for i in range(500)]");
	gcsched_poll(&g, t + 1000, false); /* budget not used up, not idle */
	assert_int_equal(g.scheduled[0], 0);
	gcsched_poll(&g, t + 2000, true); /* idle */
	assert_int_equal(g.scheduled[0], 1);
	py_exec("junk2 = [[] for i in range(500)]");
	gcsched_poll(&g, t + 2000 + 6000000ull, false); /* budget passed */
	assert_int_equal(g.scheduled[0], 2);
	assert_int_equal(g.pauses[0].count, 2);
	/* Every tenth young collection is a middle one. */
	py_exec("keep = []");
	for (int i = 0; i < 10; i++) {
		py_exec("keep.append([[] for i in range(50)])");
		gcsched_poll(&g, t + 100000000ull * (uint64_t)(i + 1), true);
	}
	assert_true(g.scheduled[1] >= 1);
	gcsched_free(&g);
	py_exec("import gc; gc.unfreeze(); gc.enable()");
}

/* --gc-pause-budget: young collections whose pauses pass half the budget
 * bring the next ones sooner, middle ones past it come after fewer young
 * ones; once pauses are small again both relax back. */
static void test_pause_budget_adapts(void **state)
{
	(void)state;
	struct gcsched g;
	struct config c = cfg(GC_SCHEDULED);
	c.gc_young_min = 1;
	c.gc_pause_budget = 0.0005;
	assert_int_equal((gcsched_init(&g, &c), gcsched_start(&g)), 0);
	assert_int_equal(g.young_every_ns, g.young_interval_ns);
	uint64_t t = g.last_young_ns, i = 1;
	py_exec("keep = []");
	/* 50,000 surviving lists a collection: well over 250 us to scan. */
	for (; i <= 12; i++) {
		py_exec("keep.append([[] for _ in range(50000)])");
		gcsched_poll(&g, t + i * 100000000ull, true);
	}
	assert_true(g.young_every_ns < g.young_interval_ns);
	assert_true(g.middle_every < 10);
	assert_true(g.middle_every_min < 10);
	/* Small collections again: back to the configured interval and ten
	 * young collections a middle one. */
	for (; i <= 100 && (g.young_every_ns < g.young_interval_ns || g.middle_every < 10); i++) {
		py_exec("keep.append([])");
		gcsched_poll(&g, t + i * 100000000ull, true);
	}
	assert_int_equal(g.young_every_ns, g.young_interval_ns);
	assert_int_equal(g.middle_every, 10);
	assert_true(g.young_every_min_ns < g.young_interval_ns);
	gcsched_free(&g);
	py_exec("del keep; import gc; gc.unfreeze(); gc.enable()");
}

/* Survivors of a middle collection are frozen, so later collections do
 * not scan them; maintenance unfreezes and reclaims cycles among them. */
static void test_freeze_survivors_and_maintenance(void **state)
{
	(void)state;
	struct gcsched g;
	struct config c = cfg(GC_SCHEDULED);
	c.gc_young_min = 1;
	c.gc_maintenance_interval = 1000;
	assert_int_equal((gcsched_init(&g, &c), gcsched_start(&g)), 0);
	uint64_t t = g.last_young_ns;
	py_exec("import weakref\n"
		"class Cell: pass\n"
		"table = [Cell() for i in range(3000)]\n"
		"for x in table: x.me = x\n"
		"probe = weakref.ref(table[0])\n"
		"keep = []\n");
	/* Young collections until the tenth, which is a middle one. (A poll
	 * with nothing new in generation 0 collects nothing.) */
	uint64_t i = 1;
	for (; g.scheduled[0] + g.scheduled[1] < 10 && i < 200; i++) {
		py_exec("keep.append([[] for _ in range(20)])");
		gcsched_poll(&g, t + i * 100000000ull, true);
	}
	assert_int_equal(g.scheduled[1], 1);
	assert_int_equal(g.freezes, 1);
	/* Frozen objects are in no generation any collection scans. */
	assert_int_equal(py_eval("id(probe()) not in {id(o) for o in __import__('gc').get_objects()}"), 1);
	/* The table dies as cycles: frozen, so ordinary collections keep it. */
	py_exec("del table, x\nkeep.append([[] for _ in range(20)])");
	gcsched_poll(&g, t + i * 100000000ull, true);
	assert_int_equal(py_eval("probe() is not None"), 1);
	/* Maintenance at an idle moment once due reclaims it. */
	gcsched_poll(&g, t + 2000ull * 1000000000ull, true);
	assert_int_equal(g.maintenances, 1);
	assert_int_equal(py_eval("probe() is None"), 1);
	/* With no idle moment, maintenance still runs after twice the interval. */
	gcsched_poll(&g, t + 3500ull * 1000000000ull, false);
	assert_int_equal(g.maintenances, 1);
	gcsched_poll(&g, t + 4100ull * 1000000000ull, false);
	assert_int_equal(g.maintenances, 2);
	gcsched_free(&g);
	py_exec("import gc; gc.unfreeze(); gc.enable()");
}

/* default mode keeps Python's thresholds, and its collections are timed. */
static void test_default_measures_automatic(void **state)
{
	(void)state;
	struct gcsched g;
	struct config c = cfg(GC_DEFAULT);
	assert_int_equal((gcsched_init(&g, &c), gcsched_start(&g)), 0);
	assert_int_equal(py_eval("__import__('gc').isenabled()"), 1);
	py_exec("x = [[[]] for i in range(20000)]; del x");
	assert_true(g.pauses[0].count > 0);
	gcsched_poll(&g, clock_mono_ns() + 100000000000ull, true); /* does nothing */
	assert_int_equal(g.scheduled[0] + g.scheduled[1] + g.scheduled[2], 0);
	gcsched_free(&g);
}

/* off disables collection, even at exit. */
static void test_off(void **state)
{
	(void)state;
	struct gcsched g;
	struct config c = cfg(GC_OFF);
	assert_int_equal((gcsched_init(&g, &c), gcsched_start(&g)), 0);
	assert_int_equal(py_eval("__import__('gc').isenabled()"), 0);
	gcsched_finish(&g);
	assert_int_equal(g.pauses[2].count, 0);
	gcsched_free(&g);
	py_exec("import gc; gc.enable()");
}

/* Percentiles come from log-spaced buckets, within about 12%. */
static void test_hist_percentiles(void **state)
{
	(void)state;
	static struct hist h;
	for (uint64_t v = 1; v <= 100000; v++)
		hist_record(&h, v);
	assert_int_equal(h.count, 100000);
	assert_int_equal(h.max_ns, 100000);
	uint64_t p50 = hist_percentile(&h, 0.5), p99 = hist_percentile(&h, 0.99);
	assert_true(p50 >= 50000 && p50 <= 56000);
	assert_true(p99 >= 99000 && p99 <= 100000);
	assert_int_equal(hist_percentile(&h, 1.0), 100000);
	for (unsigned i = 1; i < 62 * HIST_SUB; i++) /* buckets up to 2^64 */
		assert_true(hist_bucket_upper(i) > hist_bucket_upper(i - 1));
}

static int group_setup(void **state)
{
	(void)state;
	return pyhost_start();
}

static int group_teardown(void **state)
{
	(void)state;
	pyhost_stop();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scheduled_freezes_and_disables),
		cmocka_unit_test(test_full_collection_reclaims_cycles),
		cmocka_unit_test(test_young_on_idle_and_budget),
		cmocka_unit_test(test_freeze_survivors_and_maintenance),
		cmocka_unit_test(test_pause_budget_adapts),
		cmocka_unit_test(test_default_measures_automatic),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_hist_percentiles),
	};
	return cmocka_run_group_tests_name("gcsched", tests, group_setup, group_teardown);
}
