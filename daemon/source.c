/* source.c: open a capture file or pipe, find its format from the magic, dispatch.
 *
 * The magic is peeked with read(2) and then replayed to the reader through a
 * glibc fopencookie() stream, so regular files and pipes take the same path
 * (a pipe cannot be rewound). The stream has a 1 MiB buffer and answers
 * ftello() with the number of bytes the reader has consumed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "source.h"
#include "source_reader.h"

#define SOURCE_STDIO_BUF (1u << 20)
#define SOURCE_MAGIC_LEN 4
#define SOURCE_NAME_MAX 512
#define SOURCE_ERR_MAX 512

enum source_kind {
	SOURCE_KIND_PCAP,
	SOURCE_KIND_PCAPNG,
	SOURCE_KIND_PCAP_MMAP, /* classic pcap, regular file, read in place */
};

static bool use_mmap = true;

void source_set_mmap(bool enable)
{
	use_mmap = enable;
}

void source_set_pager(bool enable)
{
	mmap_reader_set_pager(enable);
}

/* The fopencookie() state: the peeked bytes, then the descriptor. */
struct source_cookie {
	int fd;
	bool own_fd;                      /* false for stdin: not ours to close */
	uint8_t peek[SOURCE_MAGIC_LEN];
	size_t peek_len;
	size_t peek_pos;
	uint64_t delivered;               /* bytes handed to stdio so far */
};

struct source {
	enum source_kind kind;
	union {
		struct pcap_reader *pcap;
		struct pcapng_reader *pcapng;
		struct mmap_reader *mmap;
	} r;
	char *stdio_buf;                  /* outlives the stream; freed last */
	uint64_t total;                   /* file size, 0 for pipes */
	enum source_status done;          /* SOURCE_OK while records may follow */
	char name[SOURCE_NAME_MAX];
	char last_err[SOURCE_ERR_MAX];    /* repeated after SOURCE_ERROR */
};

static ssize_t source_cookie_read(void *c, char *buf, size_t size)
{
	struct source_cookie *ck = c;
	size_t n = 0;

	if (ck->peek_pos < ck->peek_len) {
		n = ck->peek_len - ck->peek_pos;
		if (n > size)
			n = size;
		memcpy(buf, ck->peek + ck->peek_pos, n);
		ck->peek_pos += n;
		ck->delivered += n;
		return (ssize_t)n;
	}
	for (;;) {
		ssize_t got = read(ck->fd, buf, size);
		if (got >= 0) {
			ck->delivered += (uint64_t)got;
			return got;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* Only the position query ftello() makes is supported: the stream cannot seek. */
static int source_cookie_seek(void *c, off64_t *off, int whence)
{
	struct source_cookie *ck = c;

	if (whence == SEEK_CUR && *off == 0) {
		*off = (off64_t)ck->delivered;
		return 0;
	}
	errno = ESPIPE;
	return -1;
}

static int source_cookie_close(void *c)
{
	struct source_cookie *ck = c;
	int rc = 0;

	if (ck->own_fd)
		rc = close(ck->fd);
	free(ck);
	return rc;
}

/* Read up to `want` bytes, retrying short reads (pipes); returns the count or -1. */
static ssize_t source_read_full(int fd, uint8_t *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static enum source_kind source_kind_of(const uint8_t m[SOURCE_MAGIC_LEN], bool *known)
{
	static const uint8_t pcap_magics[][SOURCE_MAGIC_LEN] = {
		{ 0xa1, 0xb2, 0xc3, 0xd4 }, { 0xd4, 0xc3, 0xb2, 0xa1 }, /* microseconds */
		{ 0xa1, 0xb2, 0x3c, 0x4d }, { 0x4d, 0x3c, 0xb2, 0xa1 }, /* nanoseconds */
	};
	static const uint8_t pcapng_shb[SOURCE_MAGIC_LEN] = { 0x0a, 0x0d, 0x0d, 0x0a };

	*known = true;
	for (size_t i = 0; i < sizeof(pcap_magics) / sizeof(pcap_magics[0]); i++)
		if (memcmp(m, pcap_magics[i], SOURCE_MAGIC_LEN) == 0)
			return SOURCE_KIND_PCAP;
	if (memcmp(m, pcapng_shb, SOURCE_MAGIC_LEN) == 0)
		return SOURCE_KIND_PCAPNG;
	*known = false;
	return SOURCE_KIND_PCAP;
}

static void source_bad_magic(const char *name, const uint8_t *m, size_t n, char *err, size_t errlen)
{
	char hex[2 * SOURCE_MAGIC_LEN + 1] = "";

	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, sizeof(hex) - 2 * i, "%02x", m[i]);
	if (n == 0)
		snprintf(err, errlen, "%s: offset 0: not a pcap or pcapng file (empty file)", name);
	else if (n < SOURCE_MAGIC_LEN)
		snprintf(err, errlen, "%s: offset 0: not a pcap or pcapng file (magic 0x%s, only %zu bytes)",
			 name, hex, n);
	else
		snprintf(err, errlen, "%s: offset 0: not a pcap or pcapng file (magic 0x%s)", name, hex);
}

static FILE *source_stream_open(int fd, bool own_fd, const uint8_t *peek, size_t peek_len,
				char **stdio_buf)
{
	static const cookie_io_functions_t io = {
		.read = source_cookie_read,
		.write = NULL,
		.seek = source_cookie_seek,
		.close = source_cookie_close,
	};
	struct source_cookie *ck = calloc(1, sizeof(*ck));
	char *buf = malloc(SOURCE_STDIO_BUF);
	FILE *fp;

	if (!ck || !buf)
		goto fail;
	ck->fd = fd;
	ck->own_fd = own_fd;
	memcpy(ck->peek, peek, peek_len);
	ck->peek_len = peek_len;
	fp = fopencookie(ck, "rb", io);
	if (!fp)
		goto fail;
	if (setvbuf(fp, buf, _IOFBF, SOURCE_STDIO_BUF) != 0) {
		ck->own_fd = false; /* the caller closes fd on failure */
		fclose(fp);
		free(buf);
		return NULL;
	}
	*stdio_buf = buf;
	return fp;
fail:
	free(ck);
	free(buf);
	return NULL;
}

struct source *source_open(const char *path, uint32_t snaplen, char *err, size_t errlen)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "stdin" : path;
	uint8_t magic[SOURCE_MAGIC_LEN];
	struct source *s;
	struct stat st;
	bool known, opened;
	ssize_t n;
	FILE *fp;
	int fd;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		free(s);
		return NULL;
	}
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: %s", name, strerror(EISDIR));
			goto fail_fd;
		}
		if (S_ISREG(st.st_mode))
			s->total = (uint64_t)st.st_size;
	}

	n = source_read_full(fd, magic, sizeof(magic));
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		goto fail_fd;
	}
	s->kind = source_kind_of(magic, &known);
	if ((size_t)n < sizeof(magic) || !known) {
		source_bad_magic(name, magic, (size_t)n, err, errlen);
		goto fail_fd;
	}

	if (s->kind == SOURCE_KIND_PCAP && use_mmap && !is_stdin) {
		err[0] = 0;
		s->r.mmap = mmap_reader_open(fd, name, snaplen, err, errlen);
		if (s->r.mmap) {
			close(fd); /* the mapping stays */
			s->kind = SOURCE_KIND_PCAP_MMAP;
			return s;
		}
		if (err[0])
			goto fail_fd;
	}

	fp = source_stream_open(fd, !is_stdin, magic, sizeof(magic), &s->stdio_buf);
	if (!fp) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail_fd;
	}
	if (s->kind == SOURCE_KIND_PCAP)
		opened = (s->r.pcap = pcap_reader_open(fp, name, snaplen, err, errlen)) != NULL;
	else
		opened = (s->r.pcapng = pcapng_reader_open(fp, name, snaplen, err, errlen)) != NULL;
	if (!opened) {
		fclose(fp); /* closes fd through the cookie */
		free(s->stdio_buf);
		free(s);
		return NULL;
	}
	return s;

