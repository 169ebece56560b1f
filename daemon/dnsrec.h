/* dnsrec.h: plugins/dns.py's JSON record for a decoded DNS message,
 * written from C straight into the output (no Python object per message). */
#ifndef PKTD_DNSREC_H
#define PKTD_DNSREC_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "output.h"

/* Who sent the message, as the record names it. */
struct dnsrec_meta {
	double ts;
	const char *src, *dst; /* address text, JSON-escaped on the way out */
	size_t src_len, dst_len;
	uint16_t sport, dport;
	const char *transport; /* "udp" or "tcp" */
};

/* Write {"ts", "src", "dst", "sport", "dport", "transport", "id", "qr",
 * "opcode", "rcode", "flags", "questions", "answers"} for `m`, which
 * dns_decode() accepted from msg[0 .. len), as one line. The same bytes
 * pktd.emit() writes for the dict plugins/dns.py builds. Returns -1 with a
 * Python exception set on an output error. */
int dnsrec_write(struct output *o, const struct dnsrec_meta *meta, const uint8_t *msg, size_t len,
		 const struct dns_msg *m);

/* The record's "ts": repr() of the float (Python's shortest round-trip
 * form, "null" when not finite) into out[32]; its length, or -1 with a
 * Python exception set. Exact integer arithmetic for capture times,
 * PyOS_double_to_string for anything else. */
int dnsrec_ts_text(double ts, char *out);

#endif
