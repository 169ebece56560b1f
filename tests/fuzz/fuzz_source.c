/* fuzz_source.c: libFuzzer target for the capture-file readers (daemon/source*.c).
 *
 * The input is a whole capture file. It is written into a memfd and opened
 * by path (/dev/fd/N), as the daemon opens -r files, then read with
 * source_next() until EOF or an error, four times: classic pcap through the
 * in-place mapping reader and through libpcap, each with a large and a tiny
 * snaplen (pcapng has one reader; it runs with both snaplens). Invariants:
 *   - caplen <= the snaplen given at open; data non-NULL when caplen > 0,
 *     and every byte readable (summed, so ASan sees a bad pointer);
 *   - record offsets strictly increase and lie inside the file; a record
 *     never claims more bytes than the file has left;
 *   - an error comes with a message naming the file; after EOF or an
 *     error the source keeps saying so;
 *   - bytes read never exceed the file size;
 *   - the mapping reader and libpcap yield the same records (header
 *     fields and bytes) and end the same way (EOF or error), as
 *     source_mmap.c promises.
 * A violation calls abort(), so libFuzzer keeps the input.
 *
 * Build and run: `make fuzz` (tests/fuzz/README.md). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "source.h"

#define MAX_RECORDS 4096 /* compared between the two readers */
#define SNAP_BIG 262144u
#define SNAP_TINY 64u

struct rec_digest {
	uint64_t ts_ns, offset, hash;
	uint32_t caplen, wirelen, linktype, ifindex;
};

struct run {
	struct rec_digest recs[MAX_RECORDS];
	unsigned n;          /* records (all counted; the first MAX_RECORDS kept) */
	int opened;          /* source_open succeeded */
	enum source_status end;
	char reader[16];
};

static int memfd = -1;
static char path[64];
static struct run runs[2];

static void fuzz_fail(const char *what, const struct run *r, unsigned i)
{
	fprintf(stderr, "fuzz_source: %s (reader %s, record %u)\n", what, r ? r->reader : "-", i);
	abort();
}

static uint64_t fnv(const uint8_t *p, uint32_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* Read the file through one reader; check the per-record invariants. */
static void read_all(struct run *r, uint32_t snaplen, uint64_t size)
{
	char err[512];
	memset(r, 0, sizeof(*r));
	struct source *s = source_open(path, snaplen, err, sizeof(err));
	if (!s) {
		if (!strstr(err, path))
			fuzz_fail("open error without the file name", r, 0);
		r->end = SOURCE_ERROR;
		return;
	}
	r->opened = 1;
	snprintf(r->reader, sizeof(r->reader), "%s", source_reader_name(s));
	uint64_t last_off = 0;
	struct source_record rec;
	for (;;) {
		enum source_status st = source_next(s, &rec, err, sizeof(err));
		if (st != SOURCE_OK) {
			if (st == SOURCE_ERROR && !strstr(err, path))
				fuzz_fail("read error without the file name", r, r->n);
			if (st != SOURCE_EOF && st != SOURCE_ERROR)
				fuzz_fail("unknown status", r, r->n);
			r->end = st;
			/* Once ended, it stays ended. */
			if (source_next(s, &rec, err, sizeof(err)) != st)
				fuzz_fail("a finished source changed its mind", r, r->n);
			break;
		}
		if (rec.caplen > snaplen)
			fuzz_fail("caplen > snaplen", r, r->n);
		if (rec.caplen > 0 && rec.data == NULL)
			fuzz_fail("data NULL with caplen > 0", r, r->n);
		if (r->n > 0 && rec.offset <= last_off)
			fuzz_fail("record offsets do not increase", r, r->n);
		if (rec.offset >= size || rec.caplen > size - rec.offset)
			fuzz_fail("record beyond the end of the file", r, r->n);
		last_off = rec.offset;
		uint64_t h = rec.caplen ? fnv(rec.data, rec.caplen) : 0;
		if (r->n < MAX_RECORDS)
			r->recs[r->n] = (struct rec_digest){ rec.ts_ns, rec.offset, h, rec.caplen, rec.wirelen,
							     rec.linktype, rec.ifindex };
		r->n++;
		if (r->n > size / 16 + 1)
			fuzz_fail("more records than the file can hold", r, r->n);
	}
	if (source_bytes_read(s) > size)
		fuzz_fail("more bytes read than the file has", r, r->n);
	source_close(s);
}

static uint32_t file_u32(const uint8_t *p, int be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Link types whose LINKTYPE_ value libpcap hands back unchanged (its
 * LINKTYPE -> DLT -> LINKTYPE round trip is not the identity for every
 * 16-bit value, e.g. 12 comes back as RAW, 101). */
static int linktype_round_trips(uint32_t lt)
{
	static const uint32_t ok[] = { 0, 1, 9, 101, 104, 105, 108, 113, 127, 228, 229, 276 };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == lt)
			return 1;
	return 0;
}

/* Both classic-pcap readers must agree. Two fields libpcap mangles on
 * garbage are left out: the timestamp when the fraction field has its top
 * bit set (libpcap reads it as a signed 32-bit number) and the link type
 * when libpcap's DLT mapping does not round-trip it. */
static void compare(const struct run *a, const struct run *b, const uint8_t *data, size_t size)
{
	if (a->opened != b->opened)
		fuzz_fail("one reader opened the file, the other did not", a, 0);
	if (a->n != b->n)
		fuzz_fail("the readers yield different record counts", a, a->n < b->n ? a->n : b->n);
	int be = data[0] == 0xa1;
	int lt_ok = size >= 24 && linktype_round_trips(file_u32(data + 20, be) & 0x03ffffff);
	for (unsigned i = 0; i < a->n && i < MAX_RECORDS; i++) {
		struct rec_digest x = a->recs[i], y = b->recs[i];
		if (x.offset + 8 <= size && (file_u32(data + x.offset + 4, be) & 0x80000000u))
			x.ts_ns = y.ts_ns = 0;
		if (!lt_ok)
			x.linktype = y.linktype = 0;
		if (memcmp(&x, &y, sizeof(x)) != 0)
			fuzz_fail("the readers yield different records", a, i);
	}
	if (a->end != b->end)
		fuzz_fail("one reader ends with an error, the other at EOF", a, a->n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("fuzz-capture", 0);
	if (memfd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/dev/fd/%d", memfd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(memfd, 0) < 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();
	/* Classic pcap magic (either byte order, us or ns): both readers. */
	uint32_t m = size >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3] : 0;
	int pcap = m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1;
	static const uint32_t snaplens[] = { SNAP_BIG, SNAP_TINY };
	for (unsigned k = 0; k < 2; k++) {
		source_set_mmap(true);
		read_all(&runs[0], snaplens[k], size);
		if (!pcap)
			continue; /* pcapng or no capture: one reader */
		if (runs[0].opened && strcmp(runs[0].reader, "mmap") != 0)
			fuzz_fail("a classic pcap file not read in place", &runs[0], 0);
		source_set_mmap(false);
		read_all(&runs[1], snaplens[k], size);
		compare(&runs[0], &runs[1], data, size);
	}
	source_set_mmap(true);
	return 0;
}
