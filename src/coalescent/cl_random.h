/* Private to src/coalescent: buffered Philox streams and exact samplers
 * (bounded integers, exponential by ziggurat, Poisson by PTRS).
 *
 * A stream (seed, stream, domain) produces the words of the Philox4x64-10
 * blocks with counter (0, b, 0, domain), b = 0, 1, 2, ... — the same words
 * as sk_rng_init(seed, stream, 0, domain) in include/smolkin/rng.h.
 */
#ifndef SK_CL_RANDOM_H
#define SK_CL_RANDOM_H

#include <Random123/philox.h>
#include <stdint.h>

/* Domains: independent uses of the same (seed, replica). */
enum {
  CL_DOM_ML_MAIN = 0x4d4c0001,   /* ML proposals: one block per proposal */
  CL_DOM_ML_EXTRA = 0x4d4c0002,  /* ML: Poisson counts, retries, rejections */
  CL_DOM_KINGMAN = 0x4b490001
};

#define CL_STREAM_WORDS 64

typedef struct cl_stream {
  philox4x64_key_t key;
  uint64_t dom;
  uint64_t blk;
  unsigned pos;
  uint64_t w[CL_STREAM_WORDS];
} cl_stream;

static inline void cl_philox_block(const philox4x64_key_t *key, uint64_t dom, uint64_t b,
                                   uint64_t out[4]) {
  philox4x64_ctr_t c = {{0, b, 0, dom}};
  philox4x64_ctr_t o = philox4x64(c, *key);
  out[0] = o.v[0];
  out[1] = o.v[1];
  out[2] = o.v[2];
  out[3] = o.v[3];
}

static inline void cl_stream_init(cl_stream *s, uint64_t seed, uint64_t stream, uint64_t dom) {
  s->key.v[0] = seed;
  s->key.v[1] = stream;
  s->dom = dom;
  s->blk = 0;
  s->pos = CL_STREAM_WORDS;
}

static inline void cl_stream_refill(cl_stream *s) {
  for (unsigned i = 0; i < CL_STREAM_WORDS; i += 4) cl_philox_block(&s->key, s->dom, s->blk++, s->w + i);
  s->pos = 0;
}

static inline uint64_t cl_u64(cl_stream *s) {
  if (s->pos == CL_STREAM_WORDS) cl_stream_refill(s);
  return s->w[s->pos++];
}

/* Uniform on [0,1) and (0,1], 53 bits. */
static inline double cl_unif(cl_stream *s) { return (double)(cl_u64(s) >> 11) * 0x1.0p-53; }
static inline double cl_unif_pos(cl_stream *s) {
  return ((double)(cl_u64(s) >> 11) + 1.0) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n >= 1, from the word x (Lemire's
 * multiply-shift); in the rare case (probability < n / 2^64) that x falls in
 * the biased range, further words come from s. Exact. */
static inline uint64_t cl_below(uint64_t x, uint64_t n, cl_stream *s) {
  __uint128_t m = (__uint128_t)x * n;
  uint64_t l = (uint64_t)m;
  if (__builtin_expect(l < n, 0)) {
    uint64_t t = (0 - n) % n;
    while (l < t) {
      x = cl_u64(s);
      m = (__uint128_t)x * n;
      l = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

/* The same map without the rejection step: used only to predict addresses
 * for prefetching. */
static inline uint64_t cl_below_guess(uint64_t x, uint64_t n) {
  return (uint64_t)(((__uint128_t)x * n) >> 64);
}

/* floor(log2 m), m >= 1. */
static inline int cl_log2(uint64_t m) { return 63 - __builtin_clzll(m); }

/* Exp(1) by the ziggurat method (Marsaglia & Tsang, J. Stat. Softw. 5(8),
 * 2000), 256 layers, 53-bit uniforms and an 8-bit layer index from separate
 * bits of one word. Exact: the fast path accepts only points inside the
 * density, the wedge and the tail are sampled exactly. */
double cl_exp(cl_stream *s);
/* Poisson(mu), mu >= 0: multiplication method for mu < 10, otherwise the
 * transformed rejection PTRS of Hörmann (Insurance Math. Econom. 12, 1993). */
uint64_t cl_poisson(cl_stream *s, double mu);

#endif
