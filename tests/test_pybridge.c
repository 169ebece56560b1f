/* test_pybridge.c: the Python bridge: loading, hooks, FILTER, exceptions,
 * the view lifetime contract, and allocation-free attribute reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "decode.h"
#include "dispatch.h"
#include "pyhost.h"
#include "pymod.h"
#include "ring.h"

static char tmpdir[64];
static struct ring ring;
static struct decode_counters counters;

/* 14 + 20 + 8 + payload: Ethernet / IPv4 10.0.0.1 > 10.0.0.2 / UDP sport > dport. */
static uint32_t make_udp(uint8_t *f, uint16_t sport, uint16_t dport, uint8_t fill, uint32_t plen)
{
	memset(f, 0, 42);
	memcpy(f, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
	uint8_t *ip = f + 14;
	uint16_t tot = (uint16_t)(28 + plen);
	ip[0] = 0x45, ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot, ip[8] = 64, ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	uint8_t *udp = ip + 20;
	udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport, udp[2] = (uint8_t)(dport >> 8), udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)((8 + plen) >> 8), udp[5] = (uint8_t)(8 + plen);
	memset(udp + 8, fill, plen);
	return 42 + plen;
}

static uint64_t frame_no;

/* Publish one UDP packet into the ring, decoded, with plugin mask. */
static void feed(struct plugin_host *h, uint16_t sport, uint16_t dport, uint8_t fill)
{
	uint8_t buf[128];
	uint32_t len = make_udp(buf, sport, dport, fill, 16);
	struct ring_slot *s = ring_reserve(&ring, len);
	assert_non_null(s);
	memcpy(s->frame->data, buf, len);
	struct pkt *p = &s->pkt;
	p->data = s->frame->data;
	p->caplen = p->wirelen = len;
	p->linktype = LINKTYPE_ETHERNET;
	p->frame_no = ++frame_no;
	p->ts_ns = 1000000000ull * frame_no;
	decode_packet(p, &counters);
	s->plugin_mask = plugins_match(h, p->linktype, p->data, p->caplen, p->wirelen);
	ring_publish(&ring, s, len);
}

