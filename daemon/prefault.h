/* prefault.h: fault big allocations in before they are used, off the
 * thread that will use them.
 *
 * On this kind of machine (a VM) a fresh page costs about 0.3 ms a MiB to
 * fault in, mostly the host's: touching 80 MiB of flow table and stream
 * pool on the main thread took 150 ms of start-up. A helper thread does it
 * beside the interpreter's start and the first packets instead; pages
 * that are used before it reaches them fault in as usual (never wrong,
 * only slower). The memory's bytes are not changed. */
#ifndef PKTD_PREFAULT_H
#define PKTD_PREFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fault [p, p + len) in now, on this thread. */
void prefault_now(void *p, size_t len);
/* Fault it in on a helper thread (on this thread when none can start). */
void prefault_async(void *p, size_t len);
/* Stop the helpers working on memory that starts at p and wait for them
 * (before it is unmapped). */
void prefault_wait(void *p);
/* Fault it in on the helper thread and forget it (memory never unmapped,
 * or unmapped only by its owner's exit): false, with nothing done, when
 * the helper has too many regions queued or cannot start. */
bool prefault_background(void *p, size_t len);
/* Start the background helper now, outside any hot path (it stays, in the
 * idle scheduling class). False if it cannot start. */
bool prefault_background_start(void);
/* Drop the jobs that touch [p, p + len), so the range can be given back
 * (MADV_DONTNEED) and stay so; one in progress stops after its current
 * step, waited for up to 2 ms (the helper may be in the idle scheduling
 * class and kept off every CPU: then up to 256 KiB may come back). A
 * dropped job may cover more than the range. */
void prefault_cancel(void *p, size_t len);

/* Memory taken from its start onward and never given back before it is
 * freed (a table's slots, a pool's chunks, handed out in order): faulted
 * in a step ahead of use by the background helper, not all at start-up,
 * where a fresh page on this kind of machine costs 0.3 ms to over 1 ms a
 * MiB and a run may never reach most of it. Where the helper gets no CPU
 * the pages fault in as used, as without it. */
struct prefault_ahead {
	uint8_t *base;
	size_t len;
	size_t done;    /* [base, base + done) faulted in or queued */
	size_t trigger; /* a use reaching this offset queues the next step */
	size_t step;
};

/* Fault [p, p + now) in at once, the rest `step` bytes at a time ahead of
 * use. */
void prefault_ahead_init(struct prefault_ahead *a, void *p, size_t len, size_t now, size_t step);
void prefault_ahead_more(struct prefault_ahead *a, size_t upto);
/* The bytes below offset `upto` are about to be used. */
static inline void prefault_ahead_use(struct prefault_ahead *a, size_t upto)
{
	if (__builtin_expect(upto >= a->trigger, 0))
		prefault_ahead_more(a, upto);
}
/* Before the memory is unmapped. */
void prefault_ahead_stop(struct prefault_ahead *a);

#endif
