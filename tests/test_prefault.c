/* test_prefault.c: big allocations faulted in by the helper thread keep
 * their bytes, end up resident, and can be stopped before an unmap. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include <dirent.h>
#include <sched.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "prefault.h"

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

static size_t resident_pages(void *p, size_t len)
{
	size_t n = len / 4096, in = 0;
	unsigned char *vec = malloc(n);
	assert_non_null(vec);
	assert_int_equal(mincore(p, len, vec), 0);
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	free(vec);
	return in;
}

/* Bytes written before (and while) the helper works are kept, and every
 * page ends up resident. */
static void test_async_faults_in_and_keeps_bytes(void **state)
{
	(void)state;
	size_t len = 8u << 20;
	uint8_t *p = map(len);
	memset(p, 0xab, 4096);
	prefault_async(p, len);
	p[len - 1] = 0xcd;
	prefault_wait(p);
	assert_int_equal(p[0], 0xab);
	assert_int_equal(p[4095], 0xab);
	assert_int_equal(p[4096], 0);
	assert_int_equal(p[len - 1], 0xcd);
	/* Given again (the slot is free) and left to finish: every page comes
	 * in without anyone touching it (a wait would stop it early). */
	prefault_async(p, len);
	for (int i = 0; i < 500 && resident_pages(p, len) < len / 4096; i++)
		usleep(10000);
	assert_int_equal(resident_pages(p, len), len / 4096);
	prefault_wait(p);
	munmap(p, len);
}

/* A region unmapped soon after it was given: the wait stops the helper,
 * and many regions at once (more than the helper's queue) all work. */
static void test_wait_stops_early_and_queue_overflows(void **state)
{
	(void)state;
	size_t len = 64u << 20;
	uint8_t *big = map(len);
	prefault_async(big, len);
	prefault_wait(big);
	munmap(big, len);
	uint8_t *small[40];
	for (int i = 0; i < 40; i++) {
		small[i] = map(1u << 20);
		small[i][7] = (uint8_t)i;
		prefault_async(small[i], 1u << 20);
	}
	for (int i = 0; i < 40; i++) {
		prefault_wait(small[i]);
		assert_int_equal(small[i][7], (uint8_t)i);
		munmap(small[i], 1u << 20);
	}
}

/* Memory used from its start: only `now` bytes are faulted in at once;
 * each use keeps a step queued past it, and the helper brings those in
 * (this test leaves a CPU free for it); nothing past that is touched. */
static void test_ahead_follows_use(void **state)
{
	(void)state;
	size_t len = 32u << 20, step = 1u << 20;
	uint8_t *p = map(len);
	struct prefault_ahead a;
	prefault_ahead_init(&a, p, len, 64u << 10, step);
	assert_int_equal(resident_pages(p, len), (64u << 10) / 4096);
	for (size_t upto = 4096; upto <= (4u << 20); upto += 4096) {
		prefault_ahead_use(&a, upto);
		assert_true(a.done >= upto + step / 2 && a.done <= upto + 2 * step + (64u << 10));
	}
	size_t want = a.done / 4096;
	for (int i = 0; i < 500 && resident_pages(p, a.done) < want; i++)
		usleep(10000);
	assert_int_equal(resident_pages(p, a.done), want);
	assert_int_equal(resident_pages(p + a.done, len - a.done), 0);
	/* Near the end: the last step stops at the end, and later uses are
	 * free (no job past it). */
	prefault_ahead_use(&a, len - 1);
	assert_int_equal(a.done, len);
	prefault_ahead_use(&a, len);
	assert_int_equal(a.done, len);
	prefault_ahead_stop(&a);
	munmap(p, len);
}

/* Scheduling policy of each of this process's threads, from
 * /proc/self/task/TID/stat (field 41): how many run as policy. */
static int threads_with_policy(int policy)
{
	DIR *d = opendir("/proc/self/task");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue; /* the thread ended */
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = 0;
		/* Fields after the command name, which may hold spaces. */
		char *p = strrchr(buf, ')');
		int field = 2;
		for (; p && *p && field < 41; p++)
			if (*p == ' ')
				field++;
		if (p && field == 41 && atoi(p) == policy)
			n++;
	}
	closedir(d);
	return n;
}

/* The background helper must never preempt the loop or the capture
 * thread: it runs idle-class from its start. */
static void test_background_helper_is_idle_class(void **state)
{
	(void)state;
	assert_true(prefault_background_start());
	for (int i = 0; i < 1000 && threads_with_policy(SCHED_IDLE) == 0; i++)
		usleep(1000); /* its first act sets the class */
	assert_int_equal(threads_with_policy(SCHED_IDLE), 1);
	size_t len = 4u << 20;
	uint8_t *p = map(len);
	assert_true(prefault_background(p, len));
	for (int i = 0; i < 2000 && resident_pages(p, len) < len / 4096; i++)
		usleep(1000);
	assert_int_equal(resident_pages(p, len), len / 4096);
	prefault_cancel(p, len);
	munmap(p, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_async_faults_in_and_keeps_bytes),
		cmocka_unit_test(test_wait_stops_early_and_queue_overflows),
		cmocka_unit_test(test_background_helper_is_idle_class),
		cmocka_unit_test(test_ahead_follows_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
