#include "smolkin/rng.h"

#include <Random123/philox.h>
#include <math.h>

void sk_philox4x64(uint64_t seed, uint64_t stream, const uint64_t ctr[4], uint64_t out[4]) {
  philox4x64_key_t k = {{seed, stream}};
  philox4x64_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
  philox4x64_ctr_t o = philox4x64(c, k);
  out[0] = o.v[0];
  out[1] = o.v[1];
  out[2] = o.v[2];
  out[3] = o.v[3];
}

void sk_rng_init(sk_rng *r, uint64_t seed, uint64_t stream, uint64_t counter, uint64_t domain) {
  r->key[0] = seed;
  r->key[1] = stream;
  r->ctr[0] = counter;
  r->ctr[1] = 0;
  r->ctr[2] = 0;
  r->ctr[3] = domain;
  r->idx = 4;
  r->have_normal = 0;
  r->normal = 0.0;
}

static void refill(sk_rng *r) {
  sk_philox4x64(r->key[0], r->key[1], r->ctr, r->buf);
  r->ctr[1]++;
  r->idx = 0;
}

uint64_t sk_rng_u64(sk_rng *r) {
  if (r->idx >= 4) refill(r);
  return r->buf[r->idx++];
}

double sk_rng_uniform(sk_rng *r) { return sk_u64_to_unit(sk_rng_u64(r)); }

double sk_rng_uniform_pos(sk_rng *r) { return sk_u64_to_unit_pos(sk_rng_u64(r)); }

uint64_t sk_rng_below(sk_rng *r, uint64_t n) {
  /* Lemire's multiply-shift with rejection. */
  uint64_t x = sk_rng_u64(r);
  __uint128_t m = (__uint128_t)x * n;
  uint64_t l = (uint64_t)m;
  if (l < n) {
    uint64_t t = (0 - n) % n;
    while (l < t) {
      x = sk_rng_u64(r);
      m = (__uint128_t)x * n;
      l = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

double sk_rng_normal(sk_rng *r) {
  if (r->have_normal) {
    r->have_normal = 0;
    return r->normal;
  }
  double u1 = sk_rng_uniform_pos(r), u2 = sk_rng_uniform(r);
  double rad = sqrt(-2.0 * log(u1));
  double a = 2.0 * M_PI * u2;
  r->normal = rad * sin(a);
  r->have_normal = 1;
  return rad * cos(a);
}

double sk_rng_exp(sk_rng *r) { return -log(sk_rng_uniform_pos(r)); }
