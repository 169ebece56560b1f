/* chdlc.c: Cisco HDLC header (LINKTYPE_C_HDLC, tcpdump.org/linktypes/LINKTYPE_C_HDLC.html; tcpdump print-chdlc.c).
 *
 *   0         1         2            4
 *   +---------+---------+------------+---------
 *   | address | control | protocol   | payload
 *   +---------+---------+------------+---------
 *
 * Address 0x0F (unicast) or 0x8F (broadcast), control 0x00; neither is
 * checked. The protocol is an EtherType (IPv4, IPv6, MPLS, ...) and is
 * dispatched as one, except 0x8035, which here is SLARP (Cisco serial line
 * keepalives), not RARP: decoding stops there, as it does at CDP (0x2000)
 * and other Cisco protocols. */
#include "decode.h"
#include "proto.h"

#define CHDLC_HDR_LEN 4u

enum decode_result decode_chdlc(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t proto;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: address, control */
	if (!cursor_skip(&c, 2) || !cursor_be16(&c, &proto))
		return decode_fail(p, k, EV_CHDLC_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_CHDLC, start, CHDLC_HDR_LEN))
		return decode_too_deep(p, k);
	if (proto == ETH_TYPE_SLARP) {
		p->ethertype = proto;
		decode_set_payload(p, &c);
		return DECODE_OK;
	}
	return decode_ethertype(p, c, proto, k);
}
