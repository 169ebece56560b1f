/* statsline.c: --stats-interval JSON lines and the replay progress line. */
#include "statsline.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "pktd.h"
#include "procmem.h"

struct stats_line_state *statsline_new(const struct pktd *d)
{
	struct stats_line_state *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->mono_ns = d->started_ns ? d->started_ns : clock_mono_ns();
	memcpy(s->gc, d->gc.pauses, sizeof(s->gc));
	return s;
}

/* Pauses recorded since `before`: count, total, and the largest (upper
 * bound of the highest bucket that grew, at most the all-time max). */
static void gc_interval(FILE *f, const struct hist *now, const struct hist *before)
{
	uint64_t n = now->count - before->count;
	uint64_t max = 0;
	for (unsigned i = HIST_BUCKETS; i-- > 0;)
		if (now->buckets[i] != before->buckets[i]) {
			max = hist_bucket_upper(i);
			break;
		}
	if (max > now->max_ns)
		max = now->max_ns;
	fprintf(f, "{\"pauses\": %llu, \"total_ms\": %.3f, \"max_us\": %.1f}", (unsigned long long)n,
		(double)(now->sum_ns - before->sum_ns) / 1e6, (double)max / 1e3);
}

static double rate(uint64_t now, uint64_t before, double secs)
{
	return secs > 0 && now >= before ? (double)(now - before) / secs : 0;
}

void statsline_write(struct pktd *d, FILE *f)
{
	struct stats_line_state *s = d->line_state;
	if (!s)
		return;
	capture_refresh_kstats(&d->capture);
	struct account a;
	account_take(d, &a);
	struct capture_counts cc; /* the capture thread's, copied */
	capture_counts(&d->capture, &cc);
	uint64_t now = clock_mono_ns();
	double secs = (double)(now - s->mono_ns) / 1e9;
	const struct account *b = &s->a;
	fprintf(f, "{\"time\": %.3f, \"uptime\": %.3f, \"interval\": %.3f, \"mode\": \"%s\", ", clock_wall_s(),
		d->started_ns ? (double)(now - d->started_ns) / 1e9 : 0, secs, a.live ? "live" : "file");
	fprintf(f, "\"received\": %llu, \"captured\": %llu, \"dispatched\": %llu, \"delivered\": %llu, "
		   "\"filtered_out\": %llu, \"decode_problems\": %llu, ",
		(unsigned long long)a.received, (unsigned long long)a.captured, (unsigned long long)a.dispatched,
		(unsigned long long)a.delivered, (unsigned long long)a.filtered_out,
		(unsigned long long)a.decode_problems);
	fprintf(f, "\"rates\": {\"captured_pps\": %.1f, \"captured_bytes_per_s\": %.1f, \"dispatched_pps\": %.1f}, ",
		rate(a.captured, b->captured, secs), rate(a.captured_bytes, b->captured_bytes, secs),
		rate(a.dispatched, b->dispatched, secs));
	fprintf(f, "\"drops\": {\"kernel\": %llu, \"interface\": %llu, \"ring_full\": %llu, \"undelivered\": %llu}, ",
		(unsigned long long)a.kernel_dropped, (unsigned long long)a.interface_dropped,
		(unsigned long long)a.ring_dropped, (unsigned long long)a.undelivered);
	fprintf(f, "\"drops_interval\": {\"kernel\": %llu, \"interface\": %llu, \"ring_full\": %llu}, ",
		(unsigned long long)(a.kernel_dropped - b->kernel_dropped),
		(unsigned long long)(a.interface_dropped - b->interface_dropped),
		(unsigned long long)(a.ring_dropped - b->ring_dropped));
	fprintf(f, "\"ring\": {\"used\": %llu, \"slots\": %u, \"occupancy\": %.4f, \"high_water\": %llu}, ",
		(unsigned long long)a.in_ring, d->ring.nslots,
		d->ring.nslots ? (double)a.in_ring / (double)d->ring.nslots : 0, (unsigned long long)cc.ring_high_water);
	fprintf(f, "\"plugins\": {");
	for (unsigned i = 0; i < d->host.n; i++) {
		const struct plugin *p = &d->host.plugins[i];
		fprintf(f, "%s\"%s\": {\"packets\": %llu, \"errors\": %llu, \"seconds\": %.6f, \"disabled\": %s}",
			i ? ", " : "", p->name, (unsigned long long)p->dispatched, (unsigned long long)p->errors,
			(double)p->time_ns / 1e9, p->disabled ? "true" : "false");
	}
	fprintf(f, "}, \"gc\": {");
	for (int g = 0; g < 3; g++) {
		fprintf(f, "%s\"gen%d\": ", g ? ", " : "", g);
		gc_interval(f, &d->gc.pauses[g], &s->gc[g]);
	}
	fprintf(f, "}, ");
	/* Since start, not per interval: percentiles do not add up. */
	const struct hist *h = &d->ring.latency;
	double k = ring_ns_per_tick(&d->ring) / 1e3; /* ticks -> us */
	fprintf(f, "\"dispatch_latency\": {\"count\": %llu, \"p50_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, "
		   "\"max_us\": %.1f}, ",
		(unsigned long long)h->count, (double)hist_percentile(h, 0.5) * k, (double)hist_percentile(h, 0.99) * k,
		(double)hist_percentile(h, 0.999) * k, (double)h->max_ns * k);
	struct procmem m;
	procmem_read(&m);
	fprintf(f, "\"memory\": {\"rss_kb\": %llu, \"rss_anon_kb\": %llu}}\n", (unsigned long long)m.rss_kb,
		(unsigned long long)m.rss_anon_kb);
	fflush(f);
	s->mono_ns = now;
	s->a = a;
	memcpy(s->gc, d->gc.pauses, sizeof(s->gc));
}

