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
 * Build and run: see tests/fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_NO_CMOCKA
#include "decode_fixtures.h"

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
	return 0;
}
