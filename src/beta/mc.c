/* The Monte Carlo method: Lemma 1.6 / 1.4, with an exact path scheme.
 *
 * u(x) is the probability that Brownian motion with generator Laplacian
 * (dX = sqrt(2) dW) started at x is killed at rate lambda V. With
 * Lam = lambda sup V, killing at rate lambda V(X_t) is the thinning of a
 * Poisson clock of rate Lam: at each ring, kill with probability
 * V(X)/sup V. Between rings the motion is free, so the positions at the
 * ring times are exact Gaussian steps x -> x + sqrt(2 T) xi, T ~ Exp(Lam).
 * Whenever the position x at a ring lies outside the unit ball (|x| = rho > 1,
 * where V = 0), the strong Markov property lets us decide the rest exactly:
 * the motion ever hits the unit sphere with probability rho^(2-d) (else it
 * escapes and survives), at a point distributed by the exterior harmonic
 * measure, and the clock restarts there (memorylessness). There is no time
 * step and hence no discretisation bias: the only error is statistical.
 *
 * Exterior harmonic measure. By Kelvin inversion it equals the interior
 * harmonic measure from x* = x / rho^2 (|x*| = s = 1/rho), whose density
 * (1 - s^2)/|x* - y|^d (w.r.t. normalised surface measure) becomes, in terms
 * of the direction e of y seen from x*, the density 1 + a/D w.r.t. the
 * uniform direction, a = x*.e, D = sqrt(a^2 + 1 - s^2) (the ray from x* in
 * direction e meets the sphere at y = x* + (D - a) e). Since |a/D| < 1 we
 * sample e uniformly and accept with probability (1 + a/D)/2 (acceptance
 * rate exactly 1/2, any d). See docs/beta.md.
 *
 * beta = alpha int V * E[1 - u(X0)], X0 ~ V / int V: one path per start
 * point, X0 by rejection from the uniform law on the ball. Randomness:
 * Philox keyed by (seed, path index), so results do not depend on the
 * number of threads; paths are counted in fixed chunks summed in order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beta/beta_internal.h"
#include "smolkin/rng.h"

enum { DOMAIN_BETA = 0x62657461u, DOMAIN_U = 0x75u };
#define CHUNK 2048
#define MAX_STEPS_PER_PATH 100000000LL

struct sk_mc {
  const sk_kernel *V;
  int d;
  double lambda, supV, Lam;
  uint64_t seed;
  long long paths, survived, steps, unfinished;
};

static void normal_vec(sk_rng *r, int d, double *x) {
  for (int i = 0; i < d; ++i) x[i] = sk_rng_normal(r);
}

static void unit_vec(sk_rng *r, int d, double *e) {
  double n2;
  do {
    normal_vec(r, d, e);
    n2 = 0;
    for (int i = 0; i < d; ++i) n2 += e[i] * e[i];
  } while (n2 < 1e-300);
  double inv = 1.0 / sqrt(n2);
  for (int i = 0; i < d; ++i) e[i] *= inv;
}

/* From x with |x| = rho > 1, the point where the motion first hits the unit
 * sphere, given that it does. */
void sk_mc_exterior_hit(sk_rng *r, int d, const double *x, double rho, double *y) {
  double s = 1.0 / rho, xs[SK_MAX_DIM], e[SK_MAX_DIM];
  double one_m_s2 = (1.0 - s) * (1.0 + s);
  for (int i = 0; i < d; ++i) xs[i] = x[i] / (rho * rho);
  for (;;) {
    unit_vec(r, d, e);
    double a = 0;
    for (int i = 0; i < d; ++i) a += xs[i] * e[i];
    double D = sqrt(a * a + one_m_s2);
    if (2.0 * sk_rng_uniform(r) >= 1.0 + a / D) continue;
    double L = a > 0 ? one_m_s2 / (D + a) : D - a; /* D - a without cancellation */
    double n2 = 0;
    for (int i = 0; i < d; ++i) {
      y[i] = xs[i] + L * e[i];
      n2 += y[i] * y[i];
    }
    double inv = 1.0 / sqrt(n2); /* on the sphere up to rounding: put it there */
    for (int i = 0; i < d; ++i) y[i] *= inv;
    return;
  }
}

