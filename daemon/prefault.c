/* prefault.c: see prefault.h. One helper thread works through the regions
 * in the order they were given, so start-up gets one busy core beside it,
 * not one thread per table. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "prefault.h"

#include <pthread.h>
#include <sched.h>
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
	bool detached; /* nobody waits for it: free its slot when done */
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
	bool idle_class = false;
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
		if (j->detached && !idle_class) {
			/* Work ahead of need, while packets flow: only on a CPU that
			 * neither the loop nor the capture thread wants. (The thread
			 * ends when the queue runs dry, and the next starts at the
			 * creator's priority.) */
			struct sched_param none = { 0 };
			idle_class = pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) == 0;
		}
		/* No fallback here: writing pages another thread may be using
		 * could undo its writes. Without the call they fault in as used. */
		for (size_t off = 0; off < j->len && !atomic_load_explicit(&j->cancel, memory_order_relaxed);
		     off += STEP)
			if (!populate((uint8_t *)j->p + off, j->len - off < STEP ? j->len - off : STEP))
				break;
		pthread_mutex_lock(&lock);
		j->busy = false;
		if (j->detached)
			j->used = false;
		pthread_cond_broadcast(&idle);
	}
	helper_on = false;
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Queue a job, starting the helper if it is not running: false when no
 * slot is free or the thread cannot start. */
static bool queue(void *p, size_t len, bool detached)
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
		j->detached = detached;
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
	return queued;
}

void prefault_async(void *p, size_t len)
{
	if (!queue(p, len, false))
		prefault_now(p, len);
}

bool prefault_background(void *p, size_t len)
{
	return queue(p, len, true);
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
		if (j->p == p) /* a finished detached job's slot may be taken again */
			j->used = false;
	}
	pthread_mutex_unlock(&lock);
}

void prefault_cancel(void *p, size_t len)
{
	uintptr_t lo = (uintptr_t)p, hi = lo + len;
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < JOBS; i++) {
		struct job *j = &jobs[i];
		uintptr_t a = (uintptr_t)j->p, b = a + j->len;
		if (!j->used || b <= lo || a >= hi)
			continue;
		atomic_store_explicit(&j->cancel, true, memory_order_relaxed);
		if (!j->started) {
			j->started = true; /* it never will */
			j->used = false;
		}
		/* A busy one frees its slot itself when it stops (detached), or
		 * is waited for by its owner. */
	}
	pthread_mutex_unlock(&lock);
}
