/* capture.c: read inputs into the ring, decoding as we go. */
#include "capture.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"

/* A paced packet due this close to now is sent without waiting. One
 * thread wakes through the loop's pace timer, a pass of the event loop
 * each, so a wake-up takes what is due within 0.5 ms; the capture thread
 * sleeps to the due time itself (clock_nanosleep, its timer slack
 * lowered), so it holds packets back to within a few microseconds. Every
 * packet sent early waits in the ring and its wait counts as latency. */
#define PACE_SLACK_NS 500000u
#define PACE_SLACK_THREAD_NS 10000u

void capture_init(struct capture *c, const char *const *inputs, unsigned n, uint32_t snaplen, struct ring *ring,
		  struct plugin_host *host)
{
	memset(c, 0, sizeof(*c));
	c->inputs = inputs;
	c->ninputs = n;
	c->snaplen = snaplen;
	c->ring = ring;
	c->host = host;
	c->reasm.complete = -1;
	c->loops = 1;
	c->overflow = OVERFLOW_BLOCK;
	pthread_mutex_init(&c->counts_lock, NULL);
}

int capture_configure(struct capture *c, const struct config *cfg, struct live_source *live, struct dump *dump)
{
	c->overflow = cfg->overflow == OVERFLOW_DROP ? OVERFLOW_DROP : OVERFLOW_BLOCK;
	c->live = live;
	c->dump = dump;
	pace_init(&c->pace, cfg->speed, cfg->pps);
	c->loops = cfg->loop;
	if (live && c->overflow == OVERFLOW_BLOCK && !(c->stash = malloc(c->snaplen)))
		return -1;
	if (live)
		ring_prefault(c->ring);
	for (unsigned i = 0; i < c->ninputs; i++) {
		struct stat st;
		if (strcmp(c->inputs[i], "-") != 0 && stat(c->inputs[i], &st) == 0 && S_ISREG(st.st_mode))
			c->input_bytes_pass += (uint64_t)st.st_size;
	}
	return 0;
}

int capture_reasm_init(struct capture *c, uint64_t memory, uint32_t max_datagrams, double timeout_s)
{
	struct reasm_config cfg = { memory, max_datagrams, (uint64_t)(timeout_s * 1e9) };
	return reasm_init(&c->reasm, &cfg);
}

/* Publish the datagram reassembly completed, right after the fragment that
 * completed it. False when the ring has no room yet (it stays pending). */
static bool publish_reassembled(struct capture *c)
{
	uint32_t len, linktype, ifindex;
	if (!reasm_pending(&c->reasm, &len, &linktype, &ifindex))
		return true;
	if ((uint64_t)len + sizeof(struct ring_frame) + 16 > c->ring->arena_size / 2) {
		reasm_discard(&c->reasm); /* could never fit: counted as unbuilt */
		return true;
	}
	struct ring_slot *slot = ring_reserve(c->ring, len);
	if (!slot)
		return false;
	reasm_build(&c->reasm, slot->frame->data);
	struct pkt *p = &slot->pkt;
	p->data = slot->frame->data;
	p->ts_ns = c->reasm_ts_ns;
	p->frame_no = c->reasm_frame_no;
	p->caplen = len;
	p->wirelen = len;
	p->linktype = linktype;
	p->ifindex = ifindex;
	decode_packet(p, NULL); /* decode events count captured frames only */
	p->flags |= PKT_FLAG_REASSEMBLED;
	slot->plugin_mask = c->host->n ? plugins_match(c->host, linktype, p->data, len, len) : 0;
	slot->enqueue_ns = 0;
	ring_publish(c->ring, slot, len);
	c->reassembled++;
	return true;
}

/* Close the inputs whose in-place records the ring no longer holds (all
 * with `force`, at the end). */
static void reap_retired(struct capture *c, bool force)
{
	uint64_t tail = atomic_load_explicit(&c->ring->tail, memory_order_acquire);
	unsigned w = 0;
	for (unsigned i = 0; i < c->nretired; i++) {
		if (force || c->retired[i].after <= tail)
			source_close(c->retired[i].src);
		else
			c->retired[w++] = c->retired[i];
	}
	c->nretired = w;
}

static void close_current(struct capture *c)
{
	if (!c->src)
		return;
	c->input_bytes_done += source_bytes_read(c->src);
	if (c->src_exports != NULL) {
		/* Slots still point into this input: close it once the ring
		 * has released them. */
		c->retired[c->nretired++] = (struct capture_retired){ c->src, ring_published(c->ring) };
	} else {
		source_close(c->src);
	}
	c->src = NULL;
	c->inputs_done++;
}

