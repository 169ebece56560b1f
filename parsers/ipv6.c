/* ipv6.c: IPv6 header and extension header chain (RFC 8200; AH length per RFC 4302).
 *
 *   0        4         6     7     8        24       40
 *   +--------+---------+-----+-----+--------+--------+------------------
 *   |V|TC|FL | pay len | nxt |hlim | src    | dst    | ext headers, L4
 *   +--------+---------+-----+-----+--------+--------+------------------
 *
 * The payload length limits the cursor (0 = jumbogram or TSO: up to
 * caplen). Hop-by-Hop, Routing, Destination Options ((len+1)*8 bytes), AH
 * ((len+2)*4) and Fragment (8) headers are walked, at most
 * DECODE_IPV6_MAX_EXT of them. A non-first fragment stops with its data as
 * the payload; a first or atomic fragment goes on into L4. proto ends as the
 * upper-layer protocol (59 = no next header: stop). The hdrs entry covers
 * the fixed header and the extension headers walked. Next header 4 and 41
 * (IP-in-IP) and the tunnels carry inner headers (packet.h); inside an
 * outer fragment a payload length past the captured bytes is expected. */
#include "decode.h"
#include "proto.h"

#define IPV6_HDR_LEN 40u
#define IPV6_FRAG_OFF_MASK 0xfff8u /* offset in 8-byte units, already << 3 */
#define IPV6_FRAG_M 0x0001u

enum decode_result decode_ipv6(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t vtc, nxt, hlim, nh, elen8;
	uint16_t plen, offm;
	uint32_t id;
	const bool in_frag = (p->flags & PKT_FLAG_FRAGMENT) != 0; /* an outer header's */

	decode_set_payload(p, &c);
	if (!cursor_peek_u8(&c, 0, &vtc))
		return decode_fail(p, k, EV_IPV6_TOO_SMALL, DECODE_TRUNCATED);
	if ((vtc >> 4) != 6)
		return decode_fail(p, k, EV_IPV6_BAD_VERSION, DECODE_INVALID);

	uint32_t start = c.off;
	uint32_t avail = cursor_left(&c);
	/* skipped: version, traffic class, flow label; addresses (read by
	 * consumers at l3_off + 8) */
	if (!cursor_skip(&c, 4) || !cursor_be16(&c, &plen) || !cursor_u8(&c, &nxt) ||
	    !cursor_u8(&c, &hlim) || !cursor_skip(&c, 32))
		return decode_fail(p, k, EV_IPV6_TOO_SMALL, DECODE_TRUNCATED);
	struct pkt_hdr *h = decode_push_hdr(p, HDR_IPV6, start, IPV6_HDR_LEN);
	if (h == NULL)
		return decode_too_deep(p, k);
	decode_begin_l3(p);

	uint32_t declared = IPV6_HDR_LEN + plen;
	p->l3_off = start;
	p->l3_len = (plen != 0 && declared < avail) ? declared : avail;
	p->ip_version = 6;
	p->ip6_nxt = nxt;
	p->ttl = hlim;
	p->layers |= 1u << LAYER_IPV6;
	if (plen != 0) {
		if (declared > avail && !in_frag)
			p->flags |= PKT_FLAG_TRUNCATED;
		cursor_limit(&c, plen);
	}

	for (unsigned n = 0;; n++) {
		decode_set_payload(p, &c);
		h->len = (uint16_t)(c.off - start);
		p->proto = nxt;
		switch (nxt) {
		case IP_PROTO_HOPOPTS:
		case IP_PROTO_ROUTING:
		case IP_PROTO_DSTOPTS:
		case IP_PROTO_AH:
		case IP_PROTO_FRAGMENT:
			break;
		default:
			return decode_ipproto(p, c, nxt, k);
		}
		if (n >= DECODE_IPV6_MAX_EXT)
			return decode_fail(p, k, EV_IPV6_EXT_TOO_MANY, DECODE_INVALID);
		if (!cursor_peek_u8(&c, 0, &nh) || !cursor_peek_u8(&c, 1, &elen8))
			return decode_fail(p, k, EV_IPV6_EXT_TRUNCATED, DECODE_TRUNCATED);

		if (nxt == IP_PROTO_FRAGMENT) {
			/* skipped: next header (peeked), reserved */
			if (!cursor_skip(&c, 2) || !cursor_be16(&c, &offm) || !cursor_be32(&c, &id))
				return decode_fail(p, k, EV_IPV6_EXT_TRUNCATED, DECODE_TRUNCATED);
			p->frag_offset = offm & IPV6_FRAG_OFF_MASK;
			p->frag_mf = offm & IPV6_FRAG_M;
			p->frag_id = id;
			p->flags |= PKT_FLAG_FRAGMENT;
			if (p->frag_offset != 0) {
				/* later fragment: the data carries no L4 header */
				p->proto = nh;
				h->len = (uint16_t)(c.off - start);
				decode_set_payload(p, &c);
				return DECODE_OK;
			}
		} else {
			uint32_t elen = nxt == IP_PROTO_AH ? ((uint32_t)elen8 + 2u) * 4u
							   : ((uint32_t)elen8 + 1u) * 8u;
			if (!cursor_skip(&c, elen))
				return decode_fail(p, k, EV_IPV6_EXT_TRUNCATED, DECODE_TRUNCATED);
		}
		nxt = nh;
	}
}
