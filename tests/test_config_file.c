/* test_config_file.c: --config FILE (config_file.c) over the option table (options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char path[64];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int read_conf(struct config *c, const char *text, char *err, size_t errlen)
{
	write_file(text);
	config_defaults(c);
	return config_read_file(c, path, err, errlen);
}

/* Keys are the long option names; comments, blanks, spaces and quotes are handled. */
static void test_values_comments_and_spaces(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	assert_int_equal(read_conf(&c,
				   "# a comment\n"
				   "\n"
				   "  interface =  veth-a   \n"
				   "filter = udp port 53 or tcp port 53   # trailing comment\n"
				   "snaplen=96\n"
				   "ring-bytes = 4m\n"
				   "stats-interval = 2.5\n"
				   "overflow = block\n"
				   "output = \"/tmp/with # hash.jsonl\"\n"
				   "quiet\n"
				   "no-promisc = false\n",
				   err, sizeof(err)),
			 0);
	assert_string_equal(c.interface, "veth-a");
	assert_string_equal(c.kernel_filter, "udp port 53 or tcp port 53");
	assert_int_equal(c.snaplen, 96);
	assert_int_equal(c.ring_bytes, 4u << 20);
	assert_true(c.stats_interval == 2.5);
	assert_int_equal(c.overflow, OVERFLOW_BLOCK);
	assert_string_equal(c.output, "/tmp/with # hash.jsonl");
	assert_true(c.quiet);
	assert_false(c.no_promisc);
	config_free(&c);
}

/* List keys repeat and append, in order. */
static void test_repeatable_keys(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	assert_int_equal(read_conf(&c, "read = a.pcap\nread = b.pcap\nplugin = x.py\nplugin = y.py\n", err, sizeof(err)),
			 0);
	assert_int_equal(c.ninputs, 2);
	assert_string_equal(c.inputs[0], "a.pcap");
	assert_string_equal(c.inputs[1], "b.pcap");
	assert_int_equal(c.nplugins, 2);
	assert_string_equal(c.plugins[1], "y.py");
	config_free(&c);
}

/* An unknown key, a bad value or a missing key names the file and line. */
static void test_errors_name_the_line(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	assert_int_equal(read_conf(&c, "snaplen = 96\n\nbogus = 1\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3:"));
	assert_non_null(strstr(err, "bogus"));
	config_free(&c);
	assert_int_equal(read_conf(&c, "snaplen = lots\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1:"));
	config_free(&c);
	assert_int_equal(read_conf(&c, "= 3\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no key"));
	config_free(&c);
	assert_int_equal(read_conf(&c, "snaplen\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs a value"));
	config_free(&c);
	assert_int_equal(read_conf(&c, "help = 1\n", err, sizeof(err)), -1);
	config_free(&c);
	config_defaults(&c);
	assert_int_equal(config_read_file(&c, "/nonexistent/pktd.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/pktd.conf"));
}

/* Command-line flags override the file; a list given on the command line
 * replaces the file's list. */
static void test_command_line_overrides(void **state)
{
	(void)state;
	struct config c;
	write_file("read = a.pcap\nread = b.pcap\nring-packets = 32\nbatch = 8\nplugin = p.py\n");
	config_defaults(&c);
	char *argv[] = { "pktd", "--config", path, "--ring-packets", "64", "-r", "c.pcap", NULL };
	assert_int_equal(config_parse_args(&c, 7, argv), 0);
	assert_int_equal(c.ring_packets, 64);
	assert_int_equal(c.batch, 8);
	assert_int_equal(c.ninputs, 1);
	assert_string_equal(c.inputs[0], "c.pcap");
	assert_int_equal(c.nplugins, 1);
	assert_int_equal(c.overflow, OVERFLOW_BLOCK); /* files default to block */
	config_free(&c);

	config_defaults(&c);
	char *argv2[] = { "pktd", "--config=" "", NULL };
	char opt[128];
	snprintf(opt, sizeof(opt), "--config=%s", path);
	argv2[1] = opt;
	assert_int_equal(config_parse_args(&c, 2, argv2), 0);
	assert_int_equal(c.ninputs, 2);
	assert_int_equal(c.ring_packets, 32);
	config_free(&c);
}

/* The ring's size follows the mode unless given: small for a file read
 * at full speed (it waits for room), deep where a full ring drops. */
static void test_ring_defaults(void **state)
{
	(void)state;
	struct {
		char *args[4];
		uint32_t packets;
		uint64_t bytes;
	} cases[] = {
		{ { "-r", "a.pcap", NULL, NULL }, 4096, 4u << 20 },
		{ { "-r", "a.pcap", "--pps=1000", NULL }, 16384, 16u << 20 },
		{ { "-r", "a.pcap", "--speed=1", NULL }, 16384, 16u << 20 },
		{ { "-r", "a.pcap", "--overflow=drop", NULL }, 16384, 16u << 20 },
		{ { "-i", "lo", NULL, NULL }, 16384, 16u << 20 },
		{ { "-r", "a.pcap", "--ring-packets=100", NULL }, 100, 4u << 20 },
		{ { "-i", "lo", "--ring-bytes=1m", NULL }, 16384, 1u << 20 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char *argv[5] = { "pktd" };
		int argc = 1;
		for (int j = 0; j < 3 && cases[i].args[j]; j++)
			argv[argc++] = cases[i].args[j];
		config_defaults(&c);
		assert_int_equal(config_parse_args(&c, argc, argv), 0);
		assert_int_equal(c.ring_packets, cases[i].packets);
		assert_int_equal(c.ring_bytes, cases[i].bytes);
		config_free(&c);
	}
}

/* Live and file inputs cannot be mixed; live defaults to drop. */
static void test_modes(void **state)
{
	(void)state;
	struct config c;
	config_defaults(&c);
	char *mixed[] = { "pktd", "-i", "lo", "-r", "x.pcap", NULL };
	assert_int_equal(config_parse_args(&c, 5, mixed), -1);
	config_defaults(&c);
	char *live[] = { "pktd", "-i", "lo", NULL };
	assert_int_equal(config_parse_args(&c, 3, live), 0);
	assert_int_equal(c.overflow, OVERFLOW_DROP);
	config_defaults(&c);
	char *block[] = { "pktd", "-i", "lo", "--overflow", "block", NULL };
	assert_int_equal(config_parse_args(&c, 5, block), 0);
	assert_int_equal(c.overflow, OVERFLOW_BLOCK);
	config_defaults(&c);
	char *paced[] = { "pktd", "-i", "lo", "--pps", "10", NULL };
	assert_int_equal(config_parse_args(&c, 5, paced), -1);
	config_defaults(&c);
	char *rot[] = { "pktd", "-r", "x.pcap", "--rotate-size", "1m", NULL };
	assert_int_equal(config_parse_args(&c, 5, rot), -1);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/pktd-test-config-%d.conf", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_comments_and_spaces),
		cmocka_unit_test(test_repeatable_keys),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_command_line_overrides),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_ring_defaults),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
