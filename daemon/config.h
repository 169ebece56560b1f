/* config.h: run-time options, filled from the command line by options.c. */
#ifndef PKTD_CONFIG_H
#define PKTD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKTD_MAX_INPUTS 256
#define PKTD_MAX_PLUGINS 64 /* one bit each in a ring slot's plugin mask */

enum gc_mode { GC_SCHEDULED, GC_DEFAULT, GC_OFF };

/* --overflow: what a full ring does. Default: block for files, drop live. */
enum overflow_policy { OVERFLOW_DEFAULT, OVERFLOW_BLOCK, OVERFLOW_DROP };

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
	double gc_pause_budget;   /* seconds a scheduled young or middle collection aims at */
	uint64_t gc_heap_reserve; /* bigheap's bound on unused faulted-in memory; 0: not installed */
	uint32_t max_plugin_errors;
	uint64_t frag_memory;    /* reassembly pool bytes; 0 = off */
	uint32_t frag_datagrams; /* datagrams reassembled at once */
	double frag_timeout;     /* packet-time seconds */
	const char *flows;        /* --flows: one JSON line per ended flow */
	uint32_t flow_table_size; /* flows held at once */
	uint64_t flow_memory;     /* TCP reassembly pool bytes */
	double flow_tcp_timeout;  /* idle seconds of an established TCP flow */
	double flow_udp_timeout;  /* idle seconds of a UDP flow */
	double flow_active_timeout; /* a record is split after this long; 0 = never */
	uint32_t threads; /* --threads: 1, or 2 = file capture on its own thread; 0 = automatic */
	bool quiet;
	bool no_mmap; /* --no-mmap: classic pcap through libpcap (copied into the arena) */

	/* Live capture (-i) and daemon operation. */
	const char *interface;    /* -i; NULL = file replay */
	const char *kernel_filter; /* -f */
	bool no_promisc;
	bool immediate;
	uint32_t buffer_mb;
	bool list_interfaces;
	enum overflow_policy overflow;
	const char *write_path; /* -w */
	uint64_t rotate_size;
	double rotate_seconds;
	const char *user; /* -Z */
	double stats_interval;
	const char *stats_log;
	const char *metrics; /* ADDR:PORT or PORT */
	double speed;
	double pps;
	uint32_t loop; /* passes over the inputs; 0 = until stopped */
	const char *config_file;
	char *config_text; /* the config file's contents; values point into it */
	uint64_t file_lists; /* bit i: list option i holds values from the config file */
};

void config_defaults(struct config *c);

/* Parse argv into c. Returns 0 to run, 1 when --help/--version printed
 * (exit 0), -1 on a usage error (message printed; exit 2). A --config
 * FILE is read first; flags on the command line override its values
 * (a list option given on the command line replaces the file's list). */
int config_parse_args(struct config *c, int argc, char **argv);

/* Set one option by its long name, as the config file does. 0, or -1
 * with a message in err. from_file: a list option appends; otherwise the
 * first command-line value replaces what the file gave. */
int config_apply(struct config *c, const char *name, const char *value, bool from_file, char *err, size_t errlen);

/* Read `key = value` lines from path (config_file.c). Comments start with
 * #; keys are long option names; list keys may repeat. The text is kept in
 * c->config_text (values point into it). -1 with "FILE:LINE: message". */
int config_read_file(struct config *c, const char *path, char *err, size_t errlen);
/* Free what config_read_file kept. */
void config_free(struct config *c);

#endif
