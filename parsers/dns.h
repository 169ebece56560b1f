/* dns.h: DNS message wire decoding (RFC 1035, 3596, 6891) into a fixed
 * struct, and the presentation text of names and rdata.
 *
 * The rules are plugins/dnswire.py's, so the C and Python decoders accept
 * and reject the same messages and render the same text: names with
 * compression pointers (forward ones too, at most DNS_MAX_POINTERS per
 * name, 255 wire bytes), records up to DNS_MAX_RECORDS, and the rdata of
 * A, AAAA, CNAME, NS, PTR, MX, TXT and SOA checked in every section.
 * Nothing is allocated: offsets into the message are kept, text is
 * rendered on demand into the caller's buffer. */
#ifndef PKTD_DNS_H
#define PKTD_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_MAX_NAME 255     /* wire length of a name, length octets included */
#define DNS_MAX_POINTERS 32  /* compression pointers followed in one name */
#define DNS_MAX_RECORDS 4096 /* records per message: a 64 KiB message holds fewer */
/* Presentation text of a name: 253 label bytes each escaped as \DDD, a dot. */
#define DNS_NAME_TEXT_MAX 1024
/* Presentation text of rdata this file renders (SOA: two names, 5 numbers);
 * TXT and unknown types are rendered by the caller from the rdata. */
#define DNS_RDATA_TEXT_MAX (2 * DNS_NAME_TEXT_MAX + 64)

enum {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
	DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_OPT = 41,
};

enum dns_result {
	DNS_OK = 0,
	DNS_TRUNCATED, /* a field, name or rdata runs past the end of the message */
	DNS_INVALID,   /* bad label type, compression loop, name too long, rdata of the wrong size, ... */
};

/* A question or a resource record: where its parts are in the message. */
struct dns_rr {
	uint32_t name_off;  /* owner name (may be compressed) */
	uint32_t rdata_off; /* records only */
	uint32_t ttl;       /* records only */
	uint16_t type;
	uint16_t rclass;
	uint16_t rdlength;  /* records only */
};

struct dns_msg {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
	uint16_t rcode;  /* 4 header bits, or 12 with an OPT record's upper 8 */
	uint8_t opcode;
	uint32_t length; /* bytes up to the end of the last record */
	/* rr[0 .. qdcount) are the questions, rr[qdcount .. qdcount + ancount)
	 * the answers; authority and additional records are checked only. */
	struct dns_rr rr[DNS_MAX_RECORDS];
};

/* Decode a whole message (no TCP length prefix). Bytes after the last
 * record are ignored (padding). On anything but DNS_OK `m` is partial. */
enum dns_result dns_decode(const uint8_t *msg, size_t len, struct dns_msg *m);

/* Presentation text of the name at `off` ("www.example.com.", "." for the
 * root; RFC 4343 escapes), NUL-terminated into out[DNS_NAME_TEXT_MAX].
 * Returns its length, or -1 when the name is malformed. */
int dns_name_text(const uint8_t *msg, size_t len, size_t off, char *out);

/* Presentation text of rdata of type A, AAAA, CNAME, NS, PTR, MX or SOA
 * into out[DNS_RDATA_TEXT_MAX]: its length, or -1 for another type (TXT
 * included: see dns_txt_next) or malformed rdata. */
int dns_rdata_text(const uint8_t *msg, size_t len, const struct dns_rr *rr, char *out);

/* Dotted-quad text of an IPv4 address (inet_ntop's form) into out[16]:
 * its length. */
int dns_ipv4_text(const uint8_t *addr, char *out);

/* Text of an IPv6 address exactly as glibc's inet_ntop writes it (RFC 5952
 * zero compression, ::a.b.c.d and ::ffff:a.b.c.d) into out[46]: its length. */
int dns_ipv6_text(const uint8_t *addr, char *out);

/* TXT rdata: the <character-string>s one at a time. *pos starts at
 * rr->rdata_off; returns 1 with the string in *s, *n, 0 at the end, -1
 * when a string runs past the rdata. */
int dns_txt_next(const uint8_t *msg, const struct dns_rr *rr, size_t *pos, const uint8_t **s, size_t *n);

/* Length of the well-formed UTF-8 sequence at s[0 .. n) (1-4), or 0 when
 * s[0] does not start one (Python's strict UTF-8 rules: no overlong forms,
 * no surrogates, nothing above U+10FFFF). */
unsigned dns_utf8_seq(const uint8_t *s, size_t n);

/* Mnemonics: "A", "TYPE65534"; "IN", "CLASS7"; "NXDOMAIN", "RCODE12";
 * "QUERY", "OPCODE3". Mnemonics return a static string; numbered forms
 * are written into buf (at least 16 bytes), which is returned. */
/* Decimal digits of v at w; returns the end (at most 10 bytes). */
static inline char *dns_utoa(char *w, uint32_t v)
{
	char tmp[10];
	unsigned n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*w++ = tmp[--n];
	return w;
}

const char *dns_type_name(uint16_t type, char *buf);
const char *dns_class_name(uint16_t rclass, char *buf);
const char *dns_rcode_name(uint16_t rcode, char *buf);
const char *dns_opcode_name(uint8_t opcode, char *buf);

#endif
