/* igmp.c: IGMP messages (RFC 2236 version 2, RFC 3376 version 3 sections 4.1 and 4.2; version 1 in RFC 1112).
 *
 *   0      1          2          4               8
 *   +------+----------+----------+---------------+---------------------------
 *   | type | max resp | checksum | group address | v3 query: resv/S/QRV, QQIC,
 *   +------+----------+----------+---------------+   number of sources, ...
 *   v3 report (0x22): | type | rsvd | checksum | rsvd (16) | records (16) | ...
 *
 * The 8-byte header fills igmp_type, igmp_max_resp, igmp_group (0 in a v3
 * report, where those bytes are reserved and the record count) and l4_off;
 * IGMP has no layer bit (packet.h: see proto 2 and hdrs). A query (0x11)
 * of 12 bytes or more is version 3 and its header is 12 bytes (the source
 * list is the payload); a v3 report's group records are the payload. */
#include "decode.h"

#define IGMP_HDR_LEN 8u
#define IGMP_V3_QUERY_LEN 12u
#define IGMP_QUERY 0x11u
#define IGMP_V3_REPORT 0x22u

enum decode_result decode_igmp(struct pkt *p, struct cursor c, struct decode_counters *k)
{
	uint8_t type, maxresp;
	uint16_t csum;
	uint32_t group;

	decode_set_payload(p, &c);
	uint32_t start = c.off;
	if (!cursor_u8(&c, &type) || !cursor_u8(&c, &maxresp) || !cursor_be16(&c, &csum) ||
	    !cursor_be32(&c, &group))
		return decode_fail(p, k, EV_IGMP_TOO_SMALL, DECODE_TRUNCATED);
	(void)csum;
	uint32_t len = IGMP_HDR_LEN;
	if (type == IGMP_QUERY && cursor_left(&c) >= IGMP_V3_QUERY_LEN - IGMP_HDR_LEN)
		len = IGMP_V3_QUERY_LEN; /* resv/S/QRV, QQIC, number of sources */
	if (!decode_push_hdr(p, HDR_IGMP, start, len))
		return decode_too_deep(p, k);
	p->l4_off = start;
	p->igmp_type = type;
	p->igmp_max_resp = maxresp;
	if (type == IGMP_V3_REPORT)
		p->igmp_nrecords = (uint16_t)(group & 0xffffu);
	else
		p->igmp_group = group;
	(void)cursor_skip(&c, len - IGMP_HDR_LEN);
	decode_set_payload(p, &c);
	return DECODE_OK;
}
