/* options.c: the option table and the command-line parser.
 *
 * One table describes every option (name, kind, bounds, help), as in
 * Redis's config.c, so the config file (a later issue) can share it. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_kind {
	OPT_LIST, OPT_STR, OPT_U32, OPT_SIZE, OPT_DOUBLE, OPT_GC, OPT_FLAG, OPT_HELP, OPT_VERSION,
	OPT_OVERFLOW, OPT_CONFIG,
};

struct opt {
	const char *name;
	char short_name;
	enum opt_kind kind;
	size_t offset;       /* into struct config */
	size_t count_offset; /* OPT_LIST: where the count lives */
	unsigned list_max;
	double min, max;
	const char *arg, *help;
};

#define OFF(f) offsetof(struct config, f)
static const struct opt options[] = {
	{ "read", 'r', OPT_LIST, OFF(inputs), OFF(ninputs), PKTD_MAX_INPUTS, 0, 0, "FILE",
	  "read a pcap or pcapng file ('-' = stdin); repeat for several, read in order" },
	{ "plugin", 'p', OPT_LIST, OFF(plugins), OFF(nplugins), PKTD_MAX_PLUGINS, 0, 0, "FILE.py",
	  "load a Python plugin; repeat for several" },
	{ "output", 'o', OPT_STR, OFF(output), 0, 0, 0, 0, "FILE", "write emitted JSON lines here (default stdout)" },
	{ "stats-json", 0, OPT_STR, OFF(stats_json), 0, 0, 0, 0, "FILE", "write final statistics as JSON" },
	{ "ring-packets", 0, OPT_U32, OFF(ring_packets), 0, 0, 16, 1 << 24, "N", "ring slots (default 16384; 4096 for file replay at full speed)" },
	{ "ring-bytes", 0, OPT_SIZE, OFF(ring_bytes), 0, 0, 65536, 1ull << 36, "BYTES",
	  "frame arena size, suffix k/m/g allowed (default 16m; 4m for file replay at full speed)" },
	{ "snaplen", 's', OPT_U32, OFF(snaplen), 0, 0, 64, 262144, "N", "bytes kept per packet (default 262144)" },
	{ "batch", 0, OPT_U32, OFF(batch), 0, 0, 1, 4096, "N", "packets per dispatch round (default 256)" },
	{ "threads", 0, OPT_U32, OFF(threads), 0, 0, 1, 2, "N",
	  "1: everything on one thread; 2: file reading and decoding on a second thread "
	  "(default 2 for file replay with plugins or --flows, without -w, on 2+ CPUs)" },
	{ "gc", 0, OPT_GC, OFF(gc_mode), 0, 0, 0, 0, "MODE", "scheduled (default), default, or off (dangerous)" },
	{ "gc-full-interval", 0, OPT_DOUBLE, OFF(gc_full_interval), 0, 0, 0.001, 86400, "SECONDS",
	  "seconds between full collections (default 60)" },
	{ "gc-maintenance-interval", 0, OPT_DOUBLE, OFF(gc_maintenance_interval), 0, 0, 0.001, 86400 * 30, "SECONDS",
	  "reclaim cycles among frozen objects at the first idle moment after this (default 600)" },
	{ "gc-heap-reserve", 0, OPT_SIZE, OFF(gc_heap_reserve), 0, 0, 0, 1ull << 40, "BYTES",
	  "--gc=scheduled: memory kept faulted in for Python's big blocks, suffix k/m/g; 0 = off (default 128m)" },
	{ "gc-pause-budget", 0, OPT_DOUBLE, OFF(gc_pause_budget), 0, 0, 0.00005, 1, "SECONDS",
	  "--gc=scheduled: keep young and middle collections within this pause (default 0.001)" },
	{ "gc-young-interval", 0, OPT_DOUBLE, OFF(gc_young_interval), 0, 0, 0.0001, 60, "SECONDS",
	  "dispatch time between young collections (default 0.01)" },
	{ "max-plugin-errors", 0, OPT_U32, OFF(max_plugin_errors), 0, 0, 1, 1u << 31, "N",
	  "disable a plugin after N consecutive exceptions (default 100)" },
	{ "frag-memory", 0, OPT_SIZE, OFF(frag_memory), 0, 0, 0, 1ull << 34, "BYTES",
	  "IP fragment reassembly memory, suffix k/m/g; 0 = off (default 16m)" },
	{ "frag-timeout", 0, OPT_DOUBLE, OFF(frag_timeout), 0, 0, 0.001, 86400, "SECONDS",
	  "packet-time seconds a datagram waits for its fragments (default 30)" },
	{ "frag-datagrams", 0, OPT_U32, OFF(frag_datagrams), 0, 0, 1, 1 << 20, "N",
	  "datagrams reassembled at once (default 1024)" },
	{ "flows", 0, OPT_STR, OFF(flows), 0, 0, 0, 0, "FILE",
	  "write one JSON line per ended flow (conn.log-like); SIGHUP reopens it" },
	{ "flow-table-size", 0, OPT_U32, OFF(flow_table_size), 0, 0, 1, 1 << 28, "N",
	  "flows tracked at once; a full table evicts the flow nearest its timeout (default 65536)" },
	{ "flow-memory", 0, OPT_SIZE, OFF(flow_memory), 0, 0, 0, 1ull << 36, "BYTES",
	  "TCP reassembly pool for out-of-order segments, suffix k/m/g (default 64m)" },
	{ "flow-tcp-timeout", 0, OPT_DOUBLE, OFF(flow_tcp_timeout), 0, 0, 0.001, 86400 * 30, "SECONDS",
	  "packet-time idle timeout of an established TCP flow (default 300)" },
	{ "flow-udp-timeout", 0, OPT_DOUBLE, OFF(flow_udp_timeout), 0, 0, 0.001, 86400 * 30, "SECONDS",
	  "packet-time idle timeout of a UDP flow (default 60)" },
	{ "flow-active-timeout", 0, OPT_DOUBLE, OFF(flow_active_timeout), 0, 0, 0, 86400 * 30, "SECONDS",
	  "split a longer flow's record (the flow goes on); 0 = never (default 1800)" },
	{ "interface", 'i', OPT_STR, OFF(interface), 0, 0, 0, 0, "IFACE",
	  "capture live on IFACE ('any' for all); not with -r" },
	{ "filter", 'f', OPT_STR, OFF(kernel_filter), 0, 0, 0, 0, "EXPR", "kernel capture filter (pcap syntax), live only" },
	{ "no-promisc", 0, OPT_FLAG, OFF(no_promisc), 0, 0, 0, 0, NULL, "do not put the interface in promiscuous mode" },
	{ "buffer-size", 0, OPT_U32, OFF(buffer_mb), 0, 0, 1, 2047, "MB", "kernel capture buffer (default 32)" },
	{ "immediate", 0, OPT_FLAG, OFF(immediate), 0, 0, 0, 0, NULL,
	  "pcap immediate mode: each packet at once (lower latency, lower peak rate)" },
	{ "list-interfaces", 'D', OPT_FLAG, OFF(list_interfaces), 0, 0, 0, 0, NULL, "list capture interfaces and exit" },
	{ "overflow", 0, OPT_OVERFLOW, OFF(overflow), 0, 0, 0, 0, "POLICY",
	  "full ring: drop (newest packet, counted; live default) or block (file default)" },
	{ "write", 'w', OPT_STR, OFF(write_path), 0, 0, 0, 0, "FILE.pcap", "write the captured packets to a pcap file" },
	{ "rotate-size", 0, OPT_SIZE, OFF(rotate_size), 0, 0, 4096, 1ull << 50, "BYTES",
	  "start the next -w file after BYTES (suffix k/m/g)" },
	{ "rotate-seconds", 0, OPT_DOUBLE, OFF(rotate_seconds), 0, 0, 1, 86400 * 366, "SECONDS",
	  "start the next -w file every SECONDS" },
	{ "user", 'Z', OPT_STR, OFF(user), 0, 0, 0, 0, "USER",
	  "drop root privileges to USER after opening the capture and files, before plugins load" },
	{ "stats-interval", 0, OPT_DOUBLE, OFF(stats_interval), 0, 0, 0.05, 86400, "SECONDS",
	  "write a JSON stats line every SECONDS (stderr or --stats-log)" },
	{ "stats-log", 0, OPT_STR, OFF(stats_log), 0, 0, 0, 0, "FILE", "append the periodic stats lines here" },
	{ "metrics", 0, OPT_STR, OFF(metrics), 0, 0, 0, 0, "[ADDR:]PORT",
	  "serve /metrics (Prometheus) and /stats (JSON) over HTTP; ADDR defaults to 127.0.0.1" },
	{ "speed", 0, OPT_DOUBLE, OFF(speed), 0, 0, 0.0001, 1e6, "X", "replay files at X times their own timing" },
	{ "pps", 0, OPT_DOUBLE, OFF(pps), 0, 0, 0.001, 1e9, "N", "replay files at N packets per second" },
	{ "loop", 0, OPT_U32, OFF(loop), 0, 0, 0, 1u << 31, "N", "read the inputs N times (0: until stopped; default 1)" },
	{ "config", 0, OPT_CONFIG, OFF(config_file), 0, 0, 0, 0, "FILE",
	  "read 'option = value' lines first; command-line flags override them" },
	{ "quiet", 'q', OPT_FLAG, OFF(quiet), 0, 0, 0, 0, NULL, "no summary or progress line on stderr" },
	{ "no-mmap", 0, OPT_FLAG, OFF(no_mmap), 0, 0, 0, 0, NULL,
	  "read pcap files through libpcap and the ring arena instead of in place from a mapping" },
	{ "help", 'h', OPT_HELP, 0, 0, 0, 0, 0, NULL, "this help" },
	{ "version", 'V', OPT_VERSION, 0, 0, 0, 0, 0, NULL, "print the version" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	/* ring_packets, ring_bytes: 0 until the mode is known (ring_defaults). */
	c->snaplen = 262144;
	c->batch = 256;
	c->gc_mode = GC_SCHEDULED;
	c->gc_full_interval = 60;
	c->gc_young_interval = 0.01;
	c->gc_maintenance_interval = 600;
	c->gc_young_min = 100;
	c->gc_pause_budget = 0.001;
	c->gc_heap_reserve = 128u << 20;
	c->max_plugin_errors = 100;
	c->buffer_mb = 32;
	c->loop = 1;
	c->frag_memory = 16ull << 20;
	c->frag_datagrams = 1024;
	c->frag_timeout = 30;
	c->flow_table_size = 65536;
	c->flow_memory = 64ull << 20;
	c->flow_tcp_timeout = 300;
	c->flow_udp_timeout = 60;
	c->flow_active_timeout = 1800;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pktd -r FILE [-r FILE ...] [-p plugin.py ...] [-o out.jsonl] [options]\n"
		   "       pktd -i IFACE [-f 'filter'] [-p plugin.py ...] [-o out.jsonl] [options]\n\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct opt *o = &options[i];
		char left[64];
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-30s %s\n", left, o->help);
	}
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* Apply one option's value; shared by the command line and (later) the
 * config file. */
static int opt_apply(struct config *c, const struct opt *o, const char *val)
{
	char *base = (char *)c;
	switch (o->kind) {
	case OPT_LIST: {
		unsigned *n = (unsigned *)(base + o->count_offset);
		if (*n >= o->list_max) {
			fprintf(stderr, "pktd: too many --%s (at most %u)\n", o->name, o->list_max);
			return -1;
		}
		((const char **)(base + o->offset))[(*n)++] = val;
		return 0;
	}
	case OPT_STR:
		*(const char **)(base + o->offset) = val;
		return 0;
	case OPT_U32:
	case OPT_SIZE: {
		uint64_t v;
		if (parse_size(val, &v) < 0 || (double)v < o->min || (double)v > o->max) {
			fprintf(stderr, "pktd: --%s: '%s' is not a number in [%.0f, %.0f]\n", o->name, val, o->min,
				o->max);
			return -1;
		}
		if (o->kind == OPT_U32)
			*(uint32_t *)(base + o->offset) = (uint32_t)v;
		else
			*(uint64_t *)(base + o->offset) = v;
		return 0;
	}
	case OPT_DOUBLE: {
		char *end;
		double v = strtod(val, &end);
		if (end == val || *end || v < o->min || v > o->max) {
			fprintf(stderr, "pktd: --%s: '%s' is not a number in [%g, %g]\n", o->name, val, o->min, o->max);
			return -1;
		}
		*(double *)(base + o->offset) = v;
		return 0;
	}
	case OPT_GC: {
		enum gc_mode *m = (enum gc_mode *)(base + o->offset);
		if (strcmp(val, "scheduled") == 0)
			*m = GC_SCHEDULED;
		else if (strcmp(val, "default") == 0)
			*m = GC_DEFAULT;
		else if (strcmp(val, "off") == 0)
			*m = GC_OFF;
		else {
			fprintf(stderr, "pktd: --gc: '%s' is not one of scheduled, default, off\n", val);
			return -1;
		}
		return 0;
	}
	case OPT_FLAG: {
		/* No value on the command line; the config file may say. */
		bool v = !val || strcmp(val, "true") == 0 || strcmp(val, "yes") == 0 || strcmp(val, "on") == 0 ||
			 strcmp(val, "1") == 0;
		if (val && !v && strcmp(val, "false") && strcmp(val, "no") && strcmp(val, "off") && strcmp(val, "0")) {
			fprintf(stderr, "pktd: %s: '%s' is not true or false\n", o->name, val);
			return -1;
		}
		*(bool *)(base + o->offset) = v;
		return 0;
	}
	case OPT_OVERFLOW: {
		enum overflow_policy *m = (enum overflow_policy *)(base + o->offset);
		if (strcmp(val, "drop") == 0)
			*m = OVERFLOW_DROP;
		else if (strcmp(val, "block") == 0)
			*m = OVERFLOW_BLOCK;
		else {
			fprintf(stderr, "pktd: --overflow: '%s' is not drop or block\n", val);
			return -1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static const struct opt *opt_by_name(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

/* A list option given on the command line replaces the config file's values. */
static void list_take_over(struct config *c, const struct opt *o, bool from_file)
{
	uint64_t bit = 1ull << (unsigned)(o - options);
	if (o->kind != OPT_LIST)
		return;
	if (from_file) {
		c->file_lists |= bit;
	} else if (c->file_lists & bit) {
		c->file_lists &= ~bit;
		*(unsigned *)((char *)c + o->count_offset) = 0;
	}
}

int config_apply(struct config *c, const char *name, const char *value, bool from_file, char *err, size_t errlen)
{
	const struct opt *o = opt_by_name(name);
	if (!o || o->kind == OPT_HELP || o->kind == OPT_VERSION || o->kind == OPT_CONFIG) {
		snprintf(err, errlen, "'%s' is not an option that can be set here", name);
		return -1;
	}
	if (!value && o->kind != OPT_FLAG) {
		snprintf(err, errlen, "'%s' needs a value", name);
		return -1;
	}
	list_take_over(c, o, from_file);
	if (opt_apply(c, o, value) < 0) {
		snprintf(err, errlen, "bad value for '%s'", name);
		return -1;
	}
	return 0;
}

/* The ring's size where none was given. A file replayed at full speed
 * waits for room instead of dropping, so a deep ring buys it nothing: a
 * small one stays in cache and is faulted in sooner (counting job end to
 * end 370 -> 355 ms, dns.py 615 -> 522 ms; 1024 slots was slower again).
 * Live capture, paced replay and --overflow drop keep room for a slow
 * plugin: 16384 slots are 80 ms at 200k packets/s. */
static void ring_defaults(struct config *c)
{
	bool unpaced_file = !c->interface && !(c->speed > 0) && !(c->pps > 0) && c->overflow != OVERFLOW_DROP;
	if (!c->ring_packets)
		c->ring_packets = unpaced_file ? 4096 : 16384;
	if (!c->ring_bytes)
		c->ring_bytes = unpaced_file ? 4ull << 20 : 16ull << 20;
}

/* Checks that need every option: live and file inputs, replay timing. */
static int check_modes(struct config *c)
{
	const char *why = NULL;
	if (c->list_interfaces)
		return 0;
	if (c->interface && c->ninputs)
		why = "-i (live capture) and -r (files) cannot be mixed: run one pktd per source";
	else if (!c->interface && c->ninputs == 0)
		why = "nothing to read: give -r FILE (or -r - for stdin), or -i IFACE to capture live";
	else if (c->interface && (c->speed > 0 || c->pps > 0 || c->loop != 1))
		why = "--speed, --pps and --loop are for file replay (-r), not live capture";
	else if (!c->interface && c->kernel_filter)
		why = "-f is the kernel filter of a live capture (-i); plugins filter files with FILTER";
	else if (c->speed > 0 && c->pps > 0)
		why = "give --speed or --pps, not both";
	else if ((c->rotate_size || c->rotate_seconds > 0) && !c->write_path)
		why = "--rotate-size and --rotate-seconds need -w FILE";
	else if (c->stats_log && !(c->stats_interval > 0))
		why = "--stats-log needs --stats-interval";
	if (!why && c->loop != 1)
		for (unsigned i = 0; i < c->ninputs; i++)
			if (strcmp(c->inputs[i], "-") == 0)
				why = "stdin (-r -) cannot be read more than once (--loop)";
	if (why) {
		fprintf(stderr, "pktd: %s\n", why);
		if (!c->interface && c->ninputs == 0)
			usage(stderr);
		else
			fprintf(stderr, "pktd: see pktd --help\n");
		return -1;
	}
	if (c->overflow == OVERFLOW_DEFAULT)
		c->overflow = c->interface ? OVERFLOW_DROP : OVERFLOW_BLOCK;
	return 0;
}

/* --config FILE (or --config=FILE) anywhere on the command line is read
 * before the other flags, so that they override it. */
static int read_config_first(struct config *c, int argc, char **argv)
{
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
	}
	if (!path)
		return 0;
	char err[1024];
	if (config_read_file(c, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "pktd: %s\n", err);
		return -1;
	}
	c->config_file = path;
	return 0;
}

int config_parse_args(struct config *c, int argc, char **argv)
{
	if (read_config_first(c, argc, argv) < 0)
		return -1;
	struct option longopts[NOPTIONS + 1];
	char shortopts[NOPTIONS * 2 + 2];
	size_t ns = 0;
	shortopts[ns++] = ':';
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct opt *o = &options[i];
		int has_arg = (o->kind == OPT_FLAG || o->kind == OPT_HELP || o->kind == OPT_VERSION) ? no_argument
												     : required_argument;
		longopts[i] = (struct option){ o->name, has_arg, NULL, o->short_name ? o->short_name : 1000 + (int)i };
		if (o->short_name) {
			shortopts[ns++] = o->short_name;
			if (has_arg == required_argument)
				shortopts[ns++] = ':';
		}
	}
	longopts[NOPTIONS] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[ns] = 0;

	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			fprintf(stderr, "pktd: %s '%s'\n", ch == ':' ? "missing value for" : "unknown option",
				argv[optind - 1]);
			usage(stderr);
			return -1;
		}
		const struct opt *o = NULL;
		for (size_t i = 0; i < NOPTIONS; i++)
			if ((options[i].short_name && ch == options[i].short_name) || ch == 1000 + (int)i)
				o = &options[i];
		if (!o)
			return -1;
		if (o->kind == OPT_HELP) {
			usage(stdout);
			return 1;
		}
		if (o->kind == OPT_VERSION) {
			printf("pktd %s\n", PKTD_VERSION);
			return 1;
		}
		if (o->kind == OPT_CONFIG)
			continue; /* read before the loop */
		list_take_over(c, o, false);
		if (opt_apply(c, o, optarg) < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "pktd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (check_modes(c) < 0)
		return -1;
	ring_defaults(c);
	if (c->ring_bytes < 2ull * (c->snaplen + 64)) {
		fprintf(stderr, "pktd: --ring-bytes (%llu) must hold at least two packets of --snaplen %u\n",
			(unsigned long long)c->ring_bytes, c->snaplen);
		return -1;
	}
	if (c->batch > c->ring_packets)
		c->batch = c->ring_packets;
	return 0;
}
