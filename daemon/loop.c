/* loop.c: the libevent loop driving capture, dispatch, timers and signals.
 *
 * One "pump" event does a round: for file replay, read up to a batch into
 * the ring; then dispatch what the ring holds. It re-activates itself at
 * low priority while work remains, so timers (on_tick, GC budget, stats,
 * progress) and signals still run between rounds. A live capture's
 * descriptor is a persistent read event at high priority: on readiness it
 * reads what the kernel holds, in batches (pcap_dispatch), into the ring,
 * then wakes the pump. Paced replay (--speed, --pps) arms a one-shot timer
 * for the next packet's due time instead of sleeping.
 *
 * Signals are libevent events: the first SIGINT/SIGTERM stops reading, the
 * ring is drained through the plugins, and the loop exits normally
 * (teardown, flush, stats); a second one exits at once. SIGHUP reopens
 * the output files (ops_reopen), SIGUSR1 prints the current statistics. */
#define _GNU_SOURCE /* sched_getaffinity */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "metrics.h"
#include "ops.h"
#include "pktd.h"
#include "source.h"
#include "statsline.h"

/* Live, per wake-up: read until the kernel has nothing more, at most this
 * many packets, so one burst cannot hold the loop. */
#define LIVE_READ_MAX 65536u

static void pump_later(struct pktd *d)
{
	event_active(d->pump, EV_READ, 0);
}

static bool drained(struct pktd *d)
{
	return ring_published(&d->ring) == d->dispatch.next && dispatch_unreleased(&d->dispatch) == 0;
}

static void live_resume(struct pktd *d)
{
	if (!d->live_paused || d->stopping || d->capture_done)
		return;
	d->live_paused = false;
	event_add(d->live_ev, NULL);
	event_active(d->live_ev, EV_READ, 0);
}

static void live_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	if (d->stopping || d->capture_done)
		return;
	uint32_t read_so_far = 0;
	for (;;) {
		uint64_t before = d->capture.packets_read;
		enum capture_status st = capture_read_live(&d->capture, d->cfg.batch);
		read_so_far += (uint32_t)(d->capture.packets_read - before);
		if (st == CAPTURE_DONE) {
			d->capture_done = true;
			event_del(d->live_ev);
			break;
		}
		if (st == CAPTURE_FULL) {
			/* --overflow=block: stop reading until the ring has room;
			 * the kernel buffers meanwhile (and drops, counted). */
			event_del(d->live_ev);
			d->live_paused = true;
			break;
		}
		if (st != CAPTURE_MORE || read_so_far >= LIVE_READ_MAX)
			break;
	}
	if (!drained(d) || d->capture_done)
		pump_later(d);
}

static void pace_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	d->pace_waiting = false;
	pump_later(d);
}

/* Dispatch up to a batch, then give the GC scheduler its turn; true when
 * the ring is idle. A capture thread waiting for room is woken first, so
 * it refills the ring while a collection runs. */
static bool dispatch_round(struct pktd *d, struct capthread *t)
{
	uint32_t n = dispatch_run(&d->dispatch, d->cfg.batch);
	if (t)
		capthread_room_made(t);
	bool idle = ring_published(&d->ring) == d->dispatch.next;
	if (n == 0)
		d->idle_rounds++;
	gcsched_poll(&d->gc, clock_mono_ns(), idle);
	if (!idle && n == 0 && dispatch_unreleased(&d->dispatch) > 0) {
		/* Views kept by a plugin hold the arena: a collection may free
		 * them. */
		gcsched_collect(&d->gc, 2);
	}
	return idle;
}

/* --threads 2: the capture thread fills the ring; this side only
 * dispatches, and sleeps on the wake descriptor when the ring is empty. */
static void pump_threaded(struct pktd *d)
{
	struct capthread *t = &d->capthread;
	bool idle = dispatch_round(d, t);
	if (!d->capture_done && capthread_done(t)) {
		/* Its last packet is published: the capture is ours again. */
		capthread_join(t);
		if (d->stopping)
			capture_stop(&d->capture); /* close the input, publish a held paced packet */
		d->capture_done = true;
		idle = ring_published(&d->ring) == d->dispatch.next;
	}
	if (d->capture_done && drained(d)) {
		event_base_loopexit(d->base, NULL);
		return;
	}
	if (!idle || dispatch_unreleased(&d->dispatch) > 0 || d->capture_done ||
	    !capthread_loop_may_sleep(t, d->dispatch.next))
		pump_later(d);
	/* Otherwise the thread's wake-up (wake_cb) pumps again. */
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	capthread_woken(&d->capthread);
	pump_later(d);
}

