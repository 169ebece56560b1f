/* llc.c: IEEE 802.2 LLC header and SNAP (IEEE 802-2014 clause 10.5), after an 802.3 length field or SLL's 802.2 protocol.
 *
 *   0      1      2            3/4
 *   +------+------+------------+-------------------------
 *   | DSAP | SSAP | control    | data  (SNAP: OUI(3) PID(2))
 *   +------+------+------------+-------------------------
 *
 * The control field is one byte for U-format frames (low bits 11) and two
 * for I/S-format ones; llc_ctrl holds it as tshark shows it (first byte in
 * the low 8 bits). DSAP = SSAP = 0xAA (SSAP's C/R bit aside) is SNAP: a
 * 3-byte OUI and a 2-byte protocol id, which is an EtherType and dispatched
 * as one when the OUI is 0 (RFC 1042) or Cisco's 00-00-0C; other OUIs stop
 * decoding there. A frame starting FF FF is Novell "raw" 802.3 (IPX with no
 * LLC): decoding stops without an error. */
#include "decode.h"
#include "proto.h"

#define LLC_SAP_SNAP 0xaau
#define SNAP_HDR_LEN 5u
#define SNAP_OUI_ENCAP 0x000000u /* RFC 1042: the PID is an EtherType */
#define SNAP_OUI_CISCO 0x00000cu

enum decode_result decode_8023(struct pkt *p, struct cursor c, uint16_t len, struct decode_counters *k)
{
	p->flags |= PKT_FLAG_LLC;
	if (cursor_left(&c) < len)
		p->flags |= PKT_FLAG_TRUNCATED;
	cursor_limit(&c, len);
	return decode_llc(p, c, k);
}

enum decode_result decode_llc(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t dsap, ssap, c0, c1;
	uint16_t raw, pid;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (cursor_peek_be16(&c, 0, &raw) && raw == 0xffff)
		return DECODE_OK; /* Novell raw 802.3: no LLC header */
	if (!cursor_u8(&c, &dsap) || !cursor_u8(&c, &ssap) || !cursor_u8(&c, &c0))
		return decode_fail(p, k, EV_LLC_TOO_SMALL, DECODE_TRUNCATED);
	uint16_t ctrl = c0;
	if ((c0 & 3u) != 3u) { /* I or S format: two control bytes */
		if (!cursor_u8(&c, &c1))
			return decode_fail(p, k, EV_LLC_TOO_SMALL, DECODE_TRUNCATED);
		ctrl = (uint16_t)(c0 | c1 << 8);
	}
	if (!decode_push_hdr(p, HDR_LLC, start, c.off - start))
		return decode_too_deep(p, k);
	p->llc_dsap = dsap;
	p->llc_ssap = ssap;
	p->llc_ctrl = ctrl;
	decode_set_payload(p, &c);
	if (dsap != LLC_SAP_SNAP || (ssap & 0xfeu) != LLC_SAP_SNAP)
		return DECODE_OK;

	uint32_t snap = c.off;
	if (!cursor_u8(&c, &c0) || !cursor_be16(&c, &raw) || !cursor_be16(&c, &pid))
		return decode_fail(p, k, EV_SNAP_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_SNAP, snap, SNAP_HDR_LEN))
		return decode_too_deep(p, k);
	p->snap_oui = (uint32_t)c0 << 16 | raw;
	if (p->snap_oui != SNAP_OUI_ENCAP && p->snap_oui != SNAP_OUI_CISCO) {
		decode_set_payload(p, &c);
		return DECODE_OK;
	}
	return decode_ethertype(p, c, pid, k);
}
