/* test_source.c: unit tests for daemon/source*.c (pcap and pcapng files, pipes, damaged input).
 *
 * Every capture is written by the small writers below into a temporary
 * directory, then read back and checked field by field. The shared corpus
 * (../shared/pcaps from the repository root) is read too when present. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "source.h"

#define ERRLEN 512
#define SNAP_BIG 262144u

static char tmpdir[256];

/* ---- a growable little/big-endian byte writer ---- */

struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool be;
};

static void wb_put(struct wbuf *w, const void *src, size_t n)
{
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap < w->len + n)
			cap *= 2;
		w->p = realloc(w->p, cap);
		assert_non_null(w->p);
		w->cap = cap;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void wb_u8(struct wbuf *w, uint8_t v)
{
	wb_put(w, &v, 1);
}

static void wb_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	if (w->be) {
		b[0] = (uint8_t)(v >> 8);
		b[1] = (uint8_t)v;
	}
	wb_put(w, b, 2);
}

static void wb_u32_at(struct wbuf *w, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		w->p[at + (size_t)i] = (uint8_t)(v >> (w->be ? 24 - 8 * i : 8 * i));
}

static void wb_u32(struct wbuf *w, uint32_t v)
{
	uint8_t z[4] = { 0 };

	wb_put(w, z, 4);
	wb_u32_at(w, w->len - 4, v);
}

static void wb_u64(struct wbuf *w, uint64_t v)
{
	if (w->be) {
		wb_u32(w, (uint32_t)(v >> 32));
		wb_u32(w, (uint32_t)v);
	} else {
		wb_u32(w, (uint32_t)v);
		wb_u32(w, (uint32_t)(v >> 32));
	}
}

static void wb_pad4(struct wbuf *w)
{
	while (w->len % 4)
		wb_u8(w, 0);
}

/* Packet bytes are a pattern from a seed, so any record can be checked. */
static uint8_t pat(uint8_t seed, size_t i)
{
	return (uint8_t)(seed + i * 7);
}

static void wb_pattern(struct wbuf *w, uint8_t seed, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		wb_u8(w, pat(seed, i));
}

/* ---- pcap writer ---- */

static void pcap_w_header(struct wbuf *w, bool nano, uint16_t major, uint16_t minor,
			  uint32_t snaplen, uint32_t linktype)
{
	wb_u32(w, nano ? 0xa1b23c4d : 0xa1b2c3d4);
	wb_u16(w, major);
	wb_u16(w, minor);
	wb_u32(w, 0); /* thiszone */
	wb_u32(w, 0); /* sigfigs */
	wb_u32(w, snaplen);
	wb_u32(w, linktype);
}

/* Returns the record's offset. */
static size_t pcap_w_record(struct wbuf *w, uint32_t sec, uint32_t frac, uint32_t caplen,
			    uint32_t wirelen, uint8_t seed)
{
	size_t at = w->len;

	wb_u32(w, sec);
	wb_u32(w, frac);
	wb_u32(w, caplen);
	wb_u32(w, wirelen);
	wb_pattern(w, seed, caplen);
	return at;
}

/* ---- pcapng writer ---- */

static size_t ng_begin(struct wbuf *w, uint32_t type)
{
	size_t at = w->len;

	wb_u32(w, type);
	wb_u32(w, 0); /* patched by ng_end */
	return at;
}

static void ng_end(struct wbuf *w, size_t at)
{
	uint32_t len;

	wb_pad4(w);
	len = (uint32_t)(w->len - at + 4);
	wb_u32_at(w, at + 4, len);
	wb_u32(w, len);
}

static void ng_opt(struct wbuf *w, uint16_t code, const void *v, uint16_t len)
{
	wb_u16(w, code);
	wb_u16(w, len);
	wb_put(w, v, len);
	wb_pad4(w);
}

static void ng_opt_end(struct wbuf *w)
{
	wb_u16(w, 0);
	wb_u16(w, 0);
}

static size_t ng_shb(struct wbuf *w)
{
	size_t at = ng_begin(w, 0x0A0D0D0A);

	wb_u32(w, 0x1A2B3C4D);
	wb_u16(w, 1);
	wb_u16(w, 0);
	wb_u64(w, UINT64_MAX); /* section length unknown */
	ng_opt(w, 4, "pktd test_source", 16); /* shb_userappl */
	ng_opt(w, 2, "x86_64", 6);            /* shb_hardware, padded */
	ng_opt_end(w);
	ng_end(w, at);
	return at;
}

#define NO_TSRESOL (-1)

static size_t ng_idb(struct wbuf *w, uint16_t linktype, uint32_t snaplen, int tsresol,
		     bool has_tsoffset, int64_t tsoffset)
{
	size_t at = ng_begin(w, 1);

	wb_u16(w, linktype);
	wb_u16(w, 0);
	wb_u32(w, snaplen);
	ng_opt(w, 2, "eth0", 4); /* if_name */
	if (tsresol != NO_TSRESOL) {
		uint8_t v = (uint8_t)tsresol;
		ng_opt(w, 9, &v, 1);
	}
	if (has_tsoffset) {
		wb_u16(w, 14);
		wb_u16(w, 8);
		wb_u64(w, (uint64_t)tsoffset);
	}
	ng_opt_end(w);
	ng_end(w, at);
	return at;
}

static size_t ng_epb(struct wbuf *w, uint32_t ifid, uint64_t ts, uint32_t caplen,
		     uint32_t wirelen, uint8_t seed)
{
	size_t at = ng_begin(w, 6);
	uint32_t flags = 1; /* epb_flags: inbound */

	wb_u32(w, ifid);
	wb_u32(w, (uint32_t)(ts >> 32));
	wb_u32(w, (uint32_t)ts);
	wb_u32(w, caplen);
	wb_u32(w, wirelen);
	wb_pattern(w, seed, caplen);
	wb_pad4(w);
	wb_u16(w, 2);
	wb_u16(w, 4);
	wb_u32(w, flags);
	ng_opt_end(w);
	ng_end(w, at);
	return at;
}

static size_t ng_opb(struct wbuf *w, uint16_t ifid, uint64_t ts, uint32_t caplen,
		     uint32_t wirelen, uint8_t seed)
{
	size_t at = ng_begin(w, 2);

	wb_u16(w, ifid);
	wb_u16(w, 3); /* drops count */
	wb_u32(w, (uint32_t)(ts >> 32));
	wb_u32(w, (uint32_t)ts);
	wb_u32(w, caplen);
	wb_u32(w, wirelen);
	wb_pattern(w, seed, caplen);
	ng_end(w, at);
	return at;
}

/* The data written is min(wirelen, datalen) bytes: a snaplen-cut SPB. */
static size_t ng_spb(struct wbuf *w, uint32_t wirelen, uint32_t datalen, uint8_t seed)
{
	size_t at = ng_begin(w, 3);

	wb_u32(w, wirelen);
	wb_pattern(w, seed, datalen);
	ng_end(w, at);
	return at;
}

static size_t ng_nrb(struct wbuf *w)
{
	size_t at = ng_begin(w, 4);
	static const uint8_t v4[] = { 127, 0, 0, 1, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0 };

	wb_u16(w, 1); /* nrb_record_ipv4 */
	wb_u16(w, sizeof(v4));
	wb_put(w, v4, sizeof(v4));
	wb_pad4(w);
	wb_u16(w, 0); /* nrb_record_end */
	wb_u16(w, 0);
	ng_end(w, at);
	return at;
}

static size_t ng_isb(struct wbuf *w, uint32_t ifid)
{
	size_t at = ng_begin(w, 5);

	wb_u32(w, ifid);
	wb_u32(w, 0);
	wb_u32(w, 12345);
	wb_u16(w, 4); /* isb_ifrecv */
	wb_u16(w, 8);
	wb_u64(w, 42);
	ng_opt_end(w);
	ng_end(w, at);
	return at;
}