static void pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	if (d->threaded) {
		pump_threaded(d);
		return;
	}
	bool file = !d->capture.live;
	if (file && !d->capture_done && !d->stopping && !d->pace_waiting) {
		enum capture_status st = capture_fill(&d->capture, d->cfg.batch);
		if (st == CAPTURE_DONE) {
			d->capture_done = true;
		} else if (st == CAPTURE_WAIT) {
			uint64_t now = clock_mono_ns();
			uint64_t wait = d->capture.wait_until_ns > now ? d->capture.wait_until_ns - now : 0;
			struct timeval tv = { (time_t)(wait / 1000000000u), (suseconds_t)(wait % 1000000000u / 1000u) };
			d->pace_waiting = true;
			event_add(d->pace_timer, &tv);
		}
	}
	bool idle = dispatch_round(d, NULL);
	if (d->live_paused && ring_has_room(&d->ring, d->capture.snaplen))
		live_resume(d);
	bool held = d->stopping && !capture_flush_held(&d->capture);
	if ((d->capture_done || d->stopping) && !held && drained(d)) {
		event_base_loopexit(d->base, NULL);
		return;
	}
	if (!idle || held || dispatch_unreleased(&d->dispatch) > 0 ||
	    (file && !d->capture_done && !d->stopping && !d->pace_waiting))
		pump_later(d);
	/* Otherwise wait: for the capture descriptor, or the pace timer. */
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	d->ticks++;
	plugins_tick(&d->host, clock_wall_s());
	flowstage_tick(&d->flows, (uint64_t)(clock_wall_s() * 1e9));
	output_flush(&d->out);
	if (d->dumping)
		dump_tick(&d->dump, clock_mono_ns());
	/* A quiet live capture runs no pump rounds: give the GC scheduler its
	 * idle moment here (full collections keep their interval). */
	if (d->capture.live && drained(d))
		gcsched_poll(&d->gc, clock_mono_ns(), true);
	if (ring_pins_live(&d->ring) > 0 && dispatch_unreleased(&d->dispatch) > 0)
		fprintf(stderr, "pktd: the ring is held by %u views kept past their callbacks "
				"(copy with bytes() to keep data); waiting for them to be released\n",
			ring_pins_live(&d->ring));
}

static void stats_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	if (!d->stats_log)
		progress_draw(d, true);
	statsline_write(d, d->stats_log ? d->stats_log : stderr);
}

static void progress_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	if (!d->stopping && !d->capture_done)
		progress_draw(d, false);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct pktd *d = arg;
	if (++d->signals_seen > 1) {
		static const char msg[] = "pktd: second signal, exiting now\n";
		if (write(2, msg, sizeof(msg) - 1) < 0) {
		}
		_exit(128 + (int)sig);
	}
	progress_draw(d, true);
	fprintf(stderr, "pktd: %s: stopping, draining %u queued packets\n", strsignal((int)sig),
		ring_published(&d->ring) > d->dispatch.next ? (unsigned)(ring_published(&d->ring) - d->dispatch.next)
							    : 0u);
	d->stopping = true;
	if (d->live_ev)
		event_del(d->live_ev);
	if (d->threaded && !d->capthread.joined)
		capthread_stop(&d->capthread); /* capture_stop runs once it is joined */
	else
		capture_stop(&d->capture);
	pump_later(d);
}

static void sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	ops_reopen(arg);
}

static void sigusr1_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	struct pktd *d = arg;
	progress_draw(d, true);
	capture_refresh_kstats(&d->capture);
	stats_print_summary(d, stderr);
	fflush(stderr);
}

int loop_init(struct pktd *d)
{
	/* A callback that re-activates itself would otherwise run again in
	 * the same pass over the active queue, and the loop would never poll
	 * for signals or timers: run at most one low-priority callback per
	 * pass. */
	struct event_config *ec = event_config_new();
	/* Paced replay on one thread wakes on the pace timer: to the
	 * microsecond (a timerfd) instead of epoll's whole milliseconds,
	 * which held paced packets back by 1.3 ms on median. Not otherwise:
	 * it costs a timerfd_settime() per pass of the loop. */
	bool paced = d->cfg.speed > 0 || d->cfg.pps > 0;
	if (ec && paced && event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER) < 0) {
		event_config_free(ec);
		return -1;
	}
	if (!ec || event_config_set_max_dispatch_interval(ec, NULL, 1, 1) < 0) {
		if (ec)
			event_config_free(ec);
		return -1;
	}
	d->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (!d->base || event_base_priority_init(d->base, 2) < 0)
		return -1;
	d->pump = event_new(d->base, -1, 0, pump_cb, d);
	d->tick = event_new(d->base, -1, EV_PERSIST, tick_cb, d);
	d->sig_int = evsignal_new(d->base, SIGINT, signal_cb, d);
	d->sig_term = evsignal_new(d->base, SIGTERM, signal_cb, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, sighup_cb, d);
	d->sig_usr1 = evsignal_new(d->base, SIGUSR1, sigusr1_cb, d);
	d->pace_timer = evtimer_new(d->base, pace_cb, d);
	d->stats_timer = event_new(d->base, -1, EV_PERSIST, stats_cb, d);
	d->progress_timer = event_new(d->base, -1, EV_PERSIST, progress_cb, d);
	if (!d->pump || !d->tick || !d->sig_int || !d->sig_term || !d->sig_hup || !d->sig_usr1 || !d->pace_timer ||
	    !d->stats_timer || !d->progress_timer)
		return -1;
	if (d->live) {
		d->live_ev = event_new(d->base, live_fd(d->live), EV_READ | EV_PERSIST, live_cb, d);
		if (!d->live_ev)
			return -1;
		event_priority_set(d->live_ev, 0);
	}
	/* Timers, signals and the capture descriptor (priority 0) run before
	 * the next pump round. */
	event_priority_set(d->pump, 1);
	return 0;
}

