/* ring.h: the bounded ring between capture/decode and Python dispatch.
 *
 * Two fixed allocations made at start-up and reused forever: an array of
 * slots (a decoded struct pkt each) and one byte arena holding the frames.
 * The producer reserves a slot and arena space, copies the frame in, decodes
 * it into the slot and publishes it; the consumer takes published slots in
 * order and releases them. Head and tail are atomics with acquire/release
 * ordering, so producer and consumer may live on different threads (single
 * producer, single consumer); nothing assumes one thread.
 *
 * Frame bytes handed to Python may still be exported (a memoryview kept past
 * its callback). Each frame in the arena is preceded by a small header with
 * an export count; when the consumer releases a frame that is still
 * exported, the frame is pinned: the arena skips over it until the last
 * export is released. Exported bytes are never overwritten. */
#ifndef PKTD_RING_H
#define PKTD_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "packet.h"

/* Header in front of every frame in the arena. */
struct ring_frame {
	_Atomic uint32_t exports; /* live Py_buffer exports of these bytes */
	uint32_t len;
	uint64_t due_tick; /* paced replay: ring_clock() when it was due; 0 otherwise */
	uint8_t data[];
};

struct ring_slot {
	struct pkt pkt;
	struct ring_frame *frame;
	/* Where buffer exports of this packet's bytes are counted: the frame's
	 * header, or the input's own counter when the bytes are read in place
	 * (a mapped file; the input then outlives the exports). */
	_Atomic uint32_t *exports;
	uint64_t arena_start; /* virtual arena position of the frame header */
	uint64_t arena_end;   /* virtual arena position after this frame */
	uint64_t plugin_mask; /* bit i: plugin i's FILTER matched */
	uint64_t enqueue_ns;  /* ring_clock() when the slot was published */
};

/* Producer and consumer work on neighbouring slots at once: a slot that
 * shared a cache line with the next one cost 10-15% with two threads. */
_Static_assert(sizeof(struct ring_slot) % 64 == 0, "ring slots must be whole cache lines");

struct ring_pin {
	struct ring_frame *frame;
	uint64_t start, end; /* physical byte range in the arena */
};

struct ring {
	struct ring_slot *slots;
	uint32_t nslots; /* power of two */
	uint32_t mask;
	uint8_t *arena;
	uint64_t arena_size;
	bool prefaulted;

	/* Producer side. */
	_Alignas(64) _Atomic uint64_t head; /* next slot to publish */
	uint64_t arena_head;                /* virtual arena write position */

	/* Consumer side. */
	_Alignas(64) _Atomic uint64_t tail;     /* next slot to consume */
	_Atomic uint64_t arena_tail;            /* virtual position freed up to */

	/* Pinned frames (rare); owned by the consumer, read by the producer
	 * under pin_lock. */
	_Alignas(64) atomic_flag pin_lock;
	_Atomic uint32_t npins;
	uint32_t max_pins;
	struct ring_pin *pins;

	/* Statistics. */
	struct hist latency;  /* ring entry to its last plugin's return, in ticks */
	struct hist delay;    /* paced: due time to its last plugin's return, in ticks */
	bool stamp;           /* stamp slots at publish (plugins are loaded) */
	/* Consumer side, per slot: ring_clock() at the last plugin's return,
	 * 0 = not yet. Kept out of the slots, whose lines the producer
	 * writes: a slot stays 7 cache lines, none shared with its neighbour. */
	uint64_t *done_ticks;
	uint64_t tick0, ns0;  /* ring_clock() and monotonic ns at init */
	uint64_t high_water;   /* most slots in use at once */
	uint64_t pinned_total; /* frames ever pinned */
	uint64_t full_stalls;  /* times the producer found no room */
};

/* Allocate `nslots` (rounded up to a power of two) and `arena_bytes`.
 * Returns -1 with errno on failure. */
int ring_init(struct ring *r, uint32_t nslots, uint64_t arena_bytes, uint32_t max_pins);
void ring_free(struct ring *r);
/* Fault the whole arena in now, once, so the first lap of copied frames
 * does not fault on the hot path. Producer side, before copying into it. */
void ring_prefault(struct ring *r);
/* Fault the arena and the slots in on a thread of their own, beside
 * start-up (interpreter, plugins) or the first packets; ring_free() waits
 * for it. */
void ring_prefault_start(struct ring *r);

/* Producer: reserve a slot and room for up to `max_len` frame bytes.
 * Returns NULL when the ring or the arena is full (the caller stalls or,
 * live, drops). On success frame->data has room for max_len bytes; fill
 * it, decode into slot->pkt, then ring_publish() with the bytes used. A
 * reservation that is never published costs nothing. */
struct ring_slot *ring_reserve(struct ring *r, uint32_t max_len);
void ring_publish(struct ring *r, struct ring_slot *slot, uint32_t len);

/* True when a frame of up to `len` bytes would fit now. */
bool ring_has_room(struct ring *r, uint32_t len);

/* Consumer: index one past the last published slot. The consumer keeps
 * its own read position between tail and this. */
static inline uint64_t ring_published(struct ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire);
}
static inline struct ring_slot *ring_at(struct ring *r, uint64_t index)
{
	return &r->slots[index & r->mask];
}
/* Consumer: release slots from the tail up to `upto` (exclusive); frames
 * still exported are pinned. Returns the new tail, which stays short of
 * `upto` only when the pin table is full (retry after views are freed). */
uint64_t ring_release_to(struct ring *r, uint64_t upto);

static inline uint32_t ring_count(struct ring *r)
{
	return (uint32_t)(atomic_load_explicit(&r->head, memory_order_acquire) -
			  atomic_load_explicit(&r->tail, memory_order_acquire));
}

/* A cheap clock for per-packet latency: the TSC on x86-64 (about 10 ns a
 * read, against 24 ns for clock_gettime here), converted to ns with the
 * rate measured over the run. */
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t ring_clock(void)
{
	return __rdtsc();
}
#else
#include <time.h>
static inline uint64_t ring_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
#endif

/* Dispatcher: a plugin returned from this packet at `tick`. The last
 * call marks the end of the packet's latency. */
static inline void ring_mark_done_at(struct ring *r, const struct ring_slot *s, uint64_t tick)
{
	r->done_ticks[s - r->slots] = tick;
}
static inline void ring_mark_done(struct ring *r, const struct ring_slot *s)
{
	if (r->stamp)
		ring_mark_done_at(r, s, ring_clock());
}

/* Dispatcher: the round [first, first + n) has returned from every
 * plugin; record each packet's time from entering the ring to its last
 * plugin's return (the round's end for a packet no plugin took). */
void ring_note_latency(struct ring *r, uint64_t first, uint32_t n);
/* Nanoseconds per ring_clock() tick, measured since ring_init(). */
double ring_ns_per_tick(const struct ring *r);
/* ring_clock() at monotonic time `at_ns`, from a reading of both clocks
 * (now_tick, now_ns) close to it. */
uint64_t ring_tick_at(const struct ring *r, uint64_t now_tick, uint64_t now_ns, uint64_t at_ns);

/* Pinned frames whose exports are still live. */
uint32_t ring_pins_live(struct ring *r);

#endif
