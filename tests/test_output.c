/* test_output.c: JSON lines written from Python records, in C. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "output.h"
#include "pyhost.h"

static char path[64];

/* Encode the Python expression as a JSON line and return the line. */
static const char *encode(const char *expr)
{
	static char line[4096];
	struct output o;
	char err[256];
	assert_int_equal(output_open(&o, path, err, sizeof(err)), 0);
	PyObject *g = PyModule_GetDict(PyImport_AddModule("__main__"));
	PyObject *v = PyRun_String(expr, Py_eval_input, g, g);
	assert_non_null(v);
	int rc = output_write_json(&o, v);
	Py_DECREF(v);
	output_close(&o);
	if (rc < 0) {
		PyErr_Clear();
		return NULL;
	}
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return line;
}

/* Scalars, nesting and key order come out as JSON. */
static void test_types(void **state)
{
	(void)state;
	assert_string_equal(encode("{'a': 1, 'b': [True, False, None], 'c': (1.5, -2), 'd': {'e': 'x'}}"),
			    "{\"a\":1,\"b\":[true,false,null],\"c\":[1.5,-2],\"d\":{\"e\":\"x\"}}\n");
	assert_string_equal(encode("{'big': 2**70, 'f': 1e300, 'nan': float('nan')}"),
			    "{\"big\":1180591620717411303424,\"f\":1e+300,\"nan\":null}\n");
}

/* Strings are escaped; non-ASCII passes as UTF-8; bytes become hex. */
static void test_escapes_and_bytes(void **state)
{
	(void)state;
	assert_string_equal(encode("{'s': 'a\"b\\\\c\\n\\x01é'}"), "{\"s\":\"a\\\"b\\\\c\\n\\u0001é\"}\n");
	assert_string_equal(encode("{'b': b'\\x00\\xff', 3: 'int key'}"), "{\"b\":\"00ff\",\"3\":\"int key\"}\n");
}

/* Objects JSON has no form for are written as their str(). */
static void test_fallback_str(void **state)
{
	(void)state;
	assert_string_equal(encode("{'set': frozenset(), 'x': __import__('decimal').Decimal('1.5')}"),
			    "{\"set\":\"frozenset()\",\"x\":\"1.5\"}\n");
}

/* Deep nesting is refused with an exception, not a crash. */
static void test_too_deep(void **state)
{
	(void)state;
	PyRun_SimpleString("deep = []\nx = deep\nfor i in range(100):\n    x.append([]); x = x[0]\n");
	assert_null(encode("deep"));
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/pktd-output-%d.jsonl", (int)getpid());
	return pyhost_start();
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	pyhost_stop();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_escapes_and_bytes),
		cmocka_unit_test(test_fallback_str),
		cmocka_unit_test(test_too_deep),
	};
	return cmocka_run_group_tests_name("output", tests, setup, teardown);
}
