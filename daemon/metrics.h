/* metrics.h: --metrics [ADDR:]PORT, an HTTP endpoint on the event loop.
 *
 * evhttp on pktd's own event base: GET /metrics answers in the Prometheus
 * text format (metrics_write), GET /stats with the --stats-json document.
 * A request is served between two pump rounds, from counters only (plus
 * one pcap_stats call for a live capture), so a scrape costs the capture
 * path a few microseconds and never blocks it. */
#ifndef PKTD_METRICS_H
#define PKTD_METRICS_H

#include <event2/event.h>
#include <stdio.h>

struct pktd;
struct metrics;

/* Bind and listen ("9100" means 127.0.0.1:9100; "[::1]:9100", "0.0.0.0:9100").
 * NULL with a message in err. */
struct metrics *metrics_start(struct event_base *base, const char *spec, struct pktd *d, char *err, size_t errlen);
/* The address actually bound, e.g. "127.0.0.1:9100". */
const char *metrics_address(const struct metrics *m);
void metrics_stop(struct metrics *m);

/* Every pktd metric, in the Prometheus text format. */
void metrics_write(const struct pktd *d, FILE *f);

#endif
