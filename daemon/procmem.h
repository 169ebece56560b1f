/* procmem.h: the process's resident memory, from /proc/self/status.
 *
 * RssAnon is what the heap (Python objects, the plugins' state) holds;
 * VmRSS also counts file pages mapped in, such as an input read in place,
 * which grow as the replay goes on and say nothing about leaks. */
#ifndef PKTD_PROCMEM_H
#define PKTD_PROCMEM_H

#include <stdbool.h>
#include <stdint.h>

struct procmem {
	uint64_t rss_kb;      /* VmRSS */
	uint64_t rss_anon_kb; /* RssAnon */
	uint64_t rss_peak_kb; /* VmHWM */
};

/* Parse the text of a /proc/PID/status file; false if VmRSS is missing. */
bool procmem_parse(const char *text, struct procmem *m);
/* Read /proc/self/status (about 20 us); zeros and false when unavailable. */
bool procmem_read(struct procmem *m);

#endif
