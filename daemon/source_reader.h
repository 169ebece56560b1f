/* source_reader.h: the format readers behind source.h (private to daemon/source*.c).
 *
 * source.c opens the input, peeks the magic and hands a FILE * that replays
 * it to one reader. On success the reader owns the stream and closes it in
 * its close function; on failure the caller still owns it. Every message a
 * reader writes starts with the display name ("file.pcap: offset N: ...").
 *
 * `snaplen` is the caller's limit (0 = none): longer records are clipped,
 * their data still starting at the first byte. */
#ifndef PKTD_SOURCE_READER_H
#define PKTD_SOURCE_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "source.h"

/* Classic pcap, read through libpcap. */
struct pcap_reader;

struct pcap_reader *pcap_reader_open(FILE *fp, const char *name, uint32_t snaplen,
				     char *err, size_t errlen);
enum source_status pcap_reader_next(struct pcap_reader *r, struct source_record *rec,
				    char *err, size_t errlen);
uint64_t pcap_reader_offset(const struct pcap_reader *r); /* bytes consumed */
void pcap_reader_close(struct pcap_reader *r);
/* libpcap's DLT_ value -> the LINKTYPE_ value of the file formats (also
 * used by the live source). */
uint32_t source_linktype_of_dlt(int dlt);

/* pcapng, read by our own code (libpcap 1.10 refuses mixed interfaces). */
struct pcapng_reader;

struct pcapng_reader *pcapng_reader_open(FILE *fp, const char *name, uint32_t snaplen,
					 char *err, size_t errlen);
enum source_status pcapng_reader_next(struct pcapng_reader *r, struct source_record *rec,
				      char *err, size_t errlen);
uint64_t pcapng_reader_offset(const struct pcapng_reader *r);
void pcapng_reader_close(struct pcapng_reader *r);

/* Classic pcap from a regular file, read in place from a mapping (no copy;
 * records point into the mapping until close). Returns NULL without a
 * message when the file is not one it can map (a pipe, not classic pcap):
 * the stream readers then take it; with a message in err when it is
 * classic pcap but unreadable. */
struct mmap_reader;

struct mmap_reader *mmap_reader_open(int fd, const char *name, uint32_t snaplen, char *err, size_t errlen);
enum source_status mmap_reader_next(struct mmap_reader *r, struct source_record *rec, char *err, size_t errlen);
uint64_t mmap_reader_offset(const struct mmap_reader *r);
void mmap_reader_close(struct mmap_reader *r);
_Atomic uint32_t *mmap_reader_exports(struct mmap_reader *r);
/* Empty one more chunk of page tables well behind the reader and before
 * `keep` when it points into the mapping (the bytes stay readable: a page
 * still used faults back in). False when there is none to empty, or a
 * pager does it. */
bool mmap_reader_trim(struct mmap_reader *r, const void *keep);
/* Readers opened from now on get a pager thread (big files only); see
 * source_set_pager(). */
void mmap_reader_set_pager(bool enable);

#endif
