/* account.c: the accounting identity from the stage counters. */
#include "account.h"

#include <string.h>

#include "pktd.h"

void account_take(const struct pktd *d, struct account *a)
{
	const struct capture *c = &d->capture;
	struct capture_counts k;
	capture_counts(c, &k);
	memset(a, 0, sizeof(*a));
	a->live = c->live != NULL || d->cfg.interface != NULL;
	a->captured = k.packets_read;
	a->captured_bytes = k.bytes_read;
	a->ring_dropped = k.ring_dropped;
	a->pending = k.pending ? 1 : 0;
	a->reassembled = k.reassembled;
	a->queued = k.queued + k.reassembled;
	if (c->threaded) {
		/* A capture thread's copy is a few rounds old, the loop's own
		 * counts are not. Everything in the ring was counted as queued or
		 * reassembled, so what was published since the copy (file replay:
		 * records read since) keeps the cut whole: nothing dispatched
		 * that was not captured and queued. Bytes and decode problems
		 * stay as of the copy. */
		uint64_t head = ring_published((struct ring *)&d->ring);
		if (head > a->queued) {
			a->captured += head - a->queued;
			a->queued = head;
		}
	}
	a->dispatched = d->dispatch.packets;
	a->in_ring = a->queued > a->dispatched ? a->queued - a->dispatched : 0;
	a->filtered_out = d->dispatch.filtered_out;
	a->delivered = a->dispatched - a->filtered_out;
	a->decode_problems = k.queued > k.decoded_clean ? k.queued - k.decoded_clean : 0;
	if (a->live) {
		a->kernel_received = c->kstats.recv;
		a->kernel_dropped = c->kstats.drop;
		a->interface_dropped = c->kstats.ifdrop;
		uint64_t seen = a->captured + a->kernel_dropped;
		/* ps_recv counts every packet that passed the filter, dropped
		 * or not (Linux); the rest is still in the kernel buffer, or
		 * was discarded by libpcap itself. */
		a->undelivered = a->kernel_received > seen ? a->kernel_received - seen : 0;
		a->received = a->captured + a->kernel_dropped + a->undelivered + a->interface_dropped;
	} else {
		a->received = a->captured;
	}
}
