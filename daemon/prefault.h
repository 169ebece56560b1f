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

#include <stddef.h>

/* Fault [p, p + len) in now, on this thread. */
void prefault_now(void *p, size_t len);
/* Fault it in on a helper thread (on this thread when none can start). */
void prefault_async(void *p, size_t len);
/* Stop the helpers working on memory that starts at p and wait for them
 * (before it is unmapped). */
void prefault_wait(void *p);

#endif
