/* icmpv6.c: ICMPv6 (RFC 4443).
 *
 *   0    1    2      4                8
 *   +----+----+------+----------------+------
 *   |type|code| csum | message body   | ...
 *   +----+----+------+----------------+------
 *
 * Type and code need 4 bytes; the payload starts after the first 8 bytes
 * (the fixed part of every message), or after 4 when fewer are there. */
#include "decode.h"

enum decode_result decode_icmpv6(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t type, code;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: checksum */
	if (!cursor_u8(&c, &type) || !cursor_u8(&c, &code) || !cursor_skip(&c, 2))
		return decode_fail(p, k, EV_ICMPV6_TOO_SMALL, DECODE_TRUNCATED);
	p->l4_off = start;
	p->icmp_type = type;
	p->icmp_code = code;
	p->layers |= 1u << LAYER_ICMPV6;
	(void)cursor_skip(&c, 4); /* optional: message body's first word, when captured */
	decode_set_payload(p, &c);
	return DECODE_OK;
}
