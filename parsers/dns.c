/* dns.c: DNS message wire decoding and presentation text (RFC 1035 4.1,
 * 3596, 6891, 4343 escapes), the rules of plugins/dnswire.py in C.
 *
 * Every read is checked against the message length: a name's labels and
 * pointers, the fixed fields of questions and records, each rdata. The
 * whole message is checked before anything is rendered, so a caller
 * writes a record only for a message that decoded. */
#include "dns.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Label bytes written as they are: printable ASCII except "." and "\". */
static inline bool label_plain(uint8_t b)
{
	return b >= 0x21 && b < 0x7f && b != '.' && b != '\\';
}

/* Read the name at msg[off]: `end` bounds its uncompressed part (an
 * rdata's end), a pointer may reach anywhere in the message, after which
 * only the message bounds it. *next is the offset just past the name as
 * it appears at `off`. With `out` (DNS_NAME_TEXT_MAX bytes) the text is
 * rendered too, its length in *outlen. */
static enum dns_result name_read(const uint8_t *msg, size_t len, size_t off, size_t end, size_t *next,
				 char *out, int *outlen)
{
	size_t limit = end < len ? end : len;
	size_t pos = off, after = 0;
	unsigned wire_len = 1, pointers = 0;
	bool jumped = false;
	char *w = out;

	for (;;) {
		if (pos >= limit)
			return DNS_TRUNCATED;
		uint8_t n = msg[pos];
		if (n == 0) {
			pos++;
			break;
		}
		uint8_t kind = n & 0xc0;
		if (kind == 0xc0) {
			if (pos + 1 >= limit)
				return DNS_TRUNCATED;
			size_t target = ((size_t)(n & 0x3f) << 8) | msg[pos + 1];
			if (!jumped) {
				after = pos + 2;
				jumped = true;
			}
			if (++pointers > DNS_MAX_POINTERS)
				return DNS_INVALID; /* a loop */
			if (target >= len)
				return DNS_INVALID; /* points past the message */
			pos = target;
			limit = len;
			continue;
		}
		if (kind)
			return DNS_INVALID; /* 0x40, 0x80: extended label types, or a length > 63 */
		wire_len += n + 1u;
		if (wire_len > DNS_MAX_NAME)
			return DNS_INVALID;
		if (pos + 1 + n > limit)
			return DNS_TRUNCATED;
		if (w) {
			const uint8_t *l = msg + pos + 1;
			for (unsigned i = 0; i < n; i++) {
				uint8_t b = l[i];
				if (label_plain(b)) {
					*w++ = (char)b;
				} else if (b == '.' || b == '\\') {
					*w++ = '\\';
					*w++ = (char)b;
				} else {
					*w++ = '\\';
					*w++ = (char)('0' + b / 100);
					*w++ = (char)('0' + b / 10 % 10);
					*w++ = (char)('0' + b % 10);
				}
			}
			*w++ = '.';
		}
		pos += 1u + n;
	}
	*next = jumped ? after : pos;
	if (w) {
		if (w == out)
			*w++ = '.'; /* the root */
		*w = '\0';
		*outlen = (int)(w - out);
	}
	return DNS_OK;
}

/* Check the rdata of a known type the way rendering will read it. */
static enum dns_result rdata_check(const uint8_t *msg, size_t len, const struct dns_rr *rr)
{
	size_t off = rr->rdata_off, end = off + rr->rdlength, next;
	enum dns_result r;

	switch (rr->type) {
	case DNS_T_A:
		return rr->rdlength == 4 ? DNS_OK : DNS_INVALID;
	case DNS_T_AAAA:
		return rr->rdlength == 16 ? DNS_OK : DNS_INVALID;
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
		if ((r = name_read(msg, len, off, end, &next, NULL, NULL)) != DNS_OK)
			return r;
		return next == end ? DNS_OK : DNS_INVALID;
	case DNS_T_MX:
		if (rr->rdlength < 3)
			return DNS_INVALID;
		if ((r = name_read(msg, len, off + 2, end, &next, NULL, NULL)) != DNS_OK)
			return r;
		return next == end ? DNS_OK : DNS_INVALID;
	case DNS_T_TXT:
		while (off < end) {
			off += 1u + msg[off];
			if (off > end)
				return DNS_TRUNCATED;
		}
		return DNS_OK;
	case DNS_T_SOA:
		if ((r = name_read(msg, len, off, end, &next, NULL, NULL)) != DNS_OK ||
		    (r = name_read(msg, len, next, end, &next, NULL, NULL)) != DNS_OK)
			return r;
		return end - next == 20 ? DNS_OK : (end - next < 20 ? DNS_TRUNCATED : DNS_INVALID);
	default:
		return DNS_OK;
	}
}

/* `count` records from *off; the first `keep` are stored at out, the last
 * one read in *last. */
