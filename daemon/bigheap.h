/* bigheap.h: Python's big blocks from memory faulted in ahead of need.
 *
 * A plugin's growing dict reallocates its table at each doubling: one
 * O(n) copy into a fresh block, the table of a 350k-entry flow table
 * being 20 MiB. On this kind of machine (a VM) the fresh pages cost about
 * 0.3-0.7 ms a MiB to fault in, so that one resize held the plugin for
 * 14-16 ms, three quarters of it page faults, with every packet arriving
 * meanwhile waiting in the ring.
 *
 * Installed as CPython's raw allocator (every request over 512 bytes
 * reaches it), bigheap serves requests of BIGHEAP_MIN_BLOCK and more
 * from one reserved address range, and keeps the range ahead of its top
 * faulted in by the prefault helper thread (MADV_POPULATE_WRITE, off the
 * loop): twice the largest block so far, so the next doubling finds its
 * pages present. Freed blocks are kept, still resident, for reuse (first
 * fit, address ordered, merged with their neighbours). Smaller requests,
 * and anything the range cannot hold, go to Python's previous allocator;
 * a pointer outside the range is always that allocator's.
 *
 * Process-wide (the raw allocator is): installed once, never taken away,
 * since the interpreter frees its blocks up to the end. The allocator is
 * thread-safe, as the raw domain must be (it is called without the GIL). */
#ifndef PKTD_BIGHEAP_H
#define PKTD_BIGHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Smallest request served: below it the C heap's own free memory is
 * usually resident already. */
#define BIGHEAP_MIN_BLOCK (128u << 10)

struct bigheap_stats {
	bool installed;
	uint64_t blocks;        /* served, in all */
	uint64_t blocks_ready;  /* ...whose pages were resident or being faulted in ahead */
	uint64_t reused;        /* ...taken from freed blocks */
	uint64_t grown_in_place;/* reallocs that extended the top block */
	uint64_t fallbacks;     /* big requests the range could not hold */
	uint64_t live_bytes;    /* blocks in use */
	uint64_t free_bytes;    /* freed blocks kept for reuse */
	uint64_t ahead_bytes;   /* faulted in (or queued) past the top */
	uint64_t trimmed_bytes; /* given back to the system over the reserve's bound */
};

/* Take over CPython's raw allocator (the interpreter running, GIL held),
 * keeping at most `reserve_max` bytes faulted in ahead and in freed
 * blocks. Again: only the bound changes. -1 when the range cannot be
 * reserved (Python's allocator then stays). */
int bigheap_install(size_t reserve_max);
void bigheap_get_stats(struct bigheap_stats *s);

/* The allocator itself, for tests: blocks of any size, no interpreter. */
void *bigheap_malloc(size_t size);
void *bigheap_calloc(size_t n, size_t size);
void *bigheap_realloc(void *p, size_t size);
void bigheap_free(void *p);
/* Reserve the range without installing into Python (tests). */
int bigheap_init(size_t reserve_max);

#endif
