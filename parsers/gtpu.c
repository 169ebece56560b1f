/* gtpu.c: GTP-U version 1 header (3GPP TS 29.281 section 5), on UDP port 2152 (udp.c picks it).
 *
 *   0               1        2        4              8
 *   +---+--+-+-+-+--+--------+--------+--------------+
 *   |ver|PT|*|E|S|PN| type   | length | TEID         |
 *   +---+--+-+-+-+--+--------+--------+--------------+
 *   | sequence (16)  | N-PDU | next ext type |  when any of E, S, PN
 *   +----------------+-------+---------------+
 *   | ext: length (4-byte units) | content | next ext type |  while next != 0
 *
 * Version 1 with PT 1 is GTP-U; version 2 (GTPv2-C) and PT 0 (GTP') are
 * control protocols, ending decoding without an error; other versions
 * are EV_GTPU_BAD_VERSION. The length (bytes after the first 8) limits
 * the cursor. Extension headers are walked by their length (0 is
 * EV_GTPU_BAD_EXT_LEN, one past the end EV_GTPU_EXT_TRUNCATED); the loop
 * ends because each takes at least 4 bytes. The TEID goes to tunnel_id.
 * Message type 255 (G-PDU) carries a user packet, IPv4 or IPv6 by its
 * first nibble (anything else stops; no byte at all is EV_GTPU_TOO_SMALL);
 * other message types (echo, error
 * indication, end marker) end decoding. One encapsulation
 * (DECODE_TUNNEL_MAX_DEPTH). */
#include "decode.h"

#define GTPU_HDR_LEN 8u
#define GTPU_FLAG_PT 0x10u
#define GTPU_FLAGS_OPT 0x07u /* E, S, PN: the 4 optional bytes are present */
#define GTPU_FLAG_E 0x04u
#define GTPU_MSG_GPDU 255u

enum decode_result decode_gtpu(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t flags, type, next, elen, nibble;
	uint16_t len;
	uint32_t teid;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (!cursor_u8(&c, &flags) || !cursor_u8(&c, &type) || !cursor_be16(&c, &len) ||
	    !cursor_be32(&c, &teid))
		return decode_fail(p, k, EV_GTPU_TOO_SMALL, DECODE_TRUNCATED);
	struct pkt_hdr *h = decode_push_hdr(p, HDR_GTPU, start, GTPU_HDR_LEN);
	if (h == NULL)
		return decode_too_deep(p, k);
	const unsigned ver = flags >> 5;
	if (ver == 2 || (ver == 1 && !(flags & GTPU_FLAG_PT)))
		return DECODE_OK; /* GTPv2-C or GTP': control, not user data */
	if (ver != 1)
		return decode_fail(p, k, EV_GTPU_BAD_VERSION, DECODE_INVALID);
	p->tunnel_id = teid;
	/* In a first IP fragment the length spans the other fragments too. */
	if (cursor_left(&c) < len && !(p->flags & PKT_FLAG_FRAGMENT))
		p->flags |= PKT_FLAG_TRUNCATED;
	cursor_limit(&c, len);

	if (flags & GTPU_FLAGS_OPT) {
		/* skipped: sequence number, N-PDU number */
		if (!cursor_skip(&c, 3) || !cursor_u8(&c, &next))
			return decode_fail(p, k, EV_GTPU_TOO_SMALL, DECODE_TRUNCATED);
		if (!(flags & GTPU_FLAG_E))
			next = 0; /* the field is there, but not meaningful */
		while (next != 0) {
			if (!cursor_peek_u8(&c, 0, &elen))
				return decode_fail(p, k, EV_GTPU_EXT_TRUNCATED, DECODE_TRUNCATED);
			if (elen == 0)
				return decode_fail(p, k, EV_GTPU_BAD_EXT_LEN, DECODE_INVALID);
			if (!cursor_skip(&c, (uint32_t)elen * 4u - 1u) || !cursor_u8(&c, &next))
				return decode_fail(p, k, EV_GTPU_EXT_TRUNCATED, DECODE_TRUNCATED);
		}
		h->len = (uint16_t)(c.off - start);
	}
	decode_set_payload(p, &c);
	if (type != GTPU_MSG_GPDU)
		return DECODE_OK;
	if (!cursor_peek_u8(&c, 0, &nibble)) /* a G-PDU carries a packet */
		return decode_fail(p, k, EV_GTPU_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_enter_tunnel(p, k))
		return DECODE_INVALID;
	switch (nibble >> 4) {
	case 4:
		return decode_ipv4(p, c, k);
	case 6:
		return decode_ipv6(p, c, k);
	default:
		return DECODE_OK;
	}
}
