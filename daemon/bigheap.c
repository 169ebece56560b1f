/* bigheap.c: see bigheap.h. */
#include "bigheap.h"

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "prefault.h"

/* Address range reserved (not committed: MAP_NORESERVE): more big blocks
 * than this go to Python's allocator. */
#define SPAN (32ull << 30)
#define PAGE 4096u
/* Block header; keeps the caller's pointer 64-byte aligned. */
#define HDR 64u
#define HDR_MAGIC 0x6b7064626967ull
#define MAX_FREE 512
/* Least kept ahead once there is a big block at all. */
#define AHEAD_MIN (8u << 20)
/* Fault in ahead in steps of at least this much (one helper job each). */
#define AHEAD_STEP (2u << 20)

struct header {
	uint64_t len; /* of the whole block, header included, whole pages */
	uint64_t magic;
};

struct extent {
	size_t off, len;
	bool resident; /* every page faulted in (not given back) */
};

static struct {
	pthread_mutex_t lock;
	PyMemAllocatorEx prev;
	bool ready, installed;
	uint8_t *base;
	size_t top;      /* [top, SPAN) never handed out, or given back */
	size_t ahead;    /* [top, ahead) faulted in, or queued for the helper */
	size_t pristine; /* from here up, never written: reads as zeros */
	size_t largest;  /* biggest block so far */
	size_t reserve_max;
	struct extent free[MAX_FREE]; /* by address, never adjacent */
	unsigned nfree;
	struct bigheap_stats st;
} H = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *libc_malloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n ? n : 1);
}
static void *libc_calloc(void *ctx, size_t n, size_t size)
{
	(void)ctx;
	return calloc(n ? n : 1, size ? size : 1);
}
static void *libc_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	return realloc(p, n ? n : 1);
}
static void libc_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static bool ours(const void *p)
{
	return H.ready && (const uint8_t *)p >= H.base && (const uint8_t *)p < H.base + SPAN;
}

static size_t block_len(size_t size)
{
	if (size > SPAN)
		return 0;
	return (size + HDR + PAGE - 1) & ~(size_t)(PAGE - 1);
}

/* Kept faulted in past the top: twice the largest block (a dict's next
 * table), within half the bound; up to twice that before any is given
 * back, so a big block freed and taken again does not churn. */
static size_t ahead_wanted(void)
{
	size_t want = 2 * H.largest;
	if (want < AHEAD_MIN)
		want = AHEAD_MIN;
	return want < H.reserve_max / 2 ? want : H.reserve_max / 2;
}

/* Lock held. The helper may be faulting in some of it (settling a freed
 * block, or ahead of the top): stop that first, or the pages come back. */
static void give_back(size_t off, size_t len)
{
	prefault_cancel(H.base + off, len);
	madvise(H.base + off, len, MADV_DONTNEED);
	H.st.trimmed_bytes += len;
}

/* Lock held: keep `ahead_wanted()` faulted in past the top, and no more
 * than the bound in freed blocks and ahead together. */
static void keep_ahead(void)
{
	size_t want = ahead_wanted();
	if (H.ahead < H.top)
		H.ahead = H.top; /* handed out past it: what its user leaves untouched is settled when freed */
	size_t end = H.top + want > SPAN ? SPAN : H.top + want;
	if (end >= H.ahead + AHEAD_STEP || (end > H.ahead && end == SPAN)) {
		/* With the helper's queue full, the next block asks again. */
		if (prefault_background(H.base + H.ahead, end - H.ahead))
			H.ahead = end;
	} else if (H.ahead > end + want) {
		/* The top came down a long way (a big block freed). */
		give_back(end, H.ahead - end);
		H.ahead = end;
	}
	/* Freed blocks get what the bound leaves: the highest are given
	 * back first (first fit takes the lowest). */
	size_t spare = H.ahead - H.top, kept = 0;
	size_t budget = H.reserve_max > spare ? H.reserve_max - spare : 0;
	for (unsigned i = 0; i < H.nfree; i++)
		if (H.free[i].resident)
			kept += H.free[i].len;
	for (unsigned i = H.nfree; i-- > 0 && kept > budget;)
		if (H.free[i].resident) {
			give_back(H.free[i].off, H.free[i].len);
			H.free[i].resident = false;
			kept -= H.free[i].len;
		}
}

static void drop_extent(unsigned i)
{
	memmove(&H.free[i], &H.free[i + 1], (H.nfree - i - 1) * sizeof(H.free[0]));
	H.nfree--;
}

