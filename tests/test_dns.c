/* test_dns.c: unit tests for parsers/dns.c (DNS wire decoding, names with
 * compression, presentation text of every rdata type it renders). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

static struct dns_msg g_m;

/* A message builder: bytes appended in order. */
struct mb {
	uint8_t b[1024];
	size_t n;
};

static void put(struct mb *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void u8(struct mb *m, uint8_t v)
{
	put(m, &v, 1);
}

static void u16(struct mb *m, uint16_t v)
{
	u8(m, (uint8_t)(v >> 8));
	u8(m, (uint8_t)v);
}

static void u32(struct mb *m, uint32_t v)
{
	u16(m, (uint16_t)(v >> 16));
	u16(m, (uint16_t)v);
}

/* "www.example.com" as labels plus the root. */
static void name(struct mb *m, const char *dotted)
{
	while (*dotted) {
		const char *dot = strchr(dotted, '.');
		size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
		u8(m, (uint8_t)n);
		put(m, dotted, n);
		dotted += n + (dot ? 1 : 0);
	}
	u8(m, 0);
}

static void header(struct mb *m, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	m->n = 0;
	u16(m, 0x1234);
	u16(m, flags);
	u16(m, qd);
	u16(m, an);
	u16(m, ns);
	u16(m, ar);
}

/* An RR owned by the question's name (pointer to offset 12), rdata after. */
static void rr_head(struct mb *m, uint16_t type, uint32_t ttl, uint16_t rdlength)
{
	u16(m, 0xc00c);
	u16(m, type);
	u16(m, 1);
	u32(m, ttl);
	u16(m, rdlength);
}

/* The sample response: example.com. IN A? answered with one record of
 * every rendered type, and an SRV (rendered by the caller), then an OPT in
 * the additional section with extended RCODE bits. */
static void sample(struct mb *m)
{
	header(m, 0x8180, 1, 9, 0, 1);
	name(m, "example.com"); /* offset 12 */
	u16(m, DNS_T_A);
	u16(m, 1);
	rr_head(m, DNS_T_A, 300, 4);
	put(m, "\xc0\x00\x02\x01", 4);
	rr_head(m, DNS_T_AAAA, 300, 16);
	put(m, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
	rr_head(m, DNS_T_CNAME, 60, 6);
	put(m, "\x03www\xc0\x0c", 6); /* www + pointer to example.com */
	rr_head(m, DNS_T_NS, 60, 6);
	put(m, "\x03ns1\xc0\x0c", 6);
	rr_head(m, DNS_T_PTR, 60, 2);
	put(m, "\xc0\x0c", 2);
	rr_head(m, DNS_T_MX, 60, 7);
	put(m, "\x00\x0a\x02mx\xc0\x0c", 7);
	rr_head(m, DNS_T_TXT, 60, 10);
	put(m, "\x04v=sp\x04" "f1 x", 10);
	rr_head(m, DNS_T_SOA, 60, 2 + 8 + 20);
	put(m, "\xc0\x0c\x05" "admin\xc0\x0c", 10);
	u32(m, 2024010101);
	u32(m, 7200);
	u32(m, 3600);
	u32(m, 1209600);
	u32(m, 300);
	rr_head(m, 33, 60, 4); /* SRV: not rendered here */
	put(m, "\x00\x01\x00\x02", 4);
	u8(m, 0); /* OPT: root owner, extended RCODE 1 in the TTL's top byte */
	u16(m, DNS_T_OPT);
	u16(m, 4096);
	u32(m, 0x01000000);
	u16(m, 0);
}

static const char *rdata(const struct mb *m, unsigned answer, char *out)
{
	int n = dns_rdata_text(m->b, m->n, &g_m.rr[g_m.qdcount + answer], out);
	return n < 0 ? NULL : out;
}

/* The sample decodes: header, question, every record type's text, EDNS rcode. */
static void test_sample_renders_every_type(void **state)
{
	(void)state;
	struct mb m;
	char t[DNS_RDATA_TEXT_MAX], nb[16];
	sample(&m);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_OK);
	assert_int_equal(g_m.id, 0x1234);
	assert_int_equal(g_m.qdcount, 1);
	assert_int_equal(g_m.ancount, 9);
	assert_int_equal(g_m.length, m.n);
	assert_int_equal(g_m.rcode, 16); /* 1 << 4 | NOERROR */
	assert_string_equal(dns_rcode_name(g_m.rcode, nb), "BADVERS");
	assert_int_equal(dns_name_text(m.b, m.n, g_m.rr[0].name_off, t), 12);
	assert_string_equal(t, "example.com.");
	assert_string_equal(rdata(&m, 0, t), "192.0.2.1");
	assert_string_equal(rdata(&m, 1, t), "2001:db8::1");
	assert_string_equal(rdata(&m, 2, t), "www.example.com.");
	assert_string_equal(rdata(&m, 3, t), "ns1.example.com.");
	assert_string_equal(rdata(&m, 4, t), "example.com.");
	assert_string_equal(rdata(&m, 5, t), "10 mx.example.com.");
	assert_null(rdata(&m, 6, t)); /* TXT: through dns_txt_next */
	assert_string_equal(rdata(&m, 7, t), "example.com. admin.example.com. 2024010101 7200 3600 1209600 300");
	assert_null(rdata(&m, 8, t)); /* SRV */
	assert_int_equal(g_m.rr[g_m.qdcount + 8].type, 33);
	assert_int_equal(g_m.rr[g_m.qdcount + 8].rdlength, 4);

	size_t pos = g_m.rr[g_m.qdcount + 6].rdata_off;
	const uint8_t *s;
	size_t n;
	assert_int_equal(dns_txt_next(m.b, &g_m.rr[g_m.qdcount + 6], &pos, &s, &n), 1);
	assert_memory_equal(s, "v=sp", 4);
	assert_int_equal(dns_txt_next(m.b, &g_m.rr[g_m.qdcount + 6], &pos, &s, &n), 1);
	assert_memory_equal(s, "f1 x", 4);
	assert_int_equal(dns_txt_next(m.b, &g_m.rr[g_m.qdcount + 6], &pos, &s, &n), 0);
}

/* Every prefix of the sample is refused (as truncated or invalid), never read past. */
static void test_truncation_at_every_length(void **state)
{
	(void)state;
	struct mb m;
	sample(&m);
	for (size_t n = 0; n < m.n; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees a read past it */
		memcpy(copy, m.b, n);
		enum dns_result r = dns_decode(copy, n, &g_m);
		assert_int_not_equal(r, DNS_OK);
		free(copy);
	}
	/* Trailing bytes after the last record are padding. */
	u16(&m, 0);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_OK);
	assert_int_equal(g_m.length, m.n - 2);
}

