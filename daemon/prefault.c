/* prefault.c: see prefault.h. One helper thread works through the
 * start-up regions in the order they were given, so start-up gets one busy
 * core beside it, not one thread per table; another takes the background
 * regions. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "prefault.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096u
#define JOBS 16
/* One call per step, so stopping before an unmap is quick. */
#define STEP (2u << 20)
/* The background helper's step: each call holds the mmap lock for
 * reading, and an idle-class thread can be preempted in the middle while
 * the loop wants that lock for writing (a pymalloc arena's mmap). A
 * quarter MiB is about 0.1-0.2 ms of faulting here. */
#define BACKGROUND_STEP (256u << 10)

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
/* Two helpers: start-up regions (waited for) at normal priority, ending
 * when they run out; background regions on an idle-class thread that
 * stays, started before it is needed, since a thread started inside an
 * allocation on the loop's CPU would run there first at normal priority
 * (a whole scheduler tick, 4 ms, measured with perf sched). */
enum lane { LANE_OWNED, LANE_BACKGROUND };
static bool helper_on[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER; /* for the background helper */

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
	bool background = (uintptr_t)arg == LANE_BACKGROUND;
	/* Its first act: glibc refuses SCHED_IDLE in thread attributes
	 * (EINVAL), which left this helper at normal priority, preempting the
	 * capture thread for up to 5 ms (perf sched). */
	if (background) {
		struct sched_param none = { 0 };
		pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
	}
	pthread_mutex_lock(&lock);
	for (;;) {
		struct job *j = NULL;
		for (unsigned i = 0; i < JOBS && !j; i++)
			if (jobs[i].used && !jobs[i].started && jobs[i].detached == background)
				j = &jobs[i];
		if (!j) {
			if (!background)
				break;
			pthread_cond_wait(&work, &lock);
			continue;
		}
		j->started = j->busy = true;
		pthread_mutex_unlock(&lock);
		/* No fallback here: writing pages another thread may be using
		 * could undo its writes. Without the call they fault in as used. */
		size_t step = background ? BACKGROUND_STEP : STEP;
		for (size_t off = 0; off < j->len && !atomic_load_explicit(&j->cancel, memory_order_relaxed);
		     off += step)
			if (!populate((uint8_t *)j->p + off, j->len - off < step ? j->len - off : step))
				break;
		pthread_mutex_lock(&lock);
		j->busy = false;
		if (j->detached)
			j->used = false;
		pthread_cond_broadcast(&idle);
	}
	helper_on[LANE_OWNED] = false;
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Lock held. The background helper works only on a CPU that neither the
 * loop nor the capture thread wants (SCHED_IDLE from its first act);
 * if none is free the pages fault in as used, as without it. */
static bool start_helper(enum lane lane)
{
	if (helper_on[lane])
		return true;
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	helper_on[lane] = pthread_create(&t, &attr, helper_main, (void *)(uintptr_t)lane) == 0;
	pthread_attr_destroy(&attr);
	return helper_on[lane];
}

/* Queue a job, starting its helper if it is not running: false when no
 * slot is free or the thread cannot start. */
static bool queue(void *p, size_t len, bool detached)
{
	pthread_mutex_lock(&lock);
	struct job *j = NULL;
	for (unsigned i = 0; i < JOBS && !j; i++)
		if (!jobs[i].used)
			j = &jobs[i];
	bool queued = j && start_helper(detached ? LANE_BACKGROUND : LANE_OWNED);
	if (queued) {
		j->p = p;
		j->len = len;
		j->used = true;
		j->detached = detached;
		j->started = j->busy = false;
		atomic_store(&j->cancel, false);
		if (detached)
			pthread_cond_signal(&work);
	}
	pthread_mutex_unlock(&lock);
	return queued;
}

void prefault_async(void *p, size_t len)
{
	if (!queue(p, len, false))
		prefault_now(p, len);
}

/* A forked child (the workers to come) has none of the parent's threads:
 * it starts its own helpers when it needs them. The lock is held across
 * the fork, so the child's copy of the job table is consistent. */
static void before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

static void after_fork_child(void)
{
	memset(jobs, 0, sizeof(jobs));
	helper_on[LANE_OWNED] = helper_on[LANE_BACKGROUND] = false;
	pthread_mutex_init(&lock, NULL);
	pthread_cond_init(&idle, NULL);
	pthread_cond_init(&work, NULL);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void watch_forks(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

bool prefault_background_start(void)
{
	pthread_once(&fork_once, watch_forks);
	pthread_mutex_lock(&lock);
	bool on = start_helper(LANE_BACKGROUND);
	pthread_mutex_unlock(&lock);
	return on;
}

bool prefault_background(void *p, size_t len)
{
	return queue(p, len, true);
}

/* Lock held: a job not begun never will; one in progress stops after
 * its current step. */
static void stop_job(struct job *j)
{
	atomic_store_explicit(&j->cancel, true, memory_order_relaxed);
	if (!j->started) {
		j->started = true;
		j->used = false;
	}
}

void prefault_wait(void *p)
{
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < JOBS; i++) {
		struct job *j = &jobs[i];
		if (!j->used || j->p != p)
			continue;
		stop_job(j);
		while (j->busy)
			pthread_cond_wait(&idle, &lock);
		if (j->p == p) /* a finished detached job's slot may be taken again */
			j->used = false;
	}
	pthread_mutex_unlock(&lock);
}

/* Longest wait for a step in progress over a range being given back: the
 * step takes 0.1-0.2 ms when the helper gets a CPU, and the waiter's own
 * CPU is free meanwhile; an idle-class helper kept off every CPU by other
 * work must not hold the caller (a Python allocation) for long. */
#define CANCEL_WAIT_NS 2000000L

static bool busy_within(uintptr_t lo, uintptr_t hi)
{
	for (unsigned i = 0; i < JOBS; i++) {
		const struct job *j = &jobs[i];
		uintptr_t a = (uintptr_t)j->p, b = a + j->len;
		if (j->used && j->busy && b > lo && a < hi)
			return true;
	}
	return false;
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
		/* A busy one frees its slot itself when it stops (detached), or
		 * is waited for by its owner. */
		stop_job(j);
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until); /* the condition variable's clock */
	until.tv_nsec += CANCEL_WAIT_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (busy_within(lo, hi))
		if (pthread_cond_timedwait(&idle, &lock, &until) != 0)
			break; /* timed out: up to one step may come back */
	pthread_mutex_unlock(&lock);
}

void prefault_ahead_init(struct prefault_ahead *a, void *p, size_t len, size_t now, size_t step)
{
	*a = (struct prefault_ahead){ .base = p, .len = len, .step = step ? step : STEP };
	if (now > len)
		now = len;
	if (now)
		prefault_now(p, now);
	a->done = now;
	a->trigger = 0; /* the first use queues the step after `now` */
	if (now < len)
		prefault_background_start(); /* now, not in the first packet's path */
}

void prefault_ahead_more(struct prefault_ahead *a, size_t upto)
{
	/* Keep a whole step faulted past the use. A job the helper cannot
	 * take (queue full) is skipped: those pages fault in as used. */
	while (a->done < a->len && a->done < upto + a->step) {
		size_t n = a->len - a->done < a->step ? a->len - a->done : a->step;
		prefault_background(a->base + a->done, n);
		a->done += n;
	}
	a->trigger = a->done < a->len ? (a->done > a->step / 2 ? a->done - a->step / 2 : 0) : SIZE_MAX;
	if (a->trigger <= upto)
		a->trigger = upto + 1;
}

void prefault_ahead_stop(struct prefault_ahead *a)
{
	if (a->base && a->done)
		prefault_cancel(a->base, a->done);
	a->trigger = SIZE_MAX;
}
