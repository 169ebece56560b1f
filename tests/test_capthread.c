/* test_capthread.c: capture on its own thread: every packet arrives once,
 * in order, with its own bytes, through a ring small enough that both
 * sides sleep on each other many times; a stop ends it cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>

#include "capthread.h"
#include "capture.h"
#include "plugin.h"
#include "ring.h"
#include "source.h"

#define FRAME_LEN 60u

static char pcap_path[64];

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

/* Ethernet/IPv4/UDP frames whose payload starts with their sequence number. */
static void write_pcap(const char *path, uint32_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	put32(f, 0xa1b2c3d4);
	uint16_t ver[2] = { 2, 4 };
	fwrite(ver, 2, 2, f);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, 1);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t fr[FRAME_LEN] = { 0 };
		fr[12] = 0x08; /* IPv4 */
		fr[14] = 0x45;
		fr[16] = 0;
		fr[17] = 46; /* total length */
		fr[22] = 64;
		fr[23] = 17; /* UDP */
		fr[26] = 10, fr[29] = 1, fr[30] = 10, fr[33] = 2;
		fr[34] = 0x30, fr[35] = 0x39, fr[36] = 0, fr[37] = 53;
		fr[39] = 26;
		memcpy(fr + 42, &i, 4);
		put32(f, 1000 + i / 1000);
		put32(f, i % 1000 * 1000);
		put32(f, FRAME_LEN);
		put32(f, FRAME_LEN);
		fwrite(fr, FRAME_LEN, 1, f);
	}
	fclose(f);
}

struct rig {
	struct ring ring;
	struct plugin_host host;
	struct capture cap;
	struct capthread t;
	const char *inputs[1];
	struct capture_counts counts_seen;
	unsigned consumer_pause_us; /* after each pass: a consumer slower than the thread */
};

static void rig_start(struct rig *g, uint32_t slots, uint64_t arena, uint32_t loops)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(ring_init(&g->ring, slots, arena, 4), 0);
	g->inputs[0] = pcap_path;
	capture_init(&g->cap, g->inputs, 1, 65535, &g->ring, &g->host);
	assert_int_equal(capture_reasm_init(&g->cap, 1 << 20, 16, 30), 0);
	g->cap.loops = loops;
	assert_int_equal(capthread_start(&g->t, &g->cap, 32), 0);
}

/* Consume like the loop does: dispatch what is there, release it, sleep
 * on the wake descriptor when the ring is empty. Returns packets seen. */
static uint64_t consume(struct rig *g, uint64_t stop_after, uint32_t per_pass)
{
	uint64_t next = 0, seen = 0;
	/* Start late: the thread fills the ring first and has to wait. */
	usleep(30000);
	for (;;) {
		uint64_t head = ring_published(&g->ring);
		while (next < head) {
			struct ring_slot *s = ring_at(&g->ring, next);
			uint32_t seq;
			memcpy(&seq, s->pkt.data + 42, 4);
			assert_int_equal(seq, (uint32_t)(seen % per_pass));
			assert_int_equal(s->pkt.frame_no, seen + 1);
			assert_int_equal(s->pkt.dport, 53);
			next++;
			seen++;
			if (seen == stop_after)
				capthread_stop(&g->t);
		}
		ring_release_to(&g->ring, next);
		capthread_room_made(&g->t);
		if (g->consumer_pause_us)
			usleep(g->consumer_pause_us);
		/* The counters as statistics lines read them while the thread
		 * runs: a consistent copy that only grows. */
		struct capture_counts k;
		capture_counts(&g->cap, &k);
		assert_true(k.packets_read >= g->counts_seen.packets_read);
		assert_true(k.queued >= g->counts_seen.queued && k.queued <= k.packets_read);
		assert_true(k.decoded_clean <= k.packets_read);
		g->counts_seen = k;
		if (capthread_done(&g->t) && ring_published(&g->ring) == next)
			break;
		if (capthread_loop_may_sleep(&g->t, next)) {
			struct pollfd p = { .fd = capthread_wake_fd(&g->t), .events = POLLIN };
			assert_true(poll(&p, 1, 10000) == 1); /* a lost wake-up would hang here */
			capthread_woken(&g->t);
		}
	}
	/* Done but not joined: the copy is the final count. */
	struct capture_counts k;
	capture_counts(&g->cap, &k);
	assert_int_equal(k.queued, seen);
	capthread_join(&g->t);
	return seen;
}

