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
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* Layer decoders, chained by decode.c. Each starts at c->off and appends
 * its header(s) to p->hdrs. */
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
enum decode_result decode_ppp(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_ppp_hdlc(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_chdlc(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_llc(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_mpls(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_pppoe(struct pkt *p, struct cursor c, bool session, struct decode_counters *k);
enum decode_result decode_l2tp(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_gre(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_erspan(struct pkt *p, struct cursor c, bool type3, struct decode_counters *k);
enum decode_result decode_vxlan(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_geneve(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_gtpu(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_ipip(struct pkt *p, struct cursor c, uint8_t proto, struct decode_counters *k);
enum decode_result decode_sctp(struct pkt *p, struct cursor c, struct decode_counters *k);
enum decode_result decode_igmp(struct pkt *p, struct cursor c, struct decode_counters *k);

/* 802.3 length field `len` (Ethernet or a VLAN tag): limit c to it, flag
 * PKT_FLAG_LLC (and TRUNCATED when it passes the bytes), then LLC. */
enum decode_result decode_8023(struct pkt *p, struct cursor c, uint16_t len, struct decode_counters *k);

/* Decode the datagram an ICMP (v6 false) / ICMPv6 error quotes, at c, into
 * hdrs (HDR_QUOTED) and the quote_* fields, leaving every other field of p
 * alone; a quote that does not decode is counted, never p->error. */
void decode_icmp_quote(struct pkt *p, struct cursor c, bool v6, struct decode_counters *k);

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

/* Append a header to p->hdrs (packet.h); NULL when the list is full: the
 * caller then stops with decode_too_deep(). A couple of stores: this runs
 * for every header of every packet. */
static inline struct pkt_hdr *decode_push_hdr(struct pkt *p, enum pkt_hdr_type type, uint32_t off,
					      uint32_t len)
{
	if (__builtin_expect(p->nhdrs >= PKT_MAX_HDRS, 0))
		return NULL;
	struct pkt_hdr *h = &p->hdrs[p->nhdrs++];
	h->type = (uint8_t)type;
	h->flags = 0;
	h->len = (uint16_t)len;
	h->off = off;
	return h;
}

/* The header list is full: EV_TOO_DEEP, decoding stops. */
static inline enum decode_result decode_too_deep(struct pkt *p, struct decode_counters *k)
{
	return decode_fail(p, k, EV_TOO_DEEP, DECODE_INVALID);
}

#define DECODE_L3_LAYERS ((1u << LAYER_ARP) | (1u << LAYER_IPV4) | (1u << LAYER_IPV6))
#define DECODE_L4_LAYERS \
	((1u << LAYER_TCP) | (1u << LAYER_UDP) | (1u << LAYER_ICMP) | (1u << LAYER_ICMPV6))

/* A new IP or ARP header starts: when an outer one was decoded (a tunnel),
 * forget its L3 and L4 groups and layer bits, so every single-valued field
 * describes the innermost header (packet.h). Free for untunnelled packets. */
static inline void decode_begin_l3(struct pkt *p)
{
	if (__builtin_expect((p->layers & DECODE_L3_LAYERS) != 0, 0)) {
		memset(&p->l3_off, 0,
		       offsetof(struct pkt, payload_off) - offsetof(struct pkt, l3_off));
		p->layers &= ~(DECODE_L3_LAYERS | DECODE_L4_LAYERS);
	}
}

/* Entering one more encapsulation: false (and EV_TUNNEL_TOO_DEEP recorded)
 * past DECODE_TUNNEL_MAX_DEPTH (proto.h). */
bool decode_enter_tunnel(struct pkt *p, struct decode_counters *k);

/* Mark the bytes from c.off to c.end as the payload. */
static inline void decode_set_payload(struct pkt *p, const struct cursor *c)
{
	p->payload_off = c->off;
	p->payload_len = cursor_left(c);
}

#endif
