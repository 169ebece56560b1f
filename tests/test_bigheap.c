/* test_bigheap.c: big blocks from the pre-faulted range: contents kept,
 * zeros from calloc even in reused memory, reuse and in-place growth,
 * pages faulted in ahead of the top, the bound on unused memory, foreign
 * pointers passed through, two threads at once, and a forked child. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bigheap.h"

#define MiB (1u << 20)

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#define RESERVE (64u * MiB)

static size_t resident_pages(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095;
	len += (uintptr_t)p - a;
	size_t n = (len + 4095) / 4096, in = 0;
	unsigned char *vec = malloc(n);
	assert_non_null(vec);
	assert_int_equal(mincore((void *)a, len, vec), 0);
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	free(vec);
	return in;
}

static struct bigheap_stats stats(void)
{
	struct bigheap_stats s;
	bigheap_get_stats(&s);
	return s;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };
	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	(void)state;
	return bigheap_init(RESERVE);
}

static void test_blocks_hold_bytes_and_small_ones_pass_through(void **state)
{
	(void)state;
	uint64_t before = stats().blocks;
	uint8_t *small = bigheap_malloc(1000);
	assert_non_null(small);
	assert_int_equal(stats().blocks, before); /* not ours */
	uint8_t *a = bigheap_malloc(BIGHEAP_MIN_BLOCK);
	uint8_t *b = bigheap_malloc(3 * MiB + 17);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(stats().blocks, before + 2);
	assert_int_equal((uintptr_t)a % 16, 0);
	assert_int_equal((uintptr_t)b % 16, 0);
	memset(a, 0xaa, BIGHEAP_MIN_BLOCK);
	memset(b, 0xbb, 3 * MiB + 17);
	for (size_t i = 0; i < BIGHEAP_MIN_BLOCK; i++)
		assert_int_equal(a[i], 0xaa);
	for (size_t i = 0; i < 3 * MiB + 17; i++)
		assert_int_equal(b[i], 0xbb);
	bigheap_free(a);
	bigheap_free(b);
	bigheap_free(small);
	bigheap_free(NULL);
}

/* A freed block is taken again by the next request that fits, and
 * calloc clears what it held. */
static void test_reuse_and_calloc_zeros(void **state)
{
	(void)state;
	uint8_t *guard = bigheap_malloc(MiB); /* keeps `a` off the top */
	uint8_t *a = bigheap_malloc(2 * MiB);
	uint8_t *above = bigheap_malloc(MiB);
	memset(a, 0x5a, 2 * MiB);
	uint64_t reused = stats().reused;
	bigheap_free(a);
	uint8_t *c = bigheap_calloc(2, MiB);
	assert_ptr_equal(c, a);
	assert_int_equal(stats().reused, reused + 1);
	for (size_t i = 0; i < 2 * MiB; i++)
		assert_int_equal(c[i], 0);
	bigheap_free(c);
	bigheap_free(above);
	bigheap_free(guard);
}

static void test_realloc_grows_top_in_place_else_copies(void **state)
{
	(void)state;
	uint8_t *p = bigheap_malloc(MiB);
	for (size_t i = 0; i < MiB; i++)
		p[i] = (uint8_t)i;
	uint64_t grown = stats().grown_in_place;
	uint8_t *q = bigheap_realloc(p, 4 * MiB);
	assert_ptr_equal(q, p); /* the top block */
	assert_int_equal(stats().grown_in_place, grown + 1);
	uint8_t *blocker = bigheap_malloc(MiB); /* now q is not the top */
	uint8_t *r = bigheap_realloc(q, 8 * MiB);
	assert_non_null(r);
	assert_ptr_not_equal(r, q);
	for (size_t i = 0; i < MiB; i++)
		assert_int_equal(r[i], (uint8_t)i);
	assert_ptr_equal(bigheap_realloc(r, 5 * MiB), r); /* shrinking keeps it */
	bigheap_free(r);
	bigheap_free(blocker);
	/* A foreign block stays with its allocator. */
	uint8_t *libc = malloc(100);
	memset(libc, 7, 100);
	uint8_t *moved = bigheap_realloc(libc, 200);
	assert_int_equal(moved[99], 7);
	bigheap_free(moved);
}

/* After a big block, the memory past it is faulted in by the helper, so
 * the next bigger block (a dict's next table) finds its pages present. */
static void test_pages_faulted_in_ahead(void **state)
{
	(void)state;
	uint8_t *a = bigheap_malloc(12 * MiB);
	memset(a, 1, 12 * MiB);
	assert_true(stats().ahead_bytes >= 24 * MiB);
	uint8_t *b = NULL;
	size_t len = 20 * MiB;
	/* The helper works beside this thread: give it up to 5 s. */
	for (int i = 0; i < 500; i++) {
		size_t in = resident_pages(a + 12 * MiB, len + 2 * 4096);
		if (in >= len / 4096)
			break;
		sleep_ms(10);
	}
	uint64_t ready = stats().blocks_ready;
	b = bigheap_malloc(len);
	assert_true(b > a);
	assert_int_equal(stats().blocks_ready, ready + 1);
	assert_true(resident_pages(b, len) >= len / 4096 - 1);
	for (size_t i = 0; i < len; i += 4096)
		assert_int_equal(b[i], 0); /* never written: zeros */
	bigheap_free(b);
	bigheap_free(a);
}

