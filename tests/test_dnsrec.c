/* test_dnsrec.c: unit tests for daemon/dnsrec.c (dns.py's record written from C). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsrec.h"

static struct dns_msg g_m;

static int setup(void **state)
{
	(void)state;
	Py_Initialize();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	Py_Finalize();
	return 0;
}

/* "ts" is repr(float) for capture times and anything else: 2M values checked against Python's own. */
static void test_ts_is_python_repr(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ull;
	char mine[32];
	for (long i = 0; i < 2000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;
		switch (i % 5) {
		case 0: /* nanosecond capture times */
			d = (double)(1500000000000000000ull + x % 400000000000000000ull) / 1e9;
			break;
		case 1: /* microsecond ones */
			d = (double)(x % 4000000000000000ull) / 1e6;
			break;
		case 2: { /* any bits of a positive finite double, 1 .. 2^52 */
			uint64_t b = (x & 0x000fffffffffffffull) | ((uint64_t)(1023 + x % 53) << 52);
			memcpy(&d, &b, sizeof(d));
			break;
		}
		case 3: /* whole seconds */
			d = (double)(x % 4000000000ull);
			break;
		default: /* outside the fast path: small, huge, negative */
			d = ((double)(int64_t)x) / (double)(1ull << (x % 64));
			break;
		}
		int n = dnsrec_ts_text(d, mine);
		char *r = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
		assert_non_null(r);
		assert_string_equal(mine, r);
		assert_int_equal(n, (int)strlen(r));
		PyMem_Free(r);
	}
}

/* One record: key order, escapes, TXT as UTF-8 with \xNN, RFC 3597 data, a newline. */
static void test_record_bytes(void **state)
{
	(void)state;
	static const uint8_t msg[] = {
		0x12, 0x34, 0x85, 0x03, 0, 1, 0, 3, 0, 0, 0, 0,             /* response, aa, rd, NXDOMAIN */
		3, 'a', '"', 'b', 0, 0, 28, 0, 1,                          /* 12: a"b. AAAA IN */
		0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6, 5, 'x', 0xc3, 0xa9, 0xff, '\n', /* TXT */
		0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 10, 0, 0, 1,       /* A */
		0xc0, 12, 0xff, 0xfe, 0, 1, 0, 0, 0, 1, 0, 2, 0xab, 0xcd,  /* TYPE65534 */
	};
	const char *want = "{\"ts\":1700000000.123456,\"src\":\"192.0.2.1\",\"dst\":\"2001:db8::1\",\"sport\":53,"
			   "\"dport\":4242,\"transport\":\"udp\",\"id\":4660,\"qr\":\"response\",\"opcode\":\"QUERY\","
			   "\"rcode\":\"NXDOMAIN\",\"flags\":{\"aa\":true,\"tc\":false,\"rd\":true,\"ra\":false},"
			   "\"questions\":[{\"name\":\"a\\\"b.\",\"type\":\"AAAA\",\"class\":\"IN\"}],"
			   "\"answers\":[{\"name\":\"a\\\"b.\",\"type\":\"TXT\",\"ttl\":60,\"data\":\"x\xc3\xa9\\\\xff\\n\"},"
			   "{\"name\":\"a\\\"b.\",\"type\":\"A\",\"ttl\":256,\"data\":\"10.0.0.1\"},"
			   "{\"name\":\"a\\\"b.\",\"type\":\"TYPE65534\",\"ttl\":1,\"data\":\"\\\\# 2 abcd\"}]}\n";
	assert_int_equal(dns_decode(msg, sizeof(msg), &g_m), DNS_OK);
	char path[] = "/tmp/test_dnsrec_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct output o;
	char err[256];
	assert_int_equal(output_open(&o, path, err, sizeof(err)), 0);
	struct dnsrec_meta meta = { .ts = 1700000000.123456, .src = "192.0.2.1", .src_len = 9, .dst = "2001:db8::1",
				    .dst_len = 11, .sport = 53, .dport = 4242, .transport = "udp" };
	assert_int_equal(dnsrec_write(&o, &meta, msg, sizeof(msg), &g_m), 0);
	assert_int_equal(o.records, 1);
	output_close(&o);
	FILE *f = fopen(path, "rb");
	char got[2048];
	size_t n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	unlink(path);
	assert_string_equal(got, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts_is_python_repr),
		cmocka_unit_test(test_record_bytes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
