/* erspan.c: ERSPAN type II and type III headers inside GRE (draft-foschiano-erspan-03 sections 4.1, 4.2).
 *
 *   type II (GRE 0x88be with a sequence number), 8 bytes:
 *   | ver=1 (4) | VLAN (12) | COS (3) | En (2) | T | session id (10) |
 *   | reserved (12)         | index (20)                            |
 *
 *   type III (GRE 0x22eb), 12 bytes (+ 8 when O):
 *   | ver=2 (4) | VLAN (12) | COS (3) | BSO (2) | T | session id (10) |
 *   | timestamp (32)                                                  |
 *   | SGT (16)              | P | FT (5) | HW ID (6) | D | Gra (2) | O |
 *   | platform specific subheader (8, when O)                         |
 *
 * A version other than 1 / 2 is EV_ERSPAN_BAD_VERSION. The session id
 * goes to tunnel_id. The mirrored frame follows: Ethernet, unless a type
 * III frame type (FT) is not 0 (Ethernet), where decoding stops. ERSPAN
 * type I (0x88be without a GRE sequence number) has no header (gre.c). */
#include "decode.h"

#define ERSPAN_II_LEN 8u
#define ERSPAN_III_LEN 12u
#define ERSPAN_III_PLATFORM_LEN 8u

enum decode_result decode_erspan(struct pkt *p, struct cursor c, bool type3, struct decode_counters *k)
{
	uint16_t w0, w1, sgt, w3;
	uint32_t skip;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: type II reserved/index, type III timestamp */
	if (!cursor_be16(&c, &w0) || !cursor_be16(&c, &w1) || !cursor_be32(&c, &skip))
		return decode_fail(p, k, EV_ERSPAN_TOO_SMALL, DECODE_TRUNCATED);
	sgt = w3 = 0;
	if (type3 && (!cursor_be16(&c, &sgt) || !cursor_be16(&c, &w3)))
		return decode_fail(p, k, EV_ERSPAN_TOO_SMALL, DECODE_TRUNCATED);
	(void)sgt;
	struct pkt_hdr *h = decode_push_hdr(p, HDR_ERSPAN, start, c.off - start);
	if (h == NULL)
		return decode_too_deep(p, k);
	if ((w0 >> 12) != (type3 ? 2u : 1u))
		return decode_fail(p, k, EV_ERSPAN_BAD_VERSION, DECODE_INVALID);
	p->tunnel_id = w1 & 0x03ffu;
	if (type3 && (w3 & 1u)) { /* O: platform specific subheader */
		if (!cursor_skip(&c, ERSPAN_III_PLATFORM_LEN))
			return decode_fail(p, k, EV_ERSPAN_TOO_SMALL, DECODE_TRUNCATED);
		h->len = (uint16_t)(c.off - start);
	}
	decode_set_payload(p, &c);
	if (type3 && ((w3 >> 10) & 0x1fu) != 0)
		return DECODE_OK; /* not an Ethernet frame */
	return decode_ethernet(p, c, k);
}
