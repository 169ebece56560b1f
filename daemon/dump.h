/* dump.h: -w FILE.pcap, what was captured written as a pcap file, with rotation.
 *
 * The first file is opened at start-up (before privileges are dropped);
 * its pcap header is written once the link type is known (at once for a
 * live capture, at the first packet for file replay). Records are written
 * with nanosecond time stamps through libpcap's dumper (pcap_dump_fopen on
 * a pcap_open_dead handle). A packet whose link type differs from the
 * file's (pcapng inputs can mix them) is not written, and counted.
 *
 * Rotation, as tcpdump -C / -G name their files: after --rotate-size
 * bytes or --rotate-seconds the file is closed and the next one opened:
 * FILE, then FILE1, FILE2, ... . A name with strftime(3) conversions
 * (cap-%Y%m%d-%H%M%S.pcap) is expanded when each file is opened; a number
 * is appended when that gives the previous file's name again. SIGHUP
 * reopens the current name (a new file if it was moved away, else
 * appended to). */
#ifndef PKTD_DUMP_H
#define PKTD_DUMP_H

#include <limits.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct dump {
	char *pattern;
	uint64_t rotate_size; /* bytes; 0 = never */
	uint64_t rotate_ns;   /* 0 = never */
	uint32_t snaplen;

	FILE *fp;          /* opened, header not yet written */
	pcap_t *dead;      /* link type and precision of the files */
	pcap_dumper_t *dumper;
	uint32_t linktype;
	char path[PATH_MAX];
	char last_base[PATH_MAX]; /* for dump_name */
	uint64_t seq;
	uint64_t opened_ns; /* monotonic */
	uint64_t file_bytes;

	uint64_t files; /* files opened */
	uint64_t packets, bytes;
	uint64_t skipped_linktype; /* not written: another link type */
	uint64_t errors;
	bool warned_linktype, warned_error;
};

/* Open the first file. -1 with a message in err. */
int dump_open(struct dump *w, const char *pattern, uint64_t rotate_size, double rotate_seconds, uint32_t snaplen,
	      char *err, size_t errlen);
/* Fix the link type and write the header now (live capture). */
int dump_start(struct dump *w, uint32_t linktype, char *err, size_t errlen);
void dump_write(struct dump *w, uint32_t linktype, uint64_t ts_ns, uint32_t caplen, uint32_t wirelen,
		const uint8_t *data);
/* Once a second: flush, and rotate when --rotate-seconds have passed. */
void dump_tick(struct dump *w, uint64_t now_ns);
/* SIGHUP: reopen the current name. */
int dump_reopen(struct dump *w, char *err, size_t errlen);
void dump_close(struct dump *w);

/* The next file's name for `pattern` at time `t`: FILE, FILE1, FILE2, ...
 * or the strftime expansion, numbered while it repeats. `last_base` (start
 * "") and `seq` (start 0) carry state between calls. */
void dump_name(char *out, size_t outlen, const char *pattern, long t, char *last_base, size_t last_len,
	       uint64_t *seq);

#endif
