/* decode.c: decoder entry point, link-type and next-protocol dispatch.
 *
 * Link types follow the tcpdump.org LINKTYPE_ registry
 * (https://www.tcpdump.org/linktypes.html); names are pcap's DLT names.
 *
 * Conventions every layer decoder keeps:
 * - On entry it marks everything from its own first byte to the cursor end
 *   as the payload, so when it stops on an error the payload is the
 *   undecoded rest after the deepest complete header; on success the next
 *   layer (or the decoder itself, after its header) moves it on.
 * - The layer bit is set, and the header appended to p->hdrs
 *   (decode_push_hdr), as soon as the layer's fixed fields were read;
 *   length checks after that (IHL, total length, data offset, options,
 *   UDP length) fail with the bit already set. A full header list stops
 *   with EV_TOO_DEEP before the header's fields are touched.
 * - An IP or ARP header calls decode_begin_l3() before writing its fields,
 *   so tunnelled packets end with the innermost flow's fields (packet.h).
 * - An inner layer only sees the bytes its outer layer declared
 *   (cursor_limit), so link padding never reaches L4 or the payload. ARP
 *   declares its whole size, so its payload is empty.
 * - Nothing recurses without bound: VLAN tags, MPLS labels, IPv6 extension
 *   headers, GTP-U extension headers and SCTP chunks are walked in loops
 *   with caps (proto.h); tunnels (UDP ports, GRE, IP-in-IP, MPLS,
 *   PPPoE) recurse through the dispatchers here, but every level
 *   appends at least one header, so the PKT_MAX_HDRS list bounds the depth,
 *   and encapsulations beyond DECODE_TUNNEL_MAX_DEPTH stop with
 *   EV_TUNNEL_TOO_DEEP. An ICMP error inside a quote is not decoded again. */
#include <stddef.h>
#include <string.h>

#include "decode.h"
#include "proto.h"

enum decode_result decode_fail(struct pkt *p, struct decode_counters *k, enum decode_event ev,
			       enum decode_result r)
{
	if (k != NULL && (unsigned)ev < EV_COUNT)
		k->events[ev]++;
	if (p->error == EV_NONE)
		p->error = (uint16_t)ev;
	return r;
}

bool decode_enter_tunnel(struct pkt *p, struct decode_counters *k)
{
	if (p->tunnels >= DECODE_TUNNEL_MAX_DEPTH) {
		decode_fail(p, k, EV_TUNNEL_TOO_DEEP, DECODE_INVALID);
		return false;
	}
	p->tunnels++;
	return true;
}

/* LINKTYPE_RAW: no link header, the IP version nibble picks the decoder. */
static enum decode_result decode_raw(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t vhl;

	decode_set_payload(p, &c);
	if (!cursor_peek_u8(&c, 0, &vhl))
		return decode_fail(p, k, EV_RAW_TOO_SMALL, DECODE_TRUNCATED);
	switch (vhl >> 4) {
	case 4:
		return decode_ipv4(p, c, k);
	case 6:
		return decode_ipv6(p, c, k);
	default:
		return decode_fail(p, k, EV_RAW_BAD_VERSION, DECODE_INVALID);
	}
}

/* Reset the decoded tail (everything after ifindex, nhdrs too, not the
 * hdrs[] entries). In 64-byte pieces: compilers turn one memset of this
 * size into `rep stos`, whose start-up cost was a third of an untunnelled
 * Ethernet/IPv4/TCP decode on the reference machine; pieces of 64 bytes
 * stay a few inline vector stores. */
static inline void pkt_reset(struct pkt *p)
{
	enum { RESET_LEN = offsetof(struct pkt, hdrs) - offsetof(struct pkt, layers), PIECE = 64 };
	uint8_t *b = (uint8_t *)&p->layers;
	unsigned i = 0;

	for (; i + PIECE <= RESET_LEN; i += PIECE)
		memset(b + i, 0, PIECE);
	memset(b + i, 0, RESET_LEN - i);
}

enum decode_result decode_packet(struct pkt *p, struct decode_counters *k)
{
	pkt_reset(p);

	struct cursor c = cursor_make(p->data, 0, p->data != NULL ? p->caplen : 0);

