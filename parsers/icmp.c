/* icmp.c: ICMP for IPv4 (RFC 792).
 *
 *   0    1    2      4                8
 *   +----+----+------+----------------+------
 *   |type|code| csum | rest of header | data
 *   +----+----+------+----------------+------
 *
 * Type and code need 4 bytes; the payload starts after the 8-byte header,
 * or after 4 when fewer than 8 bytes are there (not an error). */
#include "decode.h"

enum decode_result decode_icmp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t type, code;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: checksum */
	if (!cursor_u8(&c, &type) || !cursor_u8(&c, &code) || !cursor_skip(&c, 2))
		return decode_fail(p, k, EV_ICMP_TOO_SMALL, DECODE_TRUNCATED);
	p->l4_off = start;
	p->icmp_type = type;
	p->icmp_code = code;
	p->layers |= 1u << LAYER_ICMP;
	(void)cursor_skip(&c, 4); /* optional: rest of header, when captured */
	decode_set_payload(p, &c);
	return DECODE_OK;
}
