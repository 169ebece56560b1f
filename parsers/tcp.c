/* tcp.c: TCP header (RFC 9293 section 3.1).
 *
 *   0     2     4     8     12        14     16    18    20
 *   +-----+-----+-----+-----+---------+------+-----+-----+---------+------
 *   |sport|dport| seq | ack |off/flags|window|csum | urg | options | data
 *   +-----+-----+-----+-----+---------+------+-----+-----+---------+------
 *
 * The fixed 20 bytes fill ports, sequence numbers, flags and window (and set
 * LAYER_TCP); then the data offset must be >= 5 and its options must fit.
 * Options are skipped, not parsed. The payload is what follows, within the
 * length the IP layer declared. */
#include "decode.h"

#define TCP_MIN_HDR_LEN 20u

enum decode_result decode_tcp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t sport, dport, offflags, window;
	uint32_t seq, ack;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: checksum, urgent pointer */
	if (!cursor_be16(&c, &sport) || !cursor_be16(&c, &dport) || !cursor_be32(&c, &seq) ||
	    !cursor_be32(&c, &ack) || !cursor_be16(&c, &offflags) || !cursor_be16(&c, &window) ||
	    !cursor_skip(&c, 4))
		return decode_fail(p, k, EV_TCP_TOO_SMALL, DECODE_TRUNCATED);
	struct pkt_hdr *h = decode_push_hdr(p, HDR_TCP, start, TCP_MIN_HDR_LEN);
	if (h == NULL)
		return decode_too_deep(p, k);
	p->l4_off = start;
	p->sport = sport;
	p->dport = dport;
	p->seq = seq;
	p->ack = ack;
	p->tcp_flags = offflags & 0x0fffu;
	p->tcp_window = window;
	p->layers |= 1u << LAYER_TCP;

	uint32_t hlen = (uint32_t)(offflags >> 12) * 4u;
	if (hlen < TCP_MIN_HDR_LEN)
		return decode_fail(p, k, EV_TCP_BAD_OFFSET, DECODE_INVALID);
	if (!cursor_skip(&c, hlen - TCP_MIN_HDR_LEN))
		return decode_fail(p, k, EV_TCP_OPTIONS_TRUNCATED, DECODE_TRUNCATED);
	h->len = (uint16_t)hlen;
	decode_set_payload(p, &c);
	return DECODE_OK;
}
