/* ipv4.c: IPv4 header (RFC 791; fragmentation per RFC 791 section 3.2, RFC 815).
 *
 *   0   1       2       4       6         8     9     10      12    16    20
 *   +---+-------+-------+-------+---------+-----+-----+-------+-----+-----+---------+
 *   |VHL| TOS   | total | id    |flags/off| TTL |proto| csum  | src | dst | options |
 *   +---+-------+-------+-------+---------+-----+-----+-------+-----+-----+---------+
 *
 * Checks version, IHL >= 5, header fits, total length >= IHL*4; options are
 * skipped by IHL, not parsed. The cursor is then limited to the total
 * length (Ethernet padding is never payload). Total length 0 (TSO/LRO
 * captures) means "up to caplen". A first fragment is decoded into L4 as
 * tcpdump does; a later fragment stops with its data as the payload.
 * Inside an outer fragment (a tunnel in a first fragment) a total length
 * beyond the captured bytes is expected, not a truncated capture. Protocol
 * 4 and 41 (IP-in-IP), 47 (GRE) and the UDP tunnels carry inner headers
 * that overwrite these fields (packet.h). */
#include "decode.h"
#include "proto.h"

#define IPV4_MIN_HDR_LEN 20u
#define IPV4_FLAG_DF 0x4000u
#define IPV4_FLAG_MF 0x2000u
#define IPV4_OFF_MASK 0x1fffu

enum decode_result decode_ipv4(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t vhl, tos, ttl, proto;
	uint16_t total, id, frag, csum;
	const bool in_frag = (p->flags & PKT_FLAG_FRAGMENT) != 0; /* an outer header's */

	decode_set_payload(p, &c);
	if (!cursor_peek_u8(&c, 0, &vhl))
		return decode_fail(p, k, EV_IPV4_TOO_SMALL, DECODE_TRUNCATED);
	if ((vhl >> 4) != 4)
		return decode_fail(p, k, EV_IPV4_BAD_VERSION, DECODE_INVALID);

	struct cursor hdr = c; /* the header and what follows, from its first byte */
	uint32_t avail = cursor_left(&c);
	/* skipped: addresses, read by consumers at l3_off + 12 */
	if (!cursor_u8(&c, &vhl) || !cursor_u8(&c, &tos) || !cursor_be16(&c, &total) ||
	    !cursor_be16(&c, &id) || !cursor_be16(&c, &frag) || !cursor_u8(&c, &ttl) ||
	    !cursor_u8(&c, &proto) || !cursor_be16(&c, &csum) || !cursor_skip(&c, 8))
		return decode_fail(p, k, EV_IPV4_TOO_SMALL, DECODE_TRUNCATED);
	(void)tos;
	(void)csum;
	struct pkt_hdr *h = decode_push_hdr(p, HDR_IPV4, hdr.off, IPV4_MIN_HDR_LEN);
	if (h == NULL)
		return decode_too_deep(p, k);
	decode_begin_l3(p);

	uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4u;
	p->l3_off = hdr.off;
	p->l3_len = (total != 0 && total < avail) ? total : avail;
	p->ip_version = 4;
	p->proto = proto;
	p->ttl = ttl;
	p->frag_id = id;
	p->frag_offset = (uint16_t)((frag & IPV4_OFF_MASK) * 8u);
	p->frag_mf = (frag & IPV4_FLAG_MF) != 0;
	p->ip_df = (frag & IPV4_FLAG_DF) != 0;
	if (frag & (IPV4_FLAG_MF | IPV4_OFF_MASK)) /* locals: no store-to-load round trip */
		p->flags |= PKT_FLAG_FRAGMENT;
	p->layers |= 1u << LAYER_IPV4;

	if (hlen < IPV4_MIN_HDR_LEN)
		return decode_fail(p, k, EV_IPV4_BAD_IHL, DECODE_INVALID);
	if (total != 0) {
		if (total < hlen)
			return decode_fail(p, k, EV_IPV4_BAD_TOTAL_LEN, DECODE_INVALID);
		if (total > avail && !in_frag)
			p->flags |= PKT_FLAG_TRUNCATED;
		cursor_limit(&hdr, total);
	}
	decode_set_payload(p, &hdr);
	if (!cursor_skip(&hdr, hlen))
		return decode_fail(p, k, EV_IPV4_OPTIONS_TRUNCATED, DECODE_TRUNCATED);
	h->len = (uint16_t)hlen;

	decode_set_payload(p, &hdr);
	if (frag & IPV4_OFF_MASK)
		return DECODE_OK; /* later fragment: no L4 header here */
	return decode_ipproto(p, hdr, proto, k);
}
