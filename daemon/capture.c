/* capture.c: read inputs into the ring, decoding as we go. */
#include "capture.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"

void capture_init(struct capture *c, const char *const *inputs, unsigned n, uint32_t snaplen, struct ring *ring,
		  struct plugin_host *host)
{
	memset(c, 0, sizeof(*c));
	c->inputs = inputs;
	c->ninputs = n;
	c->snaplen = snaplen;
	c->ring = ring;
	c->host = host;
	c->reasm.complete = -1;
}

int capture_reasm_init(struct capture *c, uint64_t memory, uint32_t max_datagrams, double timeout_s)
{
	struct reasm_config cfg = { memory, max_datagrams, (uint64_t)(timeout_s * 1e9) };
	return reasm_init(&c->reasm, &cfg);
}

/* Publish the datagram reassembly completed, right after the fragment that
 * completed it. False when the ring has no room yet (it stays pending). */
static bool publish_reassembled(struct capture *c)
{
	uint32_t len, linktype, ifindex;
	if (!reasm_pending(&c->reasm, &len, &linktype, &ifindex))
		return true;
	if ((uint64_t)len + sizeof(struct ring_frame) + 16 > c->ring->arena_size / 2) {
		reasm_discard(&c->reasm); /* could never fit: counted as unbuilt */
		return true;
	}
	struct ring_slot *slot = ring_reserve(c->ring, len);
	if (!slot)
		return false;
	reasm_build(&c->reasm, slot->frame->data);
	struct pkt *p = &slot->pkt;
	p->data = slot->frame->data;
	p->ts_ns = c->reasm_ts_ns;
	p->frame_no = c->reasm_frame_no;
	p->caplen = len;
	p->wirelen = len;
	p->linktype = linktype;
	p->ifindex = ifindex;
	decode_packet(p, NULL); /* decode events count captured frames only */
	p->flags |= PKT_FLAG_REASSEMBLED;
	slot->plugin_mask = c->host->n ? plugins_match(c->host, linktype, p->data, len, len) : 0;
	slot->enqueue_ns = 0;
	ring_publish(c->ring, slot, len);
	c->reassembled++;
	return true;
}

static void close_current(struct capture *c)
{
	if (!c->src)
		return;
	c->input_bytes_done += source_bytes_read(c->src);
	source_close(c->src);
	c->src = NULL;
	c->inputs_done++;
}

/* Open the next input; false when none is left. */
static bool open_next(struct capture *c)
{
	char err[512];
	while (!c->src && c->next_input < c->ninputs && !c->stopped) {
		const char *name = c->inputs[c->next_input++];
		c->src = source_open(name, c->snaplen, err, sizeof(err));
		c->current_name = name;
		if (!c->src) {
			fprintf(stderr, "pktd: %s\n", err);
			c->input_errors++;
		}
	}
	return c->src != NULL;
}

/* Say once per link type that pktd does not decode it. */
static void report_linktype(struct capture *c, uint32_t linktype)
{
	for (unsigned i = 0; i < c->nreported; i++)
		if (c->reported_linktypes[i] == linktype)
			return;
	if (c->nreported < CAPTURE_LINKTYPES_REPORTED)
		c->reported_linktypes[c->nreported++] = linktype;
	fprintf(stderr,
		"pktd: %s: link type %u is not decoded; its packets are counted and passed to plugins undecoded\n",
		c->current_name, linktype);
}

enum capture_status capture_fill(struct capture *c, uint32_t max)
{
	char err[512];
	struct source_record rec;
	for (uint32_t n = 0; n < max;) {
		if (c->reasm.complete >= 0) {
			if (!publish_reassembled(c))
				return CAPTURE_FULL;
			n++;
			continue;
		}
		if (!c->src && !open_next(c))
			return CAPTURE_DONE;
		/* Room for the largest record before reading it: a record is
		 * only ever read when it can be queued. */
		struct ring_slot *slot = ring_reserve(c->ring, c->snaplen);
		if (!slot)
			return CAPTURE_FULL;
		enum source_status st = source_next(c->src, &rec, err, sizeof(err));
		if (st != SOURCE_OK) {
			if (st == SOURCE_ERROR) {
				fprintf(stderr, "pktd: %s\n", err);
				c->input_errors++;
			}
			close_current(c);
			continue;
		}
		memcpy(slot->frame->data, rec.data, rec.caplen);
		struct pkt *p = &slot->pkt;
		p->data = slot->frame->data;
		p->ts_ns = rec.ts_ns;
		p->frame_no = ++c->frame_no;
		p->caplen = rec.caplen;
		p->wirelen = rec.wirelen;
		p->linktype = rec.linktype;
		p->ifindex = rec.ifindex;
		decode_packet(p, &c->decode);
		if (p->error == 0)
			c->decoded_clean++;
		else if (p->error == EV_LINK_UNSUPPORTED)
			report_linktype(c, rec.linktype);
		enum reasm_result rr = reasm_add(&c->reasm, p);
		if (rr == REASM_COMPLETE) {
			c->reasm_frame_no = p->frame_no;
			c->reasm_ts_ns = p->ts_ns;
		}
		slot->plugin_mask = c->host->n ? plugins_match(c->host, rec.linktype, p->data, p->caplen, p->wirelen) : 0;
		if (rr != REASM_NOT_FRAGMENT)
			slot->plugin_mask &= c->host->fragments_mask; /* the others get the datagram */
		slot->enqueue_ns = 0;
		ring_publish(c->ring, slot, rec.caplen);
		c->packets_read++;
		c->bytes_read += rec.caplen;
		c->wire_bytes += rec.wirelen;
		n++;
	}
	return CAPTURE_MORE;
}

void capture_stop(struct capture *c)
{
	c->stopped = true;
	close_current(c);
}

void capture_close(struct capture *c)
{
	close_current(c);
	reasm_free(&c->reasm); /* counters stay for the statistics */
}
