/* output.h: JSON-lines output for pktd.emit(), written from C. */
#ifndef PKTD_OUTPUT_H
#define PKTD_OUTPUT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct output {
	FILE *fp;
	char *path; /* NULL for stdout */
	char *buf;  /* line being built; grows rarely, never shrinks */
	size_t len, cap;
	uint64_t records;
	uint64_t bytes;
	uint64_t errors;
};

/* path NULL or "-" means stdout. Returns -1 with a message in err. */
int output_open(struct output *o, const char *path, char *err, size_t errlen);
/* Encode `record` as one JSON line. Returns -1 with a Python exception
 * set when the object cannot be encoded. */
int output_write_json(struct output *o, PyObject *record);
int output_flush(struct output *o);
/* Reopen the same path (log rotation). */
int output_reopen(struct output *o, char *err, size_t errlen);
void output_close(struct output *o);

/* JSON-escape `s` into the output's line buffer (for C-side writers). */
int output_json_string(struct output *o, const char *s, size_t n);

/* One byte of a JSON string, escaped as output_json_string() writes it
 * (at most 6 bytes at w); returns the end. For writers that build a
 * record in place (dnsrec.c). */
static inline char *output_json_escape(char *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	if (c == '"' || c == '\\') {
		*w++ = '\\';
		*w++ = (char)c;
	} else if (c >= 0x20) {
		*w++ = (char)c;
	} else if (c == '\n') {
		*w++ = '\\';
		*w++ = 'n';
	} else if (c == '\t') {
		*w++ = '\\';
		*w++ = 't';
	} else if (c == '\r') {
		*w++ = '\\';
		*w++ = 'r';
	} else {
		memcpy(w, "\\u00", 4);
		w[4] = hex[c >> 4];
		w[5] = hex[c & 15];
		w += 6;
	}
	return w;
}
/* For C-side record writers, which build a line in o->buf[0 .. o->len):
 * room for n more bytes at o->buf + o->len (-1 with a Python exception
 * set), and writing the line with its newline, counted as a record. */
int output_reserve(struct output *o, size_t n);
int output_write_line(struct output *o);

#endif
