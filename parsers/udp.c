/* udp.c: UDP header (RFC 768).
 *
 *   0       2       4       6       8
 *   +-------+-------+-------+-------+------
 *   | sport | dport | len   | csum  | data
 *   +-------+-------+-------+-------+------
 *
 * The length covers header and data: below 8 is EV_UDP_BAD_LEN (ports are
 * still set); a length shorter than what the IP layer left limits the
 * payload, a longer one marks the packet truncated. */
#include "decode.h"

#define UDP_HDR_LEN 8u

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
	return DECODE_OK;
}
