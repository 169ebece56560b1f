/* siphash.c: SipHash-c-d (Aumasson and Bernstein, 2012), written from the paper. */
#include "siphash.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static inline void sip_init(struct sip_state *s, const struct siphash_key *k)
{
	s->v0 = k->k0 ^ 0x736f6d6570736575ull; /* "somepseu" */
	s->v1 = k->k1 ^ 0x646f72616e646f6dull; /* "dorandom" */
	s->v2 = k->k0 ^ 0x6c7967656e657261ull; /* "lygenera" */
	s->v3 = k->k1 ^ 0x7465646279746573ull; /* "tedbytes" */
}

static inline void sip_absorb(struct sip_state *s, uint64_t m, unsigned c)
{
	s->v3 ^= m;
	for (unsigned i = 0; i < c; i++)
		sip_round(s);
	s->v0 ^= m;
}

static inline uint64_t sip_finish(struct sip_state *s, unsigned d)
{
	s->v2 ^= 0xff;
	for (unsigned i = 0; i < d; i++)
		sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static inline uint64_t sip_bytes(const struct siphash_key *k, const void *data, size_t len, unsigned c, unsigned d)
{
	const uint8_t *p = data;
	struct sip_state s;
	sip_init(&s, k);
	size_t full = len & ~(size_t)7;
	for (size_t i = 0; i < full; i += 8)
		sip_absorb(&s, load_le64(p + i), c);
	/* Last word: the remaining 0..7 bytes, length mod 256 in the top byte. */
	uint64_t b = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)p[full + i] << (8 * i);
	sip_absorb(&s, b, c);
	return sip_finish(&s, d);
}

uint64_t siphash_24(const struct siphash_key *k, const void *data, size_t len)
{
	return sip_bytes(k, data, len, 2, 4);
}

uint64_t siphash_13(const struct siphash_key *k, const void *data, size_t len)
{
	return sip_bytes(k, data, len, 1, 3);
}

void siphash_key_from_bytes(struct siphash_key *k, const uint8_t bytes[16])
{
	k->k0 = load_le64(bytes);
	k->k1 = load_le64(bytes + 8);
}

static int read_urandom(uint8_t *buf, size_t len)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			errno = e;
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

int siphash_key_random(struct siphash_key *k)
{
	uint8_t buf[16];
	size_t got = 0;
	while (got < sizeof(buf)) {
		ssize_t n = getrandom(buf + got, sizeof(buf) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (read_urandom(buf, sizeof(buf)) < 0)
				return -1;
			got = sizeof(buf);
			break;
		}
		got += (size_t)n;
	}
	siphash_key_from_bytes(k, buf);
	memset(buf, 0, sizeof(buf));
	return 0;
}
