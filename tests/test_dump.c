/* test_dump.c: -w pcap files and their rotation (dump.c), read back with libpcap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "dump.h"

static char dir[64];

static const uint8_t frame[60] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45 };

/* Packets in a pcap file, -1 when libpcap cannot read it. */
static int count(const char *path, int *linktype, uint64_t *first_ts_ns)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p)
		return -1;
	struct pcap_pkthdr *h;
	const u_char *d;
	int n = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (n == 0 && first_ts_ns)
			*first_ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
		n++;
	}
	if (linktype)
		*linktype = pcap_datalink(p);
	pcap_close(p);
	return n;
}

static const char *in_dir(const char *name)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* Names: FILE, FILE1, FILE2 ...; strftime patterns numbered only while they repeat. */
static void test_names(void **state)
{
	(void)state;
	char out[256], last[256] = "";
	uint64_t seq = 0;
	dump_name(out, sizeof(out), "cap.pcap", 0, last, sizeof(last), &seq);
	assert_string_equal(out, "cap.pcap");
	dump_name(out, sizeof(out), "cap.pcap", 0, last, sizeof(last), &seq);
	assert_string_equal(out, "cap.pcap1");
	dump_name(out, sizeof(out), "cap.pcap", 0, last, sizeof(last), &seq);
	assert_string_equal(out, "cap.pcap2");
	setenv("TZ", "UTC", 1);
	last[0] = 0;
	seq = 0;
	dump_name(out, sizeof(out), "c-%H%M%S.pcap", 3600, last, sizeof(last), &seq);
	assert_string_equal(out, "c-010000.pcap");
	dump_name(out, sizeof(out), "c-%H%M%S.pcap", 3600, last, sizeof(last), &seq);
	assert_string_equal(out, "c-010000.pcap1");
	dump_name(out, sizeof(out), "c-%H%M%S.pcap", 3601, last, sizeof(last), &seq);
	assert_string_equal(out, "c-010001.pcap");
}

/* Size rotation: every packet lands in exactly one readable file. */
static void test_size_rotation(void **state)
{
	(void)state;
	struct dump w;
	char err[256];
	assert_int_equal(dump_open(&w, in_dir("r.pcap"), 4096, 0, 65535, err, sizeof(err)), 0);
	for (int i = 0; i < 100; i++)
		dump_write(&w, 1, 1700000000ull * 1000000000u + (uint64_t)i * 1000 + 7, sizeof(frame), 1500, frame);
	uint64_t files = w.files;
	dump_close(&w);
	assert_int_equal(w.packets, 100);
	/* 24 + k * (16 + 60) >= 4096 after 54 packets: two files. */
	assert_int_equal(files, 2);
	int lt = 0;
	uint64_t ts = 0;
	assert_int_equal(count(in_dir("r.pcap"), &lt, &ts), 54);
	assert_int_equal(lt, DLT_EN10MB);
	assert_int_equal(ts, 1700000000ull * 1000000000u + 7); /* nanoseconds kept */
	assert_int_equal(count(in_dir("r.pcap1"), NULL, NULL), 46);
}

/* Packets of another link type are counted, not written. */
static void test_other_linktype_skipped(void **state)
{
	(void)state;
	struct dump w;
	char err[256];
	assert_int_equal(dump_open(&w, in_dir("l.pcap"), 0, 0, 65535, err, sizeof(err)), 0);
	dump_write(&w, 1, 1, sizeof(frame), sizeof(frame), frame);
	dump_write(&w, 101, 2, 20, 20, frame + 14);
	dump_write(&w, 1, 3, sizeof(frame), sizeof(frame), frame);
	dump_close(&w);
	assert_int_equal(w.packets, 2);
	assert_int_equal(w.skipped_linktype, 1);
	assert_int_equal(count(in_dir("l.pcap"), NULL, NULL), 2);
}

/* SIGHUP: a moved file is replaced by a new one; otherwise appended to. */
static void test_reopen(void **state)
{
	(void)state;
	struct dump w;
	char err[256], moved[128];
	assert_int_equal(dump_open(&w, in_dir("h.pcap"), 0, 0, 65535, err, sizeof(err)), 0);
	assert_int_equal(dump_start(&w, 1, err, sizeof(err)), 0);
	dump_write(&w, 1, 1, sizeof(frame), sizeof(frame), frame);
	assert_int_equal(dump_reopen(&w, err, sizeof(err)), 0); /* not moved: appended */
	dump_write(&w, 1, 2, sizeof(frame), sizeof(frame), frame);
	snprintf(moved, sizeof(moved), "%s", in_dir("h.pcap.old"));
	assert_int_equal(rename(in_dir("h.pcap"), moved), 0);
	assert_int_equal(dump_reopen(&w, err, sizeof(err)), 0); /* moved: a new file */
	dump_write(&w, 1, 3, sizeof(frame), sizeof(frame), frame);
	dump_close(&w);
	assert_int_equal(count(moved, NULL, NULL), 2);
	assert_int_equal(count(in_dir("h.pcap"), NULL, NULL), 1);
}

/* Time rotation happens on the tick. */
static void test_time_rotation(void **state)
{
	(void)state;
	struct dump w;
	char err[256];
	assert_int_equal(dump_open(&w, in_dir("t.pcap"), 0, 1.0, 65535, err, sizeof(err)), 0);
	dump_write(&w, 1, 1, sizeof(frame), sizeof(frame), frame);
	dump_tick(&w, w.opened_ns + 500000000u);
	dump_write(&w, 1, 2, sizeof(frame), sizeof(frame), frame);
	dump_tick(&w, w.opened_ns + 1000000000u);
	dump_write(&w, 1, 3, sizeof(frame), sizeof(frame), frame);
	dump_close(&w);
	assert_int_equal(w.files, 2);
	assert_int_equal(count(in_dir("t.pcap"), NULL, NULL), 2);
	assert_int_equal(count(in_dir("t.pcap1"), NULL, NULL), 1);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pktd-test-dump-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_size_rotation),
		cmocka_unit_test(test_other_linktype_skipped),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_time_rotation),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
