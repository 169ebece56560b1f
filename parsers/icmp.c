/* icmp.c: ICMP for IPv4 (RFC 792), and the datagram an error message quotes (RFC 792, RFC 1812 4.3.2.3, RFC 4884).
 *
 *   0    1    2      4                8
 *   +----+----+------+----------------+------
 *   |type|code| csum | rest of header | data
 *   +----+----+------+----------------+------
 *
 * Type and code need 4 bytes; the payload starts after the 8-byte header,
 * or after 4 when fewer than 8 bytes are there (not an error).
 *
 * Error messages (destination unreachable 3, source quench 4, redirect 5,
 * time exceeded 11, parameter problem 12) quote the offending datagram
 * after the 8-byte header: its IP header and at least 8 bytes of what
 * follows. decode_icmp_quote() decodes it with the ordinary decoders into a
 * scratch struct pkt, so the packet's own fields stay those of the ICMP
 * packet (packet.h), and appends the quoted headers with HDR_QUOTED. An
 * RFC 4884 length (byte 5 of types 3, 11, 12, in 32-bit words) limits the
 * quote, so extension objects after it are not read as the datagram. */
#include "decode.h"
#include "proto.h"

#define ICMP_HDR_LEN 8u
#define ICMP_MIN_LEN 4u

static inline bool icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* A quote that ends inside an L4 header after its ports: the ports count. */
static inline bool quote_cut_l4(uint16_t ev, uint8_t *type)
{
	switch (ev) {
	case EV_TCP_TOO_SMALL:
		*type = HDR_TCP;
		return true;
	case EV_UDP_TOO_SMALL:
		*type = HDR_UDP;
		return true;
	case EV_SCTP_TOO_SMALL:
		*type = HDR_SCTP;
		return true;
	default:
		return false;
	}
}

/* The scratch packet of a quote has no data pointer (decoders only read
 * through their cursor); that is how an ICMP error inside a quote knows not
 * to decode its own quote. A real packet reaching ICMP always has data. */
void decode_icmp_quote(struct pkt *p, struct cursor c, bool v6, struct decode_counters *k)
{
	struct pkt q;

	if (p->data == NULL)
		return;
	memset(&q.layers, 0, offsetof(struct pkt, hdrs) - offsetof(struct pkt, layers));
	q.data = NULL;
	q.caplen = 0;
	q.nhdrs = p->nhdrs; /* the quote's headers go on after the packet's */
	q.tunnels = p->tunnels;

	const uint8_t first = p->nhdrs;
	enum decode_result r = v6 ? decode_ipv6(&q, c, NULL) : decode_ipv4(&q, c, NULL);

	for (unsigned i = first; i < q.nhdrs; i++) {
		p->hdrs[i] = q.hdrs[i];
		p->hdrs[i].flags |= HDR_QUOTED;
	}
	p->nhdrs = q.nhdrs;

	/* The quoted IP header was read, and the quote goes on past it. */
	const bool have_ip = q.nhdrs > first;
	const bool ip_complete = have_ip && q.payload_off > q.hdrs[first].off;
	uint16_t bad = q.error;
	if (have_ip) {
		p->quote_off = c.off;
		p->quote_proto = q.proto;
	}
	if (PKT_HAS(&q, LAYER_TCP) || PKT_HAS(&q, LAYER_UDP) || (q.l4_off != 0 && q.proto == IP_PROTO_SCTP)) {
		p->quote_sport = q.sport;
		p->quote_dport = q.dport;
	}
	if (r == DECODE_TRUNCATED && ip_complete) {
		/* The quote just ends (RFC 792 keeps 8 bytes of the L4 header):
		 * normal. Ports in the first 4 bytes of a cut TCP/UDP/SCTP
		 * header are still recorded. */
		uint8_t type;
		struct cursor l4 = cursor_make(c.base, q.payload_off, q.payload_off + q.payload_len);
		uint16_t sport, dport;
		bad = EV_NONE;
		if (quote_cut_l4(q.error, &type) && cursor_be16(&l4, &sport) && cursor_be16(&l4, &dport)) {
			struct pkt_hdr *h = decode_push_hdr(p, type, q.payload_off, q.payload_len);
			if (h == NULL) {
				bad = EV_TOO_DEEP;
			} else {
				h->flags = HDR_QUOTED;
				p->quote_sport = sport;
				p->quote_dport = dport;
			}
		}
	}
	if (bad != EV_NONE) {
		p->quote_error = bad;
		if (k != NULL)
			k->events[v6 ? EV_ICMPV6_BAD_QUOTE : EV_ICMP_BAD_QUOTE]++;
	}
}

enum decode_result decode_icmp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t type, code, len4884;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: checksum */
	if (!cursor_u8(&c, &type) || !cursor_u8(&c, &code) || !cursor_skip(&c, 2))
		return decode_fail(p, k, EV_ICMP_TOO_SMALL, DECODE_TRUNCATED);
	struct pkt_hdr *h = decode_push_hdr(p, HDR_ICMP, start, ICMP_MIN_LEN);
	if (h == NULL)
		return decode_too_deep(p, k);
	p->l4_off = start;
	p->icmp_type = type;
	p->icmp_code = code;
	p->layers |= 1u << LAYER_ICMP;
	if (!cursor_peek_u8(&c, 1, &len4884) || !cursor_skip(&c, 4)) {
		decode_set_payload(p, &c); /* optional: rest of header, when captured */
		return DECODE_OK;
	}
	h->len = ICMP_HDR_LEN;
	decode_set_payload(p, &c);
	if (icmp_is_error(type)) {
		if (len4884 != 0 && (type == 3 || type == 11 || type == 12))
			cursor_limit(&c, (uint32_t)len4884 * 4u);
		decode_icmp_quote(p, c, false, k);
	}
	return DECODE_OK;
}
