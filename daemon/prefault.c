/* prefault.c: see prefault.h. One helper thread works through the regions
 * in the order they were given, so start-up gets one busy core beside it,
 * not one thread per table. */
#include "prefault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096u
#define JOBS 16
/* One call per step, so stopping before an unmap is quick. */
#define STEP (2u << 20)

struct job {
	void *p;
	size_t len;
	bool used;    /* given and not yet waited for */
	bool started; /* the helper took it */
	bool busy;    /* the helper is in it now */
	_Atomic bool cancel;
};

static struct job jobs[JOBS];
static bool helper_on;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;

/* MADV_POPULATE_WRITE over the whole pages of [p, p + len): faults them in
 * writable without changing a byte. False before Linux 5.14. */
static bool populate(void *p, size_t len)
{
	uintptr_t a = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(uintptr_t)(PAGE - 1);
	return b <= a || madvise((void *)a, b - a, MADV_POPULATE_WRITE) == 0;
}

void prefault_now(void *p, size_t len)
{
	/* The old way: write each page with its own byte (this thread is the
	 * only one using the memory yet). */
	if (!populate(p, len))
		for (size_t i = 0; i < len; i += PAGE)
			((volatile uint8_t *)p)[i] = ((volatile uint8_t *)p)[i];
}

static void *helper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct job *j = NULL;
		for (unsigned i = 0; i < JOBS && !j; i++)
			if (jobs[i].used && !jobs[i].started)
				j = &jobs[i];
		if (!j)
			break;
		j->started = j->busy = true;
		pthread_mutex_unlock(&lock);
		/* No fallback here: writing pages another thread may be using
		 * could undo its writes. Without the call they fault in as used. */
		for (size_t off = 0; off < j->len && !atomic_load_explicit(&j->cancel, memory_order_relaxed);
		     off += STEP)
			if (!populate((uint8_t *)j->p + off, j->len - off < STEP ? j->len - off : STEP))
				break;
		pthread_mutex_lock(&lock);
		j->busy = false;
		pthread_cond_broadcast(&idle);
	}
	helper_on = false;
	pthread_mutex_unlock(&lock);
	return NULL;
}

void prefault_async(void *p, size_t len)
{
	pthread_mutex_lock(&lock);
	struct job *j = NULL;
	for (unsigned i = 0; i < JOBS && !j; i++)
		if (!jobs[i].used)
			j = &jobs[i];
	if (j) {
		j->p = p;
		j->len = len;
		j->used = true;
		j->started = j->busy = false;
		atomic_store(&j->cancel, false);
		if (!helper_on) {
			pthread_t t;
			pthread_attr_t attr;
			pthread_attr_init(&attr);
			pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
			helper_on = pthread_create(&t, &attr, helper_main, NULL) == 0;
			pthread_attr_destroy(&attr);
			if (!helper_on)
				j->used = false;
		}
	}
	bool queued = j && j->used;
	pthread_mutex_unlock(&lock);
	if (!queued)
		prefault_now(p, len);
}

void prefault_wait(void *p)
{
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < JOBS; i++) {
		struct job *j = &jobs[i];
		if (!j->used || j->p != p)
			continue;
		atomic_store_explicit(&j->cancel, true, memory_order_relaxed);
		j->started = true; /* if not begun, it never will */
		while (j->busy)
			pthread_cond_wait(&idle, &lock);
		j->used = false;
	}
	pthread_mutex_unlock(&lock);
}
