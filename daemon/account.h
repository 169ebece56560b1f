/* account.h: where every packet went: the accounting identity.
 *
 *   received    = kernel_dropped + interface_dropped + undelivered + captured
 *   captured    = ring_dropped + (queued - reassembled) + pending
 *   queued      = dispatched + in_ring
 *   dispatched  = delivered + filtered_out
 *
 * received: live, what passed the kernel filter (pcap_stats ps_recv) plus
 * what the interface dropped (ps_ifdrop); files, the records read.
 * undelivered: passed the kernel filter but never handed to pktd: still
 * in the kernel buffer when reading stopped, or discarded by libpcap in
 * user space (on loopback it drops the outgoing copy of every packet the
 * kernel shows it twice). captured: records handed to
 * pktd. queued: published into the ring (reassembled datagrams are extra
 * packets that were not captured as such). pending: a paced record read
 * but not yet due (0 or 1; 0 at the end). in_ring: published, not yet
 * dispatched (0 after a clean stop). delivered: at least one plugin's
 * FILTER matched. Decode problems and per-plugin skips are kinds of
 * dispatched packets, not losses. docs/design.md explains each cause. */
#ifndef PKTD_ACCOUNT_H
#define PKTD_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

struct pktd;

struct account {
	bool live;
	uint64_t received;
	uint64_t kernel_received; /* ps_recv */
	uint64_t kernel_dropped;  /* ps_drop */
	uint64_t interface_dropped; /* ps_ifdrop */
	uint64_t undelivered;
	uint64_t captured;
	uint64_t ring_dropped;
	uint64_t pending;
	uint64_t reassembled;
	uint64_t queued;
	uint64_t in_ring;
	uint64_t dispatched;
	uint64_t delivered;
	uint64_t filtered_out;
	uint64_t decode_problems; /* queued captured packets with a decode event */
	uint64_t captured_bytes;
};

/* Fill from the current counters (refresh kernel counters first with
 * capture_refresh_kstats). */
void account_take(const struct pktd *d, struct account *a);

#endif