static enum dns_result rrs_read(const uint8_t *msg, size_t len, size_t *off, unsigned count, struct dns_rr *out,
				unsigned keep, struct dns_rr *last)
{
	for (unsigned i = 0; i < count; i++) {
		struct dns_rr rr;
		size_t pos;
		enum dns_result r = name_read(msg, len, *off, len, &pos, NULL, NULL);
		if (r != DNS_OK)
			return r;
		if (pos + 10 > len)
			return DNS_TRUNCATED;
		rr.name_off = (uint32_t)*off;
		rr.type = be16(msg + pos);
		rr.rclass = be16(msg + pos + 2);
		rr.ttl = be32(msg + pos + 4);
		rr.rdlength = be16(msg + pos + 8);
		rr.rdata_off = (uint32_t)(pos + 10);
		if ((size_t)rr.rdata_off + rr.rdlength > len)
			return DNS_TRUNCATED;
		if ((r = rdata_check(msg, len, &rr)) != DNS_OK)
			return r;
		if (i < keep)
			out[i] = rr;
		if (last)
			*last = rr;
		*off = (size_t)rr.rdata_off + rr.rdlength;
	}
	return DNS_OK;
}

enum dns_result dns_decode(const uint8_t *msg, size_t len, struct dns_msg *m)
{
	if (len < DNS_HEADER_LEN)
		return DNS_TRUNCATED;
	if (len > UINT32_MAX)
		return DNS_INVALID;
	m->id = be16(msg);
	m->flags = be16(msg + 2);
	m->qdcount = be16(msg + 4);
	m->ancount = be16(msg + 6);
	m->nscount = be16(msg + 8);
	m->arcount = be16(msg + 10);
	if ((unsigned)m->qdcount + m->ancount + m->nscount + m->arcount > DNS_MAX_RECORDS)
		return DNS_INVALID;
	m->opcode = (uint8_t)((m->flags >> 11) & 0xf);
	m->rcode = m->flags & 0xf;
	size_t off = DNS_HEADER_LEN;
	for (unsigned i = 0; i < m->qdcount; i++) {
		size_t pos;
		enum dns_result r = name_read(msg, len, off, len, &pos, NULL, NULL);
		if (r != DNS_OK)
			return r;
		if (pos + 4 > len)
			return DNS_TRUNCATED;
		m->rr[i] = (struct dns_rr){ .name_off = (uint32_t)off, .type = be16(msg + pos),
					    .rclass = be16(msg + pos + 2) };
		off = pos + 4;
	}
	enum dns_result r;
	if ((r = rrs_read(msg, len, &off, m->ancount, m->rr + m->qdcount, m->ancount, NULL)) != DNS_OK ||
	    (r = rrs_read(msg, len, &off, m->nscount, NULL, 0, NULL)) != DNS_OK)
		return r;
	/* EDNS (RFC 6891): the first OPT record carries RCODE's upper 8 bits. */
	bool opt_seen = false;
	for (unsigned i = 0; i < m->arcount; i++) {
		struct dns_rr rr;
		if ((r = rrs_read(msg, len, &off, 1, NULL, 0, &rr)) != DNS_OK)
			return r;
		if (!opt_seen && rr.type == DNS_T_OPT) {
			opt_seen = true;
			m->rcode |= (uint16_t)((rr.ttl >> 24) << 4);
		}
	}
	m->length = (uint32_t)off;
	return DNS_OK;
}