/* One killed path from x (modified). Returns 1 if killed, 0 if it escapes,
 * -1 if the step cap was hit; *steps counts clock rings. */
static int run_path(const sk_mc *m, sk_rng *r, double *x, long long *steps) {
  int d = m->d;
  double xi[SK_MAX_DIM];
  for (long long k = 0; k < MAX_STEPS_PER_PATH; ++k) {
    double r2 = 0;
    for (int i = 0; i < d; ++i) r2 += x[i] * x[i];
    if (r2 > 1.0) {
      double rho = sqrt(r2);
      double hit = pow(rho, 2 - d);
      if (sk_rng_uniform(r) >= hit) return 0; /* escapes for ever */
      sk_mc_exterior_hit(r, d, x, rho, xi);
      memcpy(x, xi, (size_t)d * sizeof *x);
    }
    double T = sk_rng_exp(r) / m->Lam;
    double sd = sqrt(2.0 * T);
    normal_vec(r, d, xi);
    r2 = 0;
    for (int i = 0; i < d; ++i) {
      x[i] += sd * xi[i];
      r2 += x[i] * x[i];
    }
    ++*steps;
    if (r2 <= 1.0 && sk_rng_uniform(r) * m->supV < sk_kernel_eval(m->V, x)) return 1;
  }
  return -1;
}

/* X0 ~ V / int V by rejection from the uniform law on the unit ball. */
static void sample_start(const sk_mc *m, sk_rng *r, double *x) {
  int d = m->d;
  for (;;) {
    unit_vec(r, d, x);
    double rad = pow(sk_rng_uniform_pos(r), 1.0 / d);
    for (int i = 0; i < d; ++i) x[i] *= rad;
    if (sk_rng_uniform(r) * m->supV < sk_kernel_eval(m->V, x)) return;
  }
}

typedef struct {
  long long killed, steps, unfinished;
} chunk_count;

typedef enum { START_V = 0, START_AT, START_HIT } start_mode;

/* Runs `paths` paths: from X0 ~ V/int V (START_V), from x0 (START_AT), or
 * from the first hitting point of the unit sphere from x0, |x0| > 1
 * (START_HIT). Path i uses the Philox stream (seed, i) at `counter` in
 * `domain`, so the uses never share random numbers. */
