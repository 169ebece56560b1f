/* mpls.c: MPLS label stack (RFC 3032), after EtherType 0x8847/0x8848 or PPP protocol 0x0281/0x0283.
 *
 *   0                   20  23 24      32
 *   +-------------------+---+-+--------+
 *   | label             |TC |S| TTL    |   one entry per label, S = bottom
 *   +-------------------+---+-+--------+
 *
 * Labels are walked in a loop to the bottom of the stack, one hdrs entry
 * each (the label is read at the entry's offset); more than
 * DECODE_MPLS_MAX_DEPTH labels is EV_MPLS_TOO_DEEP. What the stack carries
 * is not named on the wire: a first nibble of 4 is IPv4 and 6 is IPv6, as
 * tshark guesses. Anything else (0: a pseudowire, with or without control
 * word, which tshark itself only guesses at; 1: PW associated channel)
 * stops decoding without an error, with the rest as the payload. A stack
 * followed by no byte at all is EV_MPLS_TOO_SMALL. */
#include "decode.h"
#include "proto.h"

#define MPLS_LABEL_LEN 4u
#define MPLS_BOS 0x100u

enum decode_result decode_mpls(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint32_t lse;
	uint8_t nibble;

	for (unsigned n = 0;; n++) {
		decode_set_payload(p, &c);
		if (n >= DECODE_MPLS_MAX_DEPTH)
			return decode_fail(p, k, EV_MPLS_TOO_DEEP, DECODE_INVALID);
		uint32_t start = c.off;
		if (!cursor_be32(&c, &lse))
			return decode_fail(p, k, EV_MPLS_TOO_SMALL, DECODE_TRUNCATED);
		if (!decode_push_hdr(p, HDR_MPLS, start, MPLS_LABEL_LEN))
			return decode_too_deep(p, k);
		if (lse & MPLS_BOS)
			break;
	}
	decode_set_payload(p, &c);
	if (!cursor_peek_u8(&c, 0, &nibble)) /* a stack carries something */
		return decode_fail(p, k, EV_MPLS_TOO_SMALL, DECODE_TRUNCATED);
	switch (nibble >> 4) {
	case 4:
		return decode_ipv4(p, c, k);
	case 6:
		return decode_ipv6(p, c, k);
	default:
		return DECODE_OK;
	}
}