/* Custom (0x00000BAD, 0x40000BAD), decryption secrets (0x0A) or unknown. */
static size_t ng_other(struct wbuf *w, uint32_t type, uint32_t body)
{
	size_t at = ng_begin(w, type);

	wb_u32(w, 32473); /* private enterprise number */
	wb_pattern(w, 0x55, body);
	ng_end(w, at);
	return at;
}

/* ---- files and reading ---- */

static const char *tmp_path(const char *name)
{
	static char path[2][512];
	static int which;

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", tmpdir, name);
	return path[which];
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

struct want {
	uint64_t offset;
	uint64_t ts_ns;
	uint32_t caplen;
	uint32_t wirelen;
	uint32_t linktype;
	uint32_t ifindex;
	uint8_t seed;
};

static void check_record(const struct source_record *r, const struct want *w)
{
	assert_int_equal(r->offset, w->offset);
	assert_int_equal(r->ts_ns, w->ts_ns);
	assert_int_equal(r->caplen, w->caplen);
	assert_int_equal(r->wirelen, w->wirelen);
	assert_int_equal(r->linktype, w->linktype);
	assert_int_equal(r->ifindex, w->ifindex);
	assert_non_null(r->data);
	for (uint32_t i = 0; i < r->caplen; i++)
		if (r->data[i] != pat(w->seed, i))
			fail_msg("record at offset %" PRIu64 ": byte %u is 0x%02x, want 0x%02x",
				 r->offset, i, r->data[i], pat(w->seed, i));
}

static struct source *open_ok(const char *path, uint32_t snaplen)
{
	char err[ERRLEN] = "";
	struct source *s = source_open(path, snaplen, err, sizeof(err));

	if (!s)
		fail_msg("source_open(%s): %s", path, err);
	return s;
}

/* Read all records of a file, check them and the clean end. */
static void read_expect(const char *path, uint32_t snaplen, const char *format,
			const struct want *w, size_t n)
{
	struct source *s = open_ok(path, snaplen);
	struct source_record r;
	char err[ERRLEN] = "";
	struct stat st;

	assert_string_equal(source_format(s), format);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(source_bytes_total(s), (uint64_t)st.st_size);
	for (size_t i = 0; i < n; i++) {
		enum source_status rc = source_next(s, &r, err, sizeof(err));
		if (rc != SOURCE_OK)
			fail_msg("record %zu: status %d: %s", i, rc, err);
		check_record(&r, &w[i]);
	}
	assert_int_equal(source_next(s, &r, err, sizeof(err)), SOURCE_EOF);
	assert_int_equal(source_next(s, &r, err, sizeof(err)), SOURCE_EOF);
	assert_int_equal(source_bytes_read(s), (uint64_t)st.st_size);
	source_close(s);
}

/* Read until the source stops; expect `n_ok` records, then an error
 * containing every string in `needles` (NULL-terminated). */
static void read_expect_error(const char *path, size_t n_ok, const char *const *needles)
{
	struct source *s = open_ok(path, SNAP_BIG);
	struct source_record r;
	char err[ERRLEN] = "";
	enum source_status rc;
	size_t n = 0;

	while ((rc = source_next(s, &r, err, sizeof(err))) == SOURCE_OK)
		n++;
	if (rc != SOURCE_ERROR)
		fail_msg("%s: status %d after %zu records, want an error", path, rc, n);
	assert_int_equal(n, n_ok);
	for (; *needles; needles++)
		if (!strstr(err, *needles))
			fail_msg("error \"%s\" lacks \"%s\"", err, *needles);
	source_close(s);
}

static void open_expect_error(const char *path, const char *const *needles)
{
	char err[ERRLEN] = "";
	struct source *s = source_open(path, SNAP_BIG, err, sizeof(err));

	if (s)
		fail_msg("%s opened, want an error", path);
	for (; *needles; needles++)
		if (!strstr(err, *needles))
			fail_msg("error \"%s\" lacks \"%s\"", err, *needles);
}

/* One unit of a file for the truncation test: a pcap record or a pcapng block. */
struct unit {
	size_t start;
	size_t end;
	bool record;
};

/* Cut the file at every length: the records that are whole come out, then
 * a clean EOF at a unit boundary or an error naming the cut unit's offset.
 * Below `header_end` (pcap file header, first SHB) the open must fail. */
static void cut_every_length(const char *name, const struct wbuf *w, size_t header_end,
			     const struct unit *u, size_t n_units)
{
	for (size_t len = 0; len < w->len; len++) {
		const char *path = write_file(name, w->p, len);
		char err[ERRLEN] = "", want[600];
		struct source_record r;
		struct source *s = source_open(path, SNAP_BIG, err, sizeof(err));
		size_t got = 0, expect = 0, cut = SIZE_MAX;
		enum source_status rc;

		if (len < header_end) {
			if (s)
				fail_msg("cut at %zu of %s opened", len, name);
			snprintf(want, sizeof(want), "%s: offset 0: %s", path,
				 len < 4 ? "not a pcap or pcapng file" : "truncated");
			if (strncmp(err, want, strlen(want)) != 0)
				fail_msg("cut at %zu: \"%s\", want \"%s...\"", len, err, want);
			continue;
		}
		if (!s)
			fail_msg("cut at %zu of %s: %s", len, name, err);
		for (size_t i = 0; i < n_units; i++) {
			if (u[i].record && u[i].end <= len)
				expect++;
			if (u[i].start < len && len < u[i].end)
				cut = u[i].start;
		}
		while ((rc = source_next(s, &r, err, sizeof(err))) == SOURCE_OK) {
			assert_true(r.offset + r.caplen <= len);
			got++;
		}
		if (got != expect)
			fail_msg("cut at %zu of %s: %zu records, want %zu", len, name, got, expect);
		if (cut == SIZE_MAX) {
			if (rc != SOURCE_EOF)
				fail_msg("cut at boundary %zu of %s: %s", len, name, err);
		} else {
			snprintf(want, sizeof(want), "%s: offset %zu: truncated", path, cut);
			if (rc != SOURCE_ERROR || strncmp(err, want, strlen(want)) != 0)
				fail_msg("cut at %zu of %s: status %d \"%s\", want \"%s...\"",
					 len, name, rc, err, want);
		}
		source_close(s);
	}
}

/* ---- pcap ---- */

/* Micro and nano magics in both byte orders give the same records. */
static void test_pcap_byte_orders_and_resolutions(void **state)
{
	(void)state;
	for (int v = 0; v < 4; v++) {
		bool be = v & 1, nano = v & 2;
		struct wbuf w = { .be = be };
		uint32_t scale = nano ? 1 : 1000;
		struct want want[3];

		pcap_w_header(&w, nano, 2, 4, 65535, 1);
		want[0] = (struct want){ pcap_w_record(&w, 1700000000, 123456 * (nano ? 1000 : 1), 60, 60, 1),
					 1700000000ull * 1000000000 + 123456000, 60, 60, 1, 0, 1 };
		want[1] = (struct want){ pcap_w_record(&w, 0xfffffffe, (nano ? 999999999 : 999999), 100, 1514, 2),
					 0xfffffffeull * 1000000000 + (nano ? 999999999 : 999999000ull), 100, 1514, 1, 0, 2 };
		want[2] = (struct want){ pcap_w_record(&w, 5, 7, 0, 0, 3),
					 5000000000ull + 7 * scale, 0, 0, 1, 0, 3 };
		read_expect(write_file("orders.pcap", w.p, w.len), SNAP_BIG, "pcap", want, 3);
		free(w.p);
	}
}

/* LinkType comes back as the LINKTYPE_ value, FCS-length bits masked off,
 * even where libpcap's DLT_ value differs (LINKTYPE_RAW 101 is DLT_RAW 12). */
static void test_pcap_linktypes(void **state)
{
	static const uint32_t field[] = { 0x30000001, 101, 228, 229, 113, 276, 0, 9 };
	static const uint32_t want_lt[] = { 1, 101, 228, 229, 113, 276, 0, 9 };

	(void)state;
	for (size_t i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		struct wbuf w = { 0 };
		struct want want;

		pcap_w_header(&w, false, 2, 4, 65535, field[i]);
		want = (struct want){ pcap_w_record(&w, 1, 2, 20, 20, 9), 1000002000, 20, 20, want_lt[i], 0, 9 };
		read_expect(write_file("lt.pcap", w.p, w.len), SNAP_BIG, "pcap", &want, 1);
		free(w.p);
	}
}

/* caplen above the caller's snaplen is clipped (data from the first byte);
 * a wirelen below caplen is raised to caplen. */
static void test_pcap_snaplen_clip_and_wirelen(void **state)
{
	struct wbuf w = { 0 };
	struct want want[3];

	(void)state;
	pcap_w_header(&w, false, 2, 4, 65535, 1);
	want[0] = (struct want){ pcap_w_record(&w, 1, 0, 100, 1500, 1), 1000000000, 64, 1500, 1, 0, 1 };
	want[1] = (struct want){ pcap_w_record(&w, 2, 0, 50, 20, 2), 2000000000, 50, 50, 1, 0, 2 };
	want[2] = (struct want){ pcap_w_record(&w, 3, 0, 90, 40, 3), 3000000000, 64, 90, 1, 0, 3 };
	read_expect(write_file("clip.pcap", w.p, w.len), 64, "pcap", want, 3);
	free(w.p);
}

/* A record longer than the file's own snaplen is cut by libpcap; the next
 * record's offset is still right. */
static void test_pcap_record_over_file_snaplen(void **state)
{
	struct wbuf w = { 0 };
	struct want want[3];

	(void)state;
	pcap_w_header(&w, true, 2, 4, 60, 1);
	want[0] = (struct want){ pcap_w_record(&w, 1, 1, 80, 80, 1), 1000000001, 60, 80, 1, 0, 1 };
	want[1] = (struct want){ pcap_w_record(&w, 2, 2, 60, 70, 2), 2000000002, 60, 70, 1, 0, 2 };
	want[2] = (struct want){ pcap_w_record(&w, 3, 3, 10, 10, 3), 3000000003, 10, 10, 1, 0, 3 };
	assert_int_equal(want[1].offset, 24 + 16 + 80);
	read_expect(write_file("oversnap.pcap", w.p, w.len), SNAP_BIG, "pcap", want, 3);
	free(w.p);
}

/* Every prefix of a pcap file: whole records, then EOF or "offset N: truncated". */
static void test_pcap_truncated_every_length(void **state)
{
	struct wbuf w = { .be = true };
	struct unit u[4];
	uint32_t caplen[4] = { 30, 0, 17, 64 };

	(void)state;
	pcap_w_header(&w, false, 2, 4, 65535, 1);
	for (int i = 0; i < 4; i++) {
		u[i].start = pcap_w_record(&w, (uint32_t)i, 0, caplen[i], caplen[i], (uint8_t)i);
		u[i].end = w.len;
		u[i].record = true;
	}
	cut_every_length("cut.pcap", &w, 24, u, 4);
	free(w.p);
}

/* Versions libpcap refuses fail at open, at offset 0. */
static void test_pcap_bad_version(void **state)
{
	static const uint16_t major[] = { 1, 3 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct wbuf w = { 0 };
		const char *path;
		char want[600];

		pcap_w_header(&w, false, major[i], 4, 65535, 1);
		pcap_w_record(&w, 1, 0, 10, 10, 1);
		path = write_file("version.pcap", w.p, w.len);
		snprintf(want, sizeof(want), "%s: offset 0: ", path);
		open_expect_error(path, (const char *const[]){ want, "pcap savefile", NULL });
		free(w.p);
	}
}

/* An absurd captured length is an error naming its record. */
static void test_pcap_bad_caplen(void **state)
{
	struct wbuf w = { 0 };
	size_t bad;
	char off[64];

	(void)state;
	pcap_w_header(&w, false, 2, 4, 65535, 1);
	pcap_w_record(&w, 1, 0, 10, 10, 1);
	bad = w.len;
	wb_u32(&w, 2);
	wb_u32(&w, 0);
	wb_u32(&w, 0x7fffffff);
	wb_u32(&w, 0x7fffffff);
	wb_pattern(&w, 0, 100);
	snprintf(off, sizeof(off), ": offset %zu: ", bad);
	read_expect_error(write_file("caplen.pcap", w.p, w.len), 1,
			  (const char *const[]){ off, "capture length", NULL });
	free(w.p);
}

/* ---- pcapng ---- */

/* Two sections of opposite byte order; mixed link types; EPB, SPB and OPB;
 * NRB, ISB, DSB, custom and unknown blocks skipped; ids restart per section. */
static void test_pcapng_sections_and_blocks(void **state)
{
	struct wbuf w = { 0 };
	struct want want[8];
	size_t n = 0;
	size_t shb2;
	const uint64_t s = 1700000000ull;

	(void)state;
	ng_shb(&w);
	ng_idb(&w, 1, 0, NO_TSRESOL, false, 0);     /* if 0: Ethernet, us */
	ng_nrb(&w);
	ng_idb(&w, 101, 128, 9, false, 0);          /* if 1: raw IP, ns */
	ng_idb(&w, 113, 65535, 0x80 | 20, false, 0); /* if 2: SLL, 2^-20 s */
	want[n++] = (struct want){ ng_epb(&w, 0, s * 1000000 + 250000, 60, 60, 10),
				   s * 1000000000 + 250000000, 60, 60, 1, 0, 10 };
	want[n++] = (struct want){ ng_epb(&w, 1, s * 1000000000 + 123456789, 41, 41, 11),
				   s * 1000000000 + 123456789, 41, 41, 101, 1, 11 };
	want[n++] = (struct want){ ng_epb(&w, 2, (s << 20) | (1u << 19) | 1, 33, 90, 12),
				   s * 1000000000 + 500000000 + 953, 33, 90, 113, 2, 12 };
	ng_isb(&w, 0);
	ng_other(&w, 0x00000BAD, 9);
	ng_other(&w, 0x40000BAD, 0);
	ng_other(&w, 0x0000000A, 20); /* decryption secrets */
	ng_other(&w, 0x12345678, 3);  /* unknown */
	want[n++] = (struct want){ ng_spb(&w, 75, 75, 13), 0, 75, 75, 1, 0, 13 };
	want[n++] = (struct want){ ng_opb(&w, 1, 2000000000, 8, 8, 14), 2000000000, 8, 8, 101, 1, 14 };

	w.be = true;
	shb2 = ng_shb(&w);
	ng_idb(&w, 276, 0, 3, true, 100);           /* if 0 again: SLL2, ms, +100 s */
	ng_idb(&w, 228, 0, NO_TSRESOL, false, 0);   /* if 1: IPv4 */
	want[n++] = (struct want){ ng_epb(&w, 0, 1500, 20, 20, 15), 101500000000ull, 20, 20, 276, 0, 15 };
	want[n++] = (struct want){ ng_epb(&w, 1, 7, 0, 0, 16), 7000, 0, 0, 228, 1, 16 };
	want[n++] = (struct want){ ng_spb(&w, 3, 3, 17), 0, 3, 3, 276, 0, 17 };
	assert_true(shb2 % 4 == 0);

	read_expect(write_file("sections.pcapng", w.p, w.len), SNAP_BIG, "pcapng", want, n);
	free(w.p);
}

/* if_tsresol (powers of 10 and of 2) and if_tsoffset convert exactly. */
static void test_pcapng_timestamps(void **state)
{
	static const struct {
		int tsresol;
		int64_t tsoffset;
		uint64_t units;
		uint64_t ns;
	} c[] = {
		{ NO_TSRESOL, 0, 1700000000123456ull, 1700000000123456000ull },
		{ 9, 0, 1700000000123456789ull, 1700000000123456789ull },
		{ 0, 0, 1700000000ull, 1700000000000000000ull },              /* seconds */
		{ 3, 1000, 1500, 1001500000000ull },                          /* ms + 1000 s */
		{ 6, -10, 5000000, 0 },                                       /* before the epoch: 0 */
		{ 6, -10, 15000000, 5000000000ull },
		{ 12, 0, 12345678901234567ull, 12345678901234ull },           /* ps, floored */
		{ 19, 0, UINT64_MAX, 1844674407ull },
		{ 30, 0, UINT64_MAX, 0 },
		{ 0x80 | 0, 0, 3, 3000000000ull },                            /* 2^0 = seconds */
		{ 0x80 | 9, 0, 513, 1001953125ull },                          /* 2^-9 divides 10^9 */
		{ 0x80 | 20, 0, 1, 953 },
		{ 0x80 | 20, 0, (5ull << 20) | (3ull << 18), 5750000000ull },
		{ 0x80 | 32, 0, (1700000000ull << 32) | 0x80000000u, 1700000000500000000ull },
		{ 0x80 | 40, 0, 1, 0 },
		{ 0x80 | 40, 0, 3ull << 40, 3000000000ull },
		{ 0x80 | 64, 0, UINT64_MAX, 999999999 },
		{ 0x80 | 127, 0, UINT64_MAX, 0 },
		{ 9, INT64_MAX / 2, 0, UINT64_MAX },                          /* saturates */
	};
	const size_t n = sizeof(c) / sizeof(c[0]);
	struct want want[sizeof(c) / sizeof(c[0])];
	struct wbuf w = { 0 };

	(void)state;
	ng_shb(&w);
	for (size_t i = 0; i < n; i++)
		ng_idb(&w, 1, 0, c[i].tsresol, c[i].tsoffset != 0, c[i].tsoffset);
	for (size_t i = 0; i < n; i++)
		want[i] = (struct want){ ng_epb(&w, (uint32_t)i, c[i].units, 4, 4, (uint8_t)i),
					 c[i].ns, 4, 4, 1, (uint32_t)i, (uint8_t)i };
	read_expect(write_file("ts.pcapng", w.p, w.len), SNAP_BIG, "pcapng", want, n);
	free(w.p);
}

/* SPB: caplen is the original length cut to the block and to interface 0's
 * snaplen. Every packet block is then clipped to the caller's snaplen; a
 * wirelen below caplen is raised to it. */
static void test_pcapng_snaplen(void **state)
{
	struct wbuf w = { 0 };
	struct want want[6];
	const char *path;

	(void)state;
	ng_shb(&w);
	ng_idb(&w, 1, 64, NO_TSRESOL, false, 0);
	want[0] = (struct want){ ng_spb(&w, 100, 64, 1), 0, 64, 100, 1, 0, 1 };  /* snaplen-cut */
	want[1] = (struct want){ ng_spb(&w, 10, 10, 2), 0, 10, 10, 1, 0, 2 };    /* padding is not data */
	want[2] = (struct want){ ng_spb(&w, 100, 80, 3), 0, 64, 100, 1, 0, 3 };  /* cut to if snaplen */
	want[3] = (struct want){ ng_epb(&w, 0, 1, 64, 200, 4), 1000, 64, 200, 1, 0, 4 };
	want[4] = (struct want){ ng_epb(&w, 0, 2, 40, 10, 5), 2000, 40, 40, 1, 0, 5 };
	want[5] = (struct want){ ng_opb(&w, 0, 3, 49, 49, 6), 3000, 49, 49, 1, 0, 6 };
	path = write_file("snap.pcapng", w.p, w.len);
	read_expect(path, SNAP_BIG, "pcapng", want, 6);

	/* The caller's snaplen of 48 clips everything longer. */
	for (int i = 0; i < 6; i++)
		if (want[i].caplen > 48)
			want[i].caplen = 48;
	read_expect(path, 48, "pcapng", want, 6);
	free(w.p);
}

/* Every prefix of a pcapng file (two sections): whole records, then EOF or
 * "offset N: truncated" naming the cut block. */
static void test_pcapng_truncated_every_length(void **state)
{
	struct wbuf w = { 0 };
	struct unit u[16];
	size_t n = 0, shb_end;

	(void)state;
#define UNIT(call, rec) do { size_t at_ = (call); u[n++] = (struct unit){ at_, w.len, (rec) }; } while (0)
	UNIT(ng_shb(&w), false);
	shb_end = w.len;
	UNIT(ng_idb(&w, 1, 0, 9, false, 0), false);
	UNIT(ng_epb(&w, 0, 1, 13, 13, 1), true);
	UNIT(ng_nrb(&w), false);
	UNIT(ng_spb(&w, 6, 6, 2), true);
	UNIT(ng_opb(&w, 0, 2, 0, 0, 3), true);
	w.be = true;
	UNIT(ng_shb(&w), false);
	UNIT(ng_idb(&w, 101, 0, NO_TSRESOL, false, 0), false);
	UNIT(ng_isb(&w, 0), false);
	UNIT(ng_epb(&w, 0, 3, 21, 21, 4), true);
#undef UNIT
	cut_every_length("cut.pcapng", &w, shb_end, u, n);
	free(w.p);
}

/* A good prefix (SHB, IDB, one EPB) to put damaged blocks after. */
static size_t ng_good_prefix(struct wbuf *w)
{
	ng_shb(w);
	ng_idb(w, 1, 0, NO_TSRESOL, false, 0);
	ng_epb(w, 0, 1, 10, 10, 1);
	return w->len;
}

/* Damaged blocks: the record before comes out, then an error naming the
 * damaged block's offset and what is wrong. */
static void test_pcapng_corrupt_blocks(void **state)
{
	enum {
		SHORT_LEN, ODD_LEN, HUGE_LEN, TRAILER, CAPLEN, IFID, OPB_IFID, EPB_SHORT,
		SPB_NO_IF, IDB_OPTION, TSRESOL_LEN, TSOFFSET_LEN, BAD_BOM, BAD_VERSION,
		SHB2_OPTION, IDB_SHORT, N_CASES
	};
	static const char *const why[N_CASES] = {
		[SHORT_LEN] = "total length 8 is too short",
		[ODD_LEN] = "total length 30 is not a multiple of 4",
		[HUGE_LEN] = "exceeds",
		[TRAILER] = "trailer length 36 differs from header length 32",
		[CAPLEN] = "captured length 100 overruns the block",
		[IFID] = "unknown interface id 1 (the section has 1)",
		[OPB_IFID] = "unknown interface id 7",
		[EPB_SHORT] = "enhanced packet block: total length 28 is too short",
		[SPB_NO_IF] = "no interface 0",
		[IDB_OPTION] = "corrupt interface description: option 2 of length 200 overruns",
		[TSRESOL_LEN] = "if_tsresol length 2",
		[TSOFFSET_LEN] = "if_tsoffset length 4",
		[BAD_BOM] = "bad byte-order magic 0x11223344",
		[BAD_VERSION] = "unsupported pcapng version 2.0",
		[SHB2_OPTION] = "corrupt section header: option",
		[IDB_SHORT] = "interface description: total length 16 is too short",
	};

	(void)state;
	for (int c = 0; c < N_CASES; c++) {
		struct wbuf w = { 0 };
		size_t bad = ng_good_prefix(&w), at;
		char off[64];

		switch (c) {
		case SHORT_LEN:
			wb_u32(&w, 6);
			wb_u32(&w, 8);
			wb_u32(&w, 8);
			break;
		case ODD_LEN:
			wb_u32(&w, 6);
			wb_u32(&w, 30);
			wb_pattern(&w, 0, 22);
			break;
		case HUGE_LEN:
			wb_u32(&w, 4);
			wb_u32(&w, 0xfffffff0);
			wb_pattern(&w, 0, 64);
			break;
		case TRAILER:
			at = ng_other(&w, 0x0BAD, 16);
			wb_u32_at(&w, w.len - 4, 36);
			assert_int_equal(w.len - at, 32);
			break;
		case CAPLEN:
			at = ng_epb(&w, 0, 1, 8, 8, 2);
			wb_u32_at(&w, at + 20, 100);
			break;
		case IFID:
			ng_epb(&w, 1, 1, 8, 8, 2);
			break;
		case OPB_IFID:
			ng_opb(&w, 7, 1, 8, 8, 2);
			break;
		case EPB_SHORT:
			at = ng_begin(&w, 6);
			wb_pattern(&w, 0, 16);
			ng_end(&w, at);
			break;
		case SPB_NO_IF:
			ng_shb(&w);
			bad = ng_spb(&w, 4, 4, 2);
			break;
		case IDB_OPTION:
		case TSRESOL_LEN:
		case TSOFFSET_LEN:
			at = ng_begin(&w, 1);
			wb_u16(&w, 1);
			wb_u16(&w, 0);
			wb_u32(&w, 0);
			if (c == IDB_OPTION) {
				wb_u16(&w, 2);
				wb_u16(&w, 200);
				wb_pattern(&w, 'a', 8);
			} else {
				wb_u16(&w, c == TSRESOL_LEN ? 9 : 14);
				wb_u16(&w, c == TSRESOL_LEN ? 2 : 4);
				wb_pattern(&w, 6, 4);
			}
			ng_end(&w, at);
			break;
		case BAD_BOM:
			at = ng_shb(&w);
			memcpy(w.p + at + 8, "\x11\x22\x33\x44", 4);
			break;
		case BAD_VERSION:
			at = ng_shb(&w);
			w.p[at + 12] = 2;
			break;
		case SHB2_OPTION:
			at = ng_shb(&w);
			w.p[at + 26] = 0xff; /* the first option's length */
			w.p[at + 27] = 0x00;
			break;
		case IDB_SHORT:
			at = ng_begin(&w, 1);
			wb_u32(&w, 1);
			ng_end(&w, at);
			break;
		}
		snprintf(off, sizeof(off), ": offset %zu: ", bad);
		read_expect_error(write_file("corrupt.pcapng", w.p, w.len), 1,
				  (const char *const[]){ off, why[c], NULL });
		free(w.p);
	}
}

/* An SHB option running past the block fails the open, at offset 0. */
static void test_pcapng_shb_option_overrun(void **state)
{
	struct wbuf w = { 0 };
	const char *path;
	char want[600];
	size_t at;

	(void)state;
	at = ng_begin(&w, 0x0A0D0D0A);
	wb_u32(&w, 0x1A2B3C4D);
	wb_u16(&w, 1);
	wb_u16(&w, 0);
	wb_u64(&w, UINT64_MAX);
	wb_u16(&w, 4);
	wb_u16(&w, 100); /* 100 bytes announced, 8 present */
	wb_pattern(&w, 'x', 8);
	ng_end(&w, at);
	ng_idb(&w, 1, 0, NO_TSRESOL, false, 0);
	ng_epb(&w, 0, 1, 10, 10, 1);
	path = write_file("shbopt.pcapng", w.p, w.len);
	snprintf(want, sizeof(want), "%s: offset 0: corrupt section header: option 4 of length 100 overruns",
		 path);
	open_expect_error(path, (const char *const[]){ want, NULL });

	/* The same for a big-endian section, and an unsupported version. */
	w.be = true;
	w.len = 0;
	ng_shb(&w);
	w.p[12] = 0;
	w.p[13] = 3; /* major version, big-endian */
	path = write_file("shbver.pcapng", w.p, w.len);
	open_expect_error(path, (const char *const[]){ ": offset 0: unsupported pcapng version 3.0", NULL });
	free(w.p);
}

/* ---- opening ---- */

/* Unknown magic, an empty or tiny file: "offset 0: not a pcap or pcapng file". */
static void test_unknown_magic(void **state)
{
	static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	static const uint8_t kuz[] = { 0xa1, 0xb2, 0xcd, 0x34, 0, 2, 0, 4 };
	const char *path;
	char want[600];

	(void)state;
	path = write_file("elf.bin", elf, sizeof(elf));
	snprintf(want, sizeof(want), "%s: offset 0: not a pcap or pcapng file (magic 0x7f454c46)", path);
	open_expect_error(path, (const char *const[]){ want, NULL });

	path = write_file("kuznetzov.pcap", kuz, sizeof(kuz));
	open_expect_error(path, (const char *const[]){ "offset 0: not a pcap or pcapng file (magic 0xa1b2cd34)", NULL });

	path = write_file("empty.pcap", "", 0);
	snprintf(want, sizeof(want), "%s: offset 0: not a pcap or pcapng file", path);
	open_expect_error(path, (const char *const[]){ want, NULL });

	path = write_file("two.pcap", elf, 2);
	snprintf(want, sizeof(want), "%s: offset 0: not a pcap or pcapng file (magic 0x7f45, only 2 bytes)", path);
	open_expect_error(path, (const char *const[]){ want, NULL });
}

/* A missing file: "FILE: No such file or directory"; a directory fails too. */
static void test_missing_file(void **state)
{
	const char *path = tmp_path("does-not-exist.pcap");
	char err[ERRLEN] = "", want[600];

	(void)state;
	assert_null(source_open(path, SNAP_BIG, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);

	assert_null(source_open(tmpdir, SNAP_BIG, err, sizeof(err)));
	assert_non_null(strstr(err, "Is a directory"));
}

/* After an error the source keeps returning it; after EOF, EOF. */
static void test_error_is_sticky(void **state)
{
	struct wbuf w = { 0 };
	struct source_record r;
	char err1[ERRLEN] = "", err2[ERRLEN] = "";
	struct source *s;

	(void)state;
	pcap_w_header(&w, false, 2, 4, 65535, 1);
	pcap_w_record(&w, 1, 0, 10, 10, 1);
	s = open_ok(write_file("sticky.pcap", w.p, w.len - 3), SNAP_BIG);
	assert_int_equal(source_next(s, &r, err1, sizeof(err1)), SOURCE_ERROR);
	assert_int_equal(source_next(s, &r, err2, sizeof(err2)), SOURCE_ERROR);
	assert_string_equal(err1, err2);
	assert_non_null(strstr(err1, ": offset 24: truncated record"));
	source_close(s);
	free(w.p);
}

/* ---- pipes ---- */

/* Write buf to fd in small pieces with pauses, so reads come back short. */
static void write_slowly(int fd, const struct wbuf *w)
{
	for (size_t at = 0; at < w->len;) {
		size_t n = w->len - at < 7 ? w->len - at : 7;
		ssize_t k = write(fd, w->p + at, n);
		if (k <= 0)
			_exit(3);
		at += (size_t)k;
		if (at % 91 == 0)
			usleep(1000);
	}
}

static pid_t spawn_writer(int fd_w, int fd_r, const struct wbuf *w)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd_r);
		write_slowly(fd_w, w);
		close(fd_w);
		_exit(0);
	}
	close(fd_w);
	return pid;
}

