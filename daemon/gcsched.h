/* gcsched.h: when Python's cyclic GC runs, and how long each pause was.
 *
 * --gc=scheduled: after every plugin's setup, collect everything and
 * gc.freeze() it (start-up objects are never scanned again), then turn
 * automatic collection off. gcsched_poll() runs young collections when
 * the ring runs empty or after --gc-young-interval of dispatch time (an
 * interval shortened while young pauses exceed half --gc-pause-budget);
 * a middle one every tenth young one, or sooner while middle pauses
 * exceed the budget. The survivors of a middle collection are
 * long-lived (a plugin's flow table), so they are frozen too, and no later
 * collection scans them: every pause stays proportional to what was
 * allocated recently, not to the size of the plugins' state. A full
 * collection runs at --gc-full-interval. Cycles among frozen objects are
 * reclaimed by maintenance: unfreeze, full collection, freeze again, at
 * the first idle moment after --gc-maintenance-interval (or, with no idle
 * moment, after twice that), and at exit. Nothing cyclic leaks forever.
 * --gc=default keeps Python's thresholds; --gc=off never collects.
 * Every collection, whoever started it, is timed through gc.callbacks.
 * --gc=scheduled also keeps a reserve of pre-faulted pymalloc arenas
 * (pyarena.h), refilled at idle polls, so a growing plugin state takes
 * fresh memory without page faults inside a dispatch round, and serves
 * Python's big blocks (a growing dict's tables) from memory faulted in
 * ahead by a helper thread (bigheap.h). */
#ifndef PKTD_GCSCHED_H
#define PKTD_GCSCHED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "hist.h"
#include "pyarena.h"

struct gcsched {
	enum gc_mode mode;
	uint64_t full_interval_ns, young_interval_ns;
	uint32_t young_min;
	uint64_t maintenance_interval_ns;
	uint64_t last_young_ns, last_full_ns, last_maintenance_ns;
	unsigned youngs_since_middle;
	/* The pause budget, kept by feedback from every pause measured (the
	 * count of young objects says little of what a collection scans: it
	 * misses dicts tracked after their creation, and big containers):
	 * young collections come sooner while theirs exceed half the budget,
	 * middle ones after fewer young ones while theirs exceed it, and both
	 * relax back while pauses are well within it. */
	uint64_t pause_budget_ns;
	uint64_t young_every_ns;   /* the young interval now */
	unsigned middle_every;     /* young collections per middle one now (10 at most) */
	uint64_t young_every_min_ns; /* the shortest interval it came to */
	unsigned middle_every_min;   /* the fewest young ones per middle it came to */
	uint64_t start_pause_ns; /* the start-up collection: before any packet */
	PyObject *collect, *get_count, *freeze, *unfreeze, *get_freeze_count, *callback;
	PyObject *gen_arg[3];
	uint64_t started_ns; /* of the collection in progress */
	uint64_t last_pause_ns; /* of the last collection */
	bool at_exit;          /* the exit collection: not in the histograms */
	bool at_start;         /* the start-up collection: nor this one */
	uint64_t exit_pause_ns;
	struct hist pauses[3];
	uint64_t collected[3];   /* unreachable objects found */
	uint64_t scheduled[3];   /* collections pktd asked for */
	uint64_t frozen;         /* objects frozen (after start-up, then at exit) */
	uint64_t freezes;        /* survivor freezes after middle collections */
	uint64_t maintenances;   /* unfreeze + full collection + freeze */
	struct pyarena arena;    /* --gc=scheduled: pre-faulted arenas */
	uint64_t heap_reserve;   /* --gc-heap-reserve: bigheap's bound, 0 = none */
};

/* Spare pymalloc arenas kept ready (1 MiB each in CPython 3.11), and the
 * pages touched per idle poll at most: about 2 us a page here, so at most
 * about 16 us during which a capture thread's packets wait in the ring;
 * a table growing at 200k flows/s takes about 12 pages a millisecond, and
 * idle polls come far more often. */
#define GCSCHED_ARENA_RESERVE 2
#define GCSCHED_REFILL_PAGES 8

/* Settings only; without gcsched_start() (no plugin, no interpreter)
 * every call below does nothing. */
void gcsched_init(struct gcsched *g, const struct config *c);
/* Take charge of the started interpreter's GC. */
int gcsched_start(struct gcsched *g);
/* Call between dispatch rounds; idle = the ring ran empty. */
void gcsched_poll(struct gcsched *g, uint64_t now_ns, bool idle);
/* Force a collection of `generation` now (exit, tests). */
int gcsched_collect(struct gcsched *g, int generation);
/* Full collection at exit (not with --gc=off). */
void gcsched_finish(struct gcsched *g);
void gcsched_free(struct gcsched *g);
const char *gcsched_mode_name(enum gc_mode m);

#endif
