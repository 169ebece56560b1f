/* test_prom.c: the Prometheus text exposition writer (prom.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prom.h"

static char *buf;
static size_t len;

static FILE *open_buf(void)
{
	free(buf);
	buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	return f;
}

/* HELP and TYPE lines, then samples with and without labels. */
static void test_family_and_samples(void **state)
{
	(void)state;
	FILE *f = open_buf();
	prom_family(f, "pktd_x_total", "counter", "things\\counted\nhere");
	prom_u64(f, "pktd_x_total", "", 42);
	char labels[128] = "";
	prom_label(labels, sizeof(labels), "plugin", "dns");
	prom_label(labels, sizeof(labels), "path", "a\"b\\c\nd");
	prom_u64(f, "pktd_x_total", labels, 18446744073709551615ull);
	prom_double(f, "pktd_y", "", 0.25);
	fclose(f);
	assert_string_equal(buf, "# HELP pktd_x_total things\\\\counted\\nhere\n"
				 "# TYPE pktd_x_total counter\n"
				 "pktd_x_total 42\n"
				 "pktd_x_total{plugin=\"dns\",path=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n"
				 "pktd_y 0.25\n");
}

/* A label that does not fit is cut, never overflows. */
static void test_label_truncation(void **state)
{
	(void)state;
	char small[16] = "";
	prom_label(small, sizeof(small), "plugin", "a-very-long-plugin-name");
	assert_true(strlen(small) < sizeof(small));
	assert_memory_equal(small, "plugin=\"", 8);
}

/* Buckets are cumulative, at octave ends of hist.h, then +Inf, _sum, _count. */
static void test_histogram(void **state)
{
	(void)state;
	struct hist h;
	memset(&h, 0, sizeof(h));
	hist_record(&h, 500);        /* below the first bound (1023 ns) */
	hist_record(&h, 1023);       /* on it */
	hist_record(&h, 1024);       /* next octave */
	hist_record(&h, 3000000);    /* 3 ms */
	hist_record(&h, 100000000000ull); /* 100 s: only +Inf */
	FILE *f = open_buf();
	prom_histogram(f, "pktd_gc_pause_seconds", "generation=\"0\"", &h);
	fclose(f);
	assert_non_null(strstr(buf, "pktd_gc_pause_seconds_bucket{generation=\"0\",le=\"0.000001023\"} 2\n"));
	assert_non_null(strstr(buf, "pktd_gc_pause_seconds_bucket{generation=\"0\",le=\"0.000002047\"} 3\n"));
	assert_non_null(strstr(buf, "pktd_gc_pause_seconds_bucket{generation=\"0\",le=\"0.004194303\"} 4\n"));
	assert_non_null(strstr(buf, "pktd_gc_pause_seconds_bucket{generation=\"0\",le=\"17.179869183\"} 4\n"));
	assert_non_null(strstr(buf, "pktd_gc_pause_seconds_bucket{generation=\"0\",le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(buf, "pktd_gc_pause_seconds_sum{generation=\"0\"} 100.0030025"));
	assert_non_null(strstr(buf, "pktd_gc_pause_seconds_count{generation=\"0\"} 5\n"));
	/* One line per bound, +Inf, _sum and _count. */
	unsigned lines = 0;
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, PROM_HIST_NBOUNDS + 3);
	/* Every bound is the upper end of a hist.h bucket: 2^k - 1 ns. */
	for (unsigned k = 0; k < PROM_HIST_NBOUNDS; k++)
		assert_int_equal(hist_bucket_upper(prom_hist_bucket(k)), (1ull << (PROM_HIST_FIRST_OCTAVE + 1 + k)) - 1);
}

/* An empty histogram still lists every bucket at 0. */
static void test_empty_histogram(void **state)
{
	(void)state;
	struct hist h;
	memset(&h, 0, sizeof(h));
	FILE *f = open_buf();
	prom_histogram(f, "h", "", &h);
	fclose(f);
	assert_non_null(strstr(buf, "h_bucket{le=\"0.000001023\"} 0\n"));
	assert_non_null(strstr(buf, "h_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n"));
}

static int teardown(void **state)
{
	(void)state;
	free(buf);
	buf = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_label_truncation),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_empty_histogram),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