/* Lock held: a block of `len` bytes, or SIZE_MAX. First fit among freed
 * blocks whose pages are resident, then among the rest, then the top. */
static size_t take(size_t len, bool *was_ready)
{
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < H.nfree; i++) {
			struct extent *e = &H.free[i];
			if (e->len < len || (pass == 0 && !e->resident))
				continue;
			size_t off = e->off;
			*was_ready = e->resident;
			e->off += len;
			e->len -= len;
			if (!e->len)
				drop_extent(i);
			H.st.reused++;
			return off;
		}
	if (len > SPAN - H.top)
		return SIZE_MAX;
	size_t off = H.top;
	*was_ready = off + len <= H.ahead;
	H.top += len;
	return off;
}

/* A freed block's pages may not all have been touched by its user (a
 * list's spare room, a dict's unused entries): have the helper fault the
 * rest in, so a freed block and the memory past the top are wholly
 * resident, or being made so. False when the helper's queue is full.
 * Small blocks are taken as they are. */
static bool settle(size_t off, size_t len)
{
	return len < AHEAD_STEP / 2 || prefault_background(H.base + off, len);
}

/* Lock held: put [off, off + len) back, merging it with the top or its
 * free neighbours. */
static void put(size_t off, size_t len)
{
	bool resident = settle(off, len);
	unsigned i = 0;
	while (i < H.nfree && H.free[i].off < off)
		i++;
	if (off + len == H.top) {
		H.top = off;
		if (i > 0 && H.free[i - 1].off + H.free[i - 1].len == off) {
			struct extent *e = &H.free[i - 1];
			H.top = e->off;
			resident &= e->resident;
			drop_extent(i - 1);
		}
		if (!resident)
			H.ahead = H.top; /* fault in again from here: cheap where resident */
		return;
	}
	bool left = i > 0 && H.free[i - 1].off + H.free[i - 1].len == off;
	bool right = i < H.nfree && off + len == H.free[i].off;
	if (left && right) {
		H.free[i - 1].len += len + H.free[i].len;
		H.free[i - 1].resident &= H.free[i].resident && resident;
		drop_extent(i);
	} else if (left) {
		H.free[i - 1].len += len;
		H.free[i - 1].resident &= resident;
	} else if (right) {
		H.free[i].off = off;
		H.free[i].len += len;
		H.free[i].resident &= resident;
	} else if (H.nfree < MAX_FREE) {
		memmove(&H.free[i + 1], &H.free[i], (H.nfree - i) * sizeof(H.free[0]));
		H.free[i] = (struct extent){ off, len, resident };
		H.nfree++;
	} else {
		/* No room to remember it: its address range is lost, not its memory. */
		give_back(off, len);
	}
}

/* A block of at least `size` bytes; *dirty: how many of them may hold old
 * bytes (the rest read as zeros). NULL when the range is full. */
static void *alloc_block(size_t size, size_t *dirty)
{
	size_t len = block_len(size);
	if (!len)
		return NULL;
	pthread_mutex_lock(&H.lock);
	bool ready = false;
	size_t off = take(len, &ready);
	if (off == SIZE_MAX) {
		H.st.fallbacks++;
		pthread_mutex_unlock(&H.lock);
		return NULL;
	}
	size_t data = off + HDR;
	*dirty = H.pristine > data ? H.pristine - data : 0;
	if (H.pristine < off + len)
		H.pristine = off + len;
	if (len > H.largest)
		H.largest = len;
	H.st.blocks++;
	H.st.blocks_ready += ready;
	H.st.live_bytes += len;
	keep_ahead();
	pthread_mutex_unlock(&H.lock);
	struct header *h = (struct header *)(H.base + off);
	h->len = len;
	h->magic = HDR_MAGIC;
	return H.base + data;
}

static struct header *header_of(void *p)
{
	struct header *h = (struct header *)((uint8_t *)p - HDR);
	if (h->magic != HDR_MAGIC) {
		fprintf(stderr, "pktd: bigheap: %p is not a block of ours (heap corrupted)\n", p);
		abort();
	}
	return h;
}

void bigheap_free(void *p)
{
	if (!p)
		return;
	if (!ours(p)) {
		H.prev.free(H.prev.ctx, p);
		return;
	}
	struct header *h = header_of(p);
	size_t off = (size_t)((uint8_t *)h - H.base), len = h->len;
	h->magic = 0;
	pthread_mutex_lock(&H.lock);
	H.st.live_bytes -= len;
	put(off, len);
	keep_ahead();
	pthread_mutex_unlock(&H.lock);
}

