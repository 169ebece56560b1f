/* ring.c: bounded SPSC ring of decoded packets over one byte arena. */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "prefault.h"

#define FRAME_ALIGN 16u

static uint64_t frame_need(uint32_t len)
{
	return ((uint64_t)sizeof(struct ring_frame) + len + FRAME_ALIGN - 1) & ~(uint64_t)(FRAME_ALIGN - 1);
}

int ring_init(struct ring *r, uint32_t nslots, uint64_t arena_bytes, uint32_t max_pins)
{
	memset(r, 0, sizeof(*r));
	uint32_t n = 1;
	while (n < nslots && n < (1u << 30))
		n <<= 1;
	r->nslots = n;
	r->mask = n - 1;
	r->arena_size = (arena_bytes + FRAME_ALIGN - 1) & ~(uint64_t)(FRAME_ALIGN - 1);
	r->max_pins = max_pins ? max_pins : 1;
	r->slots = calloc(n, sizeof(*r->slots));
	r->done_ticks = calloc(n, sizeof(*r->done_ticks));
	r->pins = calloc(r->max_pins, sizeof(*r->pins));
	/* Anonymous and page-aligned. Not touched yet: a mapped file's
	 * packets never land in it (ring_prefault() when they will). */
	void *a = mmap(NULL, r->arena_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!r->slots || !r->done_ticks || !r->pins || a == MAP_FAILED) {
		int e = errno ? errno : ENOMEM;
		if (a != MAP_FAILED)
			munmap(a, r->arena_size);
		free(r->slots);
		free(r->done_ticks);
		free(r->pins);
		memset(r, 0, sizeof(*r));
		errno = e;
		return -1;
	}
	r->arena = a;
	atomic_flag_clear(&r->pin_lock);
	r->tick0 = ring_clock();
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r->ns0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

void ring_prefault(struct ring *r)
{
	if (r->prefaulted || !r->arena)
		return;
	r->prefaulted = true;
	prefault_now(r->arena, r->arena_size);
}

void ring_prefault_start(struct ring *r)
{
	/* Even a file read in place puts a small frame header per packet in
	 * the arena, and every slot is written once a lap. */
	prefault_async(r->arena, r->arena_size);
	prefault_async(r->slots, (size_t)r->nslots * sizeof(*r->slots));
	prefault_async(r->done_ticks, (size_t)r->nslots * sizeof(*r->done_ticks));
}

void ring_free(struct ring *r)
{
	prefault_wait(r->arena);
	prefault_wait(r->slots);
	prefault_wait(r->done_ticks);
	if (r->arena)
		munmap(r->arena, r->arena_size);
	free(r->slots);
	free(r->done_ticks);
	free(r->pins);
	memset(r, 0, sizeof(*r));
}

static void pin_lock(struct ring *r)
{
	while (atomic_flag_test_and_set_explicit(&r->pin_lock, memory_order_acquire))
		;
}

static void pin_unlock(struct ring *r)
{
	atomic_flag_clear_explicit(&r->pin_lock, memory_order_release);
}

/* Drop pins whose exports are gone. Caller holds pin_lock. */
static void pins_compact(struct ring *r)
{
	uint32_t n = atomic_load_explicit(&r->npins, memory_order_relaxed), w = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (atomic_load_explicit(&r->pins[i].frame->exports, memory_order_acquire) > 0)
			r->pins[w++] = r->pins[i];
	}
	atomic_store_explicit(&r->npins, w, memory_order_relaxed);
}

uint32_t ring_pins_live(struct ring *r)
{
	if (atomic_load_explicit(&r->npins, memory_order_relaxed) == 0)
		return 0;
	pin_lock(r);
	pins_compact(r);
	uint32_t n = atomic_load_explicit(&r->npins, memory_order_relaxed);
	pin_unlock(r);
	return n;
}

/* Find the virtual position where `need` bytes fit, skipping the arena's
 * end and any pinned frame. Returns false when the arena is full. */
static bool arena_place(struct ring *r, uint64_t need, uint64_t *where)
{
	uint64_t pos = r->arena_head;
	uint64_t tail = atomic_load_explicit(&r->arena_tail, memory_order_acquire);
	bool pinned = atomic_load_explicit(&r->npins, memory_order_relaxed) > 0;
	if (pinned) {
		pin_lock(r);
		pins_compact(r);
		pinned = atomic_load_explicit(&r->npins, memory_order_relaxed) > 0;
		if (!pinned)
			pin_unlock(r);
	}
	bool ok = false;
	for (uint32_t tries = 0; tries < r->max_pins + 3; tries++) {
		uint64_t phys = pos % r->arena_size;
		if (phys + need > r->arena_size) {
			pos += r->arena_size - phys;
			continue;
		}
		bool moved = false;
		if (pinned) {
			uint32_t n = atomic_load_explicit(&r->npins, memory_order_relaxed);
			for (uint32_t i = 0; i < n; i++) {
				const struct ring_pin *p = &r->pins[i];
				if (phys < p->end && p->start < phys + need) {
					pos += p->end - phys;
					moved = true;
					break;
				}
			}
		}
		if (moved)
			continue;
		ok = pos + need - tail <= r->arena_size;
		break;
	}
	if (pinned)
		pin_unlock(r);
	*where = pos;
	return ok;
}

