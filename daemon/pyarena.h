/* pyarena.h: a small reserve of pre-faulted arenas for Python's object
 * allocator, refilled between dispatch rounds.
 *
 * pymalloc takes memory from the system in arenas (1 MiB in CPython 3.11)
 * whose pages are first touched while a plugin allocates: a growing flow
 * table costs about one page fault a round, a few microseconds each here
 * and now and then a hundred, inside the packet's latency. Installed as
 * pymalloc's arena allocator (PyObject_SetArenaAllocator), the reserve
 * hands out arenas whose pages were already touched by pyarena_refill(),
 * which the GC scheduler calls at idle moments between rounds, a bounded
 * number of pages at a time. Arenas pymalloc gives back refill the reserve
 * first, so resident memory holds at most `target` spare arenas more. */
#ifndef PKTD_PYARENA_H
#define PKTD_PYARENA_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PYARENA_MAX 8

struct pyarena {
	PyObjectArenaAllocator prev; /* Python's own: where arenas come from */
	bool installed;
	size_t size;                 /* arena size, learnt from pymalloc's first request */
	unsigned target;             /* spare arenas to keep ready */
	void *ready[PYARENA_MAX];
	unsigned nready;
	void *filling;               /* being touched, `filled` bytes so far */
	size_t filled;
	uint64_t taken;              /* arenas served from the reserve */
	uint64_t missed;             /* requests with the reserve empty: faults in the round */
	uint64_t kept;               /* arenas given back into the reserve */
	uint64_t pages;              /* pages touched by refills */
	uint64_t refill_ns;          /* time spent touching them */
};

/* Install for the running interpreter (GIL held), keeping up to `target`
 * (1..PYARENA_MAX) spare arenas. */
void pyarena_install(struct pyarena *a, unsigned target);
/* Touch up to `max_pages` pages towards a full reserve. Returns the pages
 * touched (0: the reserve is full or the arena size not known yet). */
unsigned pyarena_refill(struct pyarena *a, unsigned max_pages);
/* Put Python's allocator back and return the spare arenas to it. */
void pyarena_uninstall(struct pyarena *a);

#endif
