/* source_mmap.c: classic pcap read from a memory mapping, without copies.
 *
 * For regular files the mapped file is the buffer: each record's data
 * points into the mapping, and nothing is copied or read through stdio.
 * It accepts exactly what the libpcap path accepts for classic pcap (both
 * byte orders, micro- and nanosecond magic, FCS bits in the link-type
 * field masked off) and reports damage with the record's byte offset; a
 * test compares the two paths record by record. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "source_reader.h"

#define FILE_HDR 24u
#define REC_HDR 16u
/* libpcap refuses records above this (MAXIMUM_SNAPLEN of pcap-int.h)... */
#define MAX_RECORD 262144u

/* ...except for a few link types (max_snaplen_for_dlt() of pcap-common.c). */
static uint32_t max_record(uint32_t linktype)
{
	switch (linktype) {
	case 231: /* DBUS */
		return 128u * 1024 * 1024;
	case 279: /* EBHSCR */
		return 8u * 1024 * 1024;
	case 249: /* USBPCAP */
		return 1024u * 1024;
	default:
		return MAX_RECORD;
	}
}

/* Versions before 2.3 (and DG/UX's 543.0) wrote the captured and the wire
 * length the other way round; some 2.3 writers did not (sf-pcap.c). */
enum lengths { LENGTHS_NOT_SWAPPED, LENGTHS_SWAPPED, LENGTHS_MAYBE_SWAPPED };

struct mmap_reader {
	_Atomic uint32_t exports; /* Python buffer exports of records' bytes */
	struct mmap_reader *next_retained;
	const uint8_t *map;
	size_t size;
	uint64_t off;
	uint64_t prefetched; /* bytes up to here were prefetched into the cache */
	uint64_t populated;  /* bytes up to here were mapped (MADV_POPULATE_READ) */
	uint64_t dropped;    /* pages below here were unmapped (MADV_DONTNEED) */
	struct mmap_pager *pager;
	uint64_t next_kick; /* page tables are seen to (or the pager told) at this offset */
	bool swap; /* file written in the other byte order */
	bool nano;
	enum lengths lengths;
	uint32_t max_record;
	uint32_t linktype;
	uint32_t snaplen;      /* caller's limit, 0 = none */
	uint32_t file_snaplen; /* libpcap clips records to the header's */
	char name[256];
};

/* The pager: a thread that keeps the mapping's page tables ahead of the
 * reader filled and behind it emptied, so neither the faults nor the
 * teardown (a 1 GB file's munmap takes about 20 ms) run on the thread
 * that decodes. */
struct mmap_pager {
	pthread_t thread;
	struct mmap_reader *r;
	_Atomic uint64_t reader_off; /* where the reader is */
	_Atomic uint32_t seq;	     /* futex word, bumped with each new offset */
	_Atomic bool stop;
};

static bool use_pager;

void mmap_reader_set_pager(bool enable)
{
	use_pager = enable;
}

static void pager_start(struct mmap_reader *r);

static uint32_t rd32(const struct mmap_reader *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct mmap_reader *r, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

struct mmap_reader *mmap_reader_open(int fd, const char *name, uint32_t snaplen, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)FILE_HDR)
		return NULL; /* not for us: the stream readers report it */
	struct mmap_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->size = (size_t)st.st_size;
	void *m = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		free(r);
		return NULL;
	}
	r->map = m;
	/* Read ahead aggressively; pages behind us can go. */
	madvise(m, r->size, MADV_SEQUENTIAL);
	madvise(m, r->size, MADV_WILLNEED);

	uint32_t magic;
	memcpy(&magic, r->map, 4);
	switch (magic) {
	case 0xa1b2c3d4: break;
	case 0xa1b23c4d: r->nano = true; break;
	case 0xd4c3b2a1: r->swap = true; break;
	case 0x4d3cb2a1: r->swap = r->nano = true; break;
	default:
		munmap(m, r->size);
		free(r);
		return NULL;
	}
	uint16_t major = rd16(r, r->map + 4), minor = rd16(r, r->map + 6);
	/* libpcap reads versions 2.0 to 2.4, and 543.0 (DG/UX tcpdump). */
	if (!((major == 2 && minor <= 4) || (major == 543 && minor == 0))) {
		snprintf(err, errlen, "%s: offset 0: %s pcap savefile version %u.%u", name,
			 major < 2 ? "archaic" : "unsupported", major, minor);
		munmap(m, r->size);
		free(r);
		errno = EINVAL;
		return NULL;
	}
	r->lengths = major == 543 || minor < 3 ? LENGTHS_SWAPPED
		     : minor == 3		 ? LENGTHS_MAYBE_SWAPPED
						 : LENGTHS_NOT_SWAPPED;
	r->linktype = rd32(r, r->map + 20) & 0x03ffffff;
	r->max_record = max_record(r->linktype);
	r->file_snaplen = rd32(r, r->map + 16);
	if (r->file_snaplen == 0 || r->file_snaplen > r->max_record)
		r->file_snaplen = r->max_record;
	r->snaplen = snaplen;
	r->off = FILE_HDR;
	pager_start(r);
	return r;
}