static void fmt_duration(char *buf, size_t len, double s)
{
	if (s < 0 || s > 359999)
		snprintf(buf, len, "--:--");
	else if (s >= 3600)
		snprintf(buf, len, "%d:%02d:%02d", (int)s / 3600, ((int)s / 60) % 60, (int)s % 60);
	else
		snprintf(buf, len, "%d:%02d", (int)s / 60, (int)s % 60);
}

void progress_draw(struct pktd *d, bool done)
{
	struct stats_line_state *s = d->line_state;
	if (!s || !d->progress_on)
		return;
	if (done) {
		if (d->progress_drawn)
			fputs("\r\033[K", stderr);
		d->progress_drawn = false;
		return;
	}
	const struct capture *c = &d->capture;
	struct capture_counts k;
	capture_counts(c, &k);
	uint64_t now = clock_mono_ns();
	if (s->prog_ns) {
		double secs = (double)(now - s->prog_ns) / 1e9;
		double r = rate(k.packets_read, s->prog_packets, secs);
		s->prog_rate = s->prog_rate > 0 ? 0.5 * s->prog_rate + 0.5 * r : r;
	}
	s->prog_ns = now;
	s->prog_packets = k.packets_read;
	char pct[32] = "", eta[32] = "--:--";
	uint64_t total = c->input_bytes_pass * (c->loops ? c->loops : 1);
	uint64_t doneb = k.input_bytes;
	double elapsed = d->started_ns ? (double)(now - d->started_ns) / 1e9 : 0;
	if (total && c->loops) {
		double frac = (double)doneb / (double)total;
		if (frac > 1)
			frac = 1;
		snprintf(pct, sizeof(pct), "  %5.1f%%", frac * 100);
		if (frac > 0.001 && elapsed > 0)
			fmt_duration(eta, sizeof(eta), elapsed * (1 - frac) / frac);
	} else if (!c->loops) {
		snprintf(pct, sizeof(pct), "  pass %u", k.passes_done + 1);
	}
	fprintf(stderr, "\rpktd: %llu packets  %.0f packets/s%s  ETA %s\033[K", (unsigned long long)k.packets_read,
		s->prog_rate, pct, c->loops ? eta : "--:--");
	d->progress_drawn = true;
}