	switch (p->linktype) {
	case LINKTYPE_ETHERNET:
		return decode_ethernet(p, c, k);
	case LINKTYPE_LINUX_SLL:
		return decode_sll(p, c, k);
	case LINKTYPE_LINUX_SLL2:
		return decode_sll2(p, c, k);
	case LINKTYPE_RAW:
		return decode_raw(p, c, k);
	case LINKTYPE_IPV4:
		return decode_ipv4(p, c, k);
	case LINKTYPE_IPV6:
		return decode_ipv6(p, c, k);
	case LINKTYPE_NULL:
		return decode_null(p, c, false, k);
	case LINKTYPE_LOOP:
		return decode_null(p, c, true, k);
	case LINKTYPE_PPP:
		return decode_ppp(p, c, k);
	case LINKTYPE_PPP_HDLC:
		return decode_ppp_hdlc(p, c, k);
	case LINKTYPE_C_HDLC:
		return decode_chdlc(p, c, k);
	default:
		decode_set_payload(p, &c);
		return decode_fail(p, k, EV_LINK_UNSUPPORTED, DECODE_INVALID);
	}
}

bool decode_linktype_supported(uint32_t linktype)
{
	return decode_linktype_name(linktype) != NULL;
}

const char *decode_linktype_name(uint32_t linktype)
{
	switch (linktype) {
	case LINKTYPE_NULL:
		return "NULL";
	case LINKTYPE_ETHERNET:
		return "EN10MB";
	case LINKTYPE_PPP:
		return "PPP";
	case LINKTYPE_PPP_HDLC:
		return "PPP_SERIAL";
	case LINKTYPE_C_HDLC:
		return "C_HDLC";
	case LINKTYPE_RAW:
		return "RAW";
	case LINKTYPE_LOOP:
		return "LOOP";
	case LINKTYPE_LINUX_SLL:
		return "LINUX_SLL";
	case LINKTYPE_IPV4:
		return "IPV4";
	case LINKTYPE_IPV6:
		return "IPV6";
	case LINKTYPE_LINUX_SLL2:
		return "LINUX_SLL2";
	default:
		return NULL;
	}
}

enum decode_result decode_ethertype(struct pkt *p, struct cursor c, uint16_t ethertype,
				    struct decode_counters *k)
{
	p->ethertype = ethertype;
	switch (ethertype) {
	case ETH_TYPE_IPV4:
		return decode_ipv4(p, c, k);
	case ETH_TYPE_IPV6:
		return decode_ipv6(p, c, k);
	case ETH_TYPE_ARP:
	case ETH_TYPE_RARP:
		return decode_arp(p, c, k);
	case ETH_TYPE_VLAN:
	case ETH_TYPE_QINQ:
	case ETH_TYPE_QINQ_9100:
		return decode_vlan(p, c, ethertype, k);
	case ETH_TYPE_MPLS:
	case ETH_TYPE_MPLS_MCAST:
		return decode_mpls(p, c, k);
	case ETH_TYPE_PPPOE_SESS:
		return decode_pppoe(p, c, true, k);
	case ETH_TYPE_PPPOE_DISC:
		return decode_pppoe(p, c, false, k);
	case ETH_TYPE_TEB:
		return decode_ethernet(p, c, k);
	default:
		decode_set_payload(p, &c);
		return DECODE_OK;
	}
}

enum decode_result decode_ipproto(struct pkt *p, struct cursor c, uint8_t proto,
				  struct decode_counters *k)
{
	switch (proto) {
	case IP_PROTO_TCP:
		return decode_tcp(p, c, k);
	case IP_PROTO_UDP:
		return decode_udp(p, c, k);
	case IP_PROTO_ICMP:
		return decode_icmp(p, c, k);
	case IP_PROTO_ICMPV6:
		return decode_icmpv6(p, c, k);
	case IP_PROTO_GRE:
		return decode_gre(p, c, k);
	case IP_PROTO_IPIP:
	case IP_PROTO_IPV6:
		return decode_ipip(p, c, proto, k);
	case IP_PROTO_SCTP:
		return decode_sctp(p, c, k);
	case IP_PROTO_IGMP:
		return decode_igmp(p, c, k);
	default:
		decode_set_payload(p, &c);
		return DECODE_OK;
	}
}
