/* ppp.c: PPP header (RFC 1661 section 2, HDLC-like framing per RFC 1662 section 3), for LINKTYPE_PPP / PPP_HDLC, PPPoE, L2TP and PPTP.
 *
 *   0      1      2             4
 *   +------+------+-------------+-----------
 *   | FF   | 03   | protocol    | information
 *   +------+------+-------------+-----------
 *
 * The address/control bytes FF 03 are optional (address-and-control-field
 * compression, PPPoE, LINKTYPE_PPP without framing); the protocol field is
 * one byte when that byte is odd (protocol-field compression), else two.
 * 0x0021 IPv4, 0x0057 IPv6 and 0x0281/0x0283 MPLS are decoded; any other
 * protocol (LCP 0xc021, IPCP 0x8021, PAP, CHAP, ...) ends decoding without
 * an error, with its packet as the payload. A first byte 0xFF always
 * starts FF 03, as in tcpdump's print-ppp.c.
 *
 * LINKTYPE_PPP_HDLC (pcap's PPP_SERIAL) also carries Cisco HDLC frames,
 * told apart by their first byte 0x0F or 0x8F (chdlc.c). */
#include "decode.h"
#include "proto.h"

#define PPP_ADDRESS 0xffu
#define PPP_CONTROL 0x03u

enum decode_result decode_ppp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t b0, b1;
	uint16_t proto;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (cursor_peek_u8(&c, 0, &b0) && b0 == PPP_ADDRESS) {
		if (!cursor_u8(&c, &b0) || !cursor_u8(&c, &b1))
			return decode_fail(p, k, EV_PPP_TOO_SMALL, DECODE_TRUNCATED);
		(void)b1; /* control: 0x03 (UI) in practice, not checked */
	}
	if (!cursor_u8(&c, &b0))
		return decode_fail(p, k, EV_PPP_TOO_SMALL, DECODE_TRUNCATED);
	if (b0 & 1u) {
		proto = b0;
	} else {
		if (!cursor_u8(&c, &b1))
			return decode_fail(p, k, EV_PPP_TOO_SMALL, DECODE_TRUNCATED);
		proto = (uint16_t)(b0 << 8 | b1);
	}
	if (!decode_push_hdr(p, HDR_PPP, start, c.off - start))
		return decode_too_deep(p, k);
	p->ppp_proto = proto;

	switch (proto) {
	case PPP_PROTO_IPV4:
		return decode_ipv4(p, c, k);
	case PPP_PROTO_IPV6:
		return decode_ipv6(p, c, k);
	case PPP_PROTO_MPLS:
	case PPP_PROTO_MPLS_MCAST:
		return decode_mpls(p, c, k);
	default:
		decode_set_payload(p, &c);
		return DECODE_OK;
	}
}

enum decode_result decode_ppp_hdlc(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t b0;

	if (cursor_peek_u8(&c, 0, &b0) && (b0 == 0x0f || b0 == 0x8f))
		return decode_chdlc(p, c, k);
	return decode_ppp(p, c, k);
}
