/* sctp.c: SCTP common header and chunk list (RFC 9260 sections 3.1, 3.2).
 *
 *   0       2       4                8             12
 *   +-------+-------+----------------+-------------+--------------------
 *   | sport | dport | verification   | checksum    | chunks ...
 *   +-------+-------+----------------+-------------+--------------------
 *   chunk: | type | flags | length (header + value, no padding) | value | pad to 4 |
 *
 * The common header fills sport/dport (shared with TCP/UDP), sctp_vtag and
 * l4_off; SCTP has no layer bit (packet.h: see proto 132 and hdrs). The
 * chunks are walked by their lengths (each at least 4, padded to 4: the
 * loop ends with the bytes): sctp_nchunks counts the complete ones and
 * sctp_chunk_type is the first one's type. A length below 4 is
 * EV_SCTP_BAD_CHUNK_LEN; a chunk running past the bytes the IP layer
 * declared is EV_SCTP_CHUNK_TRUNCATED, but in a capture cut short
 * (PKT_FLAG_TRUNCATED) the walk just stops, as TCP data would be cut. The
 * last chunk's padding may be missing. The payload is the chunk list. */
#include "decode.h"

#define SCTP_HDR_LEN 12u
#define SCTP_CHUNK_HDR_LEN 4u

enum decode_result decode_sctp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint16_t sport, dport, clen;
	uint32_t vtag;
	uint8_t ctype;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	/* skipped: checksum */
	if (!cursor_be16(&c, &sport) || !cursor_be16(&c, &dport) || !cursor_be32(&c, &vtag) ||
	    !cursor_skip(&c, 4))
		return decode_fail(p, k, EV_SCTP_TOO_SMALL, DECODE_TRUNCATED);
	if (!decode_push_hdr(p, HDR_SCTP, start, SCTP_HDR_LEN))
		return decode_too_deep(p, k);
	p->l4_off = start;
	p->sport = sport;
	p->dport = dport;
	p->sctp_vtag = vtag;
	decode_set_payload(p, &c);

	struct cursor w = c;
	for (unsigned n = 0; cursor_left(&w) != 0; n++) {
		if (!cursor_peek_u8(&w, 0, &ctype) || !cursor_peek_be16(&w, 2, &clen)) {
			if (p->flags & PKT_FLAG_TRUNCATED)
				break;
			return decode_fail(p, k, EV_SCTP_CHUNK_TRUNCATED, DECODE_TRUNCATED);
		}
		if (n == 0)
			p->sctp_chunk_type = ctype;
		if (clen < SCTP_CHUNK_HDR_LEN)
			return decode_fail(p, k, EV_SCTP_BAD_CHUNK_LEN, DECODE_INVALID);
		if (!cursor_skip(&w, clen)) {
			if (p->flags & PKT_FLAG_TRUNCATED)
				break;
			return decode_fail(p, k, EV_SCTP_CHUNK_TRUNCATED, DECODE_TRUNCATED);
		}
		p->sctp_nchunks++;
		uint32_t pad = (4u - (clen & 3u)) & 3u;
		if (!cursor_skip(&w, pad))
			break; /* the last chunk's padding may be left out */
	}
	return DECODE_OK;
}
