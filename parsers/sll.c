/* sll.c: Linux cooked capture v1 header (LINKTYPE_LINUX_SLL, tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html).
 *
 *   0        2        4        6                14       16
 *   +--------+--------+--------+----------------+--------+--------
 *   | pkttype| ARPHRD | addrlen| address (8)    | proto  | payload
 *   +--------+--------+--------+----------------+--------+--------
 *
 * The protocol is an EtherType when >= 0x0600 (IPv4, IPv6, ARP, VLAN...),
 * except on ARPHRD_NETLINK where it is a netlink family; smaller values
 * name a frame kind: 0x0004 = 802.2 LLC (llc.c follows), others stop
 * decoding there. The SLL v2 header (sll2.c) shares the dispatch below. */
#include "decode.h"
#include "proto.h"

/* Next layer of a cooked header: `c` is just past it. Shared with sll2.c. */
enum decode_result decode_sll_next(struct pkt *p, struct cursor c, uint16_t hatype, uint16_t proto,
				   struct decode_counters *k)
{
	p->sll_proto = proto;
	if (hatype != ARPHRD_NUM_NETLINK && proto >= ETH_TYPE_MIN)
		return decode_ethertype(p, c, proto, k);
	if (proto == SLL_PROTO_802_2) {
		p->flags |= PKT_FLAG_LLC;
		return decode_llc(p, c, k);
	}
	decode_set_payload(p, &c);
	return DECODE_OK;
}

enum decode_result decode_sll(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t hatype, proto;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: packet type; address length, address */
	if (!cursor_skip(&c, 2) || !cursor_be16(&c, &hatype) || !cursor_skip(&c, 10) ||
	    !cursor_be16(&c, &proto))
		return decode_fail(p, k, EV_SLL_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_SLL, start, 16))
		return decode_too_deep(p, k);
	p->layers |= 1u << LAYER_SLL;
	return decode_sll_next(p, c, hatype, proto, k);
}