static struct wbuf pipe_pcap(struct want *want)
{
	struct wbuf w = { 0 };

	pcap_w_header(&w, true, 2, 4, 65535, 1);
	for (int i = 0; i < 50; i++)
		want[i] = (struct want){ pcap_w_record(&w, (uint32_t)i, 5, (uint32_t)(i * 13 % 200), 1500, (uint8_t)i),
					 (uint64_t)i * 1000000000 + 5, (uint32_t)(i * 13 % 200), 1500, 1, 0, (uint8_t)i };
	return w;
}

/* A pcap file through a pipe opened as /dev/fd/N. */
static void test_pipe_dev_fd(void **state)
{
	struct want want[50];
	struct wbuf w = pipe_pcap(want);
	struct source_record r;
	char path[64], err[ERRLEN];
	struct source *s;
	int fds[2], status;
	pid_t pid;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	pid = spawn_writer(fds[1], fds[0], &w);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	s = open_ok(path, SNAP_BIG);
	assert_string_equal(source_format(s), "pcap");
	assert_int_equal(source_bytes_total(s), 0);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(source_next(s, &r, err, sizeof(err)), SOURCE_OK);
		check_record(&r, &want[i]);
	}
	assert_int_equal(source_next(s, &r, err, sizeof(err)), SOURCE_EOF);
	assert_int_equal(source_bytes_read(s), w.len);
	source_close(s);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(w.p);
}