static unsigned usable_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* A pager thread maps a mapped file ahead of the reader (about 100 us a
 * call) and unmaps it behind, when a CPU is spare: with one thread, and
 * with paced replay, where a reader's call would hold up packets already
 * due. An unpaced capture thread has time to map ahead itself (and leaves
 * the unmapping to close). Set before the capture thread opens its first
 * input. */
static void choose_pager(struct pktd *d, bool threaded)
{
	source_set_pager(usable_cpus() >= 2 && (!threaded || pace_on(&d->capture.pace)));
}

/* --threads: a capture thread for file replay, unless -w (its rotation
 * and SIGHUP reopen run on the loop) or one CPU. By default only when the
 * loop has work of its own (plugins, flows): without, it only releases
 * slots, and the hand-over between cores would cost more than it hides. */
static int start_capture_thread(struct pktd *d)
{
	choose_pager(d, false);
	bool possible = !d->live && !d->dumping;
	bool loop_work = d->host.n > 0 || d->flows.on;
	unsigned want = d->cfg.threads ? d->cfg.threads : (loop_work && usable_cpus() >= 2 ? 2 : 1);
	if (want < 2)
		return 0;
	if (!possible) {
		if (d->cfg.threads == 2)
			fprintf(stderr, "pktd: --threads 2 applies to file replay without -w; running on one thread\n");
		return 0;
	}
	choose_pager(d, true);
	if (capthread_start(&d->capthread, &d->capture, d->cfg.batch) < 0) {
		fprintf(stderr, "pktd: cannot start the capture thread (%s); running on one thread\n", strerror(errno));
		choose_pager(d, false);
		return 0;
	}
	d->wake_ev = event_new(d->base, capthread_wake_fd(&d->capthread), EV_READ | EV_PERSIST, wake_cb, d);
	if (!d->wake_ev || event_priority_set(d->wake_ev, 0) < 0 || event_add(d->wake_ev, NULL) < 0) {
		capthread_stop(&d->capthread);
		capthread_join(&d->capthread);
		return -1;
	}
	d->threaded = true;
	return 0;
}

int loop_run(struct pktd *d)
{
	struct timeval one_second = { 1, 0 };
	if (event_add(d->tick, &one_second) < 0 || event_add(d->sig_int, NULL) < 0 ||
	    event_add(d->sig_term, NULL) < 0 || event_add(d->sig_hup, NULL) < 0 || event_add(d->sig_usr1, NULL) < 0)
		return -1;
	if (d->live_ev && event_add(d->live_ev, NULL) < 0)
		return -1;
	if (d->cfg.stats_interval > 0) {
		double s = d->cfg.stats_interval;
		struct timeval tv = { (time_t)s, (suseconds_t)((s - (double)(time_t)s) * 1e6) };
		if (event_add(d->stats_timer, &tv) < 0)
			return -1;
	}
	if (d->progress_on) {
		struct timeval quarter = { 0, 250000 };
		if (event_add(d->progress_timer, &quarter) < 0)
			return -1;
	}
	if (start_capture_thread(d) < 0)
		return -1;
	pump_later(d);
	int rc = event_base_dispatch(d->base);
	/* The loop failed or was left early: the thread ends before the
	 * capture is closed. */
	capthread_stop(&d->capthread);
	capthread_join(&d->capthread);
	progress_draw(d, true);
	return rc < 0 ? -1 : 0;
}

void loop_free(struct pktd *d)
{
	struct event **evs[] = { &d->pump,	 &d->tick,	 &d->sig_int,	     &d->sig_term,
				 &d->sig_hup,	 &d->sig_usr1,	 &d->pace_timer,     &d->stats_timer,
				 &d->progress_timer, &d->live_ev, &d->wake_ev };
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (*evs[i]) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	capthread_free(&d->capthread);
	if (d->base) {
		event_base_free(d->base);
		d->base = NULL;
	}
}