void *bigheap_malloc(size_t size)
{
	if (size >= BIGHEAP_MIN_BLOCK && H.ready) {
		size_t dirty;
		void *p = alloc_block(size, &dirty);
		if (p)
			return p;
	}
	return H.prev.malloc(H.prev.ctx, size);
}

void *bigheap_calloc(size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	if (total >= BIGHEAP_MIN_BLOCK && H.ready) {
		size_t dirty;
		void *p = alloc_block(total, &dirty);
		if (p) {
			memset(p, 0, dirty < total ? dirty : total);
			return p;
		}
	}
	return H.prev.calloc(H.prev.ctx, n, size);
}

void *bigheap_realloc(void *p, size_t size)
{
	if (!p)
		return bigheap_malloc(size);
	if (!ours(p))
		return H.prev.realloc(H.prev.ctx, p, size);
	struct header *h = header_of(p);
	size_t len = block_len(size);
	if (!len)
		return NULL;
	if (len <= h->len)
		return p; /* shrinking keeps the block: Python rarely shrinks big ones much */
	size_t off = (size_t)((uint8_t *)h - H.base);
	pthread_mutex_lock(&H.lock);
	if (off + h->len == H.top && off + len <= SPAN) {
		/* The top block grows where it is (a growing list or bytearray). */
		size_t grow = len - h->len;
		H.top += grow;
		if (H.pristine < H.top)
			H.pristine = H.top;
		if (len > H.largest)
			H.largest = len;
		H.st.live_bytes += grow;
		H.st.grown_in_place++;
		h->len = len;
		keep_ahead();
		pthread_mutex_unlock(&H.lock);
		return p;
	}
	pthread_mutex_unlock(&H.lock);
	void *q = bigheap_malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, h->len - HDR);
	bigheap_free(p);
	return q;
}

static void *py_malloc(void *ctx, size_t n)
{
	(void)ctx;
	return bigheap_malloc(n);
}
static void *py_calloc(void *ctx, size_t n, size_t size)
{
	(void)ctx;
	return bigheap_calloc(n, size);
}
static void *py_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	return bigheap_realloc(p, n);
}
static void py_free(void *ctx, void *p)
{
	(void)ctx;
	bigheap_free(p);
}

/* Forks keep the allocator usable in the child: no other thread is in it
 * while the parent forks, and the child re-creates the helper as needed. */
static void before_fork(void)
{
	pthread_mutex_lock(&H.lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&H.lock);
}

int bigheap_init(size_t reserve_max)
{
	pthread_mutex_lock(&H.lock);
	H.reserve_max = reserve_max;
	if (!H.ready) {
		void *base = mmap(NULL, SPAN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (base != MAP_FAILED) {
			H.base = base;
			H.prev = (PyMemAllocatorEx){ NULL, libc_malloc, libc_calloc, libc_realloc, libc_free };
			H.ready = true;
			prefault_background_start();
			/* After prefault's handler, so the child's prefault lock is
			 * fresh before anything here runs in it. */
			pthread_atfork(before_fork, after_fork, after_fork);
		}
	}
	bool ready = H.ready;
	pthread_mutex_unlock(&H.lock);
	return ready ? 0 : -1;
}

int bigheap_install(size_t reserve_max)
{
	if (H.installed) {
		pthread_mutex_lock(&H.lock);
		H.reserve_max = reserve_max;
		pthread_mutex_unlock(&H.lock);
		return 0;
	}
	if (bigheap_init(reserve_max) < 0)
		return -1;
	/* Blocks Python already holds came from its allocator: a pointer
	 * outside the range goes back to it. */
	PyMem_GetAllocator(PYMEM_DOMAIN_RAW, &H.prev);
	PyMemAllocatorEx mine = { NULL, py_malloc, py_calloc, py_realloc, py_free };
	PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &mine);
	H.installed = true;
	return 0;
}

void bigheap_get_stats(struct bigheap_stats *s)
{
	pthread_mutex_lock(&H.lock);
	*s = H.st;
	s->installed = H.installed;
	s->free_bytes = 0;
	for (unsigned i = 0; i < H.nfree; i++)
		s->free_bytes += H.free[i].len;
	s->ahead_bytes = H.ahead > H.top ? H.ahead - H.top : 0;
	pthread_mutex_unlock(&H.lock);
}
