/* null.c: BSD loopback headers, LINKTYPE_NULL and LINKTYPE_LOOP (tcpdump.org/linktypes/LINKTYPE_NULL.html).
 *
 * A 4-byte address family: in the capturing host's byte order for NULL
 * (so both orders are tried: a value with any of its upper 16 bits set is
 * byte-swapped, as tcpdump's print-null.c does), in network order for LOOP.
 * AF_INET (2) is IPv4; IPv6 is 24, 28 or 30 depending on the BSD, or 10
 * from Linux. */
#include "decode.h"
#include "proto.h"

#define NULL_HDR_LEN 4u

enum decode_result decode_null(struct pkt *p, struct cursor c, bool loop, struct decode_counters *k)
{
	uint32_t af;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (!cursor_be32(&c, &af))
		return decode_fail(p, k, EV_NULL_TOO_SMALL, DECODE_TRUNCATED);
	if (!loop && (af & 0xffff0000u) != 0)
		af = __builtin_bswap32(af);
	if (!decode_push_hdr(p, HDR_NULL, start, NULL_HDR_LEN))
		return decode_too_deep(p, k);
	p->layers |= 1u << LAYER_NULL;

	switch (af) {
	case NULL_AF_INET:
		return decode_ipv4(p, c, k);
	case NULL_AF_INET6_LINUX:
	case NULL_AF_INET6_BSD:
	case NULL_AF_INET6_FREEBSD:
	case NULL_AF_INET6_DARWIN:
		return decode_ipv6(p, c, k);
	default:
		decode_set_payload(p, &c);
		return decode_fail(p, k, EV_NULL_UNKNOWN_FAMILY, DECODE_INVALID);
	}
}