/* A pcapng file on stdin ("-") in a child: it reports by exit status. */
static void test_pipe_stdin(void **state)
{
	struct wbuf w = { 0 };
	int fds[2], status;
	pid_t reader, writer;

	(void)state;
	ng_shb(&w);
	ng_idb(&w, 1, 0, 9, false, 0);
	for (int i = 0; i < 40; i++)
		ng_epb(&w, 0, (uint64_t)i, (uint32_t)(i * 31 % 300), 1500, (uint8_t)i);
	w.be = true;
	ng_shb(&w);
	ng_idb(&w, 101, 0, NO_TSRESOL, false, 0);
	ng_epb(&w, 0, 77, 20, 20, 99);

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	reader = fork();
	assert_true(reader >= 0);
	if (reader == 0) {
		struct source_record r;
		char err[ERRLEN];
		struct source *s;
		int i = 0;

		close(fds[1]);
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(10);
		close(fds[0]);
		s = source_open("-", SNAP_BIG, err, sizeof(err));
		if (!s || strcmp(source_format(s), "pcapng") != 0 || source_bytes_total(s) != 0)
			_exit(11);
		while (source_next(s, &r, err, sizeof(err)) == SOURCE_OK) {
			uint32_t cap = i < 40 ? (uint32_t)(i * 31 % 300) : 20;
			uint8_t seed = i < 40 ? (uint8_t)i : 99;
			if (r.caplen != cap || r.ts_ns != (i < 40 ? (uint64_t)i : 77000) ||
			    r.linktype != (i < 40 ? 1u : 101u))
				_exit(12);
			for (uint32_t k = 0; k < cap; k++)
				if (r.data[k] != pat(seed, k))
					_exit(13);
			i++;
		}
		if (i != 41 || source_bytes_read(s) != w.len)
			_exit(14);
		source_close(s);
		_exit(0);
	}
	close(fds[0]);
	writer = fork();
	assert_true(writer >= 0);
	if (writer == 0) {
		write_slowly(fds[1], &w);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(waitpid(writer, &status, 0), writer);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(waitpid(reader, &status, 0), reader);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(w.p);
}


/* ---- the two classic-pcap paths agree ---- */

#define CORPUS "../shared/pcaps"

struct rec_sum {
	uint64_t ts_ns, offset, hash;
	uint32_t caplen, wirelen, linktype;
};

/* Read every record of path with the mmap reader or with libpcap; returns
 * the count, the final status, and the error text. */
static size_t read_all(const char *path, bool mmap_on, struct rec_sum *out, size_t max, enum source_status *final,
		       char *err, size_t errlen, const char **reader)
{
	struct source_record r;
	size_t n = 0;
	source_set_mmap(mmap_on);
	struct source *s = source_open(path, 262144, err, errlen);
	source_set_mmap(true);
	if (!s) {
		*final = SOURCE_ERROR;
		*reader = "none";
		return 0;
	}
	*reader = source_reader_name(s);
	enum source_status st;
	err[0] = 0;
	while ((st = source_next(s, &r, err, errlen)) == SOURCE_OK) {
		if (n < max) {
			uint64_t h = 1469598103934665603ull;
			for (uint32_t i = 0; i < r.caplen; i++)
				h = (h ^ r.data[i]) * 1099511628211ull;
			out[n] = (struct rec_sum){ r.ts_ns, r.offset, h, r.caplen, r.wirelen, r.linktype };
		}
		n++;
	}
	*final = st;
	source_close(s);
	return n;
}

/* The text after "offset", so both paths' messages can be compared on
 * where the damage is. */
static long err_offset(const char *err)
{
	const char *o = strstr(err, "offset ");
	return o ? strtol(o + 7, NULL, 10) : -1;
}

static void compare_paths(const char *path)
{
	static struct rec_sum a[100000], b[100000];
	char ea[512], eb[512];
	enum source_status sa, sb;
	const char *ra, *rb;
	size_t na = read_all(path, true, a, 100000, &sa, ea, sizeof(ea), &ra);
	size_t nb = read_all(path, false, b, 100000, &sb, eb, sizeof(eb), &rb);
	if (na != nb || sa != sb)
		fail_msg("%s: mmap (%s) read %zu records, status %d (%s); libpcap (%s) %zu, status %d (%s)", path, ra, na,
			 sa, ea, rb, nb, sb, eb);
	for (size_t i = 0; i < na && i < 100000; i++)
		if (memcmp(&a[i], &b[i], sizeof(a[i])) != 0)
			fail_msg("%s: record %zu differs between the mmap and libpcap readers", path, i + 1);
	if (sa == SOURCE_ERROR && na > 0 && err_offset(ea) != err_offset(eb))
		fail_msg("%s: damage at offset %ld (mmap) vs %ld (libpcap): %s / %s", path, err_offset(ea), err_offset(eb),
			 ea, eb);
}

/* Classic pcap read in place from a mapping gives exactly what libpcap
 * gives: every record of every capture here, and every cut of a file. */
static void test_mmap_matches_libpcap(void **state)
{
	(void)state;
	const char *dirs[] = { CORPUS, "pcaps" };
	size_t files = 0;
	for (size_t k = 0; k < 2; k++) {
		DIR *d = opendir(dirs[k]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			const char *dot = strrchr(de->d_name, '.');
			if (!dot || strcmp(dot, ".pcap") != 0)
				continue;
			char path[1024];
			snprintf(path, sizeof(path), "%s/%s", dirs[k], de->d_name);
			compare_paths(path);
			files++;
		}
		closedir(d);
	}
	/* Cuts of a small file at every length. */
	struct wbuf w = { 0 };
	pcap_w_header(&w, false, 2, 4, 65535, 1);
	for (uint32_t i = 0; i < 4; i++)
		pcap_w_record(&w, 100 + i, i, 20 + i * 7, 60, (uint8_t)i);
	for (size_t cut = 0; cut <= w.len; cut++)
		compare_paths(write_file("cut.pcap", w.p, cut));
	free(w.p);
	assert_true(files >= 1);
}

/* File pages mapped into this process (RssFile), in KiB. */
static long rss_file_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssFile: %ld kB", &kib) == 1)
			break;
	fclose(f);
	assert_true(kib >= 0);
	return kib;
}

