/* smolkin — counter-based random numbers (Random123 Philox4x64-10).
 *
 * A stream is keyed by (seed, stream) and positioned by a 64-bit counter:
 * the same (seed, stream, counter) always gives the same numbers, whatever
 * thread draws them. Conventions: stream = particle / replica / pair id,
 * counter = step / event number. Inside one (seed, stream, counter) a stream
 * yields up to 2^64 blocks of four 64-bit words.
 */
#ifndef SMOLKIN_RNG_H
#define SMOLKIN_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_rng {
  uint64_t key[2];   /* (seed, stream) */
  uint64_t ctr[4];   /* (counter, block, 0, domain) */
  uint64_t buf[4];
  int idx;           /* next unused word of buf; 4 = empty */
  int have_normal;   /* Box-Muller keeps its second value */
  double normal;
} sk_rng;

/* Positions r at (seed, stream, counter). domain separates independent uses
 * of the same (seed, stream, counter) triple (e.g. motion vs reactions). */
void sk_rng_init(sk_rng *r, uint64_t seed, uint64_t stream, uint64_t counter, uint64_t domain);
/* The raw Philox4x64 block for a full counter: stateless. */
void sk_philox4x64(uint64_t seed, uint64_t stream, const uint64_t ctr[4], uint64_t out[4]);

uint64_t sk_rng_u64(sk_rng *r);
/* Uniform on [0,1) with 53 random bits. */
double sk_rng_uniform(sk_rng *r);
/* Uniform on (0,1]. */
double sk_rng_uniform_pos(sk_rng *r);
/* Uniform integer in [0, n) without modulo bias (n > 0). */
uint64_t sk_rng_below(sk_rng *r, uint64_t n);
/* Standard normal (Box-Muller, polar-free form; both values are used). */
double sk_rng_normal(sk_rng *r);
/* Exponential with mean 1. */
double sk_rng_exp(sk_rng *r);

/* Helpers for 53-bit conversions of raw words. */
static inline double sk_u64_to_unit(uint64_t x) { return (double)(x >> 11) * 0x1.0p-53; }
static inline double sk_u64_to_unit_pos(uint64_t x) { return ((double)(x >> 11) + 1.0) * 0x1.0p-53; }

#ifdef __cplusplus
}
#endif
#endif
