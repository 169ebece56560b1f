/* metrics.c: /metrics (Prometheus text) and /stats (JSON) over evhttp. */
#define _GNU_SOURCE
#include "metrics.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "account.h"
#include "clock.h"
#include "pktd.h"
#include "prom.h"
#include "pyhost.h"
#include "pymod.h"

struct metrics {
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	struct pktd *d;
	char address[128];
	uint64_t requests;
};

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	prom_family(f, name, "counter", help);
	prom_u64(f, name, "", v);
}

static void gauge(FILE *f, const char *name, const char *help, double v)
{
	prom_family(f, name, "gauge", help);
	prom_double(f, name, "", v);
}

static void plugin_family(FILE *f, const struct pktd *d, const char *name, const char *type, const char *help,
			  int which)
{
	char labels[256];
	prom_family(f, name, type, help);
	for (unsigned i = 0; i < d->host.n; i++) {
		const struct plugin *p = &d->host.plugins[i];
		labels[0] = 0;
		prom_label(labels, sizeof(labels), "plugin", p->name);
		switch (which) {
		case 0: prom_u64(f, name, labels, p->dispatched); break;
		case 1: prom_u64(f, name, labels, p->calls); break;
		case 2: prom_u64(f, name, labels, p->errors); break;
		case 3: prom_double(f, name, labels, (double)p->time_ns / 1e9); break;
		case 4: prom_u64(f, name, labels, p->matched); break;
		case 5: prom_u64(f, name, labels, p->skipped_disabled); break;
		default: prom_u64(f, name, labels, p->disabled ? 1 : 0); break;
		}
	}
}

void metrics_write(const struct pktd *d, FILE *f)
{
	struct account a;
	char labels[256];
	account_take(d, &a);
	struct capture_counts k; /* the capture thread's, copied */
	capture_counts(&d->capture, &k);

	prom_family(f, "pktd_info", "gauge", "pktd build and mode (always 1)");
	labels[0] = 0;
	prom_label(labels, sizeof(labels), "version", PKTD_VERSION);
	prom_label(labels, sizeof(labels), "mode", a.live ? "live" : "file");
	if (d->cfg.interface)
		prom_label(labels, sizeof(labels), "interface", d->cfg.interface);
	prom_u64(f, "pktd_info", labels, 1);
	uint64_t now = clock_mono_ns();
	gauge(f, "pktd_uptime_seconds", "seconds since the capture started",
	      d->started_ns && now > d->started_ns ? (double)(now - d->started_ns) / 1e9 : 0);

	counter(f, "pktd_received_packets_total",
		"packets that reached the capture: captured + kernel and interface drops + undelivered", a.received);
	counter(f, "pktd_kernel_received_packets_total", "live: packets that passed the kernel filter (ps_recv)",
		a.kernel_received);
	counter(f, "pktd_captured_packets_total", "packets handed to pktd by libpcap or read from files",
		a.captured);
	counter(f, "pktd_captured_bytes_total", "captured bytes", a.captured_bytes);
	prom_family(f, "pktd_dropped_packets_total", "counter", "packets lost, by cause");
	static const char *causes[] = { "kernel", "interface", "ring_full" };
	uint64_t drops[] = { a.kernel_dropped, a.interface_dropped, a.ring_dropped };
	for (unsigned i = 0; i < 3; i++) {
		labels[0] = 0;
		prom_label(labels, sizeof(labels), "cause", causes[i]);
		prom_u64(f, "pktd_dropped_packets_total", labels, drops[i]);
	}
	gauge(f, "pktd_undelivered_packets",
	      "live: packets past the kernel filter not handed to pktd (in the kernel buffer, or discarded by libpcap)",
	      (double)a.undelivered);
	counter(f, "pktd_queued_packets_total", "packets published into the ring", a.queued);
	counter(f, "pktd_reassembled_packets_total", "datagrams built from IP fragments", a.reassembled);
	reasm_write_prom(&k.reasm, f);
	flowstage_write_prom(&d->flows, f);
	counter(f, "pktd_dispatched_packets_total", "packets every plugin has seen", a.dispatched);
	counter(f, "pktd_filtered_out_packets_total", "dispatched packets no plugin's FILTER matched",
		a.filtered_out);
	counter(f, "pktd_decode_problem_packets_total", "captured packets with a decode problem",
		a.decode_problems);
	prom_family(f, "pktd_decode_errors_total", "counter", "decode events, by reason");
	for (unsigned i = 1; i < EV_COUNT; i++) {
		labels[0] = 0;
		prom_label(labels, sizeof(labels), "reason", decode_event_name(i));
		prom_u64(f, "pktd_decode_errors_total", labels, k.decode.events[i]);
	}
	counter(f, "pktd_input_errors_total", "inputs that failed to open or broke", k.input_errors);

	gauge(f, "pktd_ring_slots", "ring capacity in packets", d->ring.nslots);
	gauge(f, "pktd_ring_used_slots", "packets in the ring now", (double)a.in_ring);
	gauge(f, "pktd_ring_high_water_slots", "most packets in the ring at once", (double)k.ring_high_water);
	counter(f, "pktd_ring_full_total", "times the capture stage found the ring full", k.ring_full_stalls);
	counter(f, "pktd_ring_pinned_frames_total", "frames kept in the arena by views past their callback",
		d->ring.pinned_total);

	plugin_family(f, d, "pktd_plugin_packets_total", "counter", "packets handed to the plugin", 0);
	plugin_family(f, d, "pktd_plugin_calls_total", "counter", "on_packet/on_batch calls", 1);
	plugin_family(f, d, "pktd_plugin_errors_total", "counter", "exceptions raised by the plugin's hooks", 2);
	plugin_family(f, d, "pktd_plugin_seconds_total", "counter", "time spent in the plugin's hooks", 3);
	plugin_family(f, d, "pktd_plugin_matched_packets_total", "counter", "packets the plugin's FILTER matched", 4);
	plugin_family(f, d, "pktd_plugin_skipped_packets_total", "counter",
		      "matched packets not handed over because the plugin was disabled", 5);
	plugin_family(f, d, "pktd_plugin_disabled", "gauge", "1 when the plugin was disabled after errors", 6);

	prom_family(f, "pktd_gc_pause_seconds", "histogram", "Python garbage collection pauses, by generation");
	for (int g = 0; g < 3; g++) {
		char gen[4];
		snprintf(gen, sizeof(gen), "%d", g);
		labels[0] = 0;
		prom_label(labels, sizeof(labels), "generation", gen);
		prom_histogram(f, "pktd_gc_pause_seconds", labels, &d->gc.pauses[g]);
	}
	prom_family(f, "pktd_gc_collected_objects_total", "counter", "unreachable objects found, by generation");
	for (int g = 0; g < 3; g++) {
		char gen[4];
		snprintf(gen, sizeof(gen), "%d", g);
		labels[0] = 0;
		prom_label(labels, sizeof(labels), "generation", gen);
		prom_u64(f, "pktd_gc_collected_objects_total", labels, d->gc.collected[g]);
	}
	gauge(f, "pktd_python_allocated_blocks", "Python memory blocks allocated now",
	      (double)_Py_GetAllocatedBlocks());
	counter(f, "pktd_output_records_total", "records written by pktd.emit", d->out.records);
	counter(f, "pktd_output_errors_total", "records that could not be encoded or written",
		d->out.errors + pymod_counters.emit_errors);
	counter(f, "pktd_write_packets_total", "packets written to -w files", d->dump.packets);
	counter(f, "pktd_write_files_total", "-w files opened", d->dump.files);
}