bool ring_has_room(struct ring *r, uint32_t len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (head - atomic_load_explicit(&r->tail, memory_order_acquire) >= r->nslots)
		return false;
	uint64_t where;
	return arena_place(r, frame_need(len), &where);
}

struct ring_slot *ring_reserve(struct ring *r, uint32_t max_len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t used = head - atomic_load_explicit(&r->tail, memory_order_acquire);
	uint64_t need = frame_need(max_len), pos;
	if (used >= r->nslots || !arena_place(r, need, &pos)) {
		r->full_stalls++;
		return NULL;
	}
	struct ring_slot *s = &r->slots[head & r->mask];
	struct ring_frame *f = (struct ring_frame *)(r->arena + pos % r->arena_size);
	atomic_store_explicit(&f->exports, 0, memory_order_relaxed);
	f->len = max_len;
	f->due_tick = 0;
	s->frame = f;
	s->exports = &f->exports;
	s->arena_start = pos;
	s->plugin_mask = 0;
	return s;
}

void ring_publish(struct ring *r, struct ring_slot *s, uint32_t len)
{
	s->frame->len = len;
	s->arena_end = s->arena_start + frame_need(len);
	r->arena_head = s->arena_end;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed) + 1;
	atomic_store_explicit(&r->head, head, memory_order_release);
	uint64_t used = head - atomic_load_explicit(&r->tail, memory_order_relaxed);
	if (used > r->high_water)
		r->high_water = used;
}

void ring_note_latency(struct ring *r, uint64_t first, uint32_t n)
{
	if (!r->stamp)
		return;
	uint64_t now = ring_clock();
	for (uint32_t i = 0; i < n; i++) {
		uint64_t k = (first + i) & r->mask;
		uint64_t end = r->done_ticks[k] ? r->done_ticks[k] : now, t = r->slots[k].enqueue_ns;
		r->done_ticks[k] = 0;
		hist_record(&r->latency, end > t ? end - t : 0);
		uint64_t due = r->slots[k].frame->due_tick;
		if (due)
			hist_record(&r->delay, end > due ? end - due : 0);
	}
}

double ring_ns_per_tick(const struct ring *r)
{
#if defined(__x86_64__)
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	uint64_t ticks = ring_clock() - r->tick0;
	return ticks && ns > r->ns0 ? (double)(ns - r->ns0) / (double)ticks : 1.0;
#else
	(void)r;
	return 1.0;
#endif
}

uint64_t ring_tick_at(const struct ring *r, uint64_t now_tick, uint64_t now_ns, uint64_t at_ns)
{
	double ticks_per_ns = now_ns > r->ns0 && now_tick > r->tick0
				      ? (double)(now_tick - r->tick0) / (double)(now_ns - r->ns0)
				      : 1.0;
	double t = (double)now_tick + ((double)at_ns - (double)now_ns) * ticks_per_ns;
	return t >= 1.0 ? (uint64_t)t : 1;
}

uint64_t ring_release_to(struct ring *r, uint64_t upto)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t n = (uint32_t)(upto - tail);
	uint64_t arena_tail = atomic_load_explicit(&r->arena_tail, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++) {
		struct ring_slot *s = &r->slots[(tail + i) & r->mask];
		if (atomic_load_explicit(&s->frame->exports, memory_order_acquire) > 0) {
			pin_lock(r);
			pins_compact(r);
			uint32_t np = atomic_load_explicit(&r->npins, memory_order_relaxed);
			if (np < r->max_pins) {
				uint64_t start = (uint64_t)((uint8_t *)s->frame - r->arena);
				uint64_t need = frame_need(s->frame->len);
				r->pins[np] = (struct ring_pin){ s->frame, start, start + need };
				atomic_store_explicit(&r->npins, np + 1, memory_order_release);
				r->pinned_total++;
				pin_unlock(r);
			} else {
				/* No pin entry left: stop releasing here. The slot
				 * stays at the tail (the consumer retries after
				 * the views die, e.g. after a collection), so its
				 * bytes are never overwritten. */
				pin_unlock(r);
				n = i;
				break;
			}
		}
		arena_tail = s->arena_end;
	}
	atomic_store_explicit(&r->arena_tail, arena_tail, memory_order_release);
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return tail + n;
}
