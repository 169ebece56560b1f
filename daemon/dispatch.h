/* dispatch.h: the dispatch stage: ring -> Python plugins.
 *
 * Takes published slots from the ring and hands them to each plugin in
 * turn (plugin-major within a round, so one plugin's code stays hot),
 * through the plugin's reused packet object or reused batch. The slot is
 * released to the ring once every plugin has seen it. */
#ifndef PKTD_DISPATCH_H
#define PKTD_DISPATCH_H

#include <stdint.h>

#include "plugin.h"
#include "ring.h"

struct flowstage;

struct dispatcher {
	struct ring *ring;
	struct plugin_host *host;
	struct flowstage *fs; /* flow tracking (flowstage.h), NULL when off */
	uint64_t next; /* next slot to dispatch */
	uint64_t packets;  /* slots dispatched (all plugins done) */
	uint64_t filtered_out; /* of those, slots no plugin's FILTER matched */
	uint64_t rounds;
};

void dispatch_init(struct dispatcher *d, struct ring *ring, struct plugin_host *host);
/* Dispatch up to `max` published packets. Returns how many. */
uint32_t dispatch_run(struct dispatcher *d, uint32_t max);
/* Slots dispatched but not yet released (pinned-table overflow). */
uint64_t dispatch_unreleased(struct dispatcher *d);

#endif
