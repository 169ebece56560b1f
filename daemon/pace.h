/* pace.h: replay timing for files (--speed X, --pps N).
 *
 * Gives each packet the monotonic time it is due. --speed X: the gap
 * between a packet and the previous one in capture time, divided by X,
 * added to the previous packet's due time (a gap that goes backwards, or
 * the first packet of a new input or loop, counts as 0), so the schedule
 * never drifts and a late packet is sent at once, not skipped. --pps N:
 * packet i is due i/N seconds after the first. Neither: everything is due
 * at once (top speed). */
#ifndef PKTD_PACE_H
#define PKTD_PACE_H

#include <stdbool.h>
#include <stdint.h>

struct pace {
	double speed; /* 0 = off */
	double pps;   /* 0 = off */
	bool started;
	uint64_t start_ns; /* monotonic time of the first packet */
	double offset_ns;  /* due time of the last packet, after start */
	uint64_t prev_ts;
	bool have_prev;
	uint64_t count;
};

void pace_init(struct pace *p, double speed, double pps);
static inline bool pace_on(const struct pace *p)
{
	return p->speed > 0 || p->pps > 0;
}
/* The next input (or loop) starts: its first packet follows at once. */
void pace_break(struct pace *p);
/* Monotonic time the packet with capture time ts_ns is due; now_ns starts
 * the clock at the first packet. */
uint64_t pace_due(struct pace *p, uint64_t ts_ns, uint64_t now_ns);

#endif
