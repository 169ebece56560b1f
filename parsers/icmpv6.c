/* icmpv6.c: ICMPv6 (RFC 4443).
 *
 *   0    1    2      4                8
 *   +----+----+------+----------------+------
 *   |type|code| csum | message body   | ...
 *   +----+----+------+----------------+------
 *
 * Type and code need 4 bytes; the payload starts after the first 8 bytes
 * (the fixed part of every message), or after 4 when fewer are there.
 *
 * Error messages (destination unreachable 1, packet too big 2, time
 * exceeded 3, parameter problem 4) quote the offending packet after the
 * 8-byte header; it is decoded as for ICMP (decode_icmp_quote in icmp.c),
 * limited by an RFC 4884 length (byte 4 of types 1 and 3, in 64-bit
 * words) when one is set. */
#include "decode.h"

enum decode_result decode_icmpv6(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t type, code, len4884;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: checksum */
	if (!cursor_u8(&c, &type) || !cursor_u8(&c, &code) || !cursor_skip(&c, 2))
		return decode_fail(p, k, EV_ICMPV6_TOO_SMALL, DECODE_TRUNCATED);
	struct pkt_hdr *h = decode_push_hdr(p, HDR_ICMPV6, start, 4);
	if (h == NULL)
		return decode_too_deep(p, k);
	p->l4_off = start;
	p->icmp_type = type;
	p->icmp_code = code;
	p->layers |= 1u << LAYER_ICMPV6;
	if (!cursor_peek_u8(&c, 0, &len4884) || !cursor_skip(&c, 4)) {
		decode_set_payload(p, &c); /* optional: message body's first word, when captured */
		return DECODE_OK;
	}
	h->len = 8;
	decode_set_payload(p, &c);
	if (type >= 1 && type <= 4) {
		if (len4884 != 0 && (type == 1 || type == 3))
			cursor_limit(&c, (uint32_t)len4884 * 8u);
		decode_icmp_quote(p, c, true, k);
	}
	return DECODE_OK;
}
