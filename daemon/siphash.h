/* siphash.h: SipHash-2-4 and SipHash-1-3, keyed 64-bit hashes (Aumasson and
 * Bernstein, "SipHash: a fast short-input PRF", INDOCRYPT 2012).
 *
 * The flow table keys its hash with a random 128-bit key chosen at start-up,
 * so an attacker who does not know the key cannot choose packets that collide
 * (hash flooding). SipHash-2-4 is the paper's recommended PRF; SipHash-1-3 is
 * the faster variant CPython (3.11+) and Rust use for hash tables, and the one
 * the flow table uses on every packet.
 *
 * Written from the paper's description: the state is four 64-bit words
 * initialised from the key and the constants "somepseudorandomlygeneratedbytes";
 * each 8-byte little-endian message word m is absorbed as v3 ^= m,
 * c SipRounds, v0 ^= m; the last word carries the message length (mod 256) in
 * its top byte; finalisation is v2 ^= 0xff, d SipRounds, and the result is
 * v0 ^ v1 ^ v2 ^ v3. */
#ifndef PKTD_SIPHASH_H
#define PKTD_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0, k1; /* the 16 key bytes, read little-endian */
};

/* The key from 16 bytes (k0 = bytes 0..7 little-endian, k1 = bytes 8..15),
 * as in the paper's test vectors. */
void siphash_key_from_bytes(struct siphash_key *k, const uint8_t bytes[16]);

/* A random key from getrandom(2) (falling back to /dev/urandom). Returns -1
 * with errno when neither source works. */
int siphash_key_random(struct siphash_key *k);

uint64_t siphash_24(const struct siphash_key *k, const void *data, size_t len);
uint64_t siphash_13(const struct siphash_key *k, const void *data, size_t len);

/* SipHash-1-3 of nwords 64-bit words followed by tail_len (0..7) more
 * bytes, `tail` (their little-endian value, below 2^(8 * tail_len)):
 * equal to siphash_13() over the 8 * nwords + tail_len little-endian bytes
 * (no byte loads: the flow table packs its keys into words, and a key of
 * one word and 7 bytes takes one round less than one of two words).
 * Inline: with constant arguments the compiler unrolls it, and the flow
 * table calls it on every packet. */
static inline uint64_t siphash_rotl_(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPHASH_ROUND_(v0, v1, v2, v3)                                  \
	do {                                                            \
		v0 += v1;                                               \
		v1 = siphash_rotl_(v1, 13);                             \
		v1 ^= v0;                                               \
		v0 = siphash_rotl_(v0, 32);                             \
		v2 += v3;                                               \
		v3 = siphash_rotl_(v3, 16);                             \
		v3 ^= v2;                                               \
		v0 += v3;                                               \
		v3 = siphash_rotl_(v3, 21);                             \
		v3 ^= v0;                                               \
		v2 += v1;                                               \
		v1 = siphash_rotl_(v1, 17);                             \
		v1 ^= v2;                                               \
		v2 = siphash_rotl_(v2, 32);                             \
	} while (0)

static inline uint64_t siphash_13_words_tail(const struct siphash_key *k, const uint64_t *w, size_t nwords,
					     uint64_t tail, unsigned tail_len)
{
	uint64_t v0 = k->k0 ^ 0x736f6d6570736575ull, v1 = k->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k->k0 ^ 0x6c7967656e657261ull, v3 = k->k1 ^ 0x7465646279746573ull;
	for (size_t i = 0; i < nwords; i++) {
		v3 ^= w[i];
		SIPHASH_ROUND_(v0, v1, v2, v3);
		v0 ^= w[i];
	}
	uint64_t b = tail | (uint64_t)((nwords * 8 + tail_len) & 0xff) << 56;
	v3 ^= b;
	SIPHASH_ROUND_(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPHASH_ROUND_(v0, v1, v2, v3);
	SIPHASH_ROUND_(v0, v1, v2, v3);
	SIPHASH_ROUND_(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The same without a tail: 8 * nwords bytes. */
static inline uint64_t siphash_13_words(const struct siphash_key *k, const uint64_t *w, size_t nwords)
{
	return siphash_13_words_tail(k, w, nwords, 0, 0);
}

#endif
