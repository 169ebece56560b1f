/* cursor.h: bounds-checked big-endian readers over a byte span.
 *
 * Every byte a decoder touches goes through these readers (the idea of
 * tcpdump's extract.h): a read that would pass `end` returns false and
 * leaves the cursor where it was, so a decoder can never read past caplen
 * or past the length its outer layer declared. */
#ifndef PKTD_CURSOR_H
#define PKTD_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

struct cursor {
	const uint8_t *base; /* start of the frame */
	uint32_t off;        /* next byte to read, relative to base */
	uint32_t end;        /* first byte not readable (<= caplen) */
};

static inline struct cursor cursor_make(const uint8_t *base, uint32_t off, uint32_t end)
{
	struct cursor c = { base, off, end };
	return c;
}

static inline uint32_t cursor_left(const struct cursor *c)
{
	return c->off < c->end ? c->end - c->off : 0;
}

static inline bool cursor_has(const struct cursor *c, uint32_t n)
{
	return cursor_left(c) >= n;
}

/* Narrow the readable span, e.g. to an IP total length; never widens it. */
static inline void cursor_limit(struct cursor *c, uint32_t len)
{
	if (cursor_left(c) > len)
		c->end = c->off + len;
}

static inline bool cursor_skip(struct cursor *c, uint32_t n)
{
	if (!cursor_has(c, n))
		return false;
	c->off += n;
	return true;
}

static inline bool cursor_u8(struct cursor *c, uint8_t *v)
{
	if (!cursor_has(c, 1))
		return false;
	*v = c->base[c->off];
	c->off += 1;
	return true;
}

static inline bool cursor_be16(struct cursor *c, uint16_t *v)
{
	if (!cursor_has(c, 2))
		return false;
	const uint8_t *p = c->base + c->off;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	c->off += 2;
	return true;
}

static inline bool cursor_be32(struct cursor *c, uint32_t *v)
{
	if (!cursor_has(c, 4))
		return false;
	const uint8_t *p = c->base + c->off;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	c->off += 4;
	return true;
}

/* Little-endian reads, for the host-order headers of NULL/LOOP and SLL. */
static inline bool cursor_le32(struct cursor *c, uint32_t *v)
{
	if (!cursor_has(c, 4))
		return false;
	const uint8_t *p = c->base + c->off;
	*v = ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
	c->off += 4;
	return true;
}

/* Peek without consuming: the value `at` bytes ahead of the cursor. */
static inline bool cursor_peek_u8(const struct cursor *c, uint32_t at, uint8_t *v)
{
	if (cursor_left(c) < at + 1 || at + 1 < at)
		return false;
	*v = c->base[c->off + at];
	return true;
}

static inline bool cursor_peek_be16(const struct cursor *c, uint32_t at, uint16_t *v)
{
	if (cursor_left(c) < at + 2 || at + 2 < at)
		return false;
	const uint8_t *p = c->base + c->off + at;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	return true;
}

#endif
