/* dnsrec.c: write plugins/dns.py's record for a decoded DNS message.
 *
 * The line is built in the output's buffer, as pktd.emit() builds it from
 * the record dict (daemon/output.c: key order, no spaces, floats as repr(),
 * strings JSON-escaped byte by byte), so the two paths write the same
 * bytes; tests/integration compares them. TXT strings are decoded as
 * dnswire.py does (UTF-8, bytes that are not UTF-8 as "\xNN").
 *
 * Room is reserved once per part (the header, each question, each answer)
 * for the most that part can take, then written through a plain pointer. */
#include "dnsrec.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

/* The write pointer with room for n more bytes, or NULL (exception set). */
static inline char *room(struct output *o, size_t n)
{
	if (o->len + n > o->cap && output_reserve(o, n) < 0)
		return NULL;
	return o->buf + o->len;
}

#define LIT(w, s) (memcpy((w), (s), sizeof(s) - 1), (w) += sizeof(s) - 1)

/* Any text, JSON-escaped: at most 6 n + 2. */
static char *str(char *w, const char *s, size_t n)
{
	*w++ = '"';
	for (size_t i = 0; i < n; i++)
		w = output_json_escape(w, (unsigned char)s[i]);
	*w++ = '"';
	return w;
}

/* Presentation text of a name or of rdata: printable ASCII, so only '"'
 * and '\\' are escaped: at most 2 n + 2. */
static char *text(char *w, const char *s, size_t n)
{
	*w++ = '"';
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"' || c == '\\')
			*w++ = '\\';
		*w++ = c;
	}
	*w++ = '"';
	return w;
}

/* A mnemonic ("AAAA", "NXDOMAIN", "TYPE65534"): nothing to escape; at
 * most 18. */
static inline char *mnem(char *w, const char *s)
{
	*w++ = '"';
	while (*s)
		*w++ = *s++;
	*w++ = '"';
	return w;
}

/* repr() of a float d with 1 <= d < 2^53 (a capture time): the shortest
 * decimal that reads back as d, nearest to d, with ".0" when it is whole,
 * found by exact integer arithmetic (d = m * 2^e, e >= -62). Returns the
 * length written to out[32], or 0 when d is outside the fast path (a
 * power of two, a tie) and the caller must ask Python. */
