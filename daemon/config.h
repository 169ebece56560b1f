/* config.h: run-time options, filled from the command line by options.c. */
#ifndef PKTD_CONFIG_H
#define PKTD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define PKTD_MAX_INPUTS 256
#define PKTD_MAX_PLUGINS 64 /* one bit each in a ring slot's plugin mask */

enum gc_mode { GC_SCHEDULED, GC_DEFAULT, GC_OFF };

struct config {
	const char *inputs[PKTD_MAX_INPUTS];
	unsigned ninputs;
	const char *plugins[PKTD_MAX_PLUGINS];
	unsigned nplugins;
	const char *output;     /* -o; NULL = stdout */
	const char *stats_json; /* --stats-json */
	uint32_t ring_packets;
	uint64_t ring_bytes;
	uint32_t snaplen;
	uint32_t batch; /* packets handed to Python per dispatch round */
	enum gc_mode gc_mode;
	double gc_full_interval;  /* seconds between full collections */
	double gc_young_interval; /* seconds of dispatch between young ones */
	double gc_maintenance_interval; /* seconds between unfreeze + full collections */
	uint32_t gc_young_min;    /* skip a young collection below this many objects */
	uint32_t max_plugin_errors;
	uint64_t frag_memory;    /* reassembly pool bytes; 0 = off */
	uint32_t frag_datagrams; /* datagrams reassembled at once */
	double frag_timeout;     /* packet-time seconds */
	bool quiet;
};

void config_defaults(struct config *c);

/* Parse argv into c. Returns 0 to run, 1 when --help/--version printed
 * (exit 0), -1 on a usage error (message printed; exit 2). */
int config_parse_args(struct config *c, int argc, char **argv);

#endif
