/* fuzz_decode.c: libFuzzer target for decode_packet() over every supported link type.
 *
 * Input: byte 0 picks the link type (index into fuzz_linktypes, modulo its
 * size), the remaining bytes are the frame; libFuzzer's buffer ends exactly
 * at the frame's end, so ASan reports any read past caplen. After decoding,
 * the invariants of tests/decode_fixtures.h must hold (payload and every
 * decoded layer within caplen, result consistent with p->error, ...), the
 * counters must hold exactly the event in p->error, and a second decode
 * into a zeroed struct must give the same decoded fields as the first one
 * into a garbage-filled struct (nothing stale survives the reset).
 *
 * The TCP or UDP payload then goes to the DNS decoder (parsers/dns.c), as
 * a message and, for TCP, also after a 2-byte length prefix, in a heap
 * copy of exactly its size: a message it accepts must render completely
 * (every name and rdata text within its bound).
 *
 * Build and run: see tests/fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_NO_CMOCKA
#include "decode_fixtures.h"
#include "dns.h"

static const uint32_t fuzz_linktypes[] = {
	LINKTYPE_ETHERNET,  LINKTYPE_NULL, LINKTYPE_RAW,  LINKTYPE_LOOP,
	LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2,
	LINKTYPE_PPP,	    LINKTYPE_PPP_HDLC, LINKTYPE_C_HDLC,
};
#define FUZZ_NLINKTYPES (sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]))

static void fuzz_fail(const char *what, const struct pkt *p)
{
	fprintf(stderr, "fuzz_decode: %s (linktype %u, caplen %u, layers 0x%x, error %s)\n", what,
		p->linktype, p->caplen, p->layers, decode_event_name(p->error));
	abort();
}

static struct dns_msg fuzz_msg;

static void fuzz_dns_fail(const char *what)
{
	fprintf(stderr, "fuzz_decode: dns: %s\n", what);
	abort();
}

static void fuzz_dns(const uint8_t *payload, size_t len)
{
	uint8_t *m = malloc(len ? len : 1);
	if (!m)
		return;
	memcpy(m, payload, len);
	if (dns_decode(m, len, &fuzz_msg) == DNS_OK) {
		char text[DNS_RDATA_TEXT_MAX], nb[16];
		const struct dns_msg *d = &fuzz_msg;
		if (d->length > len)
			fuzz_dns_fail("length past the message");
		for (unsigned i = 0; i < (unsigned)d->qdcount + d->ancount; i++) {
			const struct dns_rr *rr = &d->rr[i];
			int n = dns_name_text(m, len, rr->name_off, text);
			if (n < 1 || n >= DNS_NAME_TEXT_MAX || (size_t)n != strlen(text))
				fuzz_dns_fail("accepted name does not render");
			(void)dns_type_name(rr->type, nb);
			(void)dns_class_name(rr->rclass, nb);
			if (i < d->qdcount)
				continue;
			if (rr->rdata_off + (size_t)rr->rdlength > len)
				fuzz_dns_fail("rdata past the message");
			n = dns_rdata_text(m, len, rr, text);
			if (n >= DNS_RDATA_TEXT_MAX || (n >= 0 && (size_t)n != strlen(text)))
				fuzz_dns_fail("rdata text too long");
			bool rendered = rr->type == DNS_T_A || rr->type == DNS_T_AAAA || rr->type == DNS_T_CNAME ||
					rr->type == DNS_T_NS || rr->type == DNS_T_PTR || rr->type == DNS_T_MX ||
					rr->type == DNS_T_SOA;
			if (rendered != (n >= 0))
				fuzz_dns_fail("accepted rdata does not render");
			if (rr->type == DNS_T_TXT) {
				size_t pos = rr->rdata_off, k;
				const uint8_t *s;
				int r;
				while ((r = dns_txt_next(m, rr, &pos, &s, &k)) > 0)
					for (size_t j = 0; j < k;) {
						unsigned u = dns_utf8_seq(s + j, k - j);
						j += u ? u : 1;
					}
				if (r < 0)
					fuzz_dns_fail("accepted TXT rdata does not split");
			}
		}
		(void)dns_rcode_name(d->rcode, nb);
		(void)dns_opcode_name(d->opcode, nb);
	}
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decode_counters k;
	struct pkt p, q;

	if (size < 1 || size - 1 > UINT32_MAX)
		return 0;

	memset(&p, 0xa5, sizeof(p)); /* a reused ring slot holds the previous packet */
	p.data = data + 1;
	p.caplen = (uint32_t)(size - 1);
	p.wirelen = p.caplen;
	p.ts_ns = 0;
	p.frame_no = 1;
	p.linktype = fuzz_linktypes[data[0] % FUZZ_NLINKTYPES];
	p.ifindex = 0;
	memset(&k, 0, sizeof(k));

	enum decode_result r = decode_packet(&p, &k);

	const char *why = fx_invariant_violation(&p, r);
	if (why != NULL)
		fuzz_fail(why, &p);
	why = fx_counters_violation(&p, &k);
	if (why != NULL)
		fuzz_fail(why, &p);

	memset(&q, 0, sizeof(q));
	q.data = p.data;
	q.caplen = p.caplen;
	q.wirelen = p.wirelen;
	q.frame_no = 1;
	q.linktype = p.linktype;
	if (decode_packet(&q, NULL) != r)
		fuzz_fail("second decode returned another result", &p);
	if (memcmp(&p.layers, &q.layers, offsetof(struct pkt, hdrs) - offsetof(struct pkt, layers)) != 0 ||
	    memcmp(p.hdrs, q.hdrs, p.nhdrs * sizeof(p.hdrs[0])) != 0)
		fuzz_fail("decoded fields depend on the struct's previous contents", &p);

	if (PKT_HAS(&p, LAYER_UDP) || PKT_HAS(&p, LAYER_TCP)) {
		const uint8_t *pl = p.data + p.payload_off;
		fuzz_dns(pl, p.payload_len);
		if (PKT_HAS(&p, LAYER_TCP) && p.payload_len >= 2)
			fuzz_dns(pl + 2, p.payload_len - 2);
	}
	return 0;
}
