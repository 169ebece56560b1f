/* dump.c: write captured packets to rotating pcap files (pcap-savefile(5)). */
#define _GNU_SOURCE
#include "dump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "packet.h"

#define DUMP_FILE_HDR 24u
#define DUMP_REC_HDR 16u
#define DUMP_STDIO_BUF (256u << 10)

void dump_name(char *out, size_t outlen, const char *pattern, long t, char *last_base, size_t last_len,
	       uint64_t *seq)
{
	char base[PATH_MAX];
	snprintf(base, sizeof(base), "%s", pattern);
	if (strchr(pattern, '%')) {
		time_t tt = (time_t)t;
		struct tm tm;
		localtime_r(&tt, &tm);
		if (strftime(base, sizeof(base), pattern, &tm) == 0)
			snprintf(base, sizeof(base), "%s", pattern);
		/* Numbered only while the expansion repeats itself. */
		if (strcmp(base, last_base) != 0)
			*seq = 0;
	}
	if (*seq == 0)
		snprintf(out, outlen, "%s", base);
	else
		snprintf(out, outlen, "%s%llu", base, (unsigned long long)*seq);
	snprintf(last_base, last_len, "%s", base);
	(*seq)++;
}

static int open_next(struct dump *w, char *err, size_t errlen)
{
	char name[PATH_MAX];
	dump_name(name, sizeof(name), w->pattern, (long)time(NULL), w->last_base, sizeof(w->last_base), &w->seq);
	FILE *fp = fopen(name, "wb");
	if (!fp) {
		snprintf(err, errlen, "-w %s: %s", name, strerror(errno));
		return -1;
	}
	setvbuf(fp, NULL, _IOFBF, DUMP_STDIO_BUF);
	snprintf(w->path, sizeof(w->path), "%s", name);
	w->fp = fp;
	w->files++;
	w->opened_ns = clock_mono_ns();
	w->file_bytes = 0;
	return 0;
}

/* Write the header of the file just opened. */
static int attach(struct dump *w, char *err, size_t errlen)
{
	w->dumper = pcap_dump_fopen(w->dead, w->fp);
	if (!w->dumper) {
		snprintf(err, errlen, "-w %s: %s", w->path, pcap_geterr(w->dead));
		fclose(w->fp);
		w->fp = NULL;
		return -1;
	}
	w->fp = NULL; /* owned by the dumper now */
	w->file_bytes = DUMP_FILE_HDR;
	return 0;
}

int dump_open(struct dump *w, const char *pattern, uint64_t rotate_size, double rotate_seconds, uint32_t snaplen,
	      char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->pattern = strdup(pattern);
	if (!w->pattern) {
		snprintf(err, errlen, "-w: out of memory");
		return -1;
	}
	w->rotate_size = rotate_size;
	w->rotate_ns = (uint64_t)(rotate_seconds * 1e9);
	w->snaplen = snaplen;
	return open_next(w, err, errlen);
}

int dump_start(struct dump *w, uint32_t linktype, char *err, size_t errlen)
{
	/* pcap_open_dead takes DLT_ values: they equal LINKTYPE_ values
	 * except for raw IP. */
	int dlt = linktype == LINKTYPE_RAW ? DLT_RAW : (int)linktype;
	w->dead = pcap_open_dead_with_tstamp_precision(dlt, (int)w->snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (!w->dead) {
		snprintf(err, errlen, "-w %s: cannot make a pcap handle for link type %u", w->path, linktype);
		return -1;
	}
	w->linktype = linktype;
	return w->fp ? attach(w, err, errlen) : 0;
}

static void report_error(struct dump *w, const char *what)
{
	w->errors++;
	if (!w->warned_error) {
		w->warned_error = true;
		fprintf(stderr, "pktd: -w %s: %s: %s (further errors are counted)\n", w->path, what, strerror(errno));
	}
}

static void rotate(struct dump *w)
{
	char err[PATH_MAX + 128];
	if (w->dumper) {
		if (pcap_dump_flush(w->dumper) < 0)
			report_error(w, "write");
		pcap_dump_close(w->dumper);
		w->dumper = NULL;
	}
	if (open_next(w, err, sizeof(err)) < 0 || attach(w, err, sizeof(err)) < 0) {
		w->errors++;
		fprintf(stderr, "pktd: %s; packets are no longer written\n", err);
	}
}

void dump_write(struct dump *w, uint32_t linktype, uint64_t ts_ns, uint32_t caplen, uint32_t wirelen,
		const uint8_t *data)
{
	if (!w->dead) {
		char err[PATH_MAX + 128];
		if (dump_start(w, linktype, err, sizeof(err)) < 0) {
			fprintf(stderr, "pktd: %s\n", err);
			w->errors++;
			return;
		}
	}
	if (linktype != w->linktype) {
		w->skipped_linktype++;
		if (!w->warned_linktype) {
			w->warned_linktype = true;
			fprintf(stderr, "pktd: -w %s: packets of link type %u are not written (the file holds link "
					"type %u); they are counted\n",
				w->path, linktype, w->linktype);
		}
		return;
	}
	if (!w->dumper)
		return;
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000u); /* ns: the handle is nanosecond */
	h.caplen = caplen;
	h.len = wirelen;
	pcap_dump((u_char *)w->dumper, &h, data);
	w->packets++;
	w->bytes += caplen;
	w->file_bytes += DUMP_REC_HDR + caplen;
	if (w->rotate_size && w->file_bytes >= w->rotate_size)
		rotate(w);
}

void dump_tick(struct dump *w, uint64_t now_ns)
{
	if (w->dumper && pcap_dump_flush(w->dumper) < 0)
		report_error(w, "write");
	if (w->rotate_ns && w->dumper && now_ns - w->opened_ns >= w->rotate_ns)
		rotate(w);
}

int dump_reopen(struct dump *w, char *err, size_t errlen)
{
	if (!w->dumper) {
		/* No header yet: nothing written, start the file again. */
		if (w->fp)
			fclose(w->fp);
		w->fp = fopen(w->path, "wb");
		if (!w->fp) {
			snprintf(err, errlen, "-w %s: %s", w->path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (pcap_dump_flush(w->dumper) < 0)
		report_error(w, "write");
	pcap_dump_close(w->dumper);
	/* A new file if the old one was moved away, else appended to. */
	w->dumper = pcap_dump_open_append(w->dead, w->path);
	if (!w->dumper) {
		snprintf(err, errlen, "-w %s: %s", w->path, pcap_geterr(w->dead));
		return -1;
	}
	long pos = pcap_dump_ftell(w->dumper);
	w->file_bytes = pos > 0 ? (uint64_t)pos : DUMP_FILE_HDR;
	return 0;
}

void dump_close(struct dump *w)
{
	if (w->dumper) {
		if (pcap_dump_flush(w->dumper) < 0)
			report_error(w, "write");
		pcap_dump_close(w->dumper);
	}
	if (w->fp)
		fclose(w->fp);
	if (w->dead)
		pcap_close(w->dead);
	free(w->pattern);
	/* The counters stay for the final statistics. */
	w->dumper = NULL;
	w->fp = NULL;
	w->dead = NULL;
	w->pattern = NULL;
}
