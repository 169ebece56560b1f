/* l2tp.c: L2TPv2 header (RFC 2661 section 3.1), on UDP port 1701 (udp.c picks it).
 *
 *   0 1 2   4   6 7 8      12    16
 *   +-+-+---+-+-+-+-+------+------+--------------+-----------+-------------+
 *   |T|L|xx |S|x|O|P| xxxx | ver  | length (L)   | tunnel id | session id  |
 *   +-+-+---+-+-+-+-+------+------+--------------+-----------+-------------+
 *   | Ns (S)         | Nr (S)         | offset size (O) | offset pad ...   |
 *
 * Version 2 is decoded; version 3 (L2TPv3 over UDP, RFC 3931) ends
 * decoding without an error, its whole message as the payload; any other
 * version is EV_L2TP_BAD_VERSION. The length (L), when
 * present, covers the whole message: it limits the cursor, and one
 * shorter than the header is EV_L2TP_BAD_LEN. tunnel_id is tunnel id << 16
 * | session id. A control message (T) ends decoding, its AVPs as the
 * payload; a data message carries PPP (with or without FF 03, ppp.c). One
 * encapsulation (DECODE_TUNNEL_MAX_DEPTH). */
#include "decode.h"

#define L2TP_T 0x8000u
#define L2TP_L 0x4000u
#define L2TP_S 0x0800u
#define L2TP_O 0x0200u
#define L2TP_VER 0x000fu

enum decode_result decode_l2tp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t flags, len = 0, tid, sid, off;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (!cursor_be16(&c, &flags) || ((flags & L2TP_L) && !cursor_be16(&c, &len)) ||
	    !cursor_be16(&c, &tid) || !cursor_be16(&c, &sid))
		return decode_fail(p, k, EV_L2TP_TOO_SMALL, DECODE_TRUNCATED);
	struct pkt_hdr *h = decode_push_hdr(p, HDR_L2TP, start, c.off - start);
	if (h == NULL)
		return decode_too_deep(p, k);
	if ((flags & L2TP_VER) == 3)
		return DECODE_OK; /* L2TPv3: not decoded */
	if ((flags & L2TP_VER) != 2)
		return decode_fail(p, k, EV_L2TP_BAD_VERSION, DECODE_INVALID);
	p->tunnel_id = (uint32_t)tid << 16 | sid;
	/* skipped: Ns, Nr */
	if (((flags & L2TP_S) && !cursor_skip(&c, 4)) ||
	    ((flags & L2TP_O) && (!cursor_be16(&c, &off) || !cursor_skip(&c, off))))
		return decode_fail(p, k, EV_L2TP_TOO_SMALL, DECODE_TRUNCATED);
	const uint32_t hlen = c.off - start;
	h->len = (uint16_t)hlen;
	if (flags & L2TP_L) {
		if (len < hlen)
			return decode_fail(p, k, EV_L2TP_BAD_LEN, DECODE_INVALID);
		if (cursor_left(&c) < len - hlen && !(p->flags & PKT_FLAG_FRAGMENT))
			p->flags |= PKT_FLAG_TRUNCATED;
		cursor_limit(&c, len - hlen);
	}
	decode_set_payload(p, &c);
	if (flags & L2TP_T)
		return DECODE_OK; /* control message */
	if (!decode_enter_tunnel(p, k))
		return DECODE_INVALID;
	return decode_ppp(p, c, k);
}
