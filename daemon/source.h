/* source.h: a packet source read record by record (pcap, pcapng, stdin).
 *
 * A source yields records whose data pointer stays valid until the next
 * source_next() call; the capture stage copies it into the ring's arena.
 * Errors name the file and the byte offset of the damaged record, and the
 * records before the damage have already been yielded. A live source (a
 * later module) will present the same shape. */
#ifndef PKTD_SOURCE_H
#define PKTD_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct source_record {
	const uint8_t *data; /* caplen bytes, valid until the next call */
	uint64_t ts_ns;      /* ns since the epoch */
	uint64_t offset;     /* byte offset of this record in the input */
	uint32_t caplen;     /* clipped to the snaplen given at open */
	uint32_t wirelen;
	uint32_t linktype;   /* LINKTYPE_ value (FCS bits of pcap masked off) */
	uint32_t ifindex;    /* pcapng interface id; 0 for pcap */
};

enum source_status {
	SOURCE_OK = 0,
	SOURCE_EOF,
	SOURCE_ERROR, /* message in err; no more records from this source */
};

struct source;

/* Open `path` ("-" = stdin); the format is found from the magic number.
 * Returns NULL with a message in err ("file.pcap: No such file ...",
 * "file.pcap: offset 0: not a pcap or pcapng file"). */
struct source *source_open(const char *path, uint32_t snaplen, char *err, size_t errlen);

enum source_status source_next(struct source *s, struct source_record *rec, char *err, size_t errlen);

/* "pcap" or "pcapng". */
const char *source_format(const struct source *s);
/* Which reader: "mmap" (classic pcap read in place), "libpcap", "pcapng". */
const char *source_reader_name(const struct source *s);

/* Non-NULL when records are read in place: their data stays valid until
 * source_close(), and buffer exports of it are counted here (the input is
 * then kept mapped while any is alive). NULL: data is valid until the
 * next source_next() only. */
_Atomic uint32_t *source_exports(struct source *s);

/* For a reader with time on its hands: give back one more chunk of a
 * mapped input's page tables well behind the reader and before `keep`
 * (a record still to be used; NULL: none), so closing it is cheap. False
 * when there is nothing (more) to do. */
bool source_trim(struct source *s, const void *keep);

/* Unmap inputs closed while plugins still held views of them, now that
 * those are gone (call after the interpreter is finalized). */
void source_release_retained(void);

/* Classic pcap regular files are mapped and read in place unless this is
 * turned off (then libpcap reads them; both give identical records). */
void source_set_mmap(bool enable);
/* Mapped inputs from now on get a thread that maps pages ahead of the
 * reader and unmaps them behind it: for a process with a spare CPU. */
void source_set_pager(bool enable);

/* Bytes consumed so far and total size when known (0 for pipes). */
uint64_t source_bytes_read(const struct source *s);
uint64_t source_bytes_total(const struct source *s);

void source_close(struct source *s);

#endif
