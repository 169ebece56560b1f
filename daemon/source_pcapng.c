/* source_pcapng.c: pcapng files read block by block (draft-ietf-opsawg-pcapng).
 *
 * Our own reader, because libpcap 1.10 refuses files whose interfaces differ
 * in link type or snaplen. Sections of either byte order may follow each
 * other; interface ids restart in each section. Packets come from Enhanced,
 * Simple and (obsolete) Packet Blocks; every other block is skipped by its
 * length. Each block is checked (length >= 12 and a multiple of 4, trailer
 * equal to header, captured length inside the block, interface known) and
 * a failure names the file and the byte offset of the block.
 *
 * Block layout (all fields in the section's byte order):
 *
 *   0            4               8                       len-4        len
 *   | block type | total length  | body ...               | total length |
 *
 * A block is read whole into one buffer that only grows; packet data is
 * handed out as a pointer into it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_reader.h"

#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_OPB 0x00000002u /* obsolete Packet Block */
#define PCAPNG_BT_SPB 0x00000003u
#define PCAPNG_BT_EPB 0x00000006u

#define PCAPNG_MIN_BLOCK 12u
#define PCAPNG_MIN_SHB 28u        /* + BOM, version, section length */
#define PCAPNG_MIN_IDB 20u        /* + linktype, reserved, snaplen */
#define PCAPNG_MIN_EPB 32u        /* + if id, ts high/low, caplen, origlen; OPB alike */
#define PCAPNG_MIN_SPB 16u        /* + origlen */
#define PCAPNG_MAX_BLOCK (64u << 20)
#define PCAPNG_INIT_BUF (64u << 10)

#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_IF_TSRESOL 9
#define PCAPNG_OPT_IF_TSOFFSET 14

#define PCAPNG_NS_PER_S 1000000000u

/* How an interface's timestamp units become ns, exactly. */
enum pcapng_ts_kind {
	PCAPNG_TS_MUL,   /* the unit divides 1 ns * 10^9: ns = units * mul */
	PCAPNG_TS_DIV,   /* 10^-e with e > 9: ns = units / div */
	PCAPNG_TS_SHIFT, /* 2^-e with e > 9: ns = units * 10^9 >> shift */
	PCAPNG_TS_ZERO,  /* 10^-e with e > 28: always below 1 ns */
};

struct pcapng_if {
	uint32_t linktype;
	uint32_t snaplen;        /* 0 = none */
	int64_t tsoffset;        /* if_tsoffset: seconds added to every timestamp */
	enum pcapng_ts_kind ts_kind;
	uint64_t ts_arg;         /* mul, div or shift */
};

struct pcapng_reader {
	FILE *fp;
	char *name;
	uint64_t off;            /* offset of the next block */
	uint32_t snaplen;        /* the caller's limit; UINT32_MAX for none */
	bool big_endian;         /* byte order of the current section */
	struct pcapng_if *ifs;   /* interfaces of the current section */
	size_t n_ifs;
	size_t cap_ifs;
	uint8_t *buf;            /* the current block, whole */
	size_t cap;
};

