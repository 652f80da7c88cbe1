/*
 * rng.h - the generator's random numbers: xoshiro256** seeded by
 * splitmix64 (public-domain algorithms by Vigna and Blackman).
 *
 * Every draw of `hhmatch gen` comes from an rng seeded here, never from
 * rand() or the clock, and every helper uses integer arithmetic only, so
 * the same seed gives the same bytes on every machine.  A stream number
 * mixed into the seed gives independent streams: one for the population,
 * one per person and source for background rows, one per source for dirt
 * (gen_int.h says which).
 *
 * Changing any function here changes every generated month; the tests
 * and the benchmarks compare months by their bytes.
 *
 * All functions are static inline: they run several times per generated
 * row.  Thread safety: an rng belongs to one thread.
 */
#ifndef HH_GEN_RNG_H
#define HH_GEN_RNG_H

#include <stdint.h>

typedef struct {
	uint64_t s[4];
} rng;

static inline uint64_t rng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seeds r for stream `stream` of seed: the stream number is mixed into
 * the seed, so streams are independent. */
static inline void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = rng_splitmix64(&x);
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n), n < 2^32 (multiply-shift; the bias is < 2^-32). */
static inline uint32_t rng_below(rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline int64_t rng_range(rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rng_below(r, (uint32_t)(hi - lo + 1));
}

/* True with probability ppm / 1,000,000. */
static inline int rng_chance(rng *r, uint32_t ppm) { return rng_below(r, 1000000) < ppm; }

/* Index drawn from n integer weights. */
static inline int rng_pick(rng *r, const unsigned *w, int n)
{
	unsigned total = 0;
	for (int i = 0; i < n; i++)
		total += w[i];
	unsigned x = rng_below(r, total);
	for (int i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* rng_pick over a whole static array of weights. */
#define RNG_PICK(r, w) rng_pick((r), (w), (int)(sizeof(w) / sizeof((w)[0])))

#endif