/* Open the next input; false when none is left. After the last input
 * the next --loop pass starts over, unless a whole pass read nothing. */
static bool open_next(struct capture *c)
{
	char err[512];
	while (!c->src && !c->stopped && !c->inputs_exhausted) {
		if (c->next_input >= c->ninputs) {
			c->passes_done++;
			if ((c->loops && c->passes_done >= c->loops) || c->pass_packets == 0) {
				c->inputs_exhausted = true;
				break;
			}
			c->next_input = 0;
			c->pass_packets = 0;
		}
		const char *name = c->inputs[c->next_input++];
		c->src = source_open(name, c->snaplen, err, sizeof(err));
		/* Read in place when the input allows it and there is room to
		 * keep it open until the ring lets go of it. */
		if (c->nretired)
			reap_retired(c, false);
		c->src_exports = c->src && c->nretired < CAPTURE_RETIRED_MAX && !pace_on(&c->pace)
				 ? source_exports(c->src)
				 : NULL;
		if (c->src && !c->src_exports)
			ring_prefault(c->ring); /* this input's frames are copied */
		c->current_name = name;
		if (!c->src) {
			fprintf(stderr, "pktd: %s\n", err);
			c->input_errors++;
		}
		pace_break(&c->pace); /* the input's first packet follows at once */
	}
	return c->src != NULL;
}

/* Say once per link type that pktd does not decode it. */
static void report_linktype(struct capture *c, uint32_t linktype)
{
	for (unsigned i = 0; i < c->nreported; i++)
		if (c->reported_linktypes[i] == linktype)
			return;
	if (c->nreported < CAPTURE_LINKTYPES_REPORTED)
		c->reported_linktypes[c->nreported++] = linktype;
	/* libpcap knows the names; its DLT_ value equals the LINKTYPE_ value
	 * for all but a few old types (those then show as unknown). */
	const char *name = linktype <= 0xffff ? pcap_datalink_val_to_name((int)linktype) : NULL;
	fprintf(stderr,
		"pktd: %s: link type %u (%s) is not decoded; its packets are counted and passed to plugins undecoded\n",
		c->current_name, linktype, name ? name : "unknown");
}

/* A record handed to pktd: counted, numbered, written to -w. */
static void take_record(struct capture *c, const struct source_record *rec)
{
	c->frame_no++;
	c->packets_read++;
	c->pass_packets++;
	c->bytes_read += rec->caplen;
	c->wire_bytes += rec->wirelen;
	if (c->dump)
		dump_write(c->dump, rec->linktype, rec->ts_ns, rec->caplen, rec->wirelen, rec->data);
}

/* Copy the record taken last into the slot (or, read in place from a
 * mapped input, point at it), decode it, file fragments, run the plugins'
 * filters: the slot is ready to publish. */
static void fill_slot(struct capture *c, struct ring_slot *slot, const struct source_record *rec)
{
	struct pkt *p = &slot->pkt;
	if (c->src_exports) {
		p->data = rec->data;
		slot->exports = c->src_exports;
	} else {
		memcpy(slot->frame->data, rec->data, rec->caplen);
		p->data = slot->frame->data;
	}
	p->ts_ns = rec->ts_ns;
	p->frame_no = c->frame_no;
	p->caplen = rec->caplen;
	p->wirelen = rec->wirelen;
	p->linktype = rec->linktype;
	p->ifindex = rec->ifindex;
	decode_packet(p, &c->decode);
	if (p->error == 0)
		c->decoded_clean++;
	else if (p->error == EV_LINK_UNSUPPORTED)
		report_linktype(c, rec->linktype);
	enum reasm_result rr = reasm_add(&c->reasm, p);
	if (rr == REASM_COMPLETE) {
		c->reasm_frame_no = p->frame_no;
		c->reasm_ts_ns = p->ts_ns;
	}
	slot->plugin_mask = c->host->n ? plugins_match(c->host, rec->linktype, p->data, p->caplen, p->wirelen) : 0;
	if (rr != REASM_NOT_FRAGMENT)
		slot->plugin_mask &= c->host->fragments_mask; /* the others get the datagram */
	slot->enqueue_ns = 0;
}

/* due_ns: a paced packet's due time, for the due-to-return delay (now_ns:
 * the clock read that found it due); 0 when not paced. */
