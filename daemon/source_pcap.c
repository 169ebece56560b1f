/* source_pcap.c: classic pcap files (tcpdump.org pcap-savefile(5)) read through libpcap.
 *
 * Both byte orders, micro- and nanosecond magics; timestamps are asked for in
 * nanoseconds. libpcap does not say where a record starts, so the reader
 * tracks it (24-byte file header, then 16 + caplen per record) and asks the
 * stream (ftello) when libpcap may have dropped bytes of a record longer
 * than the file's snaplen. libpcap reports DLT_ values; they are mapped back
 * to the LINKTYPE_ values of the file format. */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_reader.h"

#define PCAP_READER_FILE_HDR 24u
#define PCAP_READER_REC_HDR 16u

struct pcap_reader {
	pcap_t *p;
	FILE *fp;               /* owned by p; only asked for its position */
	char *name;
	uint64_t off;           /* offset of the next record */
	uint32_t snaplen;       /* the caller's limit; UINT32_MAX for none */
	uint32_t file_snaplen;  /* libpcap clips longer records to this */
	uint32_t linktype;
};

/* DLT_ values that differ from their LINKTYPE_ value on some platform
 * (libpcap's linktype_to_dlt() map, inverted). */
static const struct {
	int dlt;
	uint32_t linktype;
} pcap_reader_dlt_map[] = {
	{ DLT_ATM_RFC1483, 100 },
	{ DLT_RAW, 101 },
	{ DLT_SLIP_BSDOS, 102 },
	{ DLT_PPP_BSDOS, 103 },
	{ DLT_C_HDLC, 104 },
	{ DLT_ATM_CLIP, 106 },
	{ DLT_PPP_SERIAL, 50 },
	{ DLT_PPP_ETHER, 51 },
	{ DLT_SYMANTEC_FIREWALL, 99 },
	{ DLT_REDBACK_SMARTEDGE, 32 },
	{ DLT_LOOP, 108 },
	{ DLT_ENC, 109 },
	{ DLT_HDLC, 112 },
	{ DLT_PFLOG, 117 },
	{ DLT_PFSYNC, 246 },
	{ DLT_PKTAP, 258 },
};

uint32_t source_linktype_of_dlt(int dlt)
{
	for (size_t i = 0; i < sizeof(pcap_reader_dlt_map) / sizeof(pcap_reader_dlt_map[0]); i++)
		if (pcap_reader_dlt_map[i].dlt == dlt)
			return pcap_reader_dlt_map[i].linktype;
	return (uint32_t)dlt;
}

/* "truncated dump file; tried to read ..." -> "truncated <what> (tried to read ...)". */
static void pcap_reader_error(const char *name, uint64_t off, const char *what,
			      const char *msg, char *err, size_t errlen)
{
	static const char trunc[] = "truncated dump file; ";

	if (strncmp(msg, trunc, sizeof(trunc) - 1) == 0)
		snprintf(err, errlen, "%s: offset %llu: truncated %s (%s)", name,
			 (unsigned long long)off, what, msg + sizeof(trunc) - 1);
	else
		snprintf(err, errlen, "%s: offset %llu: %s", name, (unsigned long long)off, msg);
}

struct pcap_reader *pcap_reader_open(FILE *fp, const char *name, uint32_t snaplen,
				     char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_reader *r;
	int snap;

	r = calloc(1, sizeof(*r));
	if (r)
		r->name = strdup(name);
	if (!r || !r->name) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(r);
		return NULL;
	}
	/* On failure libpcap leaves fp open: the caller closes it. */
	r->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!r->p) {
		pcap_reader_error(name, 0, "file header", errbuf, err, errlen);
		free(r->name);
		free(r);
		return NULL;
	}
	r->fp = fp;
	r->off = PCAP_READER_FILE_HDR;
	r->snaplen = snaplen ? snaplen : UINT32_MAX;
	snap = pcap_snapshot(r->p);
	r->file_snaplen = snap > 0 ? (uint32_t)snap : UINT32_MAX;
	r->linktype = source_linktype_of_dlt(pcap_datalink(r->p)); /* FCS bits already masked */
	return r;
}

enum source_status pcap_reader_next(struct pcap_reader *r, struct source_record *rec,
				    char *err, size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc;

	rc = pcap_next_ex(r->p, &hdr, &data);
	if (rc == PCAP_ERROR_BREAK)
		return SOURCE_EOF;
	if (rc != 1) {
		pcap_reader_error(r->name, r->off, "record", pcap_geterr(r->p), err, errlen);
		return SOURCE_ERROR;
	}

	rec->data = data;
	rec->offset = r->off;
	rec->caplen = hdr->caplen < r->snaplen ? hdr->caplen : r->snaplen;
	rec->wirelen = hdr->len > hdr->caplen ? hdr->len : hdr->caplen;
	rec->linktype = r->linktype;
	rec->ifindex = 0;
	/* The file's fields are unsigned 32-bit; libpcap sign-extends the seconds.
	 * The fraction is already in ns (scaled up for microsecond files). */
	rec->ts_ns = (uint64_t)(uint32_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;

	if (hdr->caplen < r->file_snaplen) {
		r->off += PCAP_READER_REC_HDR + (uint64_t)hdr->caplen;
	} else {
		/* The record may have been longer than the file's snaplen and
		 * clipped by libpcap: only the stream knows where it ended. */
		off_t pos = ftello(r->fp);
		r->off = pos >= 0 ? (uint64_t)pos : r->off + PCAP_READER_REC_HDR + hdr->caplen;
	}
	return SOURCE_OK;
}

uint64_t pcap_reader_offset(const struct pcap_reader *r)
{
	return r->off;
}

void pcap_reader_close(struct pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p); /* closes the stream */
	free(r->name);
	free(r);
}