/* A 128 MiB classic pcap of 1400-byte records, record i at second i with
 * pattern i; *n: how many. */
static const char *write_big_file(const char *name, uint32_t *n)
{
	struct wbuf w = { 0 };
	pcap_w_header(&w, false, 2, 4, 65535, 1);
	for (*n = 0; w.len < (128u << 20); (*n)++)
		pcap_w_record(&w, *n, 0, 1400, 1500, (uint8_t)*n);
	const char *path = write_file(name, w.p, w.len);
	free(w.p);
	return path;
}

/* A big file read in place: with a pager thread its pages are unmapped
 * behind the reader, so a 128 MiB file never has half of it mapped at
 * once (a reader alone keeps its pages until close); with or without,
 * every record reads the right bytes and matches libpcap. */
static void test_mmap_big_file_unmaps_behind(void **state)
{
	(void)state;
	uint32_t n;
	const char *path = write_big_file("big.pcap", &n);
	for (int pager = 0; pager < 2; pager++) {
		source_set_pager(pager);
		long base = rss_file_kib(), peak = 0;
		struct source *s = open_ok(path, 262144);
		assert_string_equal(source_reader_name(s), "mmap");
		struct source_record r;
		char err[256];
		uint32_t seen = 0;
		while (source_next(s, &r, err, sizeof(err)) == SOURCE_OK) {
			assert_int_equal(r.caplen, 1400);
			assert_int_equal(r.ts_ns, (uint64_t)seen * 1000000000ull);
			for (uint32_t i = 0; i < r.caplen; i++)
				if (r.data[i] != pat((uint8_t)seen, i))
					fail_msg("pager %d: record %u byte %u differs", pager, seen, i);
			if (seen++ % 2048 == 0 && rss_file_kib() - base > peak)
				peak = rss_file_kib() - base;
		}
		assert_int_equal(seen, n);
		source_close(s);
		if (pager && peak > 64 * 1024)
			fail_msg("pager %d: %ld KiB of a 128 MiB file mapped at once", pager, peak);
		compare_paths(path);
	}
	source_set_pager(false);
}