static void rig_free(struct rig *g)
{
	capthread_free(&g->t);
	capture_close(&g->cap);
	ring_free(&g->ring);
}

/* 16 slots against 20,000 packets read 3 times: the thread waits for room
 * and the consumer for packets thousands of times; nothing is lost,
 * duplicated or reordered. */
static void test_all_packets_in_order_through_a_tiny_ring(void **state)
{
	(void)state;
	struct rig g;
	rig_start(&g, 16, 1 << 20, 3);
	assert_int_equal(consume(&g, 0, 20000), 60000);
	assert_int_equal(g.cap.packets_read, 60000);
	assert_int_equal(g.cap.queued, 60000);
	assert_int_equal(g.counts_seen.packets_read, 60000);
	assert_true(atomic_load(&g.t.thread_waits) > 0);
	rig_free(&g);
}

/* Records copied into the arena (--no-mmap): the arena, holding only a
 * few snaplen-sized reservations, is what fills, not the slots. */
static void test_small_arena(void **state)
{
	(void)state;
	struct rig g;
	source_set_mmap(false);
	rig_start(&g, 4096, 4 * 65536 + 4096, 1);
	assert_int_equal(consume(&g, 0, 20000), 20000);
	assert_true(atomic_load(&g.t.thread_waits) > 0);
	rig_free(&g);
	source_set_mmap(true);
}

/* A stop ends the thread after its current batch; what it published is
 * all delivered, and nothing comes after the join. */
static void test_stop_midway(void **state)
{
	(void)state;
	struct rig g;
	rig_start(&g, 64, 1 << 20, 0 /* until stopped */);
	uint64_t seen = consume(&g, 5000, 20000);
	assert_true(seen >= 5000);
	assert_int_equal(seen, g.cap.queued);
	assert_int_equal(ring_published(&g.ring), seen);
	rig_free(&g);
}

/* A mapped input of 61 MB through a small ring: the thread, always ahead
 * and often waiting for room, gives back the page tables behind it as it
 * goes (the close then unmaps little), and every packet still arrives
 * with its own bytes. */
static void test_trims_behind_while_ahead(void **state)
{
	(void)state;
	char big[64];
	snprintf(big, sizeof(big), "/tmp/pktd-capthread-big-%d.pcap", (int)getpid());
	write_pcap(big, 800000);
	char saved[sizeof(pcap_path)];
	memcpy(saved, pcap_path, sizeof(saved));
	memcpy(pcap_path, big, sizeof(big));
	struct rig g;
	rig_start(&g, 256, 1 << 20, 1);
	g.consumer_pause_us = 100;
	assert_int_equal(consume(&g, 0, 800000), 800000);
	/* All but the last 16 MiB, 8 MiB a chunk: 5 here. */
	assert_true(atomic_load(&g.t.trims) >= 4);
	rig_free(&g);
	memcpy(pcap_path, saved, sizeof(saved));
	unlink(big);
}

int main(void)
{
	snprintf(pcap_path, sizeof(pcap_path), "/tmp/pktd-capthread-%d.pcap", (int)getpid());
	write_pcap(pcap_path, 20000);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_packets_in_order_through_a_tiny_ring),
		cmocka_unit_test(test_small_arena),
		cmocka_unit_test(test_trims_behind_while_ahead),
		cmocka_unit_test(test_stop_midway),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(pcap_path);
	return rc;
}
