/* decode.h: the decoder entry point and the per-layer decoders it chains.
 *
 * decode_packet() resets the decoded part of a struct pkt and walks the
 * layers from the link type down. Each layer decoder reads only through a
 * cursor (cursor.h), fills its fields, sets its layer bit, and hands the
 * rest to the next layer. On a short or malformed header it records an
 * event (the first one wins in pkt->error), counts it, and stops: the
 * layers decoded so far stay valid. Nothing here allocates or keeps state
 * between calls, so it is safe on any thread. */
#ifndef PKTD_DECODE_H
#define PKTD_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "events.h"
#include "packet.h"

enum decode_result {
	DECODE_OK = 0,
	DECODE_TRUNCATED, /* ran out of captured bytes */
	DECODE_INVALID,   /* a field holds an impossible value */
};

/* Per-event counters, owned by the caller (one set per capture thread). */
struct decode_counters {
	uint64_t events[EV_COUNT];
};

/* Decode p->data[0..caplen) per p->linktype. Returns the result of the
 * deepest layer reached; p->error names the first problem. counters may be
 * NULL. */
enum decode_result decode_packet(struct pkt *p, struct decode_counters *counters);

/* True when decode_packet() knows the link type. */
bool decode_linktype_supported(uint32_t linktype);

/* "EN10MB" for 1, ... ; NULL when unknown. */
const char *decode_linktype_name(uint32_t linktype);

/* Layer decoders, chained by decode.c. Each starts at c->off. */
enum decode_result decode_ethernet(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_vlan(struct pkt *p, struct cursor c, uint16_t tpid, struct decode_counters *k);
enum decode_result decode_arp(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_sll(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_sll2(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_null(struct pkt *p, struct cursor c, bool loop, struct decode_counters *k);
enum decode_result decode_ipv4(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_ipv6(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_tcp(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_udp(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_icmp(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_icmpv6(struct pkt *p, struct cursor c, struct decode_counters *k);

/* Dispatch helpers: next layer by ethertype / by IP protocol number. An
 * unknown value is not an error: decoding just stops there, with the
 * payload set to the undecoded rest. */
enum decode_result decode_ethertype(struct pkt *p, struct cursor c, uint16_t ethertype, struct decode_counters *k);
enum decode_result decode_ipproto(struct pkt *p, struct cursor c, uint8_t proto, struct decode_counters *k);

/* Next layer after an SLL/SLL2 header: `proto` is an EtherType when >= 0x0600
 * (unless hatype is ARPHRD_NETLINK); sets sll_proto. */
enum decode_result decode_sll_next(struct pkt *p, struct cursor c, uint16_t hatype, uint16_t proto,
				   struct decode_counters *k);

/* Record a problem: counts it and keeps the first one in p->error. Returns
 * the result so decoders can `return decode_fail(...)`. */
enum decode_result decode_fail(struct pkt *p, struct decode_counters *k, enum decode_event ev,
			       enum decode_result r);

/* Mark the bytes from c.off to c.end as the payload. */
static inline void decode_set_payload(struct pkt *p, const struct cursor *c)
{
	p->payload_off = c->off;
	p->payload_len = cursor_left(c);
}

#endif