fail_fd:
	if (!is_stdin)
		close(fd);
	free(s);
	return NULL;
}

enum source_status source_next(struct source *s, struct source_record *rec, char *err, size_t errlen)
{
	enum source_status st;

	if (s->done == SOURCE_ERROR) {
		snprintf(err, errlen, "%s", s->last_err);
		return SOURCE_ERROR;
	}
	if (s->done == SOURCE_EOF)
		return SOURCE_EOF;

	if (s->kind == SOURCE_KIND_PCAP_MMAP)
		st = mmap_reader_next(s->r.mmap, rec, err, errlen);
	else if (s->kind == SOURCE_KIND_PCAP)
		st = pcap_reader_next(s->r.pcap, rec, err, errlen);
	else
		st = pcapng_reader_next(s->r.pcapng, rec, err, errlen);
	if (st == SOURCE_ERROR)
		snprintf(s->last_err, sizeof(s->last_err), "%s", err);
	if (st != SOURCE_OK)
		s->done = st;
	return st;
}

const char *source_format(const struct source *s)
{
	return s->kind == SOURCE_KIND_PCAPNG ? "pcapng" : "pcap";
}

_Atomic uint32_t *source_exports(struct source *s)
{
	return s->kind == SOURCE_KIND_PCAP_MMAP ? mmap_reader_exports(s->r.mmap) : NULL;
}

bool source_trim(struct source *s, const void *keep)
{
	return s->kind == SOURCE_KIND_PCAP_MMAP && mmap_reader_trim(s->r.mmap, keep);
}

const char *source_reader_name(const struct source *s)
{
	return s->kind == SOURCE_KIND_PCAP_MMAP ? "mmap" : s->kind == SOURCE_KIND_PCAP ? "libpcap" : "pcapng";
}

uint64_t source_bytes_read(const struct source *s)
{
	if (s->kind == SOURCE_KIND_PCAP_MMAP)
		return mmap_reader_offset(s->r.mmap);
	if (s->kind == SOURCE_KIND_PCAP)
		return pcap_reader_offset(s->r.pcap);
	return pcapng_reader_offset(s->r.pcapng);
}

uint64_t source_bytes_total(const struct source *s)
{
	return s->total;
}

void source_close(struct source *s)
{
	if (!s)
		return;
	if (s->kind == SOURCE_KIND_PCAP_MMAP)
		mmap_reader_close(s->r.mmap);
	else if (s->kind == SOURCE_KIND_PCAP)
		pcap_reader_close(s->r.pcap);
	else
		pcapng_reader_close(s->r.pcapng);
	free(s->stdio_buf); /* the stream is closed by now */
	free(s);
}
