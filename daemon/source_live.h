/* source_live.h: a live capture source (libpcap pcap_create/pcap_activate).
 *
 * The handle is non-blocking; its selectable descriptor is what the event
 * loop watches. live_read() reads what the kernel holds, up to `max`
 * packets per call (pcap_dispatch), and hands each one to a callback as a
 * struct source_record, the same shape file sources yield (data valid only
 * during the callback). The kernel filter (-f) is compiled against the
 * handle and installed with pcap_setfilter. Kernel counters (pcap_stats)
 * are accumulated into 64 bits. */
#ifndef PKTD_SOURCE_LIVE_H
#define PKTD_SOURCE_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "source.h"

struct live_opts {
	const char *iface;  /* "any" for every interface */
	const char *filter; /* kernel filter, NULL for none */
	uint32_t snaplen;
	bool promisc;
	bool immediate;     /* pcap immediate mode (TPACKET_V2): lower latency */
	uint32_t buffer_mb; /* kernel buffer; 0 = libpcap's default */
	int timeout_ms;     /* buffer timeout when not immediate */
};

/* Kernel counters since the handle was opened (pcap_stats, widened). */
struct live_stats {
	uint64_t recv;   /* ps_recv: passed the kernel filter (Linux: incl. drops) */
	uint64_t drop;   /* ps_drop: no room in the kernel buffer */
	uint64_t ifdrop; /* ps_ifdrop: dropped by the interface/driver */
};

struct live_source;

/* Open and activate; NULL with a message in err ("veth-a: No such device
 * exists", "bad filter 'tcp prot 1': syntax error"). A warning from
 * pcap_activate (e.g. promiscuous mode not supported) is printed. */
struct live_source *live_open(const struct live_opts *o, char *err, size_t errlen);

/* Called for each packet; return false to stop this read early (the
 * packet was kept by the callback). */
typedef bool (*live_handler)(void *user, const struct source_record *rec);

/* Read up to `max` packets. Returns how many were handed over, 0 when the
 * kernel had none, -1 on an error (message in err; e.g. the interface
 * went away). */
int live_read(struct live_source *l, int max, live_handler fn, void *user, char *err, size_t errlen);

int live_fd(const struct live_source *l);
uint32_t live_linktype(const struct live_source *l); /* LINKTYPE_ value */
uint32_t live_snaplen(const struct live_source *l);
const char *live_name(const struct live_source *l);
/* Refresh and return the kernel counters; on failure the last values. */
const struct live_stats *live_stats(struct live_source *l);
void live_close(struct live_source *l);

/* --list-interfaces: name, flags, description, addresses, one per line. */
int live_list_interfaces(FILE *f, char *err, size_t errlen);

#endif
