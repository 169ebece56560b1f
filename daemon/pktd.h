/* pktd.h: the daemon's top-level state, shared by main, loop and stats. */
#ifndef PKTD_PKTD_H
#define PKTD_PKTD_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "capthread.h"
#include "capture.h"
#include "config.h"
#include "dispatch.h"
#include "dump.h"
#include "flowstage.h"
#include "gcsched.h"
#include "output.h"
#include "plugin.h"
#include "ring.h"

struct pktd {
	struct config cfg;
	struct ring ring;
	struct plugin_host host;
	struct capture capture;
	struct dispatcher dispatch;
	struct gcsched gc;
	struct output out;
	struct flowstage flows; /* --flows, flow hooks, TCP streams */

	struct event_base *base;
	struct event *pump, *tick, *sig_int, *sig_term;
	bool stopping;     /* a signal asked us to stop reading */
	int signals_seen;
	bool capture_done;
	/* --threads 2: file capture and decode run on their own thread. */
	bool threaded;
	struct capthread capthread;
	struct event *wake_ev; /* the capture thread published or ended */
	uint64_t started_ns, finished_ns;
	bool python; /* the interpreter was started (there are plugins) */
	int64_t py_blocks_start, py_blocks_end;
	uint64_t idle_rounds;
	uint64_t ticks;

	/* Live capture and operation as a daemon (ops.c). */
	struct live_source *live; /* -i */
	struct dump dump;         /* -w */
	bool dumping;
	FILE *stats_log;          /* --stats-log; NULL: the lines go to stderr */
	FILE *stats_json_fp;      /* --stats-json opened early (-Z) */
	struct metrics *metrics;  /* --metrics */
	struct event *live_ev, *pace_timer, *stats_timer, *progress_timer, *sig_hup, *sig_usr1;
	bool live_paused;         /* --overflow=block: not reading while the ring is full */
	bool pace_waiting;        /* paced replay: the next packet is not due yet */
	bool progress_on, progress_drawn;
	struct stats_line_state *line_state; /* --stats-interval: the previous line's counters */
};

/* Create the event base and the events (before privileges are dropped, so
 * that --metrics can bind a low port); loop_run runs it. */
int loop_init(struct pktd *d);
void loop_free(struct pktd *d);

/* Run the loop until every input is read and dispatched, or a signal. */
int loop_run(struct pktd *d);

/* Final statistics: one screen on stderr, and JSON to a file. */
void stats_print_summary(const struct pktd *d, FILE *f);
int stats_write_json(const struct pktd *d, const char *path);
/* The --stats-json document, to any stream (also served as /stats). */
void stats_json_write(const struct pktd *d, FILE *f);

#endif
