/* test_procmem.c: resident memory parsed from /proc/PID/status text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "procmem.h"

/* The kB fields are found wherever they sit; a name that is a prefix of
 * another (VmRSS / RssAnon vs RssAnonX) is not confused. */
static void test_parse_fields(void **state)
{
	(void)state;
	const char *text = "Name:\tpktd\nVmPeak:\t  900000 kB\nVmHWM:\t  250000 kB\nVmRSS:\t  240000 kB\n"
			   "RssAnonX:\t 1 kB\nRssAnon:\t  200000 kB\nRssFile:\t   40000 kB\nThreads:\t1\n";
	struct procmem m;
	assert_true(procmem_parse(text, &m));
	assert_int_equal(m.rss_kb, 240000);
	assert_int_equal(m.rss_anon_kb, 200000);
	assert_int_equal(m.rss_peak_kb, 250000);
}

/* Without VmRSS (a kernel thread's status) the read fails and reads zero. */
static void test_parse_missing(void **state)
{
	(void)state;
	struct procmem m;
	assert_false(procmem_parse("Name:\tkthreadd\nThreads:\t1\n", &m));
	assert_int_equal(m.rss_kb, 0);
	assert_int_equal(m.rss_anon_kb, 0);
}

/* This process: anonymous memory grows when 64 MiB are touched. */
static void test_read_self(void **state)
{
	(void)state;
	struct procmem a, b;
	assert_true(procmem_read(&a));
	assert_true(a.rss_kb > 0 && a.rss_anon_kb > 0 && a.rss_anon_kb <= a.rss_kb);
	size_t n = 64u << 20;
	volatile char *p = malloc(n);
	assert_non_null(p);
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	assert_true(procmem_read(&b));
	assert_true(b.rss_anon_kb >= a.rss_anon_kb + 60 * 1024);
	assert_true(b.rss_peak_kb >= b.rss_kb);
	free((void *)p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_missing),
		cmocka_unit_test(test_read_self),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
