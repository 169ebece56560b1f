/* vlan.c: IEEE 802.1Q / 802.1ad VLAN tags, stacked (IEEE 802.1Q-2018 clause 9).
 *
 * Each tag after its TPID is 4 bytes: TCI (PCP 3 bits, DEI 1, VID 12) and
 * the next EtherType. The stack is walked in a loop (0x8100, 0x88a8 and the
 * pre-standard 0x9100 all nest), one hdrs entry per tag; the first
 * PKT_MAX_VLANS tags are recorded outermost first, deeper ones only
 * counted, and more than DECODE_VLAN_MAX_DEPTH tags is EV_VLAN_TOO_DEEP.
 * Only the stack right after the frame's first header (Ethernet, SLL, SLL2)
 * fills vlan_* and LAYER_VLAN: tags of an inner Ethernet frame (a tunnel,
 * 0x6558 bridging, SNAP) or after a C-HDLC protocol field are in hdrs only. A next "type" below
 * 0x0600 is an 802.3 length: LLC follows. */
#include "decode.h"
#include "proto.h"

static inline bool vlan_is_tpid(uint16_t type)
{
	return type == ETH_TYPE_VLAN || type == ETH_TYPE_QINQ || type == ETH_TYPE_QINQ_9100;
}

enum decode_result decode_vlan(struct pkt *p, struct cursor c, uint16_t tpid, struct decode_counters *k)
{
	uint16_t tci, type;
	/* the tags right after the first header, an Ethernet or cooked one:
	 * not those of an inner Ethernet frame or after a C-HDLC protocol */
	const bool outer = p->nhdrs == 1 && (p->hdrs[0].type == HDR_ETH || p->hdrs[0].type == HDR_SLL ||
					     p->hdrs[0].type == HDR_SLL2);

	for (unsigned n = 0;; n++) {
		decode_set_payload(p, &c);
		if (n >= DECODE_VLAN_MAX_DEPTH)
			return decode_fail(p, k, EV_VLAN_TOO_DEEP, DECODE_INVALID);
		uint32_t start = c.off;
		if (!cursor_be16(&c, &tci) || !cursor_be16(&c, &type))
			return decode_fail(p, k, EV_VLAN_TOO_SMALL, DECODE_TRUNCATED);
		if (!decode_push_hdr(p, HDR_VLAN, start, 4))
			return decode_too_deep(p, k);
		if (outer) {
			if (p->vlan_count < PKT_MAX_VLANS) {
				p->vlan_tpid[p->vlan_count] = tpid;
				p->vlan_id[p->vlan_count] = tci & 0x0fffu;
			}
			p->vlan_count++;
			p->layers |= 1u << LAYER_VLAN;
		}
		if (type < ETH_TYPE_MIN)
			return decode_8023(p, c, type, k);
		p->ethertype = type;
		if (!vlan_is_tpid(type))
			return decode_ethertype(p, c, type, k);
		tpid = type;
	}
}