static const char *write_plugin(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s.py", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static struct plugin_host *load(const char *name, const char *text, uint32_t max_errors)
{
	static struct plugin_host h;
	const char *path = write_plugin(name, text);
	assert_int_equal(plugins_load(&h, &path, 1, 64, max_errors, 65535), 0);
	assert_int_equal(plugins_setup(&h, NULL), 0);
	return &h;
}

static long module_long(struct plugin_host *h, const char *expr)
{
	PyObject *globals = PyModule_GetDict(h->plugins[0].module);
	PyObject *r = PyRun_String(expr, Py_eval_input, globals, globals);
	if (!r) {
		PyErr_Print();
		fail_msg("eval failed: %s", expr);
	}
	long v = PyLong_AsLong(r);
	Py_DECREF(r);
	return v;
}

static void run_all(struct plugin_host *h)
{
	struct dispatcher d;
	dispatch_init(&d, &ring, h);
	while (dispatch_run(&d, 64) > 0)
		;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pktd-test-XXXXXX");
	if (!mkdtemp(tmpdir) || pyhost_start() < 0)
		return -1;
	return ring_init(&ring, 1024, 1 << 20, 16);
}

static int group_teardown(void **state)
{
	(void)state;
	pyhost_stop();
	ring_free(&ring);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* setup, on_packet and teardown run, and attributes carry the packet. */
static void test_hooks_and_attributes(void **state)
{
	(void)state;
	struct plugin_host *h = load("hooks",
				     "import pktd\n"
				     "seen = []\n"
				     "ready = 0\n"
				     "def setup(ctx):\n"
				     "    global ready\n"
				     "    ready = ctx.name == 'hooks'\n"
				     "def on_packet(pkt):\n"
				     "    seen.append((pkt.frame, pkt.sport, pkt.dport, pkt.src, pkt.dst, pkt.proto,\n"
				     "                 len(pkt.payload), pkt.payload[0], bytes(pkt.payload[:2]), pkt.layers))\n"
				     "done = 0\n"
				     "def teardown():\n"
				     "    global done\n"
				     "    done = 1\n",
				     100);
	feed(h, 1000, 53, 0x41);
	feed(h, 1001, 54, 0x42);
	run_all(h);
	plugins_teardown(h);
	assert_int_equal(module_long(h, "ready"), 1);
	assert_int_equal(module_long(h, "done"), 1);
	assert_int_equal(module_long(h, "len(seen)"), 2);
	assert_int_equal(module_long(h, "seen[1][1]"), 1001);
	assert_int_equal(module_long(h, "seen[1][2]"), 54);
	assert_int_equal(module_long(h, "seen[0][3] == '10.0.0.1' and seen[0][4] == '10.0.0.2'"), 1);
	assert_int_equal(module_long(h, "seen[0][5]"), 17);
	assert_int_equal(module_long(h, "seen[0][6]"), 16);
	assert_int_equal(module_long(h, "seen[1][7]"), 0x42);
	assert_int_equal(module_long(h, "seen[1][8] == b'BB'"), 1);
	assert_int_equal(module_long(h, "seen[0][9] == ('eth', 'ipv4', 'udp')"), 1);
	assert_int_equal(h->plugins[0].dispatched, 2);
	plugins_free(h);
}

/* FILTER runs in C: Python sees only matching packets. */
static void test_filter_in_c(void **state)
{
	(void)state;
	struct plugin_host *h = load("filtered",
				     "FILTER = 'udp dst port 53'\n"
				     "n = 0\n"
				     "def on_packet(pkt):\n"
				     "    global n\n"
				     "    n += 1\n",
				     100);
	for (int i = 0; i < 10; i++)
		feed(h, 1000, (uint16_t)(i % 2 ? 53 : 80), 0);
	run_all(h);
	assert_int_equal(module_long(h, "n"), 5);
	assert_int_equal(h->plugins[0].matched, 5);
	plugins_free(h);
}

/* on_batch gets every packet once, through a reused sequence. */
static void test_on_batch(void **state)
{
	(void)state;
	struct plugin_host *h = load("batched",
				     "frames = []\n"
				     "def on_batch(pkts):\n"
				     "    for p in pkts:\n"
				     "        frames.append(p.frame)\n",
				     100);
	uint64_t first = frame_no + 1;
	for (int i = 0; i < 150; i++)
		feed(h, 1, 2, 0);
	run_all(h);
	assert_int_equal(module_long(h, "len(frames)"), 150);
	assert_int_equal(module_long(h, "len(set(frames))"), 150);
	assert_int_equal(module_long(h, "frames[0]"), (long)first);
	assert_true(h->plugins[0].calls >= 3); /* batches of 64 */
	plugins_free(h);
}

/* Exceptions are counted; N in a row disable the plugin; the rest is
 * counted as skipped, not lost. */
static void test_exceptions_disable(void **state)
{
	(void)state;
	struct plugin_host *h = load("raiser",
				     "def on_packet(pkt):\n"
				     "    raise RuntimeError('boom')\n",
				     3);
	for (int i = 0; i < 10; i++)
		feed(h, 1, 2, 0);
	run_all(h);
	struct plugin *p = &h->plugins[0];
	assert_int_equal(p->errors, 3);
	assert_true(p->disabled);
	assert_int_equal(p->skipped_disabled, 7);
	assert_int_equal(p->matched, 10);
	assert_null(PyErr_Occurred());
	plugins_free(h);
}

/* A packet, view or slice kept past its callback raises; a memoryview kept
 * past it still shows that packet's own bytes (the frame is pinned). */
static void test_view_after_callback(void **state)
{
	(void)state;
	struct plugin_host *h = load("keeper",
				     "import pktd\n"
				     "kept = []\n"
				     "errors = 0\n"
				     "same = 0\n"
				     "def on_packet(pkt):\n"
				     "    global errors, same\n"
				     "    if not kept:\n"
				     "        kept.extend([pkt, pkt.payload, pkt.payload[2:6], memoryview(pkt.raw),\n"
				     "                     bytes(pkt.raw)])\n"
				     "        return\n"
				     "    for probe in (lambda: kept[0].sport, lambda: len(kept[1]), lambda: kept[2][0],\n"
				     "                  lambda: bytes(kept[1])):\n"
				     "        try:\n"
				     "            probe()\n"
				     "        except pktd.ViewError:\n"
				     "            errors += 1\n"
				     "    same += bytes(kept[3]) == kept[4]\n",
				     100);
	for (int i = 0; i < 200; i++)
		feed(h, 7, 8, (uint8_t)i);
	run_all(h);
	assert_int_equal(module_long(h, "errors"), 4 * 199);
	assert_int_equal(module_long(h, "same"), 199);
	assert_true(ring.pinned_total >= 1);
	assert_int_equal(ring_pins_live(&ring), 1);
	assert_true(pymod_counters.packets_retained >= 1);
	PyRun_SimpleString("import sys; sys.modules[[m for m in sys.modules if m.endswith('_keeper')][0]].kept.clear()");
	assert_int_equal(ring_pins_live(&ring), 0);
	plugins_free(h);
}

/* A syntax error or a failing import stops loading. */
static void test_import_errors(void **state)
{
	(void)state;
	struct plugin_host h;
	const char *path = write_plugin("broken", "def on_packet(pkt)\n    pass\n");
	assert_int_equal(plugins_load(&h, &path, 1, 64, 100, 65535), -1);
	plugins_free(&h);
	path = write_plugin("noimport", "import pktd_no_such_module\n");
	assert_int_equal(plugins_load(&h, &path, 1, 64, 100, 65535), -1);
	plugins_free(&h);
	path = write_plugin("badfilter", "FILTER = 'udp port'\n");
	assert_int_equal(plugins_load(&h, &path, 1, 64, 100, 65535), -1);
	plugins_free(&h);
	assert_null(PyErr_Occurred());
}

/* Reading ports, lengths and protocol numbers allocates no Python blocks
 * per packet. */
static void test_reads_allocate_nothing(void **state)
{
	(void)state;
	struct plugin_host *h = load("reader",
				     "acc = [0]\n"
				     "def on_packet(pkt):\n"
				     "    acc[0] = pkt.sport + pkt.dport + pkt.proto + pkt.caplen + pkt.payload_len\n"
				     "    pkt.payload\n"
				     "    pkt.src\n",
				     100);
	for (int i = 0; i < 100; i++)
		feed(h, 1234, 5678, 0);
	run_all(h);
	Py_ssize_t before = _Py_GetAllocatedBlocks();
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 500; i++)
			feed(h, 1234, 5678, 0);
		run_all(h);
	}
	Py_ssize_t after = _Py_GetAllocatedBlocks();
	assert_true(after - before < 20);
	assert_int_equal(h->plugins[0].dispatched, 10100);
	plugins_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks_and_attributes),
		cmocka_unit_test(test_filter_in_c),
		cmocka_unit_test(test_on_batch),
		cmocka_unit_test(test_exceptions_disable),
		cmocka_unit_test(test_view_after_callback),
		cmocka_unit_test(test_import_errors),
		cmocka_unit_test(test_reads_allocate_nothing),
	};
	return cmocka_run_group_tests_name("pybridge", tests, group_setup, group_teardown);
}
