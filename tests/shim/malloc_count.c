/* malloc_count.c: an LD_PRELOAD shim counting heap calls, for the
 * steady-state allocation test. At exit it writes
 * "malloc N calloc N realloc N free N" to $PKTD_MALLOC_COUNT_FILE. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic unsigned long n_malloc, n_calloc, n_realloc, n_free;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

/* dlsym may itself call calloc: serve that from a small static buffer. */
static char bootstrap[4096];
static size_t bootstrap_used;
static int resolving;

static void resolve(void)
{
	if (real_malloc || resolving)
		return;
	resolving = 1;
	real_malloc = dlsym(RTLD_NEXT, "malloc");
	real_calloc = dlsym(RTLD_NEXT, "calloc");
	real_realloc = dlsym(RTLD_NEXT, "realloc");
	real_free = dlsym(RTLD_NEXT, "free");
	resolving = 0;
}

void *malloc(size_t n)
{
	resolve();
	n_malloc++;
	return real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (!real_calloc) {
		if (resolving) {
			size_t n = (a * b + 15) & ~(size_t)15;
			if (bootstrap_used + n > sizeof(bootstrap))
				return NULL;
			void *p = bootstrap + bootstrap_used;
			bootstrap_used += n;
			memset(p, 0, n);
			return p;
		}
		resolve();
	}
	n_calloc++;
	return real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	resolve();
	n_realloc++;
	return real_realloc(p, n);
}

void free(void *p)
{
	if ((char *)p >= bootstrap && (char *)p < bootstrap + sizeof(bootstrap))
		return;
	resolve();
	n_free++;
	real_free(p);
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("PKTD_MALLOC_COUNT_FILE");
	if (!path)
		return;
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "malloc %lu calloc %lu realloc %lu free %lu\n", (unsigned long)n_malloc, (unsigned long)n_calloc,
		(unsigned long)n_realloc, (unsigned long)n_free);
	fclose(f);
}
