/* vxlan.c: VXLAN header (RFC 7348 section 5), on UDP port 4789 (udp.c picks it).
 *
 *   0       1                4                         7        8
 *   +-------+----------------+-------------------------+--------+----------
 *   | flags | reserved (24)  | VNI (24)                | rsvd   | Ethernet
 *   +-------+----------------+-------------------------+--------+----------
 *
 * The I flag (0x08) must be set (EV_VXLAN_BAD_FLAGS otherwise: RFC 7348
 * receivers drop such packets; tshark decodes them regardless); other
 * bits are not checked. The VNI goes to tunnel_id, the inner Ethernet
 * frame follows; one encapsulation (DECODE_TUNNEL_MAX_DEPTH). */
#include "decode.h"

#define VXLAN_HDR_LEN 8u
#define VXLAN_FLAG_I 0x08u

enum decode_result decode_vxlan(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t flags;
	uint32_t vni;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: reserved fields */
	if (!cursor_u8(&c, &flags) || !cursor_skip(&c, 3) || !cursor_be32(&c, &vni))
		return decode_fail(p, k, EV_VXLAN_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_VXLAN, start, VXLAN_HDR_LEN))
		return decode_too_deep(p, k);
	if (!(flags & VXLAN_FLAG_I))
		return decode_fail(p, k, EV_VXLAN_BAD_FLAGS, DECODE_INVALID);
	p->tunnel_id = vni >> 8;
	decode_set_payload(p, &c);
	if (!decode_enter_tunnel(p, k))
		return DECODE_INVALID;
	return decode_ethernet(p, c, k);
}
