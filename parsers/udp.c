/* udp.c: UDP header (RFC 768).
 *
 *   0       2       4       6       8
 *   +-------+-------+-------+-------+------
 *   | sport | dport | len   | csum  | data
 *   +-------+-------+-------+-------+------
 *
 * The length covers header and data: below 8 is EV_UDP_BAD_LEN (ports are
 * still set); a length shorter than what the IP layer left limits the
 * payload, a longer one marks the packet truncated.
 *
 * Tunnels by port, as tshark picks a UDP dissector: the lower port is tried
 * first, then the higher one. L2TP (1701, RFC 2661), GTP-U (2152, 3GPP TS
 * 29.281), VXLAN (4789, RFC 7348) and Geneve (6081, RFC 8926) decode the
 * payload; a lower port below 1024 that is none of them is taken as the
 * well-known service tshark would show instead, so the higher port is then
 * not tried (DNS from client port 4789 stays DNS). */
#include "decode.h"
#include "proto.h"

#define UDP_HDR_LEN 8u

static inline bool udp_tunnel_port(uint16_t port)
{
	return port == UDP_PORT_VXLAN || port == UDP_PORT_GTPU || port == UDP_PORT_GENEVE ||
	       port == UDP_PORT_L2TP;
}

/* The payload after the UDP header: a tunnel picked by port, else stop. */
static enum decode_result udp_next(struct pkt *p, struct cursor c, uint16_t sport, uint16_t dport,
				   struct decode_counters *k)
{
	uint16_t lo = sport < dport ? sport : dport;
	uint16_t hi = sport < dport ? dport : sport;
	uint16_t port = udp_tunnel_port(lo) ? lo : (lo >= 1024 && udp_tunnel_port(hi)) ? hi : 0;

	switch (port) {
	case UDP_PORT_VXLAN:
		return decode_vxlan(p, c, k);
	case UDP_PORT_GENEVE:
		return decode_geneve(p, c, k);
	case UDP_PORT_GTPU:
		return decode_gtpu(p, c, k);
	case UDP_PORT_L2TP:
		return decode_l2tp(p, c, k);
	default:
		return DECODE_OK;
	}
}

enum decode_result decode_udp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t sport, dport, len;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	uint32_t avail = cursor_left(&c);
	/* skipped: checksum */
	if (!cursor_be16(&c, &sport) || !cursor_be16(&c, &dport) || !cursor_be16(&c, &len) ||
	    !cursor_skip(&c, 2))
		return decode_fail(p, k, EV_UDP_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_UDP, start, UDP_HDR_LEN))
		return decode_too_deep(p, k);
	p->l4_off = start;
	p->sport = sport;
	p->dport = dport;
	p->layers |= 1u << LAYER_UDP;

	if (len < UDP_HDR_LEN)
		return decode_fail(p, k, EV_UDP_BAD_LEN, DECODE_INVALID);
	/* In a first fragment the length covers every fragment's bytes: that
	 * is not a short capture. */
	if (len > avail && !(p->flags & PKT_FLAG_FRAGMENT))
		p->flags |= PKT_FLAG_TRUNCATED;
	cursor_limit(&c, len - UDP_HDR_LEN);
	decode_set_payload(p, &c);
	if (__builtin_expect(udp_tunnel_port(sport) || udp_tunnel_port(dport), 0))
		return udp_next(p, c, sport, dport, k);
	return DECODE_OK;
}