/* Keep the bytes ahead of the reader on their way in. Each record's place
 * depends on the one before, so neither the CPU's prefetcher nor the
 * page-fault path can run ahead on their own: map the file a chunk at a
 * time before it is needed (one call instead of a fault every few pages)
 * and prefetch a few KiB ahead into the cache. A pager thread, when
 * there is one, also empties the page tables behind the reader a chunk at
 * a time, so closing a big file is cheap. The bytes stay in the page
 * cache, and a record still in the ring (or a view a plugin kept) faults
 * its page back in: emptying is never wrong, only slower, and DROP_BEHIND
 * keeps it well behind the ring. */
#define PREFETCH_AHEAD 4096u
#define POPULATE_AHEAD (4u << 20)
#define POPULATE_CHUNK (2u << 20)
#define DROP_BEHIND (16u << 20)
/* Only the pager unmaps, 16 MiB a call. A reader doing it itself stalls
 * while the page tables are torn down and its TLB flushes reach the other
 * thread: beside a capture thread's busy loop thread that cost 10% of
 * the loop's rate (flows, web mix) whether done every 16 or 256 MiB, more
 * than the unmap at close it saves. */
#define DROP_CHUNK (16u << 20)
/* How often the reader maps ahead (or tells the pager where it is), and
 * how far ahead a pager maps. */
#define PAGER_KICK (1u << 20)
#define PAGER_AHEAD (16u << 20)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Map [populated, upto) and unmap [dropped, below), in whole chunks. */
static void page_tables(struct mmap_reader *r, uint64_t upto, uint64_t below)
{
	while (r->populated < r->size && r->populated < upto) {
		uint64_t len = r->size - r->populated < POPULATE_CHUNK ? r->size - r->populated : POPULATE_CHUNK;
		/* Best effort (older kernels say EINVAL): the pages fault in anyway. */
		madvise((void *)(r->map + r->populated), len, MADV_POPULATE_READ);
		r->populated += len;
	}
	while (r->dropped + DROP_CHUNK <= below) {
		madvise((void *)(r->map + r->dropped), DROP_CHUNK, MADV_DONTNEED);
		r->dropped += DROP_CHUNK;
	}
}

/* A reader without a pager, with nothing else to do for now (its ring is
 * full), empties the page tables behind it itself, TRIM_CHUNK a call so
 * it looks up again soon: the close, on the loop's thread after the
 * last packet, then unmaps little (a 910 MB file: 24 ms less). Each call
 * flushes the loop's CPU's TLB too: in 2 MiB calls that cost the
 * counting job's loop about 16 ms a run, in 8 MiB calls about 2 (medians
 * of 12). */
#define TRIM_CHUNK (8u << 20)

