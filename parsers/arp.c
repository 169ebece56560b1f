/* arp.c: ARP and RARP (RFC 826, RFC 903), any hardware/protocol address sizes.
 *
 *   0       2       4    5    6       8
 *   +-------+-------+----+----+-------+----------------------------+
 *   | htype | ptype |hlen|plen|  op   | sha, spa, tha, tpa         |
 *   +-------+-------+----+----+-------+----------------------------+
 *
 * The header declares its own length (8 + 2*(hlen+plen)); whatever follows
 * is link padding, so the payload is empty and ends the ARP message. */
#include "decode.h"

#define ARP_FIXED_LEN 8u

enum decode_result decode_arp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t htype, ptype, op;
	uint8_t hlen, plen;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	uint32_t avail = cursor_left(&c);
	if (!cursor_be16(&c, &htype) || !cursor_be16(&c, &ptype) || !cursor_u8(&c, &hlen) ||
	    !cursor_u8(&c, &plen) || !cursor_be16(&c, &op))
		return decode_fail(p, k, EV_ARP_TOO_SMALL, DECODE_TRUNCATED);
	(void)htype; /* any hardware/protocol pair: sizes come from hlen/plen */
	(void)ptype;

	uint32_t len = ARP_FIXED_LEN + 2u * ((uint32_t)hlen + plen);
	p->l3_off = start;
	p->l3_len = len < avail ? len : avail;
	p->arp_op = op;
	p->layers |= 1u << LAYER_ARP;

	if (!cursor_skip(&c, len - ARP_FIXED_LEN))
		return decode_fail(p, k, EV_ARP_TOO_SMALL, DECODE_TRUNCATED);
	p->payload_off = c.off;
	p->payload_len = 0;
	return DECODE_OK;
}