/* Without a pager, a reader that calls source_trim() while it has time
 * (a capture thread waiting for room) keeps the mapped part bounded too;
 * bytes behind it stay readable (they fault back in), and with a pager
 * the call leaves the work to it. */
static void test_mmap_trim_unmaps_behind(void **state)
{
	(void)state;
	uint32_t n;
	const char *path = write_big_file("trim.pcap", &n);
	source_set_pager(false);
	long base = rss_file_kib(), peak = 0;
	struct source *s = open_ok(path, 262144);
	struct source_record r;
	char err[256];
	uint32_t seen = 0, trims = 0;
	const uint8_t *first = NULL;
	while (source_next(s, &r, err, sizeof(err)) == SOURCE_OK) {
		if (!first)
			first = r.data;
		for (uint32_t i = 0; i < r.caplen; i++)
			if (r.data[i] != pat((uint8_t)seen, i))
				fail_msg("record %u byte %u differs", seen, i);
		if (seen++ % 2048 == 0) {
			/* Nothing at or after a record still to be used goes. */
			uint32_t before = trims;
			while (source_trim(s, first + (64u << 20)))
				trims++;
			if (trims - before > 8u)
				fail_msg("trimmed past the record kept: %u chunks of 8 MiB", trims - before);
			while (source_trim(s, NULL))
				trims++;
			if (rss_file_kib() - base > peak)
				peak = rss_file_kib() - base;
		}
	}
	assert_int_equal(seen, n);
	/* Everything but the last 16 MiB and a chunk, 8 MiB a call. */
	assert_true(trims >= (128u - 16u - 16u) / 8u);
	if (peak > 64 * 1024)
		fail_msg("%ld KiB of a 128 MiB file mapped at once", peak);
	for (uint32_t i = 0; i < 1400; i++) /* unmapped long ago: faults back in */
		assert_int_equal(first[i], pat(0, i));
	source_close(s);

	source_set_pager(true);
	s = open_ok(path, 262144);
	assert_int_equal(source_next(s, &r, err, sizeof(err)), SOURCE_OK);
	assert_false(source_trim(s, NULL));
	source_close(s);
	source_set_pager(false);
}