static int run_many(const sk_mc *m, start_mode mode, const double *x0, uint64_t counter,
                    uint64_t domain, long long paths, chunk_count *tot) {
  long long nchunks = (paths + CHUNK - 1) / CHUNK;
  chunk_count *cc = calloc((size_t)nchunks, sizeof *cc);
  if (!cc) return SK_ENOMEM;
  int d = m->d;
  double rho0 = 0;
  if (mode == START_HIT) {
    for (int i = 0; i < d; ++i) rho0 += x0[i] * x0[i];
    rho0 = sqrt(rho0);
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (long long c = 0; c < nchunks; ++c) {
    long long i0 = c * CHUNK, i1 = i0 + CHUNK < paths ? i0 + CHUNK : paths;
    chunk_count k = {0, 0, 0};
    double x[SK_MAX_DIM];
    for (long long i = i0; i < i1; ++i) {
      sk_rng r;
      sk_rng_init(&r, m->seed, (uint64_t)i, counter, domain);
      if (mode == START_V) sample_start(m, &r, x);
      else if (mode == START_AT) memcpy(x, x0, (size_t)d * sizeof *x);
      else sk_mc_exterior_hit(&r, d, x0, rho0, x);
      int res = run_path(m, &r, x, &k.steps);
      if (res > 0) ++k.killed;
      else if (res < 0) ++k.unfinished;
    }
    cc[c] = k;
  }
  memset(tot, 0, sizeof *tot);
  for (long long c = 0; c < nchunks; ++c) {
    tot->killed += cc[c].killed;
    tot->steps += cc[c].steps;
    tot->unfinished += cc[c].unfinished;
  }
  free(cc);
  return SK_OK;
}

int sk_mc_solve(const sk_kernel *V, double lambda, long long paths, uint64_t seed, sk_mc **out,
                sk_error *err) {
  *out = NULL;
  int d = sk_kernel_dim(V);
  if (d < 3) return sk_error_set(err, SK_ERANGE, "the Monte Carlo method needs d >= 3 (d = %d)", d);
  if (paths < 2)
    return sk_error_set(err, SK_EINVAL, "Monte Carlo paths = %lld (accepted: >= 2)", paths);
  sk_mc *m = calloc(1, sizeof *m);
  if (!m) return sk_error_set(err, SK_ENOMEM, "out of memory");
  m->V = V;
  m->d = d;
  m->lambda = lambda;
  m->supV = sk_kernel_sup(V);
  m->Lam = lambda * m->supV;
  m->seed = seed;
  m->paths = paths;
  if (!(m->Lam > 0) || !isfinite(m->Lam)) {
    free(m);
    return sk_error_set(err, SK_EINVAL, "killing rate bound lambda sup V = %g (accepted: finite, > 0)",
                        lambda * sk_kernel_sup(V));
  }
  chunk_count t;
  if (run_many(m, START_V, NULL, 0, DOMAIN_BETA, paths, &t)) {
    free(m);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  if (t.unfinished) {
    free(m);
    return sk_error_set(err, SK_ENUMERIC,
                        "Monte Carlo: %lld path(s) neither killed nor escaped after %lld steps",
                        t.unfinished, MAX_STEPS_PER_PATH);
  }
  m->survived = paths - t.killed;
  m->steps = t.steps;
  *out = m;
  return SK_OK;
}

void sk_mc_free(sk_mc *m) { free(m); }

void sk_mc_survival(const sk_mc *m, double *p, double *se) {
  double n = (double)m->paths;
  *p = (double)m->survived / n;
  *se = sqrt(*p * (1 - *p) / (n - 1));
}

long long sk_mc_paths(const sk_mc *m) { return m->paths; }
double sk_mc_mean_steps(const sk_mc *m) { return (double)m->steps / (double)m->paths; }

/* A 64-bit hash of the point, so u(x) at a point is reproducible. */
static uint64_t point_hash(const double *x, int d) {
  uint64_t h = 1469598103934665603ull;
  for (int i = 0; i < d; ++i) {
    uint64_t b;
    memcpy(&b, &x[i], sizeof b);
    for (int k = 0; k < 8; ++k) {
      h ^= (b >> (8 * k)) & 0xffu;
      h *= 1099511628211ull;
    }
  }
  return h;
}

void sk_mc_u(const sk_mc *m, const double *x, long long paths, double *u, double *se) {
  int d = m->d;
  if (paths < 2) paths = m->paths;
  double r2 = 0;
  for (int i = 0; i < d; ++i) r2 += x[i] * x[i];
  /* Outside the ball u(x) = rho^(2-d) E[u(Y)], Y the hitting point given a
   * hit: simulating from Y removes the escape part of the variance. */
  double factor = r2 > 1.0 ? pow(sqrt(r2), 2 - d) : 1.0;
  chunk_count t;
  int rc = run_many(m, r2 > 1.0 ? START_HIT : START_AT, x, point_hash(x, d), DOMAIN_U, paths, &t);
  if (rc || t.unfinished) {
    *u = *se = NAN;
    return;
  }
  double q = (double)t.killed / (double)paths;
  *u = factor * q;
  *se = factor * sqrt(q * (1 - q) / (double)(paths - 1));
}
