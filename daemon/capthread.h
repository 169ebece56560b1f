/* capthread.h: file capture and decode on a thread of their own.
 *
 * With --threads 2 (the default for file replay with plugins or flows on
 * a machine with two or more CPUs) one thread reads the inputs, decodes
 * and files packets into the ring (capture_fill), while the loop thread
 * runs Python. The ring is single-producer single-consumer, so the two
 * share nothing else while packets flow; the capture struct belongs to
 * the thread until it is joined, and the loop only reads its counters
 * (word-sized, monotonic).
 *
 * Either side sleeps when it cannot go on: the loop on an empty ring, the
 * thread on a full one (backpressure: file replay never drops) or until
 * a paced packet is due. Sleeping is announced in a flag and re-checked
 * after a full fence (the Dekker pattern), so a wake-up is never lost; the
 * other side then writes to an eventfd. The loop's eventfd is a libevent
 * event; the thread polls its own, with a timeout as a second line of
 * defence. To avoid a ping-pong per batch, the loop wakes a thread
 * waiting for room only once the ring is at least half free.
 *
 * Live capture stays on the loop thread (the pcap handle also serves
 * statistics and the descriptor is a libevent event), as does replay
 * with -w (file rotation and SIGHUP reopen run on the loop). */
#ifndef PKTD_CAPTHREAD_H
#define PKTD_CAPTHREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"

struct capthread {
	struct capture *c;
	uint32_t batch;
	pthread_t tid;
	bool started, joined;
	int wake_fd; /* thread -> loop: packets published, or the thread ended */
	int room_fd; /* loop -> thread: the ring has room, or stop */
	_Atomic bool stop;             /* loop -> thread: read no more */
	_Atomic bool done;             /* thread -> loop: nothing more will be published */
	_Atomic bool loop_sleeping;    /* the loop waits on wake_fd */
	_Atomic bool thread_sleeping;  /* the thread waits on room_fd */
	/* Counters (the thread's), for the statistics. */
	_Atomic uint64_t loop_wakeups, thread_waits, pace_sleeps;
	_Atomic uint64_t trims; /* chunks of page tables given back while waiting for room */
	/* The loop's own: how long the ring stays empty, on average (an
	 * exponential mean), and when it last went to sleep (0: awake). */
	uint64_t idle_gap_ns, slept_at_ns;
};

/* Start the thread reading `c` in batches of `batch`. -1 with errno. */
int capthread_start(struct capthread *t, struct capture *c, uint32_t batch);

/* Loop: the descriptor that becomes readable when the loop should pump;
 * capthread_woken() consumes the wake-up. */
int capthread_wake_fd(const struct capthread *t);
void capthread_woken(struct capthread *t);

/* Loop, with nothing left to dispatch: true when it may sleep until the
 * wake descriptor fires; false when packets arrived meanwhile (or the
 * thread ended): pump again. */
bool capthread_loop_may_sleep(struct capthread *t, uint64_t dispatched_upto);

/* Loop, after a dispatch round released slots: wake a thread that waits
 * for room once the ring is half free. */
void capthread_room_made(struct capthread *t);

/* The thread has published everything it will (end of input or stop). */
static inline bool capthread_done(struct capthread *t)
{
	return atomic_load_explicit(&t->done, memory_order_acquire);
}

/* Ask the thread to read no more (a signal); it ends its current batch. */
void capthread_stop(struct capthread *t);

/* Wait for the thread to end (after capthread_done, or after stop);
 * the capture struct belongs to the loop thread again. Idempotent. */
void capthread_join(struct capthread *t);

/* Close the descriptors (after join). */
void capthread_free(struct capthread *t);

#endif
