/* capthread.c: file capture and decode on a thread of their own (capthread.h). */
#include "capthread.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* The thread's longest sleep: it re-checks its stop flag this often even
 * if a wake-up went astray. */
#define THREAD_SLEEP_MAX_MS 20
/* Spin at least this long on an empty ring before the loop goes to sleep:
 * the next batch is usually a few microseconds away, while a sleep costs
 * a system call on both sides and a wait for the scheduler that every
 * queued packet's latency includes (20 us a wake-up on this VM, now and
 * then milliseconds: perf sched). */
#define LOOP_SPIN_NS 5000u
/* While the ring's empty spells average at most DENSE_GAP_NS (traffic of
 * tens of thousands of packets a second), spin four times that, up to
 * LOOP_SPIN_MAX_NS: the loop then hardly sleeps while traffic is dense,
 * at the price of its CPU, and sleeps at once when traffic thins out. */
#define DENSE_GAP_NS 50000u
#define LOOP_SPIN_MAX_NS 200000u

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void poke(int fd)
{
	uint64_t one = 1;
	/* A full counter (never here) or EINTR: the reader wakes anyway. */
	if (write(fd, &one, sizeof(one)) < 0) {
	}
}

static void drain_fd(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0) {
	}
}

/* At least half the slots and half the arena free. Both threads may ask:
 * everything read here is published with release/acquire. */
static bool ring_half_free(struct ring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->nslots / 2)
		return false;
	if (head == tail)
		return true;
	uint64_t end = r->slots[(head - 1) & r->mask].arena_end;
	uint64_t arena_tail = atomic_load_explicit(&r->arena_tail, memory_order_acquire);
	return end - arena_tail <= r->arena_size / 2;
}

/* Thread: packets were published (or the thread ends): wake a sleeping
 * loop. The fence orders the publication before reading the flag; the
 * loop sets the flag before re-reading the ring's head. */
static void wake_loop(struct capthread *t)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&t->loop_sleeping, memory_order_relaxed) &&
	    atomic_exchange_explicit(&t->loop_sleeping, false, memory_order_acq_rel)) {
		atomic_fetch_add_explicit(&t->loop_wakeups, 1, memory_order_relaxed);
		poke(t->wake_fd);
	}
}

/* Well ahead of the loop (the ring more than half full): give back a
 * chunk of the input's page tables behind the reader, a fraction of a
 * millisecond that starves nobody. True when one was. */
static bool trim_ahead(struct capthread *t)
{
	if (!t->c->src_exports || ring_half_free(t->c->ring) || !capture_trim(t->c))
		return false;
	atomic_fetch_add_explicit(&t->trims, 1, memory_order_relaxed);
	return true;
}

static void wait_room(struct capthread *t)
{
	/* Waiting anyway: trim meanwhile. */
	while (!atomic_load_explicit(&t->stop, memory_order_relaxed) && trim_ahead(t))
		;
	atomic_store_explicit(&t->thread_sleeping, true, memory_order_seq_cst);
	atomic_thread_fence(memory_order_seq_cst);
	if (ring_half_free(t->c->ring) || atomic_load(&t->stop)) {
		/* Room came (or a stop) between the failed reservation and the flag. */
		if (atomic_exchange(&t->thread_sleeping, false))
			return;
		/* The loop took the flag and will poke: consume it below. */
	}
	atomic_fetch_add_explicit(&t->thread_waits, 1, memory_order_relaxed);
	struct pollfd p = { .fd = t->room_fd, .events = POLLIN };
	if (poll(&p, 1, THREAD_SLEEP_MAX_MS) > 0)
		drain_fd(t->room_fd);
	atomic_store(&t->thread_sleeping, false);
}

/* Paced replay: sleep until the held packet is due (or a while, to look
 * at the stop flag again). */
