/* ipip.c: IP in IP tunnels: IPv4 protocol / IPv6 next header 4 (IPv4 inside, RFC 2003) and 41 (IPv6 inside, RFC 4213 "6in4", RFC 2473).
 *
 * No header of its own: the inner IP header follows the outer one (after
 * IPv6 extension headers) and is decoded as usual, overwriting the L3/L4
 * fields (packet.h); the outer header stays in hdrs. Each counts as one
 * encapsulation (DECODE_TUNNEL_MAX_DEPTH). */
#include "decode.h"
#include "proto.h"

enum decode_result decode_ipip(struct pkt *p, struct cursor c, uint8_t proto, struct decode_counters *k)
{
	decode_set_payload(p, &c);
	if (!decode_enter_tunnel(p, k))
		return DECODE_INVALID;
	return proto == IP_PROTO_IPIP ? decode_ipv4(p, c, k) : decode_ipv6(p, c, k);
}
