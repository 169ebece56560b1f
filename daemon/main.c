/* main.c: pktd entry point: options, set-up in order, run, tear down in
 * reverse order, report. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ops.h"
#include "pktd.h"
#include "source.h"
#include "pyhost.h"
#include "pymod.h"

enum { EXIT_INPUT_ERROR = 1, EXIT_SETUP_ERROR = 2 };

int main(int argc, char **argv)
{
	static struct pktd d;
	char err[512];
	config_defaults(&d.cfg);
	int rc = config_parse_args(&d.cfg, argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : EXIT_SETUP_ERROR;
	if (d.cfg.no_mmap)
		source_set_mmap(false);
	signal(SIGPIPE, SIG_IGN);
	if (d.cfg.list_interfaces)
		return ops_list_interfaces();

	if (output_open(&d.out, d.cfg.output, err, sizeof(err)) < 0 ||
	    flowstage_open(&d.flows, &d.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "pktd: %s\n", err);
		return EXIT_SETUP_ERROR;
	}
	if (ring_init(&d.ring, d.cfg.ring_packets, d.cfg.ring_bytes, 1024) < 0) {
		fprintf(stderr, "pktd: cannot allocate the ring (%u slots, %llu bytes): %s\n", d.cfg.ring_packets,
			(unsigned long long)d.cfg.ring_bytes, strerror(errno));
		return EXIT_SETUP_ERROR;
	}
	ring_prefault_start(&d.ring);
	/* Live handle, -w, sockets: everything needing root before -Z drops it,
	 * and before any plugin code is imported. */
	if (ops_open(&d) < 0)
		return EXIT_SETUP_ERROR;
	/* Only plugins run Python code: without one the interpreter (about
	 * 12 ms of start-up) is not started, and the GC scheduler idles. */
	bool python = d.python = d.cfg.nplugins > 0;
	if (python && pyhost_start() < 0)
		return EXIT_SETUP_ERROR;
	pymod_set_output(&d.out);
	if (plugins_load(&d.host, d.cfg.plugins, d.cfg.nplugins, d.cfg.batch, d.cfg.max_plugin_errors,
			 d.cfg.snaplen) < 0 ||
	    (python && plugins_setup(&d.host, d.cfg.output) < 0)) {
		fflush(stdout);
		return EXIT_SETUP_ERROR;
	}
	if (flowstage_init(&d.flows, &d.cfg, &d.host, &d.ring, d.cfg.interface != NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "pktd: %s\n", err);
		return EXIT_SETUP_ERROR;
	}
	gcsched_init(&d.gc, &d.cfg);
	if (python && gcsched_start(&d.gc) < 0) {
		PyErr_Print();
		return EXIT_SETUP_ERROR;
	}
	d.py_blocks_start = python ? _Py_GetAllocatedBlocks() : 0;
	capture_init(&d.capture, d.cfg.inputs, d.cfg.ninputs, d.cfg.snaplen, &d.ring, &d.host);
	if (capture_reasm_init(&d.capture, d.cfg.frag_memory, d.cfg.frag_datagrams, d.cfg.frag_timeout) < 0) {
		fprintf(stderr, "pktd: cannot allocate --frag-memory %llu: %s\n", (unsigned long long)d.cfg.frag_memory,
			strerror(errno));
		return EXIT_SETUP_ERROR;
	}
	dispatch_init(&d.dispatch, &d.ring, &d.host);
	d.ring.stamp = d.host.n > 0; /* dispatch latency, when there is a plugin to wait for */
	d.dispatch.fs = d.flows.on ? &d.flows : NULL;
	if (ops_attach(&d) < 0)
		return EXIT_SETUP_ERROR;

	d.started_ns = clock_mono_ns();
	if (loop_run(&d) < 0) {
		fprintf(stderr, "pktd: event loop failed\n");
		return EXIT_SETUP_ERROR;
	}
	d.finished_ns = clock_mono_ns();
	capture_close(&d.capture);
	/* Every flow ends (records, on_flow_end) before the plugins' teardown. */
	flowstage_finish(&d.flows);

	/* Records first, then whatever plugins print at teardown. */
	output_flush(&d.out);
	if (python) {
		plugins_teardown(&d.host);
		pyhost_flush_stdio();
		gcsched_finish(&d.gc);
		d.py_blocks_end = _Py_GetAllocatedBlocks();
	}
	if (output_flush(&d.out) != 0)
		fprintf(stderr, "pktd: writing output: %s\n", strerror(errno));

	if (!d.cfg.quiet)
		stats_print_summary(&d, stderr);
	int stats_rc = d.cfg.stats_json ? stats_write_json(&d, d.cfg.stats_json) : 0;

	ops_close(&d);
	flowstage_free(&d.flows);
	gcsched_free(&d.gc);
	plugins_free(&d.host);
	if (python)
		pyhost_stop();
	source_release_retained();
	ring_free(&d.ring);
	output_close(&d.out);
	if (d.capture.input_errors)
		return EXIT_INPUT_ERROR;
	return stats_rc < 0 ? EXIT_INPUT_ERROR : 0;
}