/* A pointer to itself, a two-pointer cycle: refused as invalid. */
static void test_compression_loops(void **state)
{
	(void)state;
	struct mb m;
	header(&m, 0, 1, 0, 0, 0);
	u16(&m, 0xc00c); /* points at itself */
	u16(&m, 1);
	u16(&m, 1);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_INVALID);

	header(&m, 0, 1, 0, 0, 0);
	put(&m, "\x01" "a\xc0\x0e", 4); /* 12: "a" then -> 14, the pointer itself */
	u16(&m, 1);
	u16(&m, 1);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_INVALID);

	header(&m, 0, 1, 0, 0, 0);
	put(&m, "\x01" "a\xc0\x10", 4); /* 12: "a" then -> 16 */
	put(&m, "\x01" "b\xc0\x0c", 4); /* 16: "b" then -> 12: a cycle */
	u16(&m, 1);
	u16(&m, 1);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_INVALID);
	char t[DNS_NAME_TEXT_MAX];
	assert_int_equal(dns_name_text(m.b, m.n, 12, t), -1);
}

/* A forward pointer is followed; one past the message is invalid, one cut after its first byte truncated. */
static void test_pointers_forward_and_out_of_bounds(void **state)
{
	(void)state;
	struct mb m;
	char t[DNS_NAME_TEXT_MAX];
	header(&m, 0, 1, 0, 0, 0);
	u16(&m, 0xc012); /* 12: -> 18, after the question's fixed fields */
	u16(&m, 1);
	u16(&m, 1);
	name(&m, "fwd.example"); /* 18 */
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_OK);
	assert_int_equal(dns_name_text(m.b, m.n, 12, t), 12);
	assert_string_equal(t, "fwd.example.");

	header(&m, 0, 1, 0, 0, 0);
	u16(&m, 0xc000 | 40); /* past the 18-byte message */
	u16(&m, 1);
	u16(&m, 1);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_INVALID);

	header(&m, 0, 1, 0, 0, 0);
	u8(&m, 0xc0); /* the pointer's second byte is missing */
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_TRUNCATED);
}

