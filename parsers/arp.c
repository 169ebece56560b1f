/* arp.c: ARP and RARP (RFC 826, RFC 903), any hardware/protocol address sizes.
 *
 *   0       2       4    5    6       8
 *   +-------+-------+----+----+-------+----------------------------+
 *   | htype | ptype |hlen|plen|  op   | sha, spa, tha, tpa         |
 *   +-------+-------+----+----+-------+----------------------------+
 *
 * The header declares its own length (8 + 2*(hlen+plen)); whatever follows
 * is link padding, so the payload is empty and ends the ARP message. The
 * fixed fields fill arp_op/htype/ptype/hlen/plen; once every address is
 * captured, arp_sha_off .. arp_tpa_off point at them (sender hardware,
 * sender protocol, target hardware, target protocol: for Ethernet/IPv4 a
 * MAC, an IPv4 address, a MAC, an IPv4 address). */
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
	struct pkt_hdr *h = decode_push_hdr(p, HDR_ARP, start, ARP_FIXED_LEN);
	if (h == NULL)
		return decode_too_deep(p, k);
	decode_begin_l3(p);

	uint32_t len = ARP_FIXED_LEN + 2u * ((uint32_t)hlen + plen);
	p->l3_off = start;
	p->l3_len = len < avail ? len : avail;
	p->arp_op = op;
	p->arp_htype = htype;
	p->arp_ptype = ptype;
	p->arp_hlen = hlen;
	p->arp_plen = plen;
	p->layers |= 1u << LAYER_ARP;

	if (!cursor_skip(&c, len - ARP_FIXED_LEN))
		return decode_fail(p, k, EV_ARP_TOO_SMALL, DECODE_TRUNCATED);
	h->len = (uint16_t)len;
	p->arp_sha_off = start + ARP_FIXED_LEN;
	p->arp_spa_off = p->arp_sha_off + hlen;
	p->arp_tha_off = p->arp_spa_off + plen;
	p->arp_tpa_off = p->arp_tha_off + hlen;
	p->payload_off = c.off;
	p->payload_len = 0;
	return DECODE_OK;
}