static int ts_repr(double d, char *out)
{
	if (!(d >= 1.0 && d < 9007199254740992.0))
		return 0;
	uint64_t bits;
	memcpy(&bits, &d, sizeof(bits));
	uint64_t m = (bits & ((1ull << 52) - 1)) | (1ull << 52);
	int e = (int)((bits >> 52) & 0x7ff) - 1075; /* d = m * 2^e */
	if (m == (1ull << 52) || e >= 0 || e < -62)
		return 0;
	unsigned sh = (unsigned)(1 - e); /* d * 10^k = X / 2^sh with X = 2 m 10^k */
	unsigned __int128 one = (unsigned __int128)1 << sh;
	uint64_t ip = (uint64_t)d; /* the integer part, exact */
	unsigned idigits = 1;
	for (uint64_t t = ip; t >= 10; t /= 10)
		idigits++;
	/* Reading back as d is monotone in k (more digits only come closer),
	 * and 17 significant digits always do: the fewest fraction digits by
	 * bisection over 0 .. 17 - idigits. */
	static const uint64_t pow10[18] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
		1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	};
	unsigned lo = 0, hi = idigits >= 17 ? 0 : 17 - idigits, k;
	/* Capture times have 6 or 9 fraction digits, so the answer is mostly
	 * 16 or 17 significant digits: probe there, then its neighbour toward
	 * the answer, then bisect what is left. */
	unsigned __int128 n = 0;
	int found = -1;
	unsigned guess = hi ? hi - 1 : 0, probes = 0;
	while (lo <= hi) {
		if (probes == 0)
			k = guess;
		else if (probes == 1 && found >= 0 && guess > lo)
			k = guess - 1;
		else if (probes == 1 && found < 0 && guess + 1 <= hi)
			k = guess + 1;
		else
			k = (lo + hi) / 2;
		probes++;
		unsigned __int128 p10 = pow10[k];
		unsigned __int128 x = (unsigned __int128)(2 * m) * p10;
		unsigned __int128 fl = x >> sh;
		unsigned __int128 dlo = x - (fl << sh), dhi = one - dlo; /* distances to fl and fl + 1, times 2^sh */
		/* Within half an ulp (10^k at this scale) reads back as d; at
		 * exactly half, only when m is even (round-half-even). */
		unsigned __int128 best = dlo <= dhi ? dlo : dhi;
		if (dlo == dhi)
			return 0; /* a tie between two candidates: Python decides */
		if (best < p10 || (best == p10 && !(m & 1))) {
			found = (int)k;
			n = dlo < dhi ? fl : fl + 1;
			if (k == 0)
				break;
			hi = k - 1;
		} else {
			lo = k + 1;
		}
	}
	if (found < 0)
		return 0;
	k = (unsigned)found;
	ip = (uint64_t)(n / pow10[k]);
	uint64_t fp = (uint64_t)(n % pow10[k]);
	char digits[20];
	int nd = 0, len = 0;
	do {
		digits[nd++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	while (nd)
		out[len++] = digits[--nd];
	out[len++] = '.';
	if (k == 0) {
		out[len++] = '0';
	} else {
		for (unsigned i = k; i-- > 0;) {
			out[len + (int)i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		len += (int)k;
	}
	out[len] = '\0';
	return len;
}

int dnsrec_ts_text(double d, char *out)
{
	int n = ts_repr(d, out);
	if (n)
		return n;
	if (!isfinite(d)) {
		memcpy(out, "null", 5);
		return 4;
	}
	char *r = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
	if (!r)
		return -1;
	n = (int)strlen(r);
	if (n >= 32) {
		PyMem_Free(r);
		PyErr_SetString(PyExc_ValueError, "dns: time too long");
		return -1;
	}
	memcpy(out, r, (size_t)n + 1);
	PyMem_Free(r);
	return n;
}

static char *put_name(char *w, const uint8_t *msg, size_t len, uint32_t off)
{
	char t[DNS_NAME_TEXT_MAX];
	int n = dns_name_text(msg, len, off, t);
	return n < 0 ? NULL : text(w, t, (size_t)n);
}

/* TXT rdata: its strings joined, each decoded as UTF-8 with
 * backslashreplace, JSON-escaped: at most 6 rdlength + 2. */
static char *put_txt(char *w, const uint8_t *msg, const struct dns_rr *rr)
{
	*w++ = '"';
	size_t pos = rr->rdata_off;
	const uint8_t *s;
	size_t n;
	while (dns_txt_next(msg, rr, &pos, &s, &n) > 0) {
		for (size_t i = 0; i < n;) {
			uint8_t c = s[i];
			if (c >= 0x80) {
				unsigned k = dns_utf8_seq(s + i, n - i);
				if (k) {
					memcpy(w, s + i, k);
					w += k;
					i += k;
				} else {
					/* "\xNN" in the text, its backslash escaped in JSON */
					memcpy(w, "\\\\x", 3);
					w[3] = hex[c >> 4];
					w[4] = hex[c & 15];
					w += 5;
					i++;
				}
				continue;
			}
			w = output_json_escape(w, c);
			i++;
		}
	}
	*w++ = '"';
	return w;
}

/* Rdata of a type dnswire.py does not render: RFC 3597 "\\# LEN HEX"; at
 * most 2 rdlength + 16. */
static char *put_unknown(char *w, const uint8_t *msg, const struct dns_rr *rr)
{
	LIT(w, "\"\\\\# ");
	w = dns_utoa(w, rr->rdlength);
	*w++ = ' ';
	const uint8_t *d = msg + rr->rdata_off;
	for (unsigned i = 0; i < rr->rdlength; i++) {
		*w++ = hex[d[i] >> 4];
		*w++ = hex[d[i] & 15];
	}
	*w++ = '"';
	return w;
}

/* The most a question or an answer can take. */
#define NAME_JSON_MAX (2 * DNS_NAME_TEXT_MAX + 2)
#define QUESTION_MAX (NAME_JSON_MAX + 96)
#define ANSWER_MAX(rdlength) (NAME_JSON_MAX + 2 * DNS_RDATA_TEXT_MAX + 6 * (size_t)(rdlength) + 128)

static int put_answer(struct output *o, const uint8_t *msg, size_t len, const struct dns_rr *rr, bool first)
{
	char nb[16], t[DNS_RDATA_TEXT_MAX];
	char *w = room(o, ANSWER_MAX(rr->rdlength));
	if (!w)
		return -1;
	if (!first)
		*w++ = ',';
	LIT(w, "{\"name\":");
	if (!(w = put_name(w, msg, len, rr->name_off)))
		goto changed;
	LIT(w, ",\"type\":");
	w = mnem(w, dns_type_name(rr->type, nb));
	LIT(w, ",\"ttl\":");
	w = dns_utoa(w, rr->ttl);
	LIT(w, ",\"data\":");
	if (rr->type == DNS_T_TXT) {
		w = put_txt(w, msg, rr);
	} else {
		int n = dns_rdata_text(msg, len, rr, t);
		w = n >= 0 ? text(w, t, (size_t)n) : put_unknown(w, msg, rr);
	}
	*w++ = '}';
	o->len = (size_t)(w - o->buf);
	return 0;
changed:
	PyErr_SetString(PyExc_ValueError, "dns: message changed after decoding");
	return -1;
}

int dnsrec_write(struct output *o, const struct dnsrec_meta *meta, const uint8_t *msg, size_t len,
		 const struct dns_msg *m)
{
	char nb[16], ts[32];
	uint16_t f = m->flags;
	size_t tlen = strlen(meta->transport);
	int tn = dnsrec_ts_text(meta->ts, ts);
	if (tn < 0)
		return -1;
	o->len = 0;
	char *w = room(o, 6 * (meta->src_len + meta->dst_len + tlen) + 320);
	if (!w)
		return -1;
	LIT(w, "{\"ts\":");
	memcpy(w, ts, (size_t)tn);
	w += tn;
	LIT(w, ",\"src\":");
	w = str(w, meta->src, meta->src_len);
	LIT(w, ",\"dst\":");
	w = str(w, meta->dst, meta->dst_len);
	LIT(w, ",\"sport\":");
	w = dns_utoa(w, meta->sport);
	LIT(w, ",\"dport\":");
	w = dns_utoa(w, meta->dport);
	LIT(w, ",\"transport\":");
	w = str(w, meta->transport, tlen);
	LIT(w, ",\"id\":");
	w = dns_utoa(w, m->id);
	if (f & 0x8000)
		LIT(w, ",\"qr\":\"response\",\"opcode\":");
	else
		LIT(w, ",\"qr\":\"query\",\"opcode\":");
	w = mnem(w, dns_opcode_name(m->opcode, nb));
	LIT(w, ",\"rcode\":");
	w = mnem(w, dns_rcode_name(m->rcode, nb));
	if (f & 0x0400)
		LIT(w, ",\"flags\":{\"aa\":true");
	else
		LIT(w, ",\"flags\":{\"aa\":false");
	if (f & 0x0200)
		LIT(w, ",\"tc\":true");
	else
		LIT(w, ",\"tc\":false");
	if (f & 0x0100)
		LIT(w, ",\"rd\":true");
	else
		LIT(w, ",\"rd\":false");
	if (f & 0x0080)
		LIT(w, ",\"ra\":true},\"questions\":[");
	else
		LIT(w, ",\"ra\":false},\"questions\":[");
	o->len = (size_t)(w - o->buf);
	for (unsigned i = 0; i < m->qdcount; i++) {
		const struct dns_rr *q = &m->rr[i];
		if (!(w = room(o, QUESTION_MAX)))
			return -1;
		if (i)
			*w++ = ',';
		LIT(w, "{\"name\":");
		if (!(w = put_name(w, msg, len, q->name_off))) {
			PyErr_SetString(PyExc_ValueError, "dns: message changed after decoding");
			return -1;
		}
		LIT(w, ",\"type\":");
		w = mnem(w, dns_type_name(q->type, nb));
		LIT(w, ",\"class\":");
		w = mnem(w, dns_class_name(q->rclass, nb));
		*w++ = '}';
		o->len = (size_t)(w - o->buf);
	}
	if (!(w = room(o, 16)))
		return -1;
	LIT(w, "],\"answers\":[");
	o->len = (size_t)(w - o->buf);
	for (unsigned i = 0; i < m->ancount; i++)
		if (put_answer(o, msg, len, &m->rr[m->qdcount + i], i == 0) < 0)
			return -1;
	if (!(w = room(o, 2)))
		return -1;
	LIT(w, "]}");
	o->len = (size_t)(w - o->buf);
	return output_write_line(o);
}
