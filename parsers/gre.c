/* gre.c: GRE (RFC 2784; key and sequence number per RFC 2890) and enhanced GRE version 1 of PPTP (RFC 2637 section 4.1).
 *
 *   0 1 2 3          13    16                32
 *   +-+-+-+-+---------+-----+-----------------+
 *   |C|R|K|S| flags   | ver | protocol type   |
 *   +-+-+-+-+---------+-----+-----------------+
 *   | checksum        | reserved1       (C)   |
 *   | key                             (K)     |   v1: payload length, call id
 *   | sequence number                 (S)     |
 *   | acknowledgment number       (v1, A)     |
 *   +-----------------------------------------+
 *
 * Version 0: the optional fields are skipped by their flag bits; the key
 * goes to tunnel_id. The routing bit (RFC 1701 source routes) is not
 * supported: EV_GRE_ROUTING. The protocol type is dispatched as an
 * EtherType (IPv4, IPv6, 0x6558 transparent Ethernet bridging, MPLS, and
 * so GRE in GRE by recursion), plus the types that only GRE carries:
 * ERSPAN (0x88be: type II when the sequence bit is set, else type I, bare
 * Ethernet; 0x22eb: type III; erspan.c), Cisco MetaData (0x8909: an 8-byte
 * header with the next EtherType first, as tshark reads it) and PPP
 * (0x880b). Version 1 (PPTP) must have the key bit, no checksum or routing,
 * and protocol 0x880b (else EV_GRE_BAD_VERSION, as is any version above
 * 1); its key is a payload length, which limits the cursor, and a call id
 * (tunnel_id); the acknowledgment (A bit, 0x0080) follows the sequence
 * number; then PPP. A GRE header counts as one encapsulation
 * (DECODE_TUNNEL_MAX_DEPTH) before what it carries is decoded. */
#include "decode.h"
#include "proto.h"

#define GRE_C 0x8000u
#define GRE_R 0x4000u
#define GRE_K 0x2000u
#define GRE_S 0x1000u
#define GRE_A 0x0080u /* version 1: acknowledgment present */
#define GRE_VER 0x0007u
#define GRE_HDR_LEN 4u
#define CMD_HDR_LEN 8u

/* Cisco MetaData inside GRE: next EtherType, version, length, option, SGT. */
static enum decode_result gre_cmd(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t type;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: version, length, option, SGT */
	if (!cursor_be16(&c, &type) || !cursor_skip(&c, 6))
		return decode_fail(p, k, EV_CMD_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_CMD, start, CMD_HDR_LEN))
		return decode_too_deep(p, k);
	return decode_ethertype(p, c, type, k);
}

enum decode_result decode_gre(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t flags, proto, plen = 0;
	uint32_t key = 0;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (!cursor_be16(&c, &flags) || !cursor_be16(&c, &proto))
		return decode_fail(p, k, EV_GRE_TOO_SMALL, DECODE_TRUNCATED);
	struct pkt_hdr *h = decode_push_hdr(p, HDR_GRE, start, GRE_HDR_LEN);
	if (h == NULL)
		return decode_too_deep(p, k);

	const unsigned ver = flags & GRE_VER;
	if (ver == 1) {
		if (!(flags & GRE_K) || (flags & (GRE_C | GRE_R)) || proto != ETH_TYPE_PPP)
			return decode_fail(p, k, EV_GRE_BAD_VERSION, DECODE_INVALID);
	} else if (ver != 0) {
		return decode_fail(p, k, EV_GRE_BAD_VERSION, DECODE_INVALID);
	} else if (flags & GRE_R) {
		return decode_fail(p, k, EV_GRE_ROUTING, DECODE_INVALID);
	}
	/* skipped: checksum and reserved1, sequence and acknowledgment numbers */
	if (((flags & GRE_C) && !cursor_skip(&c, 4)) || ((flags & GRE_K) && !cursor_be32(&c, &key)) ||
	    ((flags & GRE_S) && !cursor_skip(&c, 4)) || (ver == 1 && (flags & GRE_A) && !cursor_skip(&c, 4)))
		return decode_fail(p, k, EV_GRE_TOO_SMALL, DECODE_TRUNCATED);
	h->len = (uint16_t)(c.off - start);
	decode_set_payload(p, &c);
	if (ver == 1) {
		plen = (uint16_t)(key >> 16);
		key &= 0xffffu; /* call id */
		if (cursor_left(&c) < plen)
			p->flags |= PKT_FLAG_TRUNCATED;
		cursor_limit(&c, plen);
		decode_set_payload(p, &c);
	}
	p->tunnel_id = key;

	if (!decode_enter_tunnel(p, k))
		return DECODE_INVALID;
	if (ver == 1 && plen == 0)
		return DECODE_OK; /* PPTP acknowledgment only */
	switch (proto) {
	case ETH_TYPE_ERSPAN_II:
		if (!(flags & GRE_S))
			return decode_ethernet(p, c, k); /* ERSPAN type I: no header */
		return decode_erspan(p, c, false, k);
	case ETH_TYPE_ERSPAN_III:
		return decode_erspan(p, c, true, k);
	case ETH_TYPE_CMD:
		return gre_cmd(p, c, k);
	case ETH_TYPE_PPP:
		return decode_ppp(p, c, k);
	default:
		return decode_ethertype(p, c, proto, k);
	}
}
