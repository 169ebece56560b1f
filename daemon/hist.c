/* hist.c: log-linear histogram buckets. */
#include "hist.h"

/* Values below HIST_SUB map linearly; above, bucket = 8*exponent + the
 * next three bits of the mantissa. */
static unsigned bucket_of(uint64_t v)
{
	if (v < HIST_SUB)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned sub = (unsigned)(v >> (msb - 3)) & (HIST_SUB - 1);
	unsigned b = (msb - 2) * HIST_SUB + sub;
	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

uint64_t hist_bucket_upper(unsigned i)
{
	if (i < HIST_SUB)
		return i;
	unsigned msb = i / HIST_SUB + 2, sub = i % HIST_SUB;
	if (msb > 63)
		return UINT64_MAX;
	uint64_t base = (uint64_t)(HIST_SUB + sub) << (msb - 3);
	return base + ((uint64_t)1 << (msb - 3)) - 1;
}

void hist_record(struct hist *h, uint64_t ns)
{
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->buckets[bucket_of(ns)]++;
}

uint64_t hist_percentile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t up = hist_bucket_upper(i);
			return up < h->max_ns ? up : h->max_ns;
		}
	}
	return h->max_ns;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	into->count += from->count;
	into->sum_ns += from->sum_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
}
