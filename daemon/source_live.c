/* source_live.c: live capture through libpcap (pcap(3PCAP), pcap_create(3PCAP)).
 *
 * pcap_create, options, pcap_activate, then the kernel filter and
 * non-blocking mode. Nanosecond time stamps are asked for and micro ones
 * scaled when the platform refuses. pcap_stats' 32-bit counters are
 * widened by adding the difference since the last call (mod 2^32). */
#define _GNU_SOURCE
#include "source_live.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "source_reader.h"

struct live_source {
	pcap_t *p;
	char *name;
	uint32_t linktype;
	uint32_t snaplen;
	bool nano; /* time stamps in ns; else us */
	int fd;

	/* live_read's callback and its state during one pcap_dispatch. */
	live_handler fn;
	void *user;
	int delivered;

	struct pcap_stat last; /* raw counters at the last pcap_stats */
	struct live_stats st;
};

struct live_source *live_open(const struct live_opts *o, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct live_source *l = calloc(1, sizeof(*l));
	if (!l || !(l->name = strdup(o->iface))) {
		snprintf(err, errlen, "%s: out of memory", o->iface);
		free(l);
		return NULL;
	}
	l->p = pcap_create(o->iface, errbuf);
	if (!l->p) {
		snprintf(err, errlen, "%s: %s", o->iface, errbuf);
		goto fail;
	}
	pcap_set_snaplen(l->p, (int)o->snaplen);
	pcap_set_promisc(l->p, o->promisc ? 1 : 0);
	if (o->immediate)
		pcap_set_immediate_mode(l->p, 1);
	else
		pcap_set_timeout(l->p, o->timeout_ms > 0 ? o->timeout_ms : 10);
	if (o->buffer_mb) {
		uint64_t bytes = (uint64_t)o->buffer_mb << 20;
		pcap_set_buffer_size(l->p, bytes > INT32_MAX ? INT32_MAX : (int)bytes);
	}
	l->nano = pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_NANO) == 0;

	int rc = pcap_activate(l->p);
	if (rc < 0) {
		const char *why = pcap_statustostr(rc);
		const char *detail = pcap_geterr(l->p);
		if (rc == PCAP_ERROR_PERM_DENIED)
			snprintf(err, errlen, "%s: %s (live capture needs root or CAP_NET_RAW)%s%s", o->iface, why,
				 detail && *detail ? ": " : "", detail ? detail : "");
		else if (detail && *detail && rc == PCAP_ERROR)
			snprintf(err, errlen, "%s: %s", o->iface, detail);
		else
			snprintf(err, errlen, "%s: %s%s%s", o->iface, why, detail && *detail ? ": " : "",
				 detail ? detail : "");
		goto fail;
	}
	if (rc > 0)
		fprintf(stderr, "pktd: %s: warning: %s: %s\n", o->iface, pcap_statustostr(rc), pcap_geterr(l->p));
	if (l->nano && pcap_get_tstamp_precision(l->p) != PCAP_TSTAMP_PRECISION_NANO)
		l->nano = false;

	if (o->filter && *o->filter) {
		struct bpf_program prog;
		if (pcap_compile(l->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "%s: bad filter '%s': %s", o->iface, o->filter, pcap_geterr(l->p));
			goto fail;
		}
		rc = pcap_setfilter(l->p, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			snprintf(err, errlen, "%s: cannot install filter '%s': %s", o->iface, o->filter,
				 pcap_geterr(l->p));
			goto fail;
		}
	}
	if (pcap_setnonblock(l->p, 1, errbuf) < 0) {
		snprintf(err, errlen, "%s: cannot make the handle non-blocking: %s", o->iface, errbuf);
		goto fail;
	}
	l->fd = pcap_get_selectable_fd(l->p);
	if (l->fd < 0) {
		snprintf(err, errlen, "%s: the capture handle has no selectable descriptor", o->iface);
		goto fail;
	}
	l->linktype = source_linktype_of_dlt(pcap_datalink(l->p));
	int snap = pcap_snapshot(l->p);
	l->snaplen = snap > 0 && (uint32_t)snap < o->snaplen ? (uint32_t)snap : o->snaplen;
	return l;
