/* Fast exact standard normals for the particle engines: Doornik's ZIGNOR
 * ziggurat (128 layers; "An improved ziggurat method to generate normal
 * random samples", 2005) fed by 64-bit Philox words: the low 7 bits pick the
 * layer, the top 53 bits make the uniform. About 1.2% of the draws need
 * more words, which come from the same (key, counter) stream's next blocks,
 * so a particle's normals depend only on (seed, id, step, replica). */
#ifndef SK_PNORMAL_H
#define SK_PNORMAL_H

#include <Random123/philox.h>
#include <math.h>
#include <stdint.h>

#include "smolkin/rng.h"

#define SK_ZIG_C 128
#define SK_ZIG_R 3.442619855899
#define SK_ZIG_V 9.91256303526217e-3

extern double sk_zig_x[SK_ZIG_C + 1], sk_zig_r[SK_ZIG_C];
/* Fills the tables (once; thread-safe). */
void sk_zig_init(void);

typedef struct sk_pstream {
  philox4x64_key_t key;
  philox4x64_ctr_t ctr; /* ctr.v[2] counts blocks */
  philox4x64_ctr_t buf;
  int idx;
} sk_pstream;

static inline void sk_pstream_init(sk_pstream *s, uint64_t seed, uint64_t stream, uint64_t c0,
                                   uint64_t c1, uint64_t domain) {
  s->key.v[0] = seed;
  s->key.v[1] = stream;
  s->ctr.v[0] = c0;
  s->ctr.v[1] = c1;
  s->ctr.v[2] = 0;
  s->ctr.v[3] = domain;
  s->buf = philox4x64(s->ctr, s->key);
  s->idx = 0;
}

static inline uint64_t sk_pstream_u64(sk_pstream *s) {
  if (s->idx == 4) {
    s->ctr.v[2]++;
    s->buf = philox4x64(s->ctr, s->key);
    s->idx = 0;
  }
  return s->buf.v[s->idx++];
}

static double sk_zig_slow(sk_pstream *s, unsigned i, double u) {
  for (;;) {
    if (i == 0) { /* the tail beyond R (Marsaglia's method) */
      double x, y;
      do {
        x = log(sk_u64_to_unit_pos(sk_pstream_u64(s))) / SK_ZIG_R;
        y = log(sk_u64_to_unit_pos(sk_pstream_u64(s)));
      } while (-2 * y < x * x);
      return u < 0 ? x - SK_ZIG_R : SK_ZIG_R - x;
    }
    double x = u * sk_zig_x[i];
    double f0 = exp(-0.5 * (sk_zig_x[i] * sk_zig_x[i] - x * x));
    double f1 = exp(-0.5 * (sk_zig_x[i + 1] * sk_zig_x[i + 1] - x * x));
    if (f1 + sk_u64_to_unit(sk_pstream_u64(s)) * (f0 - f1) < 1.0) return x;
    uint64_t w = sk_pstream_u64(s);
    i = (unsigned)(w & 0x7F);
    u = 2.0 * sk_u64_to_unit(w) - 1.0;
    if (fabs(u) < sk_zig_r[i]) return u * sk_zig_x[i];
  }
}

static inline double sk_pstream_normal(sk_pstream *s) {
  uint64_t w = sk_pstream_u64(s);
  unsigned i = (unsigned)(w & 0x7F);
  double u = 2.0 * sk_u64_to_unit(w) - 1.0; /* top 53 bits: independent of i */
  if (fabs(u) < sk_zig_r[i]) return u * sk_zig_x[i];
  return sk_zig_slow(s, i, u);
}

#endif
