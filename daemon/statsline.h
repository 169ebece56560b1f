/* statsline.h: the periodic stats line (--stats-interval) and the progress line.
 *
 * Every --stats-interval seconds one JSON object on one line, to stderr or
 * --stats-log: totals, rates over the interval, drops by cause (totals and
 * in the interval), ring occupancy, per-plugin work and GC pauses in the
 * interval, dispatch latency percentiles since start, and resident memory
 * (VmRSS and RssAnon). On a terminal, file replay also draws a progress line on
 * stderr a few times a second (packets, packets/s, percent of the input
 * bytes, ETA), overwritten with \r and erased at the end. */
#ifndef PKTD_STATSLINE_H
#define PKTD_STATSLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "account.h"
#include "hist.h"

struct pktd;

struct stats_line_state {
	uint64_t mono_ns;
	struct account a;
	struct hist gc[3];
	/* progress */
	uint64_t prog_ns, prog_packets;
	double prog_rate;
};

struct stats_line_state *statsline_new(const struct pktd *d);
void statsline_write(struct pktd *d, FILE *f);
/* Draw (or with done, erase) the progress line. */
void progress_draw(struct pktd *d, bool done);

#endif
