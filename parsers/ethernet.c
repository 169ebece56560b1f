/* ethernet.c: Ethernet II and IEEE 802.3 frame headers (IEEE 802.3-2018 clause 3, RFC 894).
 *
 *   0      6      12     14
 *   +------+------+------+---------
 *   | dst  | src  | type | payload
 *   +------+------+------+---------
 *
 * A type/length field of 0x0600 or more is an EtherType; below it is an
 * 802.3 length and LLC follows (llc.c: PKT_FLAG_LLC, the LLC header and
 * its data within that length, so trailing padding is left out). Inside a
 * tunnel this is the inner Ethernet header: eth_off moves to it. */
#include "decode.h"
#include "proto.h"

enum decode_result decode_ethernet(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t type;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: MACs, read by consumers at eth_off */
	if (!cursor_skip(&c, 12) || !cursor_be16(&c, &type))
		return decode_fail(p, k, EV_ETH_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_ETH, start, 14))
		return decode_too_deep(p, k);
	p->eth_off = start;
	p->layers |= 1u << LAYER_ETH;

	if (type < ETH_TYPE_MIN)
		return decode_8023(p, c, type, k); /* `type` is the LLC length */
	return decode_ethertype(p, c, type, k);
}
