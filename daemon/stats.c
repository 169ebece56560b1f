/* stats.c: the end-of-run summary (stderr) and --stats-json. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "bigheap.h"
#include "clock.h"
#include "pktd.h"
#include "procmem.h"
#include "pymod.h"

static void json_latency(const struct pktd *d, const struct hist *pace_lag, FILE *f);

static const char *overflow_name(enum overflow_policy p)
{
	return p == OVERFLOW_DROP ? "drop" : "block";
}

static double wall_seconds(const struct pktd *d)
{
	uint64_t end = d->finished_ns ? d->finished_ns : clock_mono_ns(); /* running: so far */
	uint64_t ns = d->started_ns && end > d->started_ns ? end - d->started_ns : 0;
	return (double)ns / 1e9;
}

static double pps(const struct pktd *d, uint64_t packets)
{
	double s = wall_seconds(d);
	return s > 0 ? (double)packets / s : 0;
}

void stats_print_summary(const struct pktd *d, FILE *f)
{
	const struct capture *c = &d->capture;
	struct account a;
	account_take(d, &a);
	if (a.live)
		fprintf(f, "pktd: %llu packets (%llu bytes) captured on %s in %.3f s, %.0f packets/s\n",
			(unsigned long long)c->packets_read, (unsigned long long)c->bytes_read, d->cfg.interface,
			wall_seconds(d), pps(d, c->packets_read));
	else
		fprintf(f, "pktd: %llu packets (%llu bytes) from %llu input(s) in %.3f s, %.0f packets/s\n",
			(unsigned long long)c->packets_read, (unsigned long long)c->bytes_read,
			(unsigned long long)c->inputs_done, wall_seconds(d), pps(d, c->packets_read));
	if (a.live)
		fprintf(f, "  received %llu = captured %llu + kernel dropped %llu + interface dropped %llu + "
			   "undelivered %llu\n",
			(unsigned long long)a.received, (unsigned long long)a.captured,
			(unsigned long long)a.kernel_dropped, (unsigned long long)a.interface_dropped,
			(unsigned long long)a.undelivered);
	if (a.ring_dropped || c->overflow == OVERFLOW_DROP)
		fprintf(f, "  ring full: %llu dropped (--overflow=%s)\n", (unsigned long long)a.ring_dropped,
			overflow_name(c->overflow));
	fprintf(f, "  decoded cleanly %llu, with problems %llu, dispatched %llu (no plugin matched %llu)\n",
		(unsigned long long)c->decoded_clean, (unsigned long long)a.decode_problems,
		(unsigned long long)d->dispatch.packets, (unsigned long long)a.filtered_out);
	if (d->dumping)
		fprintf(f, "  wrote %llu packets to %llu file(s), last %s%s\n", (unsigned long long)d->dump.packets,
			(unsigned long long)d->dump.files, d->dump.path, d->dump.errors ? " (with write errors)" : "");
	for (unsigned i = 1; i < EV_COUNT; i++)
		if (c->decode.events[i])
			fprintf(f, "    %-24s %llu\n", decode_event_name(i), (unsigned long long)c->decode.events[i]);
	if (c->input_errors)
		fprintf(f, "  input errors %llu\n", (unsigned long long)c->input_errors);
	reasm_print_summary(&c->reasm, f);
	flowstage_print_summary(&d->flows, f);
	fprintf(f, "  ring %u slots, %llu bytes; high-water %llu slots, %llu stalls (backpressure), %llu frames pinned\n",
		d->ring.nslots, (unsigned long long)d->ring.arena_size, (unsigned long long)d->ring.high_water,
		(unsigned long long)d->ring.full_stalls, (unsigned long long)d->ring.pinned_total);
	for (unsigned i = 0; i < d->host.n; i++) {
		const struct plugin *p = &d->host.plugins[i];
		char hooks[96] = "";
		if (p->flow_calls || p->stream_calls)
			snprintf(hooks, sizeof(hooks), ", %llu flow and %llu stream calls",
				 (unsigned long long)p->flow_calls, (unsigned long long)p->stream_calls);
		fprintf(f, "  plugin %-12s %llu packets, %llu calls%s, %llu errors, %.3f s%s\n", p->name,
			(unsigned long long)p->dispatched, (unsigned long long)p->calls, hooks,
			(unsigned long long)p->errors, (double)p->time_ns / 1e9, p->disabled ? " (disabled)" : "");
	}
	fprintf(f, "  gc %s:", gcsched_mode_name(d->gc.mode));
	for (int g = 0; g < 3; g++) {
		const struct hist *h = &d->gc.pauses[g];
		fprintf(f, " gen%d %llu pauses (max %.1f us, p99 %.1f us)%s", g, (unsigned long long)h->count,
			(double)h->max_ns / 1e3, (double)hist_percentile(h, 0.99) / 1e3, g < 2 ? "," : "\n");
	}
	struct procmem m;
	if (procmem_read(&m))
		fprintf(f, "  memory: resident %.1f MiB (anonymous %.1f MiB), peak %.1f MiB\n", (double)m.rss_kb / 1024,
			(double)m.rss_anon_kb / 1024, (double)m.rss_peak_kb / 1024);
	if (d->python)
		fprintf(f, "  python blocks %lld at start, %lld at end; %llu records emitted\n",
			(long long)d->py_blocks_start, (long long)d->py_blocks_end,
			(unsigned long long)pymod_counters.emitted);
	else
		fprintf(f, "  python not started (no plugin)\n");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_hist(FILE *f, const struct hist *h)
{
	fprintf(f,
		"{\"count\": %llu, \"total_ms\": %.3f, \"max_us\": %.3f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
		"\"p999_us\": %.3f}",
		(unsigned long long)h->count, (double)h->sum_ns / 1e6, (double)h->max_ns / 1e3,
		(double)hist_percentile(h, 0.5) / 1e3, (double)hist_percentile(h, 0.99) / 1e3,
		(double)hist_percentile(h, 0.999) / 1e3);
}

/* The accounting identity (account.h), the live source and -w. */
static void json_accounting(const struct pktd *d, const struct account *a, FILE *f)
{
	fprintf(f, "  \"mode\": \"%s\",\n", a->live ? "live" : "file");
	fprintf(f,
		"  \"accounting\": {\"received\": %llu, \"kernel_received\": %llu, \"kernel_dropped\": %llu, "
		"\"interface_dropped\": %llu, \"undelivered\": %llu, \"captured\": %llu, \"ring_dropped\": %llu, "
		"\"pending\": %llu, \"reassembled\": %llu, \"queued\": %llu, \"in_ring\": %llu, \"dispatched\": %llu, "
		"\"delivered\": %llu, \"filtered_out\": %llu, \"decode_problems\": %llu},\n",
		(unsigned long long)a->received, (unsigned long long)a->kernel_received,
		(unsigned long long)a->kernel_dropped, (unsigned long long)a->interface_dropped,
		(unsigned long long)a->undelivered, (unsigned long long)a->captured,
		(unsigned long long)a->ring_dropped, (unsigned long long)a->pending,
		(unsigned long long)a->reassembled, (unsigned long long)a->queued, (unsigned long long)a->in_ring,
		(unsigned long long)a->dispatched, (unsigned long long)a->delivered,
		(unsigned long long)a->filtered_out, (unsigned long long)a->decode_problems);
	fprintf(f, "  \"drops\": {\"kernel\": %llu, \"interface\": %llu, \"undelivered\": %llu, \"ring_full\": %llu},\n",
		(unsigned long long)a->kernel_dropped, (unsigned long long)a->interface_dropped,
		(unsigned long long)a->undelivered, (unsigned long long)a->ring_dropped);
	const struct capthread *t = &d->capthread;
	fprintf(f,
		"  \"threads\": %d,\n  \"capture_thread\": {\"loop_wakeups\": %llu, \"waits_for_room\": %llu, "
		"\"pace_sleeps\": %llu, \"trims\": %llu},\n",
		t->started ? 2 : 1, (unsigned long long)t->loop_wakeups, (unsigned long long)t->thread_waits,
		(unsigned long long)t->pace_sleeps, (unsigned long long)t->trims);
	fprintf(f, "  \"overflow\": \"%s\",\n  \"live\": ", overflow_name(d->capture.overflow));
	if (a->live) {
		fprintf(f, "{\"interface\": ");
		json_str(f, d->cfg.interface);
		fprintf(f, ", \"filter\": ");
		if (d->cfg.kernel_filter)
			json_str(f, d->cfg.kernel_filter);
		else
			fputs("null", f);
		fprintf(f, ", \"linktype\": %u, \"snaplen\": %u, \"promisc\": %s, \"buffer_mb\": %u}",
			d->live ? live_linktype(d->live) : 0, d->live ? live_snaplen(d->live) : d->cfg.snaplen,
			d->cfg.no_promisc ? "false" : "true", d->cfg.buffer_mb);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\n  \"write\": ");
	if (d->dumping) {
		fprintf(f, "{\"path\": ");
		json_str(f, d->dump.path);
		fprintf(f, ", \"files\": %llu, \"packets\": %llu, \"bytes\": %llu, \"skipped_linktype\": %llu, "
			   "\"errors\": %llu}",
			(unsigned long long)d->dump.files, (unsigned long long)d->dump.packets,
			(unsigned long long)d->dump.bytes, (unsigned long long)d->dump.skipped_linktype,
			(unsigned long long)d->dump.errors);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\n");
}

void stats_json_write(const struct pktd *d, FILE *f)
{
	const struct capture *c = &d->capture;
	struct account a;
	account_take(d, &a);
	struct capture_counts k; /* a capture thread's own may be changing */
	capture_counts(c, &k);
	fprintf(f, "{\n  \"version\": \"%s\",\n", PKTD_VERSION);
	fprintf(f, "  \"wall_seconds\": %.6f,\n  \"packets_per_second\": %.1f,\n", wall_seconds(d), pps(d, k.packets_read));
	fprintf(f, "  \"inputs\": {\"given\": %u, \"read\": %llu, \"errors\": %llu},\n", c->ninputs,
		(unsigned long long)k.inputs_done, (unsigned long long)k.input_errors);
	fprintf(f, "  \"packets_read\": %llu,\n  \"bytes_read\": %llu,\n  \"wire_bytes\": %llu,\n",
		(unsigned long long)k.packets_read, (unsigned long long)k.bytes_read,
		(unsigned long long)k.wire_bytes);
	fprintf(f, "  \"decoded\": %llu,\n  \"decode_problems\": %llu,\n  \"decode_errors\": {",
		(unsigned long long)k.decoded_clean, (unsigned long long)(k.packets_read - k.decoded_clean));
	const char *sep = "";
	for (unsigned i = 1; i < EV_COUNT; i++) {
		fprintf(f, "%s\"%s\": %llu", sep, decode_event_name(i), (unsigned long long)k.decode.events[i]);
		sep = ", ";
	}
	fprintf(f, "},\n  \"dispatched\": %llu,\n", (unsigned long long)d->dispatch.packets);
	json_accounting(d, &a, f);
	fprintf(f, "  \"reassembled\": %llu,\n  \"reassembly\": ", (unsigned long long)k.reassembled);
	reasm_write_json(&c->reasm, &k.reasm, f);
	fprintf(f, ",\n");
	flowstage_write_json(&d->flows, f);
	fprintf(f,
		"  \"ring\": {\"slots\": %u, \"bytes\": %llu, \"high_water\": %llu, \"full_stalls\": %llu, "
		"\"frames_pinned\": %llu},\n",
		d->ring.nslots, (unsigned long long)d->ring.arena_size, (unsigned long long)k.ring_high_water,
		(unsigned long long)k.ring_full_stalls, (unsigned long long)d->ring.pinned_total);
	json_latency(d, &k.pace_lag, f);
	/* Now, at the end: after the plugins' teardown and the exit collection. */
	struct procmem m;
	procmem_read(&m);
	fprintf(f, "  \"memory\": {\"rss_kb\": %llu, \"rss_anon_kb\": %llu, \"rss_peak_kb\": %llu},\n",
		(unsigned long long)m.rss_kb, (unsigned long long)m.rss_anon_kb, (unsigned long long)m.rss_peak_kb);
	fprintf(f, "  \"plugins\": {");
	for (unsigned i = 0; i < d->host.n; i++) {
		const struct plugin *p = &d->host.plugins[i];
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, p->name);
		fprintf(f, ": {\"path\": ");
		json_str(f, p->path);
		fprintf(f, ", \"filter\": ");
		if (p->filter)
			json_str(f, p->filter);
		else
			fputs("null", f);
		fprintf(f, ", \"packet_filter\": ");
		if (p->packet_filter)
			json_str(f, p->packet_filter);
		else
			fputs("null", f);
		fprintf(f, ", \"packet_filtered\": %llu, \"flow_calls\": %llu, \"stream_calls\": %llu, "
			   "\"stream_bytes\": %llu",
			(unsigned long long)p->packet_filtered, (unsigned long long)p->flow_calls,
			(unsigned long long)p->stream_calls, (unsigned long long)p->stream_bytes);
		fprintf(f,
			", \"matched\": %llu, \"dispatched\": %llu, \"calls\": %llu, \"errors\": %llu, "
			"\"tracebacks_suppressed\": %llu, \"disabled\": %s, \"skipped_disabled\": %llu, "
			"\"filter_unsupported\": %llu, \"seconds\": %.6f}",
			(unsigned long long)p->matched, (unsigned long long)p->dispatched, (unsigned long long)p->calls,
			(unsigned long long)p->errors, (unsigned long long)p->tracebacks_suppressed,
			p->disabled ? "true" : "false", (unsigned long long)p->skipped_disabled,
			(unsigned long long)p->filter_unsupported, (double)p->time_ns / 1e9);
	}
	fprintf(f, "%s},\n", d->host.n ? "\n  " : "");
	fprintf(f, "  \"gc\": {\"mode\": \"%s\", \"frozen\": %llu, \"pauses\": {", gcsched_mode_name(d->gc.mode),
		(unsigned long long)d->gc.frozen);
	for (int g = 0; g < 3; g++) {
		fprintf(f, "%s\"gen%d\": ", g ? ", " : "", g);
		json_hist(f, &d->gc.pauses[g]);
	}
	fprintf(f, "}, \"collected\": [%llu, %llu, %llu], \"scheduled\": [%llu, %llu, %llu], ",
		(unsigned long long)d->gc.collected[0], (unsigned long long)d->gc.collected[1],
		(unsigned long long)d->gc.collected[2], (unsigned long long)d->gc.scheduled[0],
		(unsigned long long)d->gc.scheduled[1], (unsigned long long)d->gc.scheduled[2]);
	fprintf(f,
		"\"budget\": {\"pause_ms\": %.3f, \"young_every_ms\": %.3f, \"young_every_min_ms\": %.3f, "
		"\"middle_every\": %u, \"middle_every_min\": %u}, \"start_pause_ms\": %.3f, \"exit_pause_ms\": %.3f, ",
		(double)d->gc.pause_budget_ns / 1e6, (double)d->gc.young_every_ns / 1e6,
		(double)d->gc.young_every_min_ns / 1e6, d->gc.middle_every, d->gc.middle_every_min,
		(double)d->gc.start_pause_ns / 1e6, (double)d->gc.exit_pause_ns / 1e6);
	const struct pyarena *ar = &d->gc.arena;
	fprintf(f,
		"\"arena_reserve\": {\"taken\": %llu, \"missed\": %llu, \"kept\": %llu, \"pages_prefaulted\": %llu, "
		"\"prefault_ms\": %.3f}, ",
		(unsigned long long)ar->taken, (unsigned long long)ar->missed, (unsigned long long)ar->kept,
		(unsigned long long)ar->pages, (double)ar->refill_ns / 1e6);
	struct bigheap_stats bh;
	bigheap_get_stats(&bh);
	fprintf(f,
		"\"big_blocks\": {\"installed\": %s, \"blocks\": %llu, \"ready\": %llu, \"reused\": %llu, "
		"\"grown_in_place\": %llu, \"fallbacks\": %llu, \"live_bytes\": %llu, \"free_bytes\": %llu, "
		"\"ahead_bytes\": %llu, \"trimmed_bytes\": %llu}},\n",
		bh.installed ? "true" : "false", (unsigned long long)bh.blocks, (unsigned long long)bh.blocks_ready,
		(unsigned long long)bh.reused, (unsigned long long)bh.grown_in_place, (unsigned long long)bh.fallbacks,
		(unsigned long long)bh.live_bytes, (unsigned long long)bh.free_bytes, (unsigned long long)bh.ahead_bytes,
		(unsigned long long)bh.trimmed_bytes);
	fprintf(f,
		"  \"python\": {\"started\": %s, \"allocated_blocks_start\": %lld, \"allocated_blocks_end\": %lld, "
		"\"packets_retained\": %llu, \"views_retained\": %llu, \"stale_uses\": %llu, \"export_copies\": %llu},\n",
		d->python ? "true" : "false", (long long)d->py_blocks_start, (long long)d->py_blocks_end,
		(unsigned long long)pymod_counters.packets_retained, (unsigned long long)pymod_counters.views_retained,
		(unsigned long long)pymod_counters.stale_uses, (unsigned long long)pymod_counters.export_copies);
	fprintf(f, "  \"output\": {\"records\": %llu, \"bytes\": %llu, \"errors\": %llu}\n}\n",
		(unsigned long long)d->out.records, (unsigned long long)d->out.bytes,
		(unsigned long long)(d->out.errors + pymod_counters.emit_errors));
}

/* A latency histogram as "name": {count, percentiles, max, mean}; k
 * converts its unit to microseconds. */
static void json_percentiles(FILE *f, const char *name, const struct hist *h, double k)
{
	fprintf(f,
		"  \"%s\": {\"count\": %llu, \"p50_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f, "
		"\"max_us\": %.3f, \"mean_us\": %.3f},\n",
		name, (unsigned long long)h->count, (double)hist_percentile(h, 0.5) * k,
		(double)hist_percentile(h, 0.99) * k, (double)hist_percentile(h, 0.999) * k, (double)h->max_ns * k,
		h->count ? (double)h->sum_ns / (double)h->count * k : 0.0);
}

/* Ring entry to the return of the packet's last plugin (the end of its
 * dispatch round when no plugin took it), over every dispatched packet. */
static void json_latency(const struct pktd *d, const struct hist *pace_lag, FILE *f)
{
	double us_per_tick = ring_ns_per_tick(&d->ring) / 1e3;
	json_percentiles(f, "dispatch_latency", &d->ring.latency, us_per_tick);
	/* Paced replay: how late packets entered the ring (see capture.h), and
	 * from each packet's due time to its last plugin's return. */
	json_percentiles(f, "pace_lag", pace_lag, 1e-3);
	json_percentiles(f, "paced_delay", &d->ring.delay, us_per_tick);
}

int stats_write_json(const struct pktd *d, const char *path)
{
	/* Opened at start-up when privileges are dropped (-Z). */
	FILE *f = d->stats_json_fp ? d->stats_json_fp : fopen(path, "w");
	if (!f) {
		fprintf(stderr, "pktd: --stats-json %s: %s\n", path, strerror(errno));
		return -1;
	}
	stats_json_write(d, f);
	int rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}
