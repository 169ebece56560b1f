/* sll2.c: Linux cooked capture v2 header (LINKTYPE_LINUX_SLL2, tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html).
 *
 *   0       2       4         8        10  11  12          20
 *   +-------+-------+---------+--------+---+---+-----------+--------
 *   | proto | rsvd  | ifindex | ARPHRD |pkt|aln| addr (8)  | payload
 *   +-------+-------+---------+--------+---+---+-----------+--------
 *
 * Same protocol semantics as v1 (decode_sll_next in sll.c). The ifindex in
 * the header is not copied: pkt->ifindex is the capture file's interface. */
#include "decode.h"

enum decode_result decode_sll2(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t proto, hatype;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: reserved, interface index; packet type, address length, address */
	if (!cursor_be16(&c, &proto) || !cursor_skip(&c, 6) || !cursor_be16(&c, &hatype) ||
	    !cursor_skip(&c, 10))
		return decode_fail(p, k, EV_SLL2_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_SLL2, start, 20))
		return decode_too_deep(p, k);
	p->layers |= 1u << LAYER_SLL2;
	return decode_sll_next(p, c, hatype, proto, k);
}
