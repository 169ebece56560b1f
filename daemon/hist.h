/* hist.h: fixed-bucket latency histogram (no allocation on record).
 *
 * Buckets are log-spaced with 8 sub-buckets per power of two, so any
 * percentile is reported within about 9% of the true value; count, sum
 * and max are exact. */
#ifndef PKTD_HIST_H
#define PKTD_HIST_H

#include <stdint.h>

#define HIST_SUB 8
#define HIST_BUCKETS (64 * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_record(struct hist *h, uint64_t ns);
/* Upper bound of the bucket holding percentile q (0 < q <= 1); 0 if empty. */
uint64_t hist_percentile(const struct hist *h, double q);
/* Upper bound (ns) of bucket i, for exporting. */
uint64_t hist_bucket_upper(unsigned i);
void hist_merge(struct hist *into, const struct hist *from);

#endif
