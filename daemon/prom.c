/* prom.c: Prometheus text exposition format (prometheus.io/docs/instrumenting/exposition_formats). */
#include "prom.h"

#include <math.h>
#include <string.h>

static void put_escaped(FILE *f, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (quote && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help, 0);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void sample_head(FILE *f, const char *name, const char *labels)
{
	if (labels && *labels)
		fprintf(f, "%s{%s} ", name, labels);
	else
		fprintf(f, "%s ", name);
}

void prom_u64(FILE *f, const char *name, const char *labels, uint64_t v)
{
	sample_head(f, name, labels);
	fprintf(f, "%llu\n", (unsigned long long)v);
}

void prom_double(FILE *f, const char *name, const char *labels, double v)
{
	sample_head(f, name, labels);
	if (isnan(v))
		fputs("NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf\n" : "-Inf\n", f);
	else
		fprintf(f, "%.17g\n", v);
}

char *prom_label(char *buf, size_t len, const char *key, const char *value)
{
	size_t n = strlen(buf);
	if (n && n + 1 < len)
		buf[n++] = ',';
	int w = snprintf(buf + n, len > n ? len - n : 0, "%s=\"", key);
	n += w > 0 ? (size_t)w : 0;
	for (const char *s = value; *s && n + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[n++] = '\\';
			buf[n++] = *s;
		} else if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *s;
		}
	}
	if (n + 1 < len)
		buf[n++] = '"';
	buf[n < len ? n : len - 1] = 0;
	return buf;
}

unsigned prom_hist_bucket(unsigned k)
{
	/* Octave m (values with most significant bit m) ends at sub-bucket
	 * 7 of index (m - 2) * HIST_SUB + 7, upper bound 2^(m+1) - 1. */
	return (PROM_HIST_FIRST_OCTAVE + k - 2) * HIST_SUB + HIST_SUB - 1;
}

/* ns as seconds, exactly: "0.000001023", "17.179869183", "2". */
static void fmt_seconds(char *out, size_t len, uint64_t ns)
{
	int n = snprintf(out, len, "%llu.%09llu", (unsigned long long)(ns / 1000000000u),
			 (unsigned long long)(ns % 1000000000u));
	while (n > 0 && (size_t)n < len && out[n - 1] == '0')
		out[--n] = 0;
	if (n > 0 && (size_t)n < len && out[n - 1] == '.')
		out[--n] = 0;
}

void prom_histogram(FILE *f, const char *name, const char *labels, const struct hist *h)
{
	char le[64];
	uint64_t cum = 0;
	unsigned next = 0;
	for (unsigned k = 0; k < PROM_HIST_NBOUNDS; k++) {
		unsigned upto = prom_hist_bucket(k);
		for (; next <= upto && next < HIST_BUCKETS; next++)
			cum += h->buckets[next];
		fmt_seconds(le, sizeof(le), hist_bucket_upper(upto));
		fprintf(f, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels ? labels : "",
			labels && *labels ? "," : "", le, (unsigned long long)cum);
	}
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels ? labels : "", labels && *labels ? "," : "",
		(unsigned long long)h->count);
	char sname[128];
	snprintf(sname, sizeof(sname), "%s_sum", name);
	prom_double(f, sname, labels, (double)h->sum_ns / 1e9);
	snprintf(sname, sizeof(sname), "%s_count", name);
	prom_u64(f, sname, labels, h->count);
}
