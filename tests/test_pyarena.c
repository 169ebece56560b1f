/* test_pyarena.c: the pre-faulted arena reserve: arenas handed out from it
 * cost no page faults, freed arenas refill it, the refill is bounded per
 * call, and uninstalling gives Python its allocator back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "pyarena.h"
#include "pyhost.h"

static long minor_faults(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void py_exec(const char *code)
{
	assert_int_equal(PyRun_SimpleString(code), 0);
}

/* Fill a list made beforehand with about 6.4 MiB of floats (pymalloc only:
 * the list's own array is already allocated); the faults it took. */
static long faults_for_floats(const char *name)
{
	char code[256];
	snprintf(code, sizeof(code), "%s = [None] * 200000", name);
	py_exec(code);
	long before = minor_faults();
	snprintf(code, sizeof(code), "for i in range(200000): %s[i] = i + 0.5", name);
	py_exec(code);
	return minor_faults() - before;
}

static void test_reserve_serves_faulted_arenas(void **state)
{
	(void)state;
	struct pyarena a;
	pyarena_install(&a, PYARENA_MAX);
	/* The size is learnt from pymalloc's first request. */
	py_exec("warm = [i + 0.5 for i in range(100000)]");
	assert_true(a.size >= 256 * 1024);
	assert_true(a.missed >= 1);

	/* Bounded per call: 16 pages, then the rest. */
	assert_int_equal(pyarena_refill(&a, 16), 16);
	unsigned per_arena = (unsigned)(a.size / 4096);
	assert_int_equal(pyarena_refill(&a, 100000), PYARENA_MAX * per_arena - 16);
	assert_int_equal(a.nready, PYARENA_MAX);
	assert_int_equal(pyarena_refill(&a, 100000), 0); /* full */

	/* About 6 arenas of floats from the reserve: only the pages of the
	 * arena pymalloc was already filling fault (at most one arena's). */
	uint64_t taken = a.taken;
	long with = faults_for_floats("x");
	assert_true(a.taken >= taken + 5);
	/* The same again with the reserve emptied: every page faults. */
	while (a.nready > 0)
		a.prev.free(a.prev.ctx, a.ready[--a.nready], a.size);
	long without = faults_for_floats("y");
	print_message("faults for 200k floats: %ld from the reserve, %ld without\n", with, without);
	assert_true(without >= 5 * (long)per_arena);
	assert_true(with <= (long)per_arena + 64);

	/* Arenas pymalloc gives back go to the reserve first, up to target. */
	py_exec("del x, y, warm");
	assert_true(a.kept >= 1);
	assert_true(a.nready >= 1 && a.nready <= PYARENA_MAX);

	PyObjectArenaAllocator prev = a.prev, now;
	pyarena_uninstall(&a);
	PyObject_GetArenaAllocator(&now);
	assert_ptr_equal(now.alloc, prev.alloc);
	assert_ptr_equal(now.ctx, prev.ctx);
	assert_int_equal(a.nready, 0);
	py_exec("z = [i + 0.5 for i in range(100000)]; del z");
}

/* Before pymalloc asked for an arena, a refill does nothing. */
static void test_refill_waits_for_the_size(void **state)
{
	(void)state;
	struct pyarena a;
	pyarena_install(&a, 1);
	a.size = 0;
	assert_int_equal(pyarena_refill(&a, 64), 0);
	pyarena_uninstall(&a);
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
		cmocka_unit_test(test_reserve_serves_faulted_arenas),
		cmocka_unit_test(test_refill_waits_for_the_size),
	};
	return cmocka_run_group_tests_name("pyarena", tests, group_setup, group_teardown);
}