static void wait_due(struct capthread *t)
{
	uint64_t now = clock_mono_ns(), until = t->c->wait_until_ns;
	uint64_t cap = now + (uint64_t)THREAD_SLEEP_MAX_MS * 1000000u;
	if (until > cap)
		until = cap;
	if (until <= now)
		return;
	atomic_fetch_add_explicit(&t->pace_sleeps, 1, memory_order_relaxed);
	struct timespec ts = { (time_t)(until / 1000000000u), (long)(until % 1000000000u) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void *run(void *arg)
{
	struct capthread *t = arg;
	struct capture *c = t->c;
	/* Paced replay sleeps to each packet's due time: 1 us of timer
	 * slack instead of the default 50. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!atomic_load_explicit(&t->stop, memory_order_acquire)) {
		uint64_t before = c->queued + c->reassembled;
		enum capture_status st = capture_fill(c, t->batch);
		capture_note_progress(c, st);
		if (c->queued + c->reassembled != before)
			wake_loop(t);
		if (st == CAPTURE_DONE)
			break;
		if (st == CAPTURE_FULL)
			wait_room(t);
		else if (st == CAPTURE_WAIT)
			wait_due(t);
		else
			trim_ahead(t);
	}
	capture_note_progress(c, CAPTURE_DONE); /* stopped: the last rounds' counts */
	atomic_store_explicit(&t->done, true, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	atomic_store(&t->loop_sleeping, false);
	poke(t->wake_fd); /* always: the loop must see the end */
	return NULL;
}

int capthread_start(struct capthread *t, struct capture *c, uint32_t batch)
{
	memset(t, 0, sizeof(*t));
	t->c = c;
	t->batch = batch;
	t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	t->room_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->wake_fd < 0 || t->room_fd < 0)
		goto fail;
	capture_note_progress(c, CAPTURE_DONE); /* the copy starts right */
	c->threaded = true;
	/* Signals are the loop's (libevent): the thread blocks them all. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&t->tid, NULL, run, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		c->threaded = false;
		errno = rc;
		goto fail;
	}
	t->started = true;
	return 0;
fail: {
	int e = errno;
	capthread_free(t);
	errno = e;
	return -1;
}
}

int capthread_wake_fd(const struct capthread *t)
{
	return t->wake_fd;
}

/* An empty spell of the ring ended after `gap` ns. */
static void note_gap(struct capthread *t, uint64_t gap)
{
	t->idle_gap_ns = t->idle_gap_ns - t->idle_gap_ns / 8 + gap / 8;
}

void capthread_woken(struct capthread *t)
{
	drain_fd(t->wake_fd);
	if (t->slept_at_ns) {
		note_gap(t, clock_mono_ns() - t->slept_at_ns);
		t->slept_at_ns = 0;
	}
}

bool capthread_loop_may_sleep(struct capthread *t, uint64_t dispatched_upto)
{
	struct ring *r = t->c->ring;
	uint64_t spin = LOOP_SPIN_NS;
	if (t->idle_gap_ns <= DENSE_GAP_NS && 4 * t->idle_gap_ns > spin)
		spin = 4 * t->idle_gap_ns < LOOP_SPIN_MAX_NS ? 4 * t->idle_gap_ns : LOOP_SPIN_MAX_NS;
	uint64_t start = clock_mono_ns(), now = start;
	for (unsigned i = 1;; i++) {
		if (ring_published(r) != dispatched_upto || capthread_done(t)) {
			note_gap(t, now - start);
			return false;
		}
		cpu_relax();
		if (i % 64 == 0 && (now = clock_mono_ns()) - start >= spin)
			break;
	}
	atomic_store_explicit(&t->loop_sleeping, true, memory_order_seq_cst);
	atomic_thread_fence(memory_order_seq_cst);
	if (ring_published(r) != dispatched_upto || capthread_done(t)) {
		/* Raced with a publication: whoever clears the flag owns the
		 * wake-up; a stray poke only costs one empty pump round. */
		atomic_store(&t->loop_sleeping, false);
		return false;
	}
	t->slept_at_ns = start;
	return true;
}

void capthread_room_made(struct capthread *t)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&t->thread_sleeping, memory_order_relaxed) && ring_half_free(t->c->ring) &&
	    atomic_exchange_explicit(&t->thread_sleeping, false, memory_order_acq_rel))
		poke(t->room_fd);
}

void capthread_stop(struct capthread *t)
{
	if (!t->started)
		return;
	atomic_store_explicit(&t->stop, true, memory_order_seq_cst);
	poke(t->room_fd);
}

void capthread_join(struct capthread *t)
{
	if (!t->started || t->joined)
		return;
	pthread_join(t->tid, NULL);
	t->joined = true;
	t->c->threaded = false;
}

void capthread_free(struct capthread *t)
{
	if (t->wake_fd > 0)
		close(t->wake_fd);
	if (t->room_fd > 0)
		close(t->room_fd);
	t->wake_fd = t->room_fd = -1;
}