static void publish(struct capture *c, struct ring_slot *slot, uint32_t len, uint64_t due_ns, uint64_t now_ns)
{
	if (c->ring->stamp) {
		uint64_t t = ring_clock();
		slot->enqueue_ns = t;
		if (due_ns)
			slot->frame->due_tick = ring_tick_at(c->ring, t, now_ns, due_ns);
	}
	ring_publish(c->ring, slot, len);
	c->queued++;
}

/* Paced replay: true when the held packet is due (*now_ns: the time). */
static bool pending_due(struct capture *c, uint64_t *now_ns)
{
	uint64_t now = *now_ns = clock_mono_ns();
	if (c->pending_due_ns <= now + (c->threaded ? PACE_SLACK_THREAD_NS : PACE_SLACK_NS)) {
		hist_record(&c->pace_lag, now > c->pending_due_ns ? now - c->pending_due_ns : 0);
		return true;
	}
	c->wait_until_ns = c->pending_due_ns;
	return false;
}

enum capture_status capture_fill(struct capture *c, uint32_t max)
{
	char err[512];
	struct source_record rec;
	for (uint32_t n = 0; n < max;) {
		if (c->pending) {
			uint64_t now;
			if (!pending_due(c, &now))
				return CAPTURE_WAIT;
			publish(c, c->pending, c->pending_len, c->pending_due_ns, now);
			c->pending = NULL;
			n++;
			continue;
		}
		if (c->reasm.complete >= 0) {
			if (!publish_reassembled(c))
				return CAPTURE_FULL;
			n++;
			continue;
		}
		if (!c->src && !open_next(c))
			return CAPTURE_DONE;
		/* Room for the largest record before reading it: a record is
		 * only ever read when it can be queued (--overflow=block, the
		 * file default); with drop, it is read and dropped. An input
		 * read in place needs no arena bytes. */
		bool in_place = c->src_exports != NULL;
		struct ring_slot *slot = ring_reserve(c->ring, in_place ? 0 : c->snaplen);
		if (!slot && c->overflow != OVERFLOW_DROP)
			return CAPTURE_FULL;
		enum source_status st = source_next(c->src, &rec, err, sizeof(err));
		if (st != SOURCE_OK) {
			if (st == SOURCE_ERROR) {
				fprintf(stderr, "pktd: %s\n", err);
				c->input_errors++;
			}
			close_current(c);
			continue;
		}
		take_record(c, &rec);
		n++;
		if (!slot) {
			c->ring_dropped++;
			continue;
		}
		fill_slot(c, slot, &rec);
		if (pace_on(&c->pace)) {
			/* Held in its reserved slot until due. */
			c->pending = slot;
			c->pending_len = rec.caplen;
			c->pending_due_ns = pace_due(&c->pace, rec.ts_ns, clock_mono_ns());
			n--;
			continue;
		}
		publish(c, slot, in_place ? 0 : rec.caplen, 0, 0);
	}
	return CAPTURE_MORE;
}

/* Live, --overflow=block: keep the record in hand for the next read. */
static bool stash(struct capture *c, const struct source_record *rec)
{
	if (rec->data != c->stash) {
		memcpy(c->stash, rec->data, rec->caplen);
		c->stash_rec = *rec;
		c->stash_rec.data = c->stash;
	}
	c->stashed = true;
	return false;
}

/* Queue a live record. False when the ring is full under block: the
 * record is stashed and reading stops. */
static bool place_live(struct capture *c, const struct source_record *rec)
{
	if (c->reasm.complete >= 0 && !publish_reassembled(c)) {
		if (c->overflow != OVERFLOW_DROP)
			return stash(c, rec);
		reasm_discard(&c->reasm); /* counted as unbuilt */
	}
	struct ring_slot *slot = ring_reserve(c->ring, c->snaplen);
	if (!slot) {
		if (c->overflow != OVERFLOW_DROP)
			return stash(c, rec);
		c->ring_dropped++;
		return true;
	}
	fill_slot(c, slot, rec);
	publish(c, slot, rec->caplen, 0, 0);
	if (c->reasm.complete >= 0 && !publish_reassembled(c) && c->overflow == OVERFLOW_DROP)
		reasm_discard(&c->reasm);
	return true;
}

static bool live_packet(void *user, const struct source_record *rec)
{
	struct capture *c = user;
	take_record(c, rec);
	return place_live(c, rec);
}