/* Length bytes 0x40-0xbf (a label longer than 63, extended label types) are invalid. */
static void test_label_longer_than_63(void **state)
{
	(void)state;
	struct mb m;
	uint8_t label[64];
	memset(label, 'a', sizeof(label));
	for (unsigned len = 64; len < 0xc0; len += 63) {
		header(&m, 0, 1, 0, 0, 0);
		u8(&m, (uint8_t)len);
		put(&m, label, sizeof(label));
		u8(&m, 0);
		u16(&m, 1);
		u16(&m, 1);
		assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_INVALID);
	}
}

/* 255 wire bytes is the longest name; 256 is invalid, also when pointers build it. */
static void test_name_longer_than_255(void **state)
{
	(void)state;
	struct mb m;
	char t[DNS_NAME_TEXT_MAX];
	uint8_t label[63];
	memset(label, 'x', sizeof(label));
	/* 4 labels of 63 (256 bytes with lengths) minus 1 = 61 in the last: 255 with the root */
	for (int extra = 0; extra <= 1; extra++) {
		header(&m, 0, 1, 0, 0, 0);
		for (int i = 0; i < 3; i++) {
			u8(&m, 63);
			put(&m, label, 63);
		}
		u8(&m, (uint8_t)(61 + extra));
		put(&m, label, (size_t)(61 + extra));
		u8(&m, 0);
		u16(&m, 1);
		u16(&m, 1);
		assert_int_equal(dns_decode(m.b, m.n, &g_m), extra ? DNS_INVALID : DNS_OK);
	}
	assert_int_equal(dns_name_text(m.b, m.n, 12, t), -1);
	/* The same length reached through pointers: 5 x "\x3fxxx..." chained. */
	header(&m, 0, 1, 0, 0, 0);
	u16(&m, 0xc000 | 18); /* 12 */
	u16(&m, 1);
	u16(&m, 1);
	for (int i = 0; i < 5; i++) { /* 18 + 65 i */
		u8(&m, 63);
		put(&m, label, 63);
		u16(&m, (uint16_t)(0xc000 | (18 + 65 * (i + 1))));
	}
	u8(&m, 0);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_INVALID);
}

/* Escapes of RFC 4343: ".", "\" and bytes outside printable ASCII; the root is ".". */
static void test_name_escapes_and_root(void **state)
{
	(void)state;
	struct mb m;
	char t[DNS_NAME_TEXT_MAX];
	header(&m, 0, 2, 0, 0, 0);
	put(&m, "\x03" "a.b\x02\x00\\\x00", 8); /* 12: "a.b" "\0\\" */
	u16(&m, 1);
	u16(&m, 1);
	u8(&m, 0); /* 24: the root */
	u16(&m, 6);
	u16(&m, 1);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_OK);
	assert_int_equal(dns_name_text(m.b, m.n, 12, t), (int)strlen("a\\.b.\\000\\\\."));
	assert_string_equal(t, "a\\.b.\\000\\\\.");
	assert_int_equal(dns_name_text(m.b, m.n, 24, t), 1);
	assert_string_equal(t, ".");
}