bool mmap_reader_trim(struct mmap_reader *r, const void *keep)
{
	if (r->pager)
		return false; /* the pager does it */
	uint64_t below = r->off > DROP_BEHIND ? r->off - DROP_BEHIND : 0;
	const uint8_t *k = keep;
	if (k >= r->map && k < r->map + r->size && (uint64_t)(k - r->map) < below)
		below = (uint64_t)(k - r->map);
	if (r->dropped + TRIM_CHUNK > below)
		return false;
	madvise((void *)(r->map + r->dropped), TRIM_CHUNK, MADV_DONTNEED);
	r->dropped += TRIM_CHUNK;
	return true;
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static void *pager_main(void *arg)
{
	struct mmap_pager *p = arg;
	struct mmap_reader *r = p->r;
	/* Background work: woken on the reader's CPU, a normal thread would
	 * preempt the reader for a few hundred microseconds while packets
	 * wait in the ring. An idle-class thread runs only on a CPU nobody
	 * else wants (and if none, the reader faults the pages itself). */
	struct sched_param none = { 0 };
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
	while (!atomic_load_explicit(&p->stop, memory_order_acquire)) {
		uint32_t seen = atomic_load_explicit(&p->seq, memory_order_acquire);
		uint64_t off = atomic_load_explicit(&p->reader_off, memory_order_acquire);
		page_tables(r, off + PAGER_AHEAD, off > DROP_BEHIND ? off - DROP_BEHIND : 0);
		if (atomic_load_explicit(&p->stop, memory_order_acquire))
			break;
		/* Sleeps only if the reader has not moved since `seen`. */
		futex(&p->seq, FUTEX_WAIT_PRIVATE, seen);
	}
	return NULL;
}

static void pager_tell(struct mmap_pager *p, uint64_t off)
{
	atomic_store_explicit(&p->reader_off, off, memory_order_release);
	atomic_fetch_add_explicit(&p->seq, 1, memory_order_release);
	futex(&p->seq, FUTEX_WAKE_PRIVATE, 1);
}

/* Files this big get a pager (smaller ones are mapped in a few calls). */
#define PAGER_MIN_SIZE (2ull * PAGER_AHEAD)

static void pager_start(struct mmap_reader *r)
{
	if (!use_pager || r->size < PAGER_MIN_SIZE)
		return;
	struct mmap_pager *p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->r = r;
	atomic_store(&p->reader_off, r->off);
	if (pthread_create(&p->thread, NULL, pager_main, p) != 0) {
		free(p); /* the reader maps ahead itself instead */
		return;
	}
	r->pager = p;
}

static void pager_stop(struct mmap_reader *r)
{
	struct mmap_pager *p = r->pager;
	if (!p)
		return;
	atomic_store_explicit(&p->stop, true, memory_order_release);
	atomic_fetch_add_explicit(&p->seq, 1, memory_order_release);
	futex(&p->seq, FUTEX_WAKE_PRIVATE, 1);
	pthread_join(p->thread, NULL);
	free(p);
	r->pager = NULL;
}

static inline void stream_ahead(struct mmap_reader *r)
{
	if (__builtin_expect(r->off >= r->next_kick, 0)) {
		r->next_kick = r->off + PAGER_KICK;
		if (r->pager)
			pager_tell(r->pager, r->off);
		else
			page_tables(r, r->off + POPULATE_AHEAD, 0);
	}
	uint64_t want = r->off + PREFETCH_AHEAD;
	if (want > r->size)
		want = r->size;
	while (r->prefetched < want) {
		__builtin_prefetch(r->map + r->prefetched);
		r->prefetched += 64;
	}
}

enum source_status mmap_reader_next(struct mmap_reader *r, struct source_record *rec, char *err, size_t errlen)
{
	if (r->off == r->size)
		return SOURCE_EOF;
	if (r->size - r->off < REC_HDR) {
		snprintf(err, errlen, "%s: offset %llu: truncated record header (%llu of 16 bytes)", r->name,
			 (unsigned long long)r->off, (unsigned long long)(r->size - r->off));
		return SOURCE_ERROR;
	}
	stream_ahead(r);
	const uint8_t *h = r->map + r->off;
	uint32_t sec = rd32(r, h), frac = rd32(r, h + 4), caplen = rd32(r, h + 8), wirelen = rd32(r, h + 12);
	if (r->lengths == LENGTHS_SWAPPED || (r->lengths == LENGTHS_MAYBE_SWAPPED && caplen > wirelen)) {
		uint32_t t = caplen;
		caplen = wirelen;
		wirelen = t;
	}
	if (caplen > r->max_record) {
		snprintf(err, errlen, "%s: offset %llu: invalid packet capture length %u, bigger than the maximum of %u", r->name,
			 (unsigned long long)r->off, caplen, r->max_record);
		return SOURCE_ERROR;
	}
	if (r->size - r->off - REC_HDR < caplen) {
		snprintf(err, errlen, "%s: offset %llu: truncated record (%u captured bytes, %llu left)", r->name,
			 (unsigned long long)r->off, caplen, (unsigned long long)(r->size - r->off - REC_HDR));
		return SOURCE_ERROR;
	}
	rec->data = h + REC_HDR;
	rec->offset = r->off;
	rec->ts_ns = (uint64_t)sec * 1000000000ull + (r->nano ? frac : (uint64_t)frac * 1000ull);
	uint32_t keep = caplen > r->file_snaplen ? r->file_snaplen : caplen;
	rec->wirelen = wirelen < keep ? keep : wirelen;
	rec->caplen = (r->snaplen && keep > r->snaplen) ? r->snaplen : keep;
	rec->linktype = r->linktype;
	rec->ifindex = 0;
	r->off += REC_HDR + caplen;
	return SOURCE_OK;
}

uint64_t mmap_reader_offset(const struct mmap_reader *r)
{
	return r->off;
}

_Atomic uint32_t *mmap_reader_exports(struct mmap_reader *r)
{
	return &r->exports;
}

/* Closed readers whose bytes a plugin still holds (a memoryview kept past
 * its callback): their mapping stays until those exports are gone. */
static struct mmap_reader *retained;

static void unmap_free(struct mmap_reader *r)
{
	munmap((void *)r->map, r->size);
	free(r);
}

void mmap_reader_close(struct mmap_reader *r)
{
	if (!r)
		return;
	pager_stop(r);
	if (atomic_load(&r->exports) > 0) {
		r->next_retained = retained;
		retained = r;
		return;
	}
	unmap_free(r);
}

void source_release_retained(void)
{
	struct mmap_reader **pp = &retained;
	while (*pp) {
		struct mmap_reader *r = *pp;
		if (atomic_load(&r->exports) == 0) {
			*pp = r->next_retained;
			unmap_free(r);
		} else {
			pp = &r->next_retained;
		}
	}
}