static uint16_t pcapng_get16(const struct pcapng_reader *r, const uint8_t *p)
{
	if (r->big_endian)
		return (uint16_t)(p[0] << 8 | p[1]);
	return (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t pcapng_get32(const struct pcapng_reader *r, const uint8_t *p)
{
	if (r->big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t pcapng_get64(const struct pcapng_reader *r, const uint8_t *p)
{
	uint64_t a = pcapng_get32(r, p), b = pcapng_get32(r, p + 4);

	return r->big_endian ? a << 32 | b : b << 32 | a;
}

static void pcapng_fail(const struct pcapng_reader *r, uint64_t off, char *err, size_t errlen,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void pcapng_fail(const struct pcapng_reader *r, uint64_t off, char *err, size_t errlen,
			const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s: offset %llu: ", r->name, (unsigned long long)off);

	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* if_tsresol: bit 7 clear = 10^-e seconds, set = 2^-e seconds. */
static void pcapng_if_set_tsresol(struct pcapng_if *ifc, uint8_t v)
{
	unsigned e = v & 0x7f;

	if (v & 0x80) {
		if (e <= 9) {
			ifc->ts_kind = PCAPNG_TS_MUL;
			ifc->ts_arg = PCAPNG_NS_PER_S >> e; /* 2^e divides 10^9 = 2^9 5^9 */
		} else {
			ifc->ts_kind = PCAPNG_TS_SHIFT;
			ifc->ts_arg = e;
		}
		return;
	}
	if (e <= 9) {
		ifc->ts_kind = PCAPNG_TS_MUL;
		ifc->ts_arg = 1;
		for (unsigned i = e; i < 9; i++)
			ifc->ts_arg *= 10;
	} else if (e <= 28) {
		ifc->ts_kind = PCAPNG_TS_DIV; /* 10^(e-9) <= 10^19 fits in 64 bits */
		ifc->ts_arg = 1;
		for (unsigned i = 9; i < e; i++)
			ifc->ts_arg *= 10;
	} else {
		ifc->ts_kind = PCAPNG_TS_ZERO; /* units < 2^64 < 10^(e-9) */
	}
}

static uint64_t pcapng_ts_ns(const struct pcapng_if *ifc, uint64_t units)
{
	unsigned __int128 ns = 0;
	__int128 t;

	switch (ifc->ts_kind) {
	case PCAPNG_TS_MUL:
		ns = (unsigned __int128)units * ifc->ts_arg;
		break;
	case PCAPNG_TS_DIV:
		ns = units / ifc->ts_arg;
		break;
	case PCAPNG_TS_SHIFT:
		ns = ((unsigned __int128)units * PCAPNG_NS_PER_S) >> ifc->ts_arg;
		break;
	case PCAPNG_TS_ZERO:
		break;
	}
	/* ns < 2^94 and |tsoffset| * 10^9 < 2^93: no overflow in 128 bits. */
	t = (__int128)ns + (__int128)ifc->tsoffset * PCAPNG_NS_PER_S;
	if (t < 0)
		return 0;
	if (t > (__int128)UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)t;
}

/* Walk the options in p[0..len): each must fit the block. With ifc, pick
 * up the interface options that matter for timestamps. */
static bool pcapng_walk_options(const struct pcapng_reader *r, const uint8_t *p, size_t len,
				const char *what, uint64_t off, struct pcapng_if *ifc,
				char *err, size_t errlen)
{
	size_t pos = 0;

	while (pos < len) {
		uint16_t code, olen;
		size_t padded;

		if (len - pos < 4) {
			pcapng_fail(r, off, err, errlen, "corrupt %s: option header overruns the block", what);
			return false;
		}
		code = pcapng_get16(r, p + pos);
		olen = pcapng_get16(r, p + pos + 2);
		pos += 4;
		if (code == PCAPNG_OPT_END)
			break;
		padded = ((size_t)olen + 3) & ~(size_t)3;
		if (padded > len - pos) {
			pcapng_fail(r, off, err, errlen,
				    "corrupt %s: option %u of length %u overruns the block (%zu bytes left)",
				    what, code, olen, len - pos);
			return false;
		}
		if (ifc && code == PCAPNG_OPT_IF_TSRESOL) {
			if (olen != 1) {
				pcapng_fail(r, off, err, errlen,
					    "corrupt %s: if_tsresol length %u, expected 1", what, olen);
				return false;
			}
			pcapng_if_set_tsresol(ifc, p[pos]);
		} else if (ifc && code == PCAPNG_OPT_IF_TSOFFSET) {
			if (olen != 8) {
				pcapng_fail(r, off, err, errlen,
					    "corrupt %s: if_tsoffset length %u, expected 8", what, olen);
				return false;
			}
			ifc->tsoffset = (int64_t)pcapng_get64(r, p + pos);
		}
		pos += padded;
	}
	return true;
}

static bool pcapng_grow(struct pcapng_reader *r, size_t need)
{
	size_t cap = r->cap ? r->cap : PCAPNG_INIT_BUF;
	uint8_t *p;

	while (cap < need)
		cap *= 2;
	p = realloc(r->buf, cap);
	if (!p)
		return false;
	r->buf = p;
	r->cap = cap;
	return true;
}

static void pcapng_fail_read(const struct pcapng_reader *r, uint64_t off, const char *what,
			     size_t got, size_t want, char *err, size_t errlen)
{
	if (ferror(r->fp))
		pcapng_fail(r, off, err, errlen, "read error: %s", strerror(errno));
	else
		pcapng_fail(r, off, err, errlen, "truncated %s (%zu of %zu bytes)", what, got, want);
}

/* Read the block at r->off whole into r->buf and check its length (the
 * trailer is checked by the caller). SOURCE_EOF only at a clean end between
 * blocks. An SHB switches the byte order before its length is read. */
static enum source_status pcapng_read_block(struct pcapng_reader *r, uint32_t *type, uint32_t *len,
					    char *err, size_t errlen)
{
	static const uint8_t shb[4] = { 0x0a, 0x0d, 0x0d, 0x0a };
	uint8_t hdr[12];
	size_t hdr_len = 8, n;

	n = fread(hdr, 1, 8, r->fp);
	if (n == 0 && !ferror(r->fp))
		return SOURCE_EOF;
	if (n < 8) {
		pcapng_fail_read(r, r->off, "block header", n, 8, err, errlen);
		return SOURCE_ERROR;
	}
	if (memcmp(hdr, shb, 4) == 0) {
		n = fread(hdr + 8, 1, 4, r->fp);
		if (n < 4) {
			pcapng_fail_read(r, r->off, "section header", 8 + n, PCAPNG_MIN_SHB, err, errlen);
			return SOURCE_ERROR;
		}
		if (hdr[8] == 0x1a && hdr[9] == 0x2b && hdr[10] == 0x3c && hdr[11] == 0x4d) {
			r->big_endian = true;
		} else if (hdr[8] == 0x4d && hdr[9] == 0x3c && hdr[10] == 0x2b && hdr[11] == 0x1a) {
			r->big_endian = false;
		} else {
			pcapng_fail(r, r->off, err, errlen,
				    "section header: bad byte-order magic 0x%02x%02x%02x%02x",
				    hdr[8], hdr[9], hdr[10], hdr[11]);
			return SOURCE_ERROR;
		}
		hdr_len = 12;
	}
	*type = pcapng_get32(r, hdr);
	*len = pcapng_get32(r, hdr + 4);

	if (*len < (*type == PCAPNG_BT_SHB ? PCAPNG_MIN_SHB : PCAPNG_MIN_BLOCK) || *len % 4 != 0) {
		pcapng_fail(r, r->off, err, errlen,
			    "corrupt block (type 0x%08x): total length %u is %s", *type, *len,
			    *len % 4 ? "not a multiple of 4" : "too short");
		return SOURCE_ERROR;
	}
	if (*len > PCAPNG_MAX_BLOCK) {
		pcapng_fail(r, r->off, err, errlen,
			    "corrupt block (type 0x%08x): total length %u exceeds the %u-byte limit",
			    *type, *len, PCAPNG_MAX_BLOCK);
		return SOURCE_ERROR;
	}
	if (*len > r->cap && !pcapng_grow(r, *len)) {
		pcapng_fail(r, r->off, err, errlen, "out of memory for a %u-byte block", *len);
		return SOURCE_ERROR;
	}
	memcpy(r->buf, hdr, hdr_len);
	n = fread(r->buf + hdr_len, 1, *len - hdr_len, r->fp);
	if (n < *len - hdr_len) {
		pcapng_fail_read(r, r->off, "block", hdr_len + n, *len, err, errlen);
		return SOURCE_ERROR;
	}
	return SOURCE_OK;
}

/* Checked after the block's content, as Wireshark does, so that a damaged
 * option is reported as such rather than as the trailer it ran over. */
static bool pcapng_check_trailer(const struct pcapng_reader *r, uint32_t type, uint32_t len,
				 uint64_t off, char *err, size_t errlen)
{
	uint32_t trailer = pcapng_get32(r, r->buf + len - 4);

	if (trailer == len)
		return true;
	pcapng_fail(r, off, err, errlen,
		    "corrupt block (type 0x%08x): trailer length %u differs from header length %u",
		    type, trailer, len);
	return false;
}

static bool pcapng_parse_shb(struct pcapng_reader *r, uint32_t len, uint64_t off,
			     char *err, size_t errlen)
{
	const uint8_t *b = r->buf;
	uint16_t major = pcapng_get16(r, b + 12), minor = pcapng_get16(r, b + 14);

	if (major != 1 || (minor != 0 && minor != 2)) {
		pcapng_fail(r, off, err, errlen, "unsupported pcapng version %u.%u", major, minor);
		return false;
	}
	if (!pcapng_walk_options(r, b + 24, len - 28, "section header", off, NULL, err, errlen))
		return false;
	r->n_ifs = 0; /* interface ids restart in every section */
	return true;
}

static bool pcapng_parse_idb(struct pcapng_reader *r, uint32_t len, uint64_t off,
			     char *err, size_t errlen)
{
	const uint8_t *b = r->buf;
	struct pcapng_if ifc = { 0 };

	if (len < PCAPNG_MIN_IDB) {
		pcapng_fail(r, off, err, errlen,
			    "corrupt interface description: total length %u is too short", len);
		return false;
	}
	ifc.linktype = pcapng_get16(r, b + 8);
	ifc.snaplen = pcapng_get32(r, b + 12);
	pcapng_if_set_tsresol(&ifc, 6); /* default: microseconds */
	if (!pcapng_walk_options(r, b + 16, len - 20, "interface description", off, &ifc, err, errlen))
		return false;

	if (r->n_ifs == r->cap_ifs) {
		size_t cap = r->cap_ifs ? r->cap_ifs * 2 : 8;
		struct pcapng_if *ifs = realloc(r->ifs, cap * sizeof(*ifs));
		if (!ifs) {
			pcapng_fail(r, off, err, errlen, "out of memory for interface %zu", r->n_ifs);
			return false;
		}
		r->ifs = ifs;
		r->cap_ifs = cap;
	}
	r->ifs[r->n_ifs++] = ifc;
	return true;
}

/* Fill rec from a packet block; caplen has been checked to fit. */
static void pcapng_fill(const struct pcapng_reader *r, struct source_record *rec, uint64_t off,
			uint32_t ifid, const struct pcapng_if *ifc, const uint8_t *data,
			uint32_t caplen, uint32_t wirelen, uint64_t ts_ns)
{
	rec->data = data;
	rec->offset = off;
	rec->caplen = caplen < r->snaplen ? caplen : r->snaplen;
	rec->wirelen = wirelen > caplen ? wirelen : caplen;
	rec->linktype = ifc->linktype;
	rec->ifindex = ifid;
	rec->ts_ns = ts_ns;
}

/* Enhanced (type 6) and obsolete (type 2) Packet Blocks share a layout but
 * for a 16-bit interface id plus drop counter in the old one. */
static enum source_status pcapng_parse_pkt(struct pcapng_reader *r, uint32_t type, uint32_t len,
					   uint64_t off, struct source_record *rec,
					   char *err, size_t errlen)
{
	const char *what = type == PCAPNG_BT_EPB ? "enhanced packet block" : "packet block";
	const uint8_t *b = r->buf;
	uint32_t ifid, caplen, wirelen;
	uint64_t units;

	if (len < PCAPNG_MIN_EPB) {
		pcapng_fail(r, off, err, errlen, "corrupt %s: total length %u is too short", what, len);
		return SOURCE_ERROR;
	}
	ifid = type == PCAPNG_BT_EPB ? pcapng_get32(r, b + 8) : pcapng_get16(r, b + 8);
	units = (uint64_t)pcapng_get32(r, b + 12) << 32 | pcapng_get32(r, b + 16);
	caplen = pcapng_get32(r, b + 20);
	wirelen = pcapng_get32(r, b + 24);
	if (caplen > len - PCAPNG_MIN_EPB) {
		pcapng_fail(r, off, err, errlen,
			    "corrupt %s: captured length %u overruns the block (room for %u)",
			    what, caplen, len - PCAPNG_MIN_EPB);
		return SOURCE_ERROR;
	}
	if (ifid >= r->n_ifs) {
		pcapng_fail(r, off, err, errlen,
			    "corrupt %s: unknown interface id %u (the section has %zu)",
			    what, ifid, r->n_ifs);
		return SOURCE_ERROR;
	}
	pcapng_fill(r, rec, off, ifid, &r->ifs[ifid], b + 28, caplen, wirelen,
		    pcapng_ts_ns(&r->ifs[ifid], units));
	return SOURCE_OK;
}

/* Simple Packet Block: interface 0, no timestamp; the captured length is
 * the original length cut to the block and to interface 0's snaplen. */
static enum source_status pcapng_parse_spb(struct pcapng_reader *r, uint32_t len, uint64_t off,
					   struct source_record *rec, char *err, size_t errlen)
{
	const uint8_t *b = r->buf;
	uint32_t wirelen, caplen;

	if (len < PCAPNG_MIN_SPB) {
		pcapng_fail(r, off, err, errlen,
			    "corrupt simple packet block: total length %u is too short", len);
		return SOURCE_ERROR;
	}
	if (r->n_ifs == 0) {
		pcapng_fail(r, off, err, errlen,
			    "corrupt simple packet block: no interface 0 in this section");
		return SOURCE_ERROR;
	}
	wirelen = pcapng_get32(r, b + 8);
	caplen = wirelen < len - PCAPNG_MIN_SPB ? wirelen : len - PCAPNG_MIN_SPB;
	if (r->ifs[0].snaplen && caplen > r->ifs[0].snaplen)
		caplen = r->ifs[0].snaplen;
	pcapng_fill(r, rec, off, 0, &r->ifs[0], b + 12, caplen, wirelen, 0);
	return SOURCE_OK;
}

struct pcapng_reader *pcapng_reader_open(FILE *fp, const char *name, uint32_t snaplen,
					 char *err, size_t errlen)
{
	struct pcapng_reader *r = calloc(1, sizeof(*r));
	enum source_status st;
	uint32_t type, len;

	if (r)
		r->name = strdup(name);
	if (!r || !r->name) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(r);
		return NULL;
	}
	r->fp = fp;
	r->snaplen = snaplen ? snaplen : UINT32_MAX;

	/* The first block is the SHB whose magic brought us here: read it now
	 * so a damaged file fails to open. */
	st = pcapng_read_block(r, &type, &len, err, errlen);
	if (st == SOURCE_EOF)
		pcapng_fail(r, 0, err, errlen, "truncated section header (0 of %u bytes)", PCAPNG_MIN_SHB);
	if (st != SOURCE_OK || !pcapng_parse_shb(r, len, 0, err, errlen) ||
	    !pcapng_check_trailer(r, type, len, 0, err, errlen)) {
		r->fp = NULL; /* still the caller's */
		pcapng_reader_close(r);
		return NULL;
	}
	r->off = len;
	return r;
}

enum source_status pcapng_reader_next(struct pcapng_reader *r, struct source_record *rec,
				      char *err, size_t errlen)
{
	for (;;) {
		uint64_t off = r->off;
		enum source_status st;
		uint32_t type, len;

		st = pcapng_read_block(r, &type, &len, err, errlen);
		if (st != SOURCE_OK)
			return st;
		r->off += len;

		switch (type) {
		case PCAPNG_BT_SHB:
			st = pcapng_parse_shb(r, len, off, err, errlen) ? SOURCE_EOF : SOURCE_ERROR;
			break;
		case PCAPNG_BT_IDB:
			st = pcapng_parse_idb(r, len, off, err, errlen) ? SOURCE_EOF : SOURCE_ERROR;
			break;
		case PCAPNG_BT_EPB:
		case PCAPNG_BT_OPB:
			st = pcapng_parse_pkt(r, type, len, off, rec, err, errlen);
			break;
		case PCAPNG_BT_SPB:
			st = pcapng_parse_spb(r, len, off, rec, err, errlen);
			break;
		default:
			st = SOURCE_EOF; /* NRB, ISB, DSB, custom, unknown: skipped */
			break;
		}
		/* Here SOURCE_EOF means "no record in this block, read on". */
		if (st == SOURCE_ERROR || !pcapng_check_trailer(r, type, len, off, err, errlen))
			return SOURCE_ERROR;
		if (st == SOURCE_OK)
			return SOURCE_OK;
	}
}

uint64_t pcapng_reader_offset(const struct pcapng_reader *r)
{
	return r->off;
}

void pcapng_reader_close(struct pcapng_reader *r)
{
	if (!r)
		return;
	if (r->fp)
		fclose(r->fp);
	free(r->ifs);
	free(r->buf);
	free(r->name);
	free(r);
}