/* Fuzz regression (tests/fuzz/fuzz_source.c): the mapping reader opened
 * pcap 2.1024 (and any 2.x) while libpcap refuses every version but 2.0 to
 * 2.4 and 543.0; both now refuse 2.5 and 2.1024 at offset 0. */
static void test_pcap_minor_versions_refused(void **state)
{
	static const uint16_t minor[] = { 5, 1024 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		for (int mmap_on = 1; mmap_on >= 0; mmap_on--) {
			struct wbuf w = { 0 };
			char want[600];
			pcap_w_header(&w, false, 2, minor[i], 46, 1);
			pcap_w_record(&w, 1, 0, 10, 10, 1);
			const char *path = write_file("minor.pcap", w.p, w.len);
			snprintf(want, sizeof(want), "%s: offset 0: ", path);
			source_set_mmap(mmap_on);
			open_expect_error(path, (const char *const[]){ want, "pcap savefile version 2.", NULL });
			source_set_mmap(true);
			free(w.p);
		}
	}
}

/* Fuzz regression: files before 2.3 (and DG/UX 543.0) store the wire
 * length first; 2.3 files may, which shows as caplen > wirelen. libpcap
 * swaps them back and so must the mapping reader. */
static void test_pcap_old_versions_swap_lengths(void **state)
{
	static const struct {
		uint16_t major, minor;
		int order; /* 0: (caplen, len) as today; 1: (len, caplen); 2: 2.3, either */
	} v[] = { { 2, 0, 1 }, { 2, 2, 1 }, { 2, 3, 2 }, { 2, 4, 0 }, { 543, 0, 1 } };

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct wbuf w = { 0 };
		struct want want[2];
		pcap_w_header(&w, false, v[i].major, v[i].minor, 65535, 1);
		for (uint32_t k = 0; k < 2; k++) {
			/* Both records hold 20 captured bytes of a 60-byte packet.
			 * A 2.3 file has one of each order. */
			bool wire_first = v[i].order == 1 || (v[i].order == 2 && k == 1);
			want[k] = (struct want){ w.len, (5 + k) * 1000000000ull + 6000 * (k + 1), 20, 60, 1, 0,
						 (uint8_t)(k + 1) };
			wb_u32(&w, 5 + k);
			wb_u32(&w, 6 * (k + 1));
			wb_u32(&w, wire_first ? 60 : 20);
			wb_u32(&w, wire_first ? 20 : 60);
			wb_pattern(&w, (uint8_t)(k + 1), 20);
		}
		const char *path = write_file("oldver.pcap", w.p, w.len);
		compare_paths(path);
		read_expect(path, SNAP_BIG, "pcap", want, 2);
		free(w.p);
	}
}

/* Fuzz regression: libpcap allows longer records for a few link types
 * (D-Bus: 128 MiB); the mapping reader refused them above 256 KiB. */
static void test_pcap_large_record_link_types(void **state)
{
	(void)state;
	struct wbuf w = { 0 };
	pcap_w_header(&w, false, 2, 4, 0, 231);
	size_t a = pcap_w_record(&w, 1, 2, 300000, 300000, 3);
	const char *path = write_file("dbus.pcap", w.p, w.len);
	compare_paths(path);
	struct want want = { a, 1000002000ull, 300000, 300000, 231, 0, 3 };
	read_expect(path, 400000, "pcap", &want, 1);
	free(w.p);
}

/* ---- the shared corpus ---- */

/* Next tab-separated field of line (modified in place). */
static char *tsv_field(char **line)
{
	char *f = *line, *tab;

	if (!f)
		return NULL;
	tab = strpbrk(f, "\t\n");
	if (tab && *tab == '\t') {
		*tab = '\0';
		*line = tab + 1;
	} else {
		if (tab)
			*tab = '\0';
		*line = NULL;
	}
	return f;
}

/* Compare each record's wire and captured length with tshark's
 * frame.len and frame.cap_len (columns 2 and 3 of refs/FILE.tshark.tsv). */
static void corpus_check_refs(const char *file, const uint32_t *lens, size_t n)
{
	char path[512], line[4096];
	size_t row = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), CORPUS "/refs/%s.tshark.tsv", file) >= (int)sizeof(path))
		fail_msg("%s: name too long", file);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) { /* header */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *f_wire, *f_cap;
		unsigned long wire, cap;

		tsv_field(&p);
		f_wire = tsv_field(&p);
		f_cap = tsv_field(&p);
		if (!f_wire || !f_cap)
			fail_msg("%s: malformed row %zu", path, row + 2);
		wire = strtoul(f_wire, NULL, 10);
		cap = strtoul(f_cap, NULL, 10);
		if (row >= n)
			fail_msg("%s: tshark has more than our %zu frames", file, n);
		if (lens[2 * row] != wire || lens[2 * row + 1] != cap)
			fail_msg("%s frame %zu: wirelen/caplen %u/%u, tshark %lu/%lu", file, row + 1,
				 lens[2 * row], lens[2 * row + 1], wire, cap);
		row++;
	}
	fclose(f);
	assert_int_equal(row, n);
}