/* Rdata of the wrong size or with bytes after its name is invalid, in any section. */
static void test_bad_rdata_in_every_section(void **state)
{
	(void)state;
	struct mb m;
	static const struct {
		uint16_t type;
		const char *rdata;
		uint16_t len;
	} bad[] = {
		{ DNS_T_A, "\x01\x02\x03", 3 },	      { DNS_T_AAAA, "\x01\x02\x03\x04", 4 },
		{ DNS_T_CNAME, "\x01" "a\x00\x00", 4 }, { DNS_T_MX, "\x00\x01", 2 },
		{ DNS_T_MX, "\x00\x01\x00\x00", 4 },   { DNS_T_TXT, "\x05" "abc", 4 },
		{ DNS_T_SOA, "\x00\x00\x00\x00", 4 },  { DNS_T_PTR, "\x05" "ab", 3 },
	};
	for (unsigned section = 0; section < 3; section++) {
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			header(&m, 0x8180, 1, section == 0, section == 1, section == 2);
			name(&m, "example.com");
			u16(&m, 1);
			u16(&m, 1);
			rr_head(&m, bad[i].type, 1, bad[i].len);
			put(&m, bad[i].rdata, bad[i].len);
			assert_int_not_equal(dns_decode(m.b, m.n, &g_m), DNS_OK);
		}
	}
	/* More records declared than DNS_MAX_RECORDS. */
	header(&m, 0, 0x1000, 1, 0, 0);
	assert_int_equal(dns_decode(m.b, m.n, &g_m), DNS_INVALID);
}

/* IPv6 text is glibc's inet_ntop's, for compressed runs, IPv4 forms and random addresses. */
static void test_ipv6_text_matches_inet_ntop(void **state)
{
	(void)state;
	uint8_t a[16];
	char mine[64], theirs[64];
	uint32_t x = 2463534242u;
	for (unsigned i = 0; i < 200000; i++) {
		for (unsigned j = 0; j < 16; j += 2) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* mostly zero groups, so runs of every length and place come up */
			uint16_t g = (x & 3) ? 0 : (uint16_t)(x >> 8);
			if ((x & 0x30) == 0x30 && j == 10)
				g = 0xffff;
			a[j] = (uint8_t)(g >> 8);
			a[j + 1] = (uint8_t)g;
		}
		if (i == 0)
			memset(a, 0, 16);
		int n = dns_ipv6_text(a, mine);
		assert_non_null(inet_ntop(AF_INET6, a, theirs, sizeof(theirs)));
		assert_string_equal(mine, theirs);
		assert_int_equal(n, (int)strlen(theirs));
	}
}

/* UTF-8 sequences as Python's strict decoder takes them. */
static void test_utf8_sequences(void **state)
{
	(void)state;
	assert_int_equal(dns_utf8_seq((const uint8_t *)"a", 1), 1);
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\xc3\xa9", 2), 2);
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\xc3", 1), 0);
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\xc0\x80", 2), 0);         /* overlong */
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\xe0\x80\x80", 3), 0);     /* overlong */
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\xed\xa0\x80", 3), 0);     /* surrogate */
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	assert_int_equal(dns_utf8_seq((const uint8_t *)"\x80", 1), 0);
}

/* Mnemonics and the numbered forms of RFC 3597. */
static void test_mnemonics(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(dns_type_name(257, b), "CAA");
	assert_string_equal(dns_type_name(65534, b), "TYPE65534");
	assert_string_equal(dns_class_name(1, b), "IN");
	assert_string_equal(dns_class_name(7, b), "CLASS7");
	assert_string_equal(dns_rcode_name(3, b), "NXDOMAIN");
	assert_string_equal(dns_rcode_name(12, b), "RCODE12");
	assert_string_equal(dns_opcode_name(6, b), "DSO");
	assert_string_equal(dns_opcode_name(3, b), "OPCODE3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_renders_every_type),
		cmocka_unit_test(test_truncation_at_every_length),
		cmocka_unit_test(test_compression_loops),
		cmocka_unit_test(test_pointers_forward_and_out_of_bounds),
		cmocka_unit_test(test_label_longer_than_63),
		cmocka_unit_test(test_name_longer_than_255),
		cmocka_unit_test(test_name_escapes_and_root),
		cmocka_unit_test(test_bad_rdata_in_every_section),
		cmocka_unit_test(test_ipv6_text_matches_inet_ntop),
		cmocka_unit_test(test_utf8_sequences),
		cmocka_unit_test(test_mnemonics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
