/* prom.h: a writer for the Prometheus text exposition format (version 0.0.4).
 *
 * A metric family is announced once with prom_family() (# HELP and # TYPE
 * lines), then its samples follow, all together, as the format requires.
 * Label values are escaped (backslash, double quote, newline); HELP text
 * too (backslash, newline). Histograms come from daemon/hist.h: one `le`
 * bucket per power of two of nanoseconds from about 1 us to 17 s (the
 * upper bound of hist.h's last sub-bucket in each octave, so every
 * cumulative count is exact), then +Inf, _sum and _count, in seconds. */
#ifndef PKTD_PROM_H
#define PKTD_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

#define PROM_HIST_FIRST_OCTAVE 9 /* 2^10 - 1 ns */
#define PROM_HIST_LAST_OCTAVE 33 /* 2^34 - 1 ns */

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* One sample; labels is "" or a list built with prom_label ("k=\"v\",..."). */
void prom_u64(FILE *f, const char *name, const char *labels, uint64_t v);
void prom_double(FILE *f, const char *name, const char *labels, double v);
/* Append key="value" (escaped) to buf, comma-separated. Returns buf. */
char *prom_label(char *buf, size_t len, const char *key, const char *value);
/* A histogram of nanosecond values, exported in seconds. */
void prom_histogram(FILE *f, const char *name, const char *labels, const struct hist *h);
/* The hist.h bucket index whose upper bound is bucket k of the export. */
unsigned prom_hist_bucket(unsigned k);
#define PROM_HIST_NBOUNDS (PROM_HIST_LAST_OCTAVE - PROM_HIST_FIRST_OCTAVE + 1)

#endif
