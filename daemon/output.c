/* output.c: encode Python records as JSON lines (RFC 8259) into a buffer.
 *
 * Encoding in C avoids the json module's per-record objects: dicts, lists,
 * tuples, str, int, float, bool and None are written directly; bytes and
 * views become hex strings; anything else is written as its str(). */
#include "output.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define JSON_MAX_DEPTH 32

static int buf_reserve(struct output *o, size_t more)
{
	if (o->len + more <= o->cap)
		return 0;
	size_t cap = o->cap ? o->cap : 4096;
	while (cap < o->len + more)
		cap *= 2;
	char *nb = realloc(o->buf, cap);
	if (!nb) {
		PyErr_NoMemory();
		return -1;
	}
	o->buf = nb;
	o->cap = cap;
	return 0;
}

static int put(struct output *o, const char *s, size_t n)
{
	if (buf_reserve(o, n) < 0)
		return -1;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	return 0;
}

int output_json_string(struct output *o, const char *s, size_t n)
{
	if (buf_reserve(o, n * 6 + 2) < 0)
		return -1;
	char *w = o->buf + o->len;
	*w++ = '"';
	for (size_t i = 0; i < n; i++)
		w = output_json_escape(w, (unsigned char)s[i]);
	*w++ = '"';
	o->len = (size_t)(w - o->buf);
	return 0;
}

static int put_pystr(struct output *o, PyObject *s)
{
	Py_ssize_t n;
	const char *u = PyUnicode_AsUTF8AndSize(s, &n);
	if (!u)
		return -1;
	return output_json_string(o, u, (size_t)n);
}

static int put_hex(struct output *o, PyObject *obj)
{
	Py_buffer view;
	if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
		return -1;
	static const char hex[] = "0123456789abcdef";
	int rc = buf_reserve(o, (size_t)view.len * 2 + 2);
	if (rc == 0) {
		const unsigned char *b = view.buf;
		char *w = o->buf + o->len;
		*w++ = '"';
		for (Py_ssize_t i = 0; i < view.len; i++) {
			*w++ = hex[b[i] >> 4];
			*w++ = hex[b[i] & 15];
		}
		*w++ = '"';
		o->len = (size_t)(w - o->buf);
	}
	PyBuffer_Release(&view);
	return rc;
}

static int encode(struct output *o, PyObject *v, int depth);

static int encode_key(struct output *o, PyObject *k)
{
	if (PyUnicode_Check(k))
		return put_pystr(o, k);
	PyObject *s = PyObject_Str(k);
	if (!s)
		return -1;
	int rc = put_pystr(o, s);
	Py_DECREF(s);
	return rc;
}

static int encode(struct output *o, PyObject *v, int depth)
{
	char num[64];
	if (depth > JSON_MAX_DEPTH) {
		PyErr_SetString(PyExc_ValueError, "pktd.emit: record nested too deeply");
		return -1;
	}
	if (v == Py_None)
		return put(o, "null", 4);
	if (v == Py_True)
		return put(o, "true", 4);
	if (v == Py_False)
		return put(o, "false", 5);
	if (PyUnicode_Check(v))
		return put_pystr(o, v);
	if (PyLong_Check(v)) {
		int overflow = 0;
		long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
		if (!overflow) {
			if (x == -1 && PyErr_Occurred())
				return -1;
			int n = snprintf(num, sizeof(num), "%lld", x);
			return put(o, num, (size_t)n);
		}
		PyObject *s = PyObject_Str(v);
		if (!s)
			return -1;
		Py_ssize_t n;
		const char *u = PyUnicode_AsUTF8AndSize(s, &n);
		int rc = u ? put(o, u, (size_t)n) : -1;
		Py_DECREF(s);
		return rc;
	}
	if (PyFloat_Check(v)) {
		double d = PyFloat_AS_DOUBLE(v);
		if (!isfinite(d))
			return put(o, "null", 4);
		char *r = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
		if (!r)
			return -1;
		int rc = put(o, r, strlen(r));
		PyMem_Free(r);
		return rc;
	}
	if (PyDict_Check(v)) {
		PyObject *k, *val;
		Py_ssize_t pos = 0;
		int first = 1;
		if (put(o, "{", 1) < 0)
			return -1;
		while (PyDict_Next(v, &pos, &k, &val)) {
			if (!first && put(o, ",", 1) < 0)
				return -1;
			first = 0;
			if (encode_key(o, k) < 0 || put(o, ":", 1) < 0 || encode(o, val, depth + 1) < 0)
				return -1;
		}
		return put(o, "}", 1);
	}
	if (PyList_Check(v) || PyTuple_Check(v)) {
		PyObject *seq = v;
		Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
		PyObject **items = PySequence_Fast_ITEMS(seq);
		if (put(o, "[", 1) < 0)
			return -1;
		for (Py_ssize_t i = 0; i < n; i++) {
			if (i && put(o, ",", 1) < 0)
				return -1;
			if (encode(o, items[i], depth + 1) < 0)
				return -1;
		}
		return put(o, "]", 1);
	}
	if (PyObject_CheckBuffer(v))
		return put_hex(o, v);
	PyObject *s = PyObject_Str(v);
	if (!s)
		return -1;
	int rc = put_pystr(o, s);
	Py_DECREF(s);
	return rc;
}

int output_write_json(struct output *o, PyObject *record)
{
	o->len = 0;
	if (encode(o, record, 0) < 0) {
		o->errors++;
		return -1;
	}
	return output_write_line(o);
}

int output_reserve(struct output *o, size_t n)
{
	return buf_reserve(o, n);
}

int output_write_line(struct output *o)
{
	if (put(o, "\n", 1) < 0) {
		o->errors++;
		return -1;
	}
	if (fwrite(o->buf, 1, o->len, o->fp) != o->len) {
		o->errors++;
		PyErr_SetFromErrno(PyExc_OSError);
		return -1;
	}
	o->records++;
	o->bytes += o->len;
	return 0;
}

static int open_fp(struct output *o, char *err, size_t errlen)
{
	if (!o->path) {
		o->fp = stdout;
	} else {
		o->fp = fopen(o->path, "w");
		if (!o->fp) {
			snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
			return -1;
		}
	}
	setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
	return 0;
}

int output_open(struct output *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	if (path && strcmp(path, "-") != 0)
		o->path = strdup(path);
	return open_fp(o, err, errlen);
}

int output_flush(struct output *o)
{
	return o->fp ? fflush(o->fp) : 0;
}

int output_reopen(struct output *o, char *err, size_t errlen)
{
	if (!o->path)
		return output_flush(o);
	if (o->fp)
		fclose(o->fp);
	o->fp = NULL;
	o->fp = fopen(o->path, "a");
	if (!o->fp) {
		snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
		return -1;
	}
	setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
	return 0;
}

void output_close(struct output *o)
{
	if (o->fp && o->fp != stdout)
		fclose(o->fp);
	else if (o->fp)
		fflush(o->fp);
	free(o->path);
	free(o->buf);
	memset(o, 0, sizeof(*o));
}
