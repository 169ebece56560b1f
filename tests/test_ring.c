/* test_ring.c: the bounded ring: order, wrap, full, empty, backpressure, pins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ring.h"

static struct ring_slot *push(struct ring *r, uint32_t len, uint8_t fill)
{
	struct ring_slot *s = ring_reserve(r, len);
	if (!s)
		return NULL;
	memset(s->frame->data, fill, len);
	s->pkt.data = s->frame->data;
	s->pkt.caplen = len;
	ring_publish(r, s, len);
	return s;
}

/* An empty ring publishes nothing and releasing nothing is harmless. */
static void test_empty(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 8, 4096, 4), 0);
	assert_int_equal(ring_count(&r), 0);
	assert_int_equal(ring_published(&r), 0);
	assert_int_equal(ring_release_to(&r, 0), 0);
	ring_free(&r);
}

/* Slot counts round up to a power of two. */
static void test_rounds_slots(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 5, 4096, 4), 0);
	assert_int_equal(r.nslots, 8);
	ring_free(&r);
}

/* Frames come out in order with their own bytes, across many wraps. */
static void test_order_and_wrap(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 4, 1024, 4), 0);
	uint64_t produced = 0, consumed = 0;
	while (consumed < 1000) {
		while (produced < 1000 && push(&r, 1 + (uint32_t)(produced * 37 % 200), (uint8_t)produced))
			produced++;
		for (uint64_t k = 0; k <= produced % 3 && consumed < produced; k++, consumed++) {
			struct ring_slot *c = ring_at(&r, consumed);
			assert_int_equal(c->pkt.caplen, 1 + consumed * 37 % 200);
			for (uint32_t j = 0; j < c->pkt.caplen; j++)
				assert_int_equal(c->frame->data[j], (uint8_t)consumed);
		}
		ring_release_to(&r, consumed);
	}
	assert_true(r.high_water <= r.nslots);
	assert_true(r.full_stalls > 0);
	ring_free(&r);
}

/* The producer stalls when slots run out, and resumes after a release. */
static void test_full_slots_backpressure(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 4, 1 << 16, 4), 0);
	for (int i = 0; i < 4; i++)
		assert_non_null(push(&r, 10, 1));
	assert_false(ring_has_room(&r, 10));
	assert_null(ring_reserve(&r, 10));
	assert_true(r.full_stalls >= 1);
	ring_release_to(&r, 1);
	assert_true(ring_has_room(&r, 10));
	assert_non_null(push(&r, 10, 2));
	ring_free(&r);
}

/* The producer stalls when arena bytes run out, though slots remain. */
static void test_full_arena_backpressure(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 64, 1024, 4), 0);
	int pushed = 0;
	while (push(&r, 200, 7))
		pushed++;
	assert_true(pushed >= 3 && pushed <= 5);
	assert_false(ring_has_room(&r, 200));
	ring_release_to(&r, 2);
	assert_true(ring_has_room(&r, 200));
	ring_free(&r);
}

/* A still-exported frame is never overwritten: later frames go around it. */
static void test_pinned_frame_survives(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 8, 2048, 4), 0);
	struct ring_slot *s = push(&r, 100, 0xAA);
	struct ring_frame *pinned = s->frame;
	atomic_fetch_add(&pinned->exports, 1);
	ring_release_to(&r, 1);
	assert_int_equal(ring_pins_live(&r), 1);
	for (unsigned i = 1; i < 500; i++) {
		assert_non_null(push(&r, 90, 0x55));
		ring_release_to(&r, i + 1);
		for (int j = 0; j < 100; j++)
			assert_int_equal(pinned->data[j], 0xAA);
	}
	atomic_fetch_sub(&pinned->exports, 1);
	assert_int_equal(ring_pins_live(&r), 0);
	assert_int_equal(r.pinned_total, 1);
	ring_free(&r);
}

/* With the pin table full, release stops at the exported frame instead of
 * letting its bytes be reused, and resumes once it is released. */
static void test_pin_table_full_holds_tail(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 8, 4096, 1), 0);
	struct ring_slot *a = push(&r, 10, 1);
	struct ring_slot *b = push(&r, 10, 2);
	atomic_fetch_add(&a->frame->exports, 1);
	atomic_fetch_add(&b->frame->exports, 1);
	assert_int_equal(ring_release_to(&r, 2), 1); /* a pinned, b held */
	atomic_fetch_sub(&a->frame->exports, 1);
	atomic_fetch_sub(&b->frame->exports, 1);
	assert_int_equal(ring_release_to(&r, 2), 2);
	ring_free(&r);
}

/* A packet's latency ends at its last plugin's return when one marked it,
 * else at the end of its round; marks are cleared for the slot's next use.
 * A paced packet's delay runs from its due time. */
static void test_latency_ends_at_last_return(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 8, 4096, 4), 0);
	r.stamp = true;
	struct ring_slot *a = push(&r, 10, 1), *b = push(&r, 10, 2);
	uint64_t now = ring_clock();
	a->enqueue_ns = now - 1000;
	a->frame->due_tick = now - 3000; /* paced: due 2000 ticks before it entered */
	b->enqueue_ns = now - 1000; /* no plugin took it; not paced */
	ring_mark_done(&r, a);
	r.done_ticks[0] = now - 1000 + 50; /* a returned 50 ticks after entry */
	ring_note_latency(&r, 0, 2);
	assert_int_equal(r.latency.count, 2);
	assert_true(hist_percentile(&r.latency, 0.5) <= 60);
	assert_true(r.latency.max_ns >= 1000);
	assert_int_equal(r.done_ticks[0], 0);
	/* Due time to return: only the paced packet, 2050 ticks. */
	assert_int_equal(r.delay.count, 1);
	assert_int_equal(r.delay.max_ns, 2050);
	ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_rounds_slots),
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_full_slots_backpressure),
		cmocka_unit_test(test_full_arena_backpressure),
		cmocka_unit_test(test_pinned_frame_survives),
		cmocka_unit_test(test_pin_table_full_holds_tail),
		cmocka_unit_test(test_latency_ends_at_last_return),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