int dns_ipv6_text(const uint8_t *a, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t w16[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	for (int i = 0; i < 8; i++) {
		w16[i] = be16(a + 2 * i);
		if (w16[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			if (++cur_len > best_len)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1; /* a single zero group is written, not compressed */
	char *w = out;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*w++ = ':';
			continue;
		}
		if (i)
			*w++ = ':';
		/* ::a.b.c.d and ::ffff:a.b.c.d keep the IPv4 address dotted, as inet_ntop does */
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w16[5] == 0xffff))) {
			w += dns_ipv4_text(a + 12, w);
			return (int)(w - out);
		}
		uint16_t v = w16[i];
		bool lead = false;
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned nib = (v >> sh) & 15;
			if (nib || lead || sh == 0) {
				*w++ = hex[nib];
				lead = true;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		*w++ = ':';
	*w = '\0';
	return (int)(w - out);
}

int dns_ipv4_text(const uint8_t *a, char *out)
{
	char *w = out;
	for (unsigned i = 0; i < 4; i++) {
		unsigned b = a[i];
		if (b >= 100)
			*w++ = (char)('0' + b / 100);
		if (b >= 10)
			*w++ = (char)('0' + b / 10 % 10);
		*w++ = (char)('0' + b % 10);
		*w++ = i < 3 ? '.' : '\0';
	}
	return (int)(w - out - 1);
}

int dns_name_text(const uint8_t *msg, size_t len, size_t off, char *out)
{
	size_t next;
	int n;
	return name_read(msg, len, off, len, &next, out, &n) == DNS_OK ? n : -1;
}

int dns_rdata_text(const uint8_t *msg, size_t len, const struct dns_rr *rr, char *out)
{
	size_t off = rr->rdata_off, end = off + rr->rdlength, next;
	const uint8_t *d = msg + off;
	int n, n2;

	/* The checks of rdata_check(), made while rendering: one walk of each name. */
	if (end > len)
		return -1;
	switch (rr->type) {
	case DNS_T_A:
		return rr->rdlength == 4 ? dns_ipv4_text(d, out) : -1;
	case DNS_T_AAAA:
		return rr->rdlength == 16 ? dns_ipv6_text(d, out) : -1;
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
		return name_read(msg, len, off, end, &next, out, &n) == DNS_OK && next == end ? n : -1;
	case DNS_T_MX:
		if (rr->rdlength < 3)
			return -1;
		n = (int)(dns_utoa(out, be16(d)) - out);
		out[n++] = ' ';
		if (name_read(msg, len, off + 2, end, &next, out + n, &n2) != DNS_OK || next != end)
			return -1;
		return n + n2;
	case DNS_T_SOA:
		if (name_read(msg, len, off, end, &next, out, &n) != DNS_OK)
			return -1;
		out[n++] = ' ';
		if (name_read(msg, len, next, end, &next, out + n, &n2) != DNS_OK || end - next != 20)
			return -1;
		n += n2;
		d = msg + next;
		return n + snprintf(out + n, DNS_RDATA_TEXT_MAX - (size_t)n, " %u %u %u %u %u", be32(d), be32(d + 4),
				    be32(d + 8), be32(d + 12), be32(d + 16));
	default:
		return -1;
	}
}

int dns_txt_next(const uint8_t *msg, const struct dns_rr *rr, size_t *pos, const uint8_t **s, size_t *n)
{
	size_t end = (size_t)rr->rdata_off + rr->rdlength;
	if (*pos >= end)
		return 0;
	size_t k = msg[*pos];
	if (*pos + 1 + k > end)
		return -1;
	*s = msg + *pos + 1;
	*n = k;
	*pos += 1 + k;
	return 1;
}

unsigned dns_utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0; /* a continuation byte, or an overlong 2-byte lead */
	if (c < 0xe0)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0; /* overlong, or above U+10FFFF */
		return 4;
	}
	return 0;
}

static const char *const type_names[258] = {
	[1] = "A",	    [2] = "NS",		 [5] = "CNAME",	 [6] = "SOA",	  [12] = "PTR",	  [13] = "HINFO",
	[15] = "MX",	    [16] = "TXT",	 [17] = "RP",	 [18] = "AFSDB",  [24] = "SIG",	  [25] = "KEY",
	[28] = "AAAA",	    [29] = "LOC",	 [33] = "SRV",	 [35] = "NAPTR",  [37] = "CERT",  [39] = "DNAME",
	[41] = "OPT",	    [43] = "DS",	 [44] = "SSHFP", [46] = "RRSIG",  [47] = "NSEC",  [48] = "DNSKEY",
	[50] = "NSEC3",	    [51] = "NSEC3PARAM", [52] = "TLSA",	 [59] = "CDS",	  [60] = "CDNSKEY", [64] = "SVCB",
	[65] = "HTTPS",	    [99] = "SPF",	 [249] = "TKEY", [250] = "TSIG",  [251] = "IXFR", [252] = "AXFR",
	[255] = "ANY",	    [256] = "URI",	 [257] = "CAA",
};

static const char *const rcode_names[24] = {
	[0] = "NOERROR",   [1] = "FORMERR",  [2] = "SERVFAIL", [3] = "NXDOMAIN",   [4] = "NOTIMP",
	[5] = "REFUSED",   [6] = "YXDOMAIN", [7] = "YXRRSET",  [8] = "NXRRSET",	   [9] = "NOTAUTH",
	[10] = "NOTZONE",  [11] = "DSOTYPENI", [16] = "BADVERS", [17] = "BADKEY",  [18] = "BADTIME",
	[19] = "BADMODE",  [20] = "BADNAME", [21] = "BADALG",  [22] = "BADTRUNC",  [23] = "BADCOOKIE",
};

static const char *const opcode_names[16] = {
	[0] = "QUERY", [1] = "IQUERY", [2] = "STATUS", [4] = "NOTIFY", [5] = "UPDATE", [6] = "DSO",
};

const char *dns_type_name(uint16_t type, char *buf)
{
	if (type < 258 && type_names[type])
		return type_names[type];
	snprintf(buf, 16, "TYPE%u", type);
	return buf;
}

const char *dns_class_name(uint16_t rclass, char *buf)
{
	switch (rclass) {
	case 1: return "IN";
	case 3: return "CH";
	case 4: return "HS";
	case 254: return "NONE";
	case 255: return "ANY";
	}
	snprintf(buf, 16, "CLASS%u", rclass);
	return buf;
}

const char *dns_rcode_name(uint16_t rcode, char *buf)
{
	if (rcode < 24 && rcode_names[rcode])
		return rcode_names[rcode];
	snprintf(buf, 16, "RCODE%u", rcode);
	return buf;
}

const char *dns_opcode_name(uint8_t opcode, char *buf)
{
	if (opcode < 16 && opcode_names[opcode])
		return opcode_names[opcode];
	snprintf(buf, 16, "OPCODE%u", opcode);
	return buf;
}