enum capture_status capture_read_live(struct capture *c, uint32_t max)
{
	char err[512];
	if (!c->live || c->stopped)
		return CAPTURE_DONE;
	if (c->stashed) {
		if (!place_live(c, &c->stash_rec))
			return CAPTURE_FULL;
		c->stashed = false;
	}
	int n = live_read(c->live, (int)max, live_packet, c, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "pktd: %s\n", err);
		c->input_errors++;
		return CAPTURE_DONE;
	}
	if (c->stashed)
		return CAPTURE_FULL;
	return (uint32_t)n >= max ? CAPTURE_MORE : CAPTURE_WAIT;
}

bool capture_flush_held(struct capture *c)
{
	if (c->pending) {
		publish(c, c->pending, c->pending_len, 0, 0); /* stopping: not due yet */
		c->pending = NULL;
	}
	if (c->stashed && place_live(c, &c->stash_rec))
		c->stashed = false;
	return !c->stashed;
}

void capture_refresh_kstats(struct capture *c)
{
	if (c->live && !c->stopped)
		c->kstats = *live_stats(c->live);
}

static uint64_t input_bytes_now(const struct capture *c)
{
	return c->input_bytes_done + (c->src ? source_bytes_read(c->src) : 0);
}

static void take_counts(const struct capture *c, struct capture_counts *k)
{
	k->packets_read = c->packets_read;
	k->bytes_read = c->bytes_read;
	k->wire_bytes = c->wire_bytes;
	k->ring_dropped = c->ring_dropped;
	k->reassembled = c->reassembled;
	k->queued = c->queued;
	k->decoded_clean = c->decoded_clean;
	k->inputs_done = c->inputs_done;
	k->input_errors = c->input_errors;
	k->input_bytes = input_bytes_now(c);
	k->ring_high_water = c->ring->high_water;
	k->ring_full_stalls = c->ring->full_stalls;
	k->passes_done = c->passes_done;
	k->pending = c->pending != NULL;
	k->decode = c->decode;
	k->reasm = c->reasm.k;
	if (pace_on(&c->pace))
		k->pace_lag = c->pace_lag;
}

bool capture_trim(struct capture *c)
{
	if (!c->src || !c->src_exports)
		return false;
	/* The oldest of this input's packets in the ring: its bytes and
	 * everything after are still to be read. Packets copied into the
	 * arena (reassembled datagrams) pin nothing; while an earlier input's
	 * are first, where this one's start is not known, wait. This thread
	 * alone writes slots, so a slot released meanwhile only holds an
	 * older pointer (less is trimmed). */
	const void *oldest = NULL;
	uint64_t tail = atomic_load_explicit(&c->ring->tail, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&c->ring->head, memory_order_relaxed);
	for (uint64_t i = tail; i != head && !oldest; i++) {
		const struct ring_slot *s = ring_at(c->ring, i);
		if (s->exports == c->src_exports)
			oldest = s->pkt.data;
		else if (s->exports != &s->frame->exports || i - tail >= 64)
			return false;
	}
	return source_trim(c->src, oldest);
}

/* Rounds between copies while reading flat out: the copy (about 800
 * bytes) then costs well under a nanosecond a packet, and is at most a
 * few thousand packets old. */
#define COPY_EVERY_ROUNDS 16

void capture_note_progress(struct capture *c, enum capture_status st)
{
	if (st == CAPTURE_MORE && ++c->rounds_uncopied < COPY_EVERY_ROUNDS)
		return;
	c->rounds_uncopied = 0;
	pthread_mutex_lock(&c->counts_lock);
	take_counts(c, &c->counts_copy);
	pthread_mutex_unlock(&c->counts_lock);
}

void capture_counts(const struct capture *c, struct capture_counts *out)
{
	if (!c->threaded) {
		memset(out, 0, sizeof(*out));
		take_counts(c, out);
		return;
	}
	/* The lock is the only thing written through a const capture. */
	pthread_mutex_t *lock = (pthread_mutex_t *)&c->counts_lock;
	pthread_mutex_lock(lock);
	*out = c->counts_copy;
	pthread_mutex_unlock(lock);
}

void capture_stop(struct capture *c)
{
	capture_refresh_kstats(c); /* the final kernel counters */
	c->stopped = true;
	close_current(c);
	capture_flush_held(c);
}

void capture_close(struct capture *c)
{
	capture_refresh_kstats(c); /* live capture ended by an error: last counters */
	close_current(c);
	reap_retired(c, true); /* the loop has drained and released the ring */
	reasm_free(&c->reasm); /* counters stay for the statistics */
	free(c->stash);
	c->stash = NULL;
}
