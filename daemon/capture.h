/* capture.h: the capture stage: inputs -> arena -> decode -> filters -> ring.
 *
 * Reads the -r inputs in order, copies each record into the ring's arena
 * (the one preallocated packet buffer), decodes it in place into the
 * ring slot, runs the plugins' C-side filters, and publishes the slot.
 * When the ring is full it stops (file replay never drops: backpressure). */
#ifndef PKTD_CAPTURE_H
#define PKTD_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "plugin.h"
#include "reasm.h"
#include "ring.h"
#include "source.h"

#define CAPTURE_LINKTYPES_REPORTED 64

enum capture_status {
	CAPTURE_MORE, /* stopped after `max` packets; more to read */
	CAPTURE_FULL, /* ring full: dispatch, then call again */
	CAPTURE_DONE, /* every input read (or stopped) */
};

struct capture {
	const char *const *inputs;
	unsigned ninputs, next_input;
	const char *current_name;
	struct source *src;
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
/* Stop reading (signal): the current input is closed. */
void capture_stop(struct capture *c);
void capture_close(struct capture *c);

#endif