/* Is lt one of the link types the manifest's dlt column lists ("1", "1 (raw
 * LinkType field ...)", "1,113,274 (126 IDBs)")? */
static bool corpus_lt_listed(const char *dlt, uint32_t lt)
{
	const char *p = dlt;

	for (;;) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p)
			return false;
		if (v == lt)
			return true;
		if (*end != ',')
			return false;
		p = end + 1;
	}
}

/* Read one manifest row's capture and check it. */
static void corpus_check_file(const char *file, const char *packets, const char *dlt)
{
	char path[512], err[ERRLEN] = "";
	struct source_record r;
	enum source_status rc;
	uint32_t *lens = NULL;
	size_t n = 0, cap = 0;
	struct source *s;
	struct stat st;

	if (snprintf(path, sizeof(path), CORPUS "/%s", file) >= (int)sizeof(path))
		fail_msg("%s: name too long", file);
	assert_int_equal(stat(path, &st), 0);
	s = source_open(path, SNAP_BIG, err, sizeof(err));
	if (strcmp(packets, "-") == 0) { /* a corrupt file: refused at open or on the first record */
		if (s) {
			rc = source_next(s, &r, err, sizeof(err));
			source_close(s);
			if (rc != SOURCE_ERROR)
				fail_msg("%s: corrupt file yielded a record", file);
		}
		if (strncmp(err, path, strlen(path)) != 0 || !strstr(err, ": offset "))
			fail_msg("%s: error \"%s\" does not name the file and an offset", file, err);
		return;
	}
	if (!s)
		fail_msg("%s: %s", file, err);
	while ((rc = source_next(s, &r, err, sizeof(err))) == SOURCE_OK) {
		if (!corpus_lt_listed(dlt, r.linktype))
			fail_msg("%s record %zu: linktype %u not in \"%s\"", file, n + 1, r.linktype, dlt);
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			lens = realloc(lens, cap * 2 * sizeof(*lens));
			assert_non_null(lens);
		}
		lens[2 * n] = r.wirelen;
		lens[2 * n + 1] = r.caplen;
		n++;
	}
	if (rc != SOURCE_EOF)
		fail_msg("%s: %s", file, err);
	if (n != strtoul(packets, NULL, 10))
		fail_msg("%s: %zu records, manifest says %s", file, n, packets);
	assert_int_equal(source_bytes_read(s), (uint64_t)st.st_size);
	assert_int_equal(source_bytes_total(s), (uint64_t)st.st_size);
	source_close(s);
	corpus_check_refs(file, lens, n);
	free(lens);
}

/* Every capture in ../shared/pcaps reads back with the manifest's record
 * count, link types and tshark's lengths; the corrupt ones fail. */
static void test_shared_corpus(void **state)
{
	char line[4096];
	size_t rows = 0, files = 0;
	struct dirent *de;
	FILE *mf;
	DIR *d;

	(void)state;
	mf = fopen(CORPUS "/refs/MANIFEST.tsv", "r");
	if (!mf) {
		print_message("[  SKIP    ] " CORPUS "/refs/MANIFEST.tsv not found (run from the repository root "
			      "with the shared corpus next to it)\n");
		skip();
	}
	assert_non_null(fgets(line, sizeof(line), mf)); /* header */
	while (fgets(line, sizeof(line), mf)) {
		char *p = line, *file = tsv_field(&p), *packets = tsv_field(&p), *dlt;
		tsv_field(&p); /* linktype name */
		tsv_field(&p); /* bytes */
		dlt = tsv_field(&p);
		if (!file || !*file)
			continue;
		assert_non_null(packets);
		assert_non_null(dlt);
		corpus_check_file(file, packets, dlt);
		rows++;
	}
	fclose(mf);

	/* No capture in the folder escapes the manifest. */
	d = opendir(CORPUS);
	assert_non_null(d);
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		char needle[300];
		bool found = false;
		if (!dot || (strcmp(dot, ".pcap") != 0 && strcmp(dot, ".pcapng") != 0))
			continue;
		files++;
		snprintf(needle, sizeof(needle), "%s\t", de->d_name);
		mf = fopen(CORPUS "/refs/MANIFEST.tsv", "r");
		assert_non_null(mf);
		while (!found && fgets(line, sizeof(line), mf))
			found = strncmp(line, needle, strlen(needle)) == 0;
		fclose(mf);
		if (!found)
			fail_msg("%s is not in the manifest", de->d_name);
	}
	closedir(d);
	assert_true(rows > 0);
	assert_int_equal(rows, files);
}

/* The repository's own loopback captures (pcaps/, made by
 * scripts/record-pcaps.sh) read to a clean end as Ethernet. */
static void test_repo_captures(void **state)
{
	static const struct {
		const char *path;
		const char *format;
	} caps[] = {
		{ "pcaps/local-dns.pcap", "pcap" },
		{ "pcaps/local-http.pcapng", "pcapng" },
	};
	size_t found = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct source_record r;
		char err[ERRLEN] = "";
		enum source_status rc;
		struct source *s;
		struct stat st;
		size_t n = 0;

		if (stat(caps[i].path, &st) != 0)
			continue;
		found++;
		s = open_ok(caps[i].path, SNAP_BIG);
		assert_string_equal(source_format(s), caps[i].format);
		while ((rc = source_next(s, &r, err, sizeof(err))) == SOURCE_OK) {
			assert_int_equal(r.linktype, 1);
			assert_int_equal(r.ifindex, 0);
			assert_true(r.caplen >= 14 && r.caplen == r.wirelen);
			assert_true(r.ts_ns > 1500000000ull * 1000000000);
			n++;
		}
		if (rc != SOURCE_EOF)
			fail_msg("%s: %s", caps[i].path, err);
		assert_true(n > 10);
		assert_int_equal(source_bytes_read(s), (uint64_t)st.st_size);
		source_close(s);
	}
	if (!found) {
		print_message("[  SKIP    ] pcaps/ captures not found (run from the repository root)\n");
		skip();
	}
}

/* ---- set-up ---- */

static int setup_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/pktd-test-source-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	(void)state;
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlink(tmp_path(de->d_name));
	closedir(d);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_byte_orders_and_resolutions),
		cmocka_unit_test(test_pcap_linktypes),
		cmocka_unit_test(test_pcap_snaplen_clip_and_wirelen),
		cmocka_unit_test(test_pcap_record_over_file_snaplen),
		cmocka_unit_test(test_pcap_truncated_every_length),
		cmocka_unit_test(test_pcap_bad_version),
		cmocka_unit_test(test_pcap_bad_caplen),
		cmocka_unit_test(test_pcapng_sections_and_blocks),
		cmocka_unit_test(test_pcapng_timestamps),
		cmocka_unit_test(test_pcapng_snaplen),
		cmocka_unit_test(test_pcapng_truncated_every_length),
		cmocka_unit_test(test_pcapng_corrupt_blocks),
		cmocka_unit_test(test_pcapng_shb_option_overrun),
		cmocka_unit_test(test_unknown_magic),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_error_is_sticky),
		cmocka_unit_test(test_pipe_dev_fd),
		cmocka_unit_test(test_pipe_stdin),
		cmocka_unit_test(test_shared_corpus),
		cmocka_unit_test(test_repo_captures),
		cmocka_unit_test(test_mmap_matches_libpcap),
		cmocka_unit_test(test_mmap_big_file_unmaps_behind),
		cmocka_unit_test(test_mmap_trim_unmaps_behind),
		cmocka_unit_test(test_pcap_minor_versions_refused),
		cmocka_unit_test(test_pcap_old_versions_swap_lengths),
		cmocka_unit_test(test_pcap_large_record_link_types),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
