/* capture.h: the capture stage: inputs -> arena -> decode -> filters -> ring.
 *
 * Reads the -r inputs in order, copies each record into the ring's arena
 * (the one preallocated packet buffer), decodes it in place into the
 * ring slot, runs the plugins' C-side filters, and publishes the slot.
 * When the ring is full it stops (file replay never drops: backpressure). */
#ifndef PKTD_CAPTURE_H
#define PKTD_CAPTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "decode.h"
#include "dump.h"
#include "pace.h"
#include "plugin.h"
#include "reasm.h"
#include "ring.h"
#include "source.h"
#include "source_live.h"

#define CAPTURE_LINKTYPES_REPORTED 64

enum capture_status {
	CAPTURE_MORE, /* stopped after `max` packets; more to read */
	CAPTURE_FULL, /* ring full: dispatch, then call again */
	CAPTURE_DONE, /* every input read (or stopped) */
	CAPTURE_WAIT, /* paced replay: the next packet is due at wait_until_ns */
};

#define CAPTURE_RETIRED_MAX 16

/* An input read in place, closed once the ring released its slots. */
struct capture_retired {
	struct source *src;
	uint64_t after; /* ring index one past its last slot */
};

/* The counters others read while a capture thread may be writing them
 * (statistics lines, /metrics, progress): capture_counts() takes them from
 * a copy the thread makes every few rounds, under a lock, or from the
 * counters themselves when the capture runs on the loop's thread. */
struct capture_counts {
	uint64_t packets_read, bytes_read, wire_bytes, ring_dropped, reassembled, queued, decoded_clean;
	uint64_t inputs_done, input_errors, input_bytes, ring_high_water, ring_full_stalls;
	uint32_t passes_done;
	bool pending;
	struct decode_counters decode;
	struct reasm_counters reasm;
	struct hist pace_lag; /* paced replay only (4 KiB) */
};

struct capture {
	const char *const *inputs;
	unsigned ninputs, next_input;
	const char *current_name;
	struct source *src;
	/* Records of src are used where they lie (a mapped input): their
	 * exports counter; NULL when records are copied into the arena. */
	_Atomic uint32_t *src_exports;
	struct capture_retired retired[CAPTURE_RETIRED_MAX];
	unsigned nretired;
	uint32_t snaplen;
	struct ring *ring;
	struct plugin_host *host;
	struct decode_counters decode;
	bool stopped;

	uint64_t frame_no;
	uint64_t packets_read, bytes_read, wire_bytes;
	uint64_t decoded_clean; /* no decode event */
	uint64_t input_errors;  /* inputs that failed to open or broke */
	uint64_t inputs_done;
	uint64_t input_bytes_done; /* bytes of inputs finished */
	uint32_t reported_linktypes[CAPTURE_LINKTYPES_REPORTED];
	unsigned nreported;

	/* Live capture, overflow, -w, replay timing (capture_configure). */
	enum overflow_policy overflow;
	struct live_source *live; /* -i; NULL for files */
	struct live_stats kstats; /* kernel counters, last refreshed */
	struct dump *dump;        /* -w; NULL without */
	struct pace pace;
	uint32_t loops;           /* passes over the inputs; 0 = until stopped */
	uint32_t passes_done;
	bool inputs_exhausted;    /* the last pass is over */
	uint64_t pass_packets;    /* records read in the current pass */
	struct ring_slot *pending; /* paced: filled, published when due */
	uint32_t pending_len;
	uint64_t pending_due_ns, wait_until_ns;
	/* Paced: how late each packet entered the ring after its due time,
	 * the wait a stall of the reader's thread adds before the ring (live,
	 * the kernel's buffer would hold them meanwhile). */
	struct hist pace_lag;
	uint8_t *stash;           /* live, --overflow=block: a packet read when the ring was full */
	struct source_record stash_rec;
	bool stashed;
	uint64_t queued;          /* records published into the ring */
	uint64_t ring_dropped;    /* records dropped because the ring was full (--overflow=drop) */
	uint64_t input_bytes_pass; /* sum of the input files' sizes (progress; 0 = unknown) */
	/* Read on a thread of its own (capthread.c): the loop then takes the
	 * counters from this copy, never from the thread's own. */
	bool threaded;
	pthread_mutex_t counts_lock;
	struct capture_counts counts_copy;
	unsigned rounds_uncopied;

	/* Fragment reassembly: a completed datagram waits here (frame number
	 * and time of the fragment that completed it) until the ring has room. */
	struct reasm reasm;
	uint64_t reasm_frame_no, reasm_ts_ns;
	uint64_t reassembled; /* reassembled packets published */
};

void capture_init(struct capture *c, const char *const *inputs, unsigned n, uint32_t snaplen, struct ring *ring,
		  struct plugin_host *host);
/* Set up fragment reassembly (memory 0: off). -1 when out of memory. */
int capture_reasm_init(struct capture *c, uint64_t memory, uint32_t max_datagrams, double timeout_s);
/* Read up to `max` packets into the ring. */
enum capture_status capture_fill(struct capture *c, uint32_t max);
/* Live capture, -w, overflow policy, replay timing and loops; after
 * capture_init. -1 when out of memory. */
int capture_configure(struct capture *c, const struct config *cfg, struct live_source *live, struct dump *dump);
/* Live: read what the kernel holds, up to `max` packets, into the ring.
 * CAPTURE_FULL under --overflow=block when the ring is full (the packet in
 * hand is kept for the next call); CAPTURE_DONE on a capture error. */
enum capture_status capture_read_live(struct capture *c, uint32_t max);
/* Publish what is held back (a paced packet not yet due, a live packet
 * stashed by --overflow=block); false while the stash finds no room. */
bool capture_flush_held(struct capture *c);
/* Live: refresh kstats from pcap_stats (no-op for files or once stopped). */
void capture_refresh_kstats(struct capture *c);
/* Capture thread, after each round (st: what capture_fill returned):
 * refresh the copy of the counters now and then, and at every pause. */
void capture_note_progress(struct capture *c, enum capture_status st);
/* Capture thread, while the ring is full: a chunk of the current input's
 * housekeeping (source_trim), short of the ring's oldest packet; false
 * when none is left. */
bool capture_trim(struct capture *c);
/* The counters, safe to read from the loop while a capture thread runs;
 * input_bytes: bytes of input consumed so far, of input_bytes_pass per pass. */
void capture_counts(const struct capture *c, struct capture_counts *out);
/* Stop reading (signal): the current input is closed. */
void capture_stop(struct capture *c);
void capture_close(struct capture *c);

#endif
