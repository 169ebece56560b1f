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

enum opt_kind { OPT_LIST, OPT_STR, OPT_U32, OPT_SIZE, OPT_DOUBLE, OPT_GC, OPT_FLAG, OPT_HELP, OPT_VERSION };

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
	{ "ring-packets", 0, OPT_U32, OFF(ring_packets), 0, 0, 16, 1 << 24, "N", "ring slots (default 16384)" },
	{ "ring-bytes", 0, OPT_SIZE, OFF(ring_bytes), 0, 0, 65536, 1ull << 36, "BYTES",
	  "frame arena size, suffix k/m/g allowed (default 16m)" },
	{ "snaplen", 's', OPT_U32, OFF(snaplen), 0, 0, 64, 262144, "N", "bytes kept per packet (default 262144)" },
	{ "batch", 0, OPT_U32, OFF(batch), 0, 0, 1, 4096, "N", "packets per dispatch round (default 256)" },
	{ "gc", 0, OPT_GC, OFF(gc_mode), 0, 0, 0, 0, "MODE", "scheduled (default), default, or off (dangerous)" },
	{ "gc-full-interval", 0, OPT_DOUBLE, OFF(gc_full_interval), 0, 0, 0.001, 86400, "SECONDS",
	  "seconds between full collections (default 60)" },
	{ "gc-maintenance-interval", 0, OPT_DOUBLE, OFF(gc_maintenance_interval), 0, 0, 0.001, 86400 * 30, "SECONDS",
	  "reclaim cycles among frozen objects at the first idle moment after this (default 600)" },
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
	{ "quiet", 'q', OPT_FLAG, OFF(quiet), 0, 0, 0, 0, NULL, "no summary on stderr" },
	{ "help", 'h', OPT_HELP, 0, 0, 0, 0, 0, NULL, "this help" },
	{ "version", 'V', OPT_VERSION, 0, 0, 0, 0, 0, NULL, "print the version" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->ring_packets = 16384;
	c->ring_bytes = 16ull << 20;
	c->snaplen = 262144;
	c->batch = 256;
	c->gc_mode = GC_SCHEDULED;
	c->gc_full_interval = 60;
	c->gc_young_interval = 0.01;
	c->gc_maintenance_interval = 600;
	c->gc_young_min = 100;
	c->max_plugin_errors = 100;
	c->frag_memory = 16ull << 20;
	c->frag_datagrams = 1024;
	c->frag_timeout = 30;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pktd -r FILE [-r FILE ...] [-p plugin.py ...] [-o out.jsonl] [options]\n\n");
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
	case OPT_FLAG:
		*(bool *)(base + o->offset) = true;
		return 0;
	default:
		return 0;
	}
}

int config_parse_args(struct config *c, int argc, char **argv)
{
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
		if (opt_apply(c, o, optarg) < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "pktd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (c->ninputs == 0) {
		fprintf(stderr, "pktd: nothing to read: give -r FILE (or -r - for stdin)\n");
		usage(stderr);
		return -1;
	}
	if (c->ring_bytes < 2ull * (c->snaplen + 64)) {
		fprintf(stderr, "pktd: --ring-bytes (%llu) must hold at least two packets of --snaplen %u\n",
			(unsigned long long)c->ring_bytes, c->snaplen);
		return -1;
	}
	if (c->batch > c->ring_packets)
		c->batch = c->ring_packets;
	return 0;
}
