/* pace.c: due times for paced replay. */
#include "pace.h"

#include <string.h>

void pace_init(struct pace *p, double speed, double pps)
{
	memset(p, 0, sizeof(*p));
	p->speed = speed;
	p->pps = pps;
}

void pace_break(struct pace *p)
{
	p->have_prev = false;
}

uint64_t pace_due(struct pace *p, uint64_t ts_ns, uint64_t now_ns)
{
	if (!pace_on(p))
		return 0;
	if (!p->started) {
		p->started = true;
		p->start_ns = now_ns;
	}
	if (p->pps > 0) {
		p->offset_ns = (double)p->count++ * 1e9 / p->pps;
	} else {
		if (p->have_prev && ts_ns > p->prev_ts)
			p->offset_ns += (double)(ts_ns - p->prev_ts) / p->speed;
		p->prev_ts = ts_ns;
		p->have_prev = true;
	}
	return p->start_ns + (uint64_t)p->offset_ns;
}