static void reply(struct evhttp_request *req, int code, const char *reason, const char *type, const char *body,
		  size_t len)
{
	struct evbuffer *eb = evbuffer_new();
	if (!eb) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evbuffer_add(eb, body, len);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_send_reply(req, code, reason, eb);
	evbuffer_free(eb);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	struct pktd *d = m->d;
	m->requests++;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "only GET");
		return;
	}
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	int which = !path ? -1 : strcmp(path, "/metrics") == 0 ? 0 : strcmp(path, "/stats") == 0 ? 1 : -1;
	if (which < 0) {
		static const char body[] = "pktd: try /metrics or /stats\n";
		reply(req, 404, "Not Found", "text/plain; charset=utf-8", body, sizeof(body) - 1);
		return;
	}
	capture_refresh_kstats(&d->capture);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	if (which == 0)
		metrics_write(d, f);
	else
		stats_json_write(d, f);
	fclose(f);
	if (which == 0)
		reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", buf, len);
	else
		reply(req, 200, "OK", "application/json", buf, len);
	free(buf);
}

/* "PORT", "ADDR:PORT", "[V6ADDR]:PORT" -> host and port. */
static int parse_spec(const char *spec, char *host, size_t hostlen, unsigned *port)
{
	const char *colon = strrchr(spec, ':');
	const char *p = colon ? colon + 1 : spec;
	char *end;
	unsigned long v = strtoul(p, &end, 10);
	if (!*p || *end || v > 65535)
		return -1;
	*port = (unsigned)v;
	if (!colon) {
		snprintf(host, hostlen, "127.0.0.1");
		return 0;
	}
	size_t n = (size_t)(colon - spec);
	if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
		spec++;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, spec, n);
	host[n] = 0;
	return 0;
}

struct metrics *metrics_start(struct event_base *base, const char *spec, struct pktd *d, char *err, size_t errlen)
{
	char host[96];
	unsigned port;
	if (parse_spec(spec, host, sizeof(host), &port) < 0) {
		snprintf(err, errlen, "--metrics '%s': expected PORT or ADDR:PORT", spec);
		return NULL;
	}
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m || !(m->http = evhttp_new(base))) {
		snprintf(err, errlen, "--metrics: out of memory");
		free(m);
		return NULL;
	}
	m->d = d;
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_gencb(m->http, on_request, m);
	m->sock = evhttp_bind_socket_with_handle(m->http, host, (ev_uint16_t)port);
	if (!m->sock) {
		snprintf(err, errlen, "--metrics %s: cannot listen on %s port %u: %s", spec, host, port,
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		evhttp_free(m->http);
		free(m);
		return NULL;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned bound = port;
	if (getsockname(evhttp_bound_socket_get_fd(m->sock), (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
			bound = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
			bound = ntohs(s6->sin6_port);
		}
	}
	snprintf(m->address, sizeof(m->address), strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, bound);
	return m;
}

const char *metrics_address(const struct metrics *m)
{
	return m->address;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	evhttp_free(m->http);
	free(m);
}
