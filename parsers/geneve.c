/* geneve.c: Geneve header (RFC 8926 section 3.4), on UDP port 6081 (udp.c picks it).
 *
 *   0         1       2                4                7      8
 *   +---+-----+-+-+---+----------------+----------------+------+---------
 *   |Ver|OptLn|O|C|rsv| protocol type  | VNI (24)       | rsvd | options
 *   +---+-----+-+-+---+----------------+----------------+------+---------
 *
 * Version must be 0 (EV_GENEVE_BAD_VERSION); the options (OptLen * 4
 * bytes) are skipped as a whole (EV_GENEVE_OPTIONS_TRUNCATED when cut).
 * The VNI goes to tunnel_id. The protocol type is an EtherType: 0x6558
 * (Ethernet), IPv4 and IPv6 are decoded, others end decoding. One
 * encapsulation (DECODE_TUNNEL_MAX_DEPTH). */
#include "decode.h"

#define GENEVE_HDR_LEN 8u

enum decode_result decode_geneve(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t vo, flags;
	uint16_t proto;
	uint32_t vni;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (!cursor_u8(&c, &vo) || !cursor_u8(&c, &flags) || !cursor_be16(&c, &proto) ||
	    !cursor_be32(&c, &vni))
		return decode_fail(p, k, EV_GENEVE_TOO_SMALL, DECODE_TRUNCATED);
	(void)flags; /* O (control packet) and C (critical options) */
	struct pkt_hdr *h = decode_push_hdr(p, HDR_GENEVE, start, GENEVE_HDR_LEN);
	if (h == NULL)
		return decode_too_deep(p, k);
	if ((vo >> 6) != 0)
		return decode_fail(p, k, EV_GENEVE_BAD_VERSION, DECODE_INVALID);
	p->tunnel_id = vni >> 8;
	if (!cursor_skip(&c, (uint32_t)(vo & 0x3fu) * 4u))
		return decode_fail(p, k, EV_GENEVE_OPTIONS_TRUNCATED, DECODE_TRUNCATED);
	h->len = (uint16_t)(c.off - start);
	decode_set_payload(p, &c);
	if (!decode_enter_tunnel(p, k))
		return DECODE_INVALID;
	return decode_ethertype(p, c, proto, k);
}