fail:
	if (l->p)
		pcap_close(l->p);
	free(l->name);
	free(l);
	return NULL;
}

static void live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct live_source *l = (struct live_source *)user;
	struct source_record rec;
	rec.data = bytes;
	rec.caplen = h->caplen < l->snaplen ? h->caplen : l->snaplen;
	rec.wirelen = h->len > h->caplen ? h->len : h->caplen;
	rec.linktype = l->linktype;
	rec.ifindex = 0;
	rec.offset = 0;
	rec.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec * (l->nano ? 1u : 1000u);
	l->delivered++;
	if (!l->fn(l->user, &rec))
		pcap_breakloop(l->p);
}

int live_read(struct live_source *l, int max, live_handler fn, void *user, char *err, size_t errlen)
{
	l->fn = fn;
	l->user = user;
	l->delivered = 0;
	int rc = pcap_dispatch(l->p, max, live_packet, (u_char *)l);
	if (rc == PCAP_ERROR) {
		snprintf(err, errlen, "%s: %s", l->name, pcap_geterr(l->p));
		return -1;
	}
	/* PCAP_ERROR_BREAK: the callback stopped early; what it took counts. */
	return l->delivered;
}

int live_fd(const struct live_source *l)
{
	return l->fd;
}

uint32_t live_linktype(const struct live_source *l)
{
	return l->linktype;
}

uint32_t live_snaplen(const struct live_source *l)
{
	return l->snaplen;
}

const char *live_name(const struct live_source *l)
{
	return l->name;
}

const struct live_stats *live_stats(struct live_source *l)
{
	struct pcap_stat now;
	if (pcap_stats(l->p, &now) == 0) {
		/* u_int counters: the difference mod 2^32 survives one wrap
		 * between calls. */
		l->st.recv += (uint32_t)(now.ps_recv - l->last.ps_recv);
		l->st.drop += (uint32_t)(now.ps_drop - l->last.ps_drop);
		l->st.ifdrop += (uint32_t)(now.ps_ifdrop - l->last.ps_ifdrop);
		l->last = now;
	}
	return &l->st;
}

void live_close(struct live_source *l)
{
	if (!l)
		return;
	pcap_close(l->p);
	free(l->name);
	free(l);
}

static void print_addr(FILE *f, const struct sockaddr *sa)
{
	char buf[INET6_ADDRSTRLEN];
	if (!sa)
		return;
	if (sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof(buf)))
		fprintf(f, " %s", buf);
	else if (sa->sa_family == AF_INET6 &&
		 inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, sizeof(buf)))
		fprintf(f, " %s", buf);
}

int live_list_interfaces(FILE *f, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all = NULL;
	if (pcap_findalldevs(&all, errbuf) < 0) {
		snprintf(err, errlen, "cannot list interfaces: %s", errbuf);
		return -1;
	}
	unsigned i = 0;
	for (pcap_if_t *d = all; d; d = d->next) {
		fprintf(f, "%u.%s", ++i, d->name);
		if (d->flags & PCAP_IF_UP)
			fputs(" [Up", f);
		else
			fputs(" [Down", f);
		if (d->flags & PCAP_IF_RUNNING)
			fputs(", Running", f);
		if (d->flags & PCAP_IF_LOOPBACK)
			fputs(", Loopback", f);
		if (d->flags & PCAP_IF_WIRELESS)
			fputs(", Wireless", f);
		fputc(']', f);
		if (d->description)
			fprintf(f, " (%s)", d->description);
		for (pcap_addr_t *a = d->addresses; a; a = a->next)
			print_addr(f, a->addr);
		fputc('\n', f);
	}
	pcap_freealldevs(all);
	return 0;
}
