/* ops.c: live handle, -w, --stats-log, --metrics and -Z around the pipeline (ops.h). */
#include "ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "pktd.h"
#include "privs.h"
#include "statsline.h"

int ops_list_interfaces(void)
{
	char err[512];
	if (live_list_interfaces(stdout, err, sizeof(err)) < 0) {
		fprintf(stderr, "pktd: %s\n", err);
		return 2;
	}
	return 0;
}

static FILE *open_stats_log(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "a");
	if (!f) {
		snprintf(err, errlen, "--stats-log %s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int ops_open(struct pktd *d)
{
	char err[1024];
	const struct config *cfg = &d->cfg;
	if (cfg->stats_log && !(d->stats_log = open_stats_log(cfg->stats_log, err, sizeof(err))))
		goto fail;
	if (cfg->user && cfg->stats_json && !(d->stats_json_fp = fopen(cfg->stats_json, "w"))) {
		snprintf(err, sizeof(err), "--stats-json %s: %s", cfg->stats_json, strerror(errno));
		goto fail;
	}
	if (cfg->interface) {
		struct live_opts lo = {
			.iface = cfg->interface,
			.filter = cfg->kernel_filter,
			.snaplen = cfg->snaplen,
			.promisc = !cfg->no_promisc,
			.immediate = cfg->immediate,
			.buffer_mb = cfg->buffer_mb,
			.timeout_ms = 10,
		};
		if (!(d->live = live_open(&lo, err, sizeof(err))))
			goto fail;
	}
	if (cfg->write_path) {
		if (dump_open(&d->dump, cfg->write_path, cfg->rotate_size, cfg->rotate_seconds, cfg->snaplen, err,
			      sizeof(err)) < 0)
			goto fail;
		d->dumping = true;
		if (d->live && dump_start(&d->dump, live_linktype(d->live), err, sizeof(err)) < 0)
			goto fail;
	}
	if (loop_init(d) < 0) {
		snprintf(err, sizeof(err), "cannot set up the event loop");
		goto fail;
	}
	if (cfg->metrics) {
		if (!(d->metrics = metrics_start(d->base, cfg->metrics, d, err, sizeof(err))))
			goto fail;
		if (!cfg->quiet)
			fprintf(stderr, "pktd: metrics on http://%s/metrics and /stats\n", metrics_address(d->metrics));
	}
	if (cfg->user) {
		if (privs_drop(cfg->user, err, sizeof(err)) < 0)
			goto fail;
	} else if (cfg->interface && geteuid() == 0 && cfg->nplugins > 0) {
		fprintf(stderr, "pktd: warning: capturing live as root without -Z: plugins will run with root's "
				"rights (give -Z USER to drop them once the capture is open)\n");
	}
	return 0;
fail:
	fprintf(stderr, "pktd: %s\n", err);
	return -1;
}

int ops_attach(struct pktd *d)
{
	if (capture_configure(&d->capture, &d->cfg, d->live, d->dumping ? &d->dump : NULL) < 0) {
		fprintf(stderr, "pktd: out of memory\n");
		return -1;
	}
	d->progress_on = !d->live && !d->cfg.quiet && isatty(STDERR_FILENO);
	if ((d->cfg.stats_interval > 0 || d->progress_on) && !(d->line_state = statsline_new(d))) {
		fprintf(stderr, "pktd: out of memory\n");
		return -1;
	}
	if (d->live && !d->cfg.quiet)
		fprintf(stderr, "pktd: capturing on %s, link type %u (%s), snaplen %u, buffer %u MB, overflow %s%s%s\n",
			live_name(d->live), live_linktype(d->live),
			decode_linktype_name(live_linktype(d->live)) ? decode_linktype_name(live_linktype(d->live))
								      : "not decoded",
			live_snaplen(d->live), d->cfg.buffer_mb,
			d->capture.overflow == OVERFLOW_DROP ? "drop" : "block", d->cfg.kernel_filter ? ", filter " : "",
			d->cfg.kernel_filter ? d->cfg.kernel_filter : "");
	return 0;
}

void ops_reopen(struct pktd *d)
{
	char err[1024];
	int failed = 0;
	if (output_reopen(&d->out, err, sizeof(err)) < 0) {
		fprintf(stderr, "pktd: SIGHUP: %s\n", err);
		failed++;
	}
	if (d->stats_log) {
		fclose(d->stats_log);
		if (!(d->stats_log = open_stats_log(d->cfg.stats_log, err, sizeof(err)))) {
			fprintf(stderr, "pktd: SIGHUP: %s; stats lines go to stderr\n", err);
			failed++;
		}
	}
	if (d->dumping && dump_reopen(&d->dump, err, sizeof(err)) < 0) {
		fprintf(stderr, "pktd: SIGHUP: %s\n", err);
		failed++;
	}
	if (flowstage_reopen(&d->flows, err, sizeof(err)) < 0) {
		fprintf(stderr, "pktd: SIGHUP: %s\n", err);
		failed++;
	}
	if (!d->cfg.quiet)
		fprintf(stderr, "pktd: SIGHUP: output files reopened%s\n", failed ? " (with errors)" : "");
}

void ops_close(struct pktd *d)
{
	metrics_stop(d->metrics);
	d->metrics = NULL;
	loop_free(d);
	if (d->dumping)
		dump_close(&d->dump);
	live_close(d->live);
	d->live = NULL;
	d->capture.live = NULL;
	if (d->stats_log)
		fclose(d->stats_log);
	d->stats_log = NULL;
	free(d->line_state);
	d->line_state = NULL;
	config_free(&d->cfg);
}
