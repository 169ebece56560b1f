/* pppoe.c: PPPoE header, discovery (EtherType 0x8863) and session (0x8864) stages (RFC 2516 section 4).
 *
 *   0        1      2            4            6
 *   +--------+------+------------+------------+---------------------
 *   |VER|TYPE| code | session id | length     | payload (PPP / tags)
 *   +--------+------+------------+------------+---------------------
 *
 * Version and type must both be 1 (EV_PPPOE_BAD_VERSION). The length is
 * that of the payload: it limits the cursor (Ethernet padding is not
 * payload; a longer length than captured flags the packet truncated).
 * Discovery packets (PADI 0x09, PADO 0x07, PADR 0x19, PADS 0x65, PADT
 * 0xa7) end decoding with the tags as the payload. Session packets must
 * have code 0 (EV_PPPOE_BAD_CODE) and carry a PPP protocol field, no
 * address/control bytes (ppp.c). */
#include "decode.h"
#include "proto.h"

#define PPPOE_HDR_LEN 6u
#define PPPOE_VER_TYPE 0x11u

enum decode_result decode_pppoe(struct pkt *p, struct cursor c, bool session, struct decode_counters *k)
{
	uint8_t vt, code;
	uint16_t sid, len;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (!cursor_u8(&c, &vt) || !cursor_u8(&c, &code) || !cursor_be16(&c, &sid) ||
	    !cursor_be16(&c, &len))
		return decode_fail(p, k, EV_PPPOE_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_PPPOE, start, PPPOE_HDR_LEN))
		return decode_too_deep(p, k);
	p->pppoe_code = code;
	p->pppoe_session = sid;
	if (vt != PPPOE_VER_TYPE)
		return decode_fail(p, k, EV_PPPOE_BAD_VERSION, DECODE_INVALID);
	if (session && code != 0)
		return decode_fail(p, k, EV_PPPOE_BAD_CODE, DECODE_INVALID);
	if (cursor_left(&c) < len)
		p->flags |= PKT_FLAG_TRUNCATED;
	cursor_limit(&c, len);
	decode_set_payload(p, &c);
	if (!session)
		return DECODE_OK;
	return decode_ppp(p, c, k);
}
