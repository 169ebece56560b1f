/* loop.c: the libevent loop driving capture, dispatch, timers and signals.
 *
 * One "pump" event does a round: read up to a batch into the ring, then
 * dispatch what the ring holds; it re-activates itself at low priority
 * while work remains, so timers (on_tick, GC budget) and signals still run
 * between rounds. Signals are libevent events: the first SIGINT/SIGTERM
 * stops reading, the ring is drained through the plugins, and the loop
 * exits normally (teardown, flush, stats); a second one exits at once. */
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "pktd.h"

static void finish_if_done(struct pktd *d)
{
	if ((d->capture_done || d->stopping) && ring_published(&d->ring) == d->dispatch.next &&
	    dispatch_unreleased(&d->dispatch) == 0)
		event_base_loopexit(d->base, NULL);
	else
		event_active(d->pump, EV_READ, 0);
}

static void pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	if (!d->capture_done && !d->stopping) {
		if (capture_fill(&d->capture, d->cfg.batch) == CAPTURE_DONE)
			d->capture_done = true;
	}
	uint32_t n = dispatch_run(&d->dispatch, d->cfg.batch);
	bool idle = ring_published(&d->ring) == d->dispatch.next;
	if (n == 0)
		d->idle_rounds++;
	gcsched_poll(&d->gc, clock_mono_ns(), idle);
	if (!idle && n == 0 && dispatch_unreleased(&d->dispatch) > 0) {
		/* Views kept by a plugin hold the arena: a collection may free
		 * them. */
		gcsched_collect(&d->gc, 2);
	}
	finish_if_done(d);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pktd *d = arg;
	d->ticks++;
	plugins_tick(&d->host, clock_wall_s());
	output_flush(&d->out);
	if (ring_pins_live(&d->ring) > 0 && dispatch_unreleased(&d->dispatch) > 0)
		fprintf(stderr, "pktd: the ring is held by %u views kept past their callbacks "
				"(copy with bytes() to keep data); waiting for them to be released\n",
			ring_pins_live(&d->ring));
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
	fprintf(stderr, "pktd: %s: stopping, draining %u queued packets\n", strsignal((int)sig),
		ring_published(&d->ring) > d->dispatch.next ? (unsigned)(ring_published(&d->ring) - d->dispatch.next)
							    : 0u);
	d->stopping = true;
	capture_stop(&d->capture);
	event_active(d->pump, EV_READ, 0);
}

int loop_run(struct pktd *d)
{
	/* A callback that re-activates itself would otherwise run again in
	 * the same pass over the active queue, and the loop would never poll
	 * for signals or timers: run at most one low-priority callback per
	 * pass. */
	struct event_config *ec = event_config_new();
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
	if (!d->pump || !d->tick || !d->sig_int || !d->sig_term)
		return -1;
	/* Timers and signals (priority 0) run before the next pump round. */
	event_priority_set(d->pump, 1);
	struct timeval one_second = { 1, 0 };
	if (event_add(d->tick, &one_second) < 0 || event_add(d->sig_int, NULL) < 0 || event_add(d->sig_term, NULL) < 0)
		return -1;
	event_active(d->pump, EV_READ, 0);
	int rc = event_base_dispatch(d->base);
	event_free(d->pump);
	event_free(d->tick);
	event_free(d->sig_int);
	event_free(d->sig_term);
	event_base_free(d->base);
	d->base = NULL;
	return rc < 0 ? -1 : 0;
}