/* A block whose user touched only its first page is faulted in whole
 * once freed: memory past the top is resident, whoever had it before. */
static void test_freed_block_settled(void **state)
{
	(void)state;
	uint8_t *guard = bigheap_malloc(MiB);
	uint8_t *hole = bigheap_malloc(8 * MiB);
	uint8_t *above = bigheap_malloc(MiB);
	hole[0] = 1;
	bigheap_free(hole); /* a freed block between two live ones */
	uint8_t *top = bigheap_malloc(8 * MiB);
	top[0] = 1;
	bigheap_free(top); /* the top comes down */
	size_t in_hole = 0, in_top = 0;
	for (int i = 0; i < 500 && (in_hole < 2048 || in_top < 2048); i++) {
		sleep_ms(10);
		in_hole = resident_pages(hole, 8 * MiB);
		in_top = resident_pages(top, 8 * MiB);
	}
	assert_true(in_hole >= 2048);
	assert_true(in_top >= 2048);
	bigheap_free(above);
	bigheap_free(guard);
}

/* Unused memory, ahead and in freed blocks, stays under the bound. */
static void test_unused_memory_bounded(void **state)
{
	(void)state;
	void *keep[24];
	for (int i = 0; i < 24; i++) {
		keep[i] = bigheap_malloc(6 * MiB);
		memset(keep[i], i, 6 * MiB);
	}
	/* Free every other block: 72 MiB of holes the next blocks cannot
	 * merge, over the 64 MiB bound. */
	for (int i = 0; i < 24; i += 2)
		bigheap_free(keep[i]);
	struct bigheap_stats s = stats();
	assert_true(s.free_bytes >= 72 * MiB);
	assert_true(s.trimmed_bytes > 0);
	size_t resident_free = 0;
	for (int i = 0; i < 24; i += 2)
		resident_free += resident_pages((uint8_t *)keep[i] - 64, 6 * MiB) * 4096;
	assert_true(resident_free + s.ahead_bytes <= RESERVE + 2 * MiB);
	for (int i = 1; i < 24; i += 2)
		bigheap_free(keep[i]);
}

/* A forked child (the workers to come) allocates, and its own helper
 * faults memory in ahead of it; the parent goes on as before. */
static void test_fork_child_allocates_and_faults_ahead(void **state)
{
	(void)state;
#ifdef UNDER_TSAN
	/* ThreadSanitizer does not support threads started after a fork of a
	 * threaded process: the child would only report that. */
	skip();
#endif
	uint8_t *before = bigheap_malloc(2 * MiB);
	memset(before, 3, 2 * MiB);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Past all the parent faulted in ahead (at most half the
		 * reserve): what is resident past it, the child's helper did. */
		uint8_t *a = bigheap_malloc(RESERVE);
		if (!a || before[2 * MiB - 1] != 3)
			_exit(1);
		a[0] = 1;
		size_t len = 16 * MiB;
		for (int i = 0; i < 500; i++) {
			if (resident_pages(a + RESERVE + 4096, len) >= len / 4096)
				_exit(0);
			sleep_ms(10);
		}
		_exit(2);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	uint8_t *after = bigheap_malloc(MiB);
	assert_non_null(after);
	bigheap_free(after);
	bigheap_free(before);
}

static void *churn(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	const unsigned tag = seed * 16;
	uint8_t *held[8] = { 0 };
	size_t size[8] = { 0 };
	for (int round = 0; round < 2000; round++) {
		unsigned k = (unsigned)rand_r(&seed) % 8;
		if (held[k]) {
			for (size_t i = 0; i < size[k]; i += 997)
				if (held[k][i] != (uint8_t)(k + tag))
					return (void *)1;
			if (rand_r(&seed) % 2) {
				bigheap_free(held[k]);
				held[k] = NULL;
				continue;
			}
			size_t n = BIGHEAP_MIN_BLOCK + (size_t)rand_r(&seed) % (2 * MiB);
			uint8_t *p = bigheap_realloc(held[k], n);
			if (!p)
				return (void *)1;
			for (size_t i = 0; i < (n < size[k] ? n : size[k]); i += 997)
				if (p[i] != (uint8_t)(k + tag))
					return (void *)1;
			held[k] = p;
			size[k] = n;
		} else {
			size[k] = BIGHEAP_MIN_BLOCK + (size_t)rand_r(&seed) % (2 * MiB);
			held[k] = bigheap_malloc(size[k]);
			if (!held[k])
				return (void *)1;
		}
		memset(held[k], (int)(k + tag), size[k]);
	}
	for (int k = 0; k < 8; k++)
		bigheap_free(held[k]);
	return NULL;
}

static void test_two_threads(void **state)
{
	(void)state;
	pthread_t t[2];
	for (uintptr_t i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
	for (int i = 0; i < 2; i++) {
		void *rc;
		pthread_join(t[i], &rc);
		assert_null(rc);
	}
	assert_int_equal(stats().live_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_hold_bytes_and_small_ones_pass_through),
		cmocka_unit_test(test_reuse_and_calloc_zeros),
		cmocka_unit_test(test_realloc_grows_top_in_place_else_copies),
		cmocka_unit_test(test_pages_faulted_in_ahead),
		cmocka_unit_test(test_freed_block_settled),
		cmocka_unit_test(test_unused_memory_bounded),
		cmocka_unit_test(test_two_threads),
		cmocka_unit_test(test_fork_child_allocates_and_faults_ahead),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
