/* Marcus–Lushnikov process: invariants, reproducibility, error paths, and the
 * exact law of small systems.
 *
 * The reference for small systems is independent of the simulation: the
 * Kolmogorov forward equation on the set of integer partitions of the total
 * mass (a state is the multiset of masses; every unordered pair of particles
 * {i, j} merges at rate K(m_i, m_j)/V), solved by uniformization to 1e-14.
 * Each simulated law is compared with it by a chi-square test; the threshold
 * is the chi-square quantile at level 1e-6, so the false-failure rate of the
 * whole file is below 1e-4 (about 60 tests).
 */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coalescent/cl_internal.h"
#include "coalescent/cl_random.h"
#include "smolkin/coalescent.h"
#include "testutil.h"

/* ------------------------------------------------------ kernels for tests */

/* Brownian-like, not monotone in either mass:
 * K = (n^(1/3) + m^(1/3)) (n^(-1/3) + m^(-1/3)) = 2 + x + 1/x, x = (n/m)^(1/3).
 * Its bound over a rectangle is at the largest mass ratio (x + 1/x increases
 * with |log x|), with a relative margin for rounding. */
static double brown_K(void *ctx, uint64_t n, uint64_t m) {
  (void)ctx;
  double x = cbrt((double)n / (double)m);
  return 2 + x + 1 / x;
}
static double brown_bound(void *ctx, uint64_t nl, uint64_t nh, uint64_t ml, uint64_t mh) {
  (void)ctx;
  double r1 = (double)nh / (double)ml, r2 = (double)mh / (double)nl;
  double x = cbrt(r1 > r2 ? r1 : r2);
  return (2 + x + 1 / x) * (1 + 1e-12);
}

/* Constant 1 for masses up to nmax = 3 (heavier particles are inert). */
static double one_K(void *ctx, uint64_t n, uint64_t m) {
  (void)ctx;
  (void)n;
  (void)m;
  return 1.0;
}
static double one_bound(void *ctx, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  (void)ctx;
  (void)a;
  (void)b;
  (void)c;
  (void)d;
  return 1.0;
}

/* A bound that is wrong (too small), to check that it is caught. */
static double bad_bound(void *ctx, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  (void)ctx;
  (void)a;
  (void)b;
  (void)c;
  (void)d;
  return 2.0;
}
static double lin_K(void *ctx, uint64_t n, uint64_t m) {
  (void)ctx;
  return (double)(n + m);
}

typedef struct {
  const char *name;
  int classical; /* SK_COAG_* or -1 */
  double scale;
  sk_ml_kernel_fn fn;
  sk_ml_bound_fn bound;
  uint64_t nmax;
  sk_ml_sampler sampler;
} kcase;

static const kcase kcases[] = {
    {"constant/auto", SK_COAG_CONSTANT, 1.3, NULL, NULL, 0, SK_ML_SAMPLER_AUTO},
    {"additive/auto", SK_COAG_ADDITIVE, 0.7, NULL, NULL, 0, SK_ML_SAMPLER_AUTO},
    {"multiplicative/auto", SK_COAG_MULTIPLICATIVE, 0.5, NULL, NULL, 0, SK_ML_SAMPLER_AUTO},
    {"constant/general", SK_COAG_CONSTANT, 1.3, NULL, NULL, 0, SK_ML_SAMPLER_GENERAL},
    {"additive/general", SK_COAG_ADDITIVE, 0.7, NULL, NULL, 0, SK_ML_SAMPLER_GENERAL},
    {"multiplicative/general", SK_COAG_MULTIPLICATIVE, 0.5, NULL, NULL, 0, SK_ML_SAMPLER_GENERAL},
    {"brownian/custom", -1, 1, brown_K, brown_bound, SK_ML_MASS_MAX, SK_ML_SAMPLER_AUTO},
    {"one up to 3/custom", -1, 1, one_K, one_bound, 3, SK_ML_SAMPLER_AUTO},
};
#define NKCASES (sizeof kcases / sizeof *kcases)

static sk_ml_kernel *make_kernel(const kcase *c) {
  sk_ml_kernel *k = NULL;
  sk_error err;
  int rc = c->classical >= 0
               ? sk_ml_kernel_create_classical((sk_coag_kind)c->classical, c->scale, &k, &err)
               : sk_ml_kernel_create_custom(c->fn, c->bound, NULL, c->nmax, c->name, &k, &err);
  if (rc) fail_msg("%s: %s", c->name, err.msg);
  return k;
}

/* ------------------------------------------------ invariants, every sampler */

static void test_invariants(void **state) {
  (void)state;
  const double times[] = {0, 0.05, 0.5, 1, 2.5, 6};
  const uint64_t init[] = {700, 200, 50, 0, 10}; /* 960 particles, mass 1300 */
  for (size_t c = 0; c < NKCASES; ++c)
    for (int poly = 0; poly < 2; ++poly) {
      sk_ml_kernel *k = make_kernel(&kcases[c]);
      sk_ml_config cfg = {.N = poly ? 960 : 3000,
                          .init_counts = poly ? init : NULL,
                          .ninit = poly ? 5 : 0,
                          .hist_max = 40,
                          .sampler = kcases[c].sampler};
      sk_ml *s;
      sk_error err;
      assert_int_equal(sk_ml_create(k, &cfg, 11, (uint64_t)(c * 2 + poly), &s, &err), SK_OK);
      uint64_t M = sk_ml_total_mass(s), n_prev = sk_ml_particles(s);
      assert_true(M == (poly ? 1300u : 3000u));
      for (size_t i = 0; i < sizeof times / sizeof *times; ++i) {
        assert_int_equal(sk_ml_advance(s, times[i], &err), SK_OK);
        assert_true(sk_ml_time(s) == times[i]);
        if (sk_ml_check(s, &err)) fail_msg("%s (poly %d) at t = %g: %s", kcases[c].name, poly, times[i], err.msg);
        assert_true(sk_ml_total_mass(s) == M);
        assert_true(sk_ml_particles(s) <= n_prev);
        assert_true(sk_ml_events(s) == cfg.N - sk_ml_particles(s));
        assert_true(sk_ml_proposals(s) >= sk_ml_events(s));
        n_prev = sk_ml_particles(s);
      }
      /* the process went somewhere */
      assert_true(sk_ml_particles(s) < cfg.N / 2);
      /* one particle left at the end for the classical kernels */
      if (kcases[c].classical >= 0) {
        assert_int_equal(sk_ml_advance(s, 1e6, &err), SK_OK);
        if (sk_ml_particles(s) != 1) fail_msg("%s: %llu particles left", kcases[c].name, (unsigned long long)sk_ml_particles(s));
        assert_true(sk_ml_max_mass(s) == M);
        assert_int_equal(sk_ml_check(s, &err), SK_OK);
      }
      sk_ml_free(s);
      sk_ml_kernel_free(k);
    }
}

/* ------------------------------------------------------- reproducibility */

static void state_of(sk_ml *s, uint64_t *out) {
  out[0] = sk_ml_particles(s);
  out[1] = sk_ml_sum_squares(s);
  out[2] = sk_ml_max_mass(s);
  out[3] = sk_ml_events(s);
  out[4] = sk_ml_proposals(s);
  for (int m = 1; m <= 8; ++m) out[4 + m] = sk_ml_count(s, (uint64_t)m);
}

static void test_reproducible(void **state) {
  (void)state;
  for (size_t c = 0; c < NKCASES; ++c) {
    sk_ml_kernel *k = make_kernel(&kcases[c]);
    sk_ml_config cfg = {.N = 5000, .hist_max = 8, .sampler = kcases[c].sampler};
    sk_ml *a, *b;
    sk_error err;
    assert_int_equal(sk_ml_create(k, &cfg, 5, 3, &a, &err), SK_OK);
    assert_int_equal(sk_ml_create(k, &cfg, 5, 3, &b, &err), SK_OK);
    uint64_t x[13], y[13];
    assert_int_equal(sk_ml_advance(a, 0.7, &err), SK_OK);
    /* (stopping on the way gives another, equally exact, path: the residual
     * waiting time or Poisson number is redrawn at each stop) */
    assert_int_equal(sk_ml_advance(b, 0.3, &err), SK_OK);
    state_of(a, x);
    assert_int_equal(sk_ml_reset(b, 5, 3, &err), SK_OK);
    assert_int_equal(sk_ml_advance(b, 0.7, &err), SK_OK);
    state_of(b, y);
    assert_memory_equal(x, y, sizeof x);
    /* another replica gives another path */
    assert_int_equal(sk_ml_reset(b, 5, 4, &err), SK_OK);
    assert_int_equal(sk_ml_advance(b, 0.7, &err), SK_OK);
    state_of(b, y);
    assert_true(memcmp(x, y, sizeof x) != 0);
    sk_ml_free(a);
    sk_ml_free(b);
    sk_ml_kernel_free(k);
  }
}

/* sk_ml_run gives bitwise identical results with 1 and 2 threads. */
static void test_threads(void **state) {
  (void)state;
  sk_ml_kernel *k;
  sk_error err;
  assert_int_equal(sk_ml_kernel_create_classical(SK_COAG_ADDITIVE, 1, &k, &err), SK_OK);
  const double times[] = {0.2, 1};
  const uint64_t masses[] = {1, 3};
  sk_ml_run_opts o = {.cfg = {.N = 2000, .hist_max = 16},
                      .times = times,
                      .ntimes = 2,
                      .masses = masses,
                      .nmasses = 2,
                      .spectrum = 1,
                      .replicas = 7,
                      .seed = 99};
  sk_ml_results *r1, *r2;
  int nt = omp_get_max_threads();
  omp_set_num_threads(1);
  assert_int_equal(sk_ml_run(k, &o, &r1, &err), SK_OK);
  omp_set_num_threads(2);
  assert_int_equal(sk_ml_run(k, &o, &r2, &err), SK_OK);
  omp_set_num_threads(nt);
  assert_memory_equal(r1->M0, r2->M0, 2 * sizeof *r1->M0);
  assert_memory_equal(r1->M2, r2->M2, 2 * sizeof *r1->M2);
  assert_memory_equal(r1->f, r2->f, 4 * sizeof *r1->f);
  assert_memory_equal(r1->spec_mean, r2->spec_mean, 2 * 16 * sizeof *r1->spec_mean);
  assert_memory_equal(r1->spec_se, r2->spec_se, 2 * 16 * sizeof *r1->spec_se);
  /* bookkeeping of the results: spectrum and f agree, mass is accounted for */
  for (size_t i = 0; i < 2; ++i) {
    assert_true(r1->f[i * 2 + 0].mean == r1->spec_mean[i * 16 + 0]);
    assert_true(r1->f[i * 2 + 1].mean == r1->spec_mean[i * 16 + 2]);
    double mass = r1->tail_mass[i].mean;
    for (int n = 1; n <= 16; ++n) mass += n * r1->spec_mean[i * 16 + n - 1];
    assert_close(mass, r1->M1[i].mean, 1e-12, 0);
    assert_close(r1->M1[i].mean, 1.0, 1e-15, 0);
    assert_true(r1->M0[i].se > 0);
  }
  sk_ml_results_free(r1);
  sk_ml_results_free(r2);
  /* one replica: no standard error */
  o.replicas = 1;
  assert_int_equal(sk_ml_run(k, &o, &r1, &err), SK_OK);
  assert_true(isnan(r1->M0[0].se));
  assert_true(r1->M0[0].mean > 0);
  sk_ml_results_free(r1);
  sk_ml_kernel_free(k);
}

/* ------------------------------------------------------------ error paths */

static void test_errors(void **state) {
  (void)state;
  sk_ml_kernel *k, *kb;
  sk_ml *s = NULL;
  sk_error err;
  assert_int_equal(sk_ml_kernel_create_classical(SK_COAG_CONSTANT, 1, &k, &err), SK_OK);
  assert_int_equal(sk_ml_kernel_create_classical(SK_COAG_CONSTANT, 0, &kb, &err), SK_EINVAL);
  assert_int_equal(sk_ml_kernel_create_classical(SK_COAG_RECIPE, 1, &kb, &err), SK_EINVAL);
  assert_int_equal(sk_ml_kernel_create_custom(NULL, one_bound, NULL, 3, "x", &kb, &err), SK_EINVAL);
  sk_ml_config cfg = {.N = 0, .hist_max = 4};
  assert_int_equal(sk_ml_create(k, &cfg, 1, 0, &s, &err), SK_ERANGE);
  cfg.N = SK_ML_MASS_MAX + 1;
  assert_int_equal(sk_ml_create(k, &cfg, 1, 0, &s, &err), SK_ERANGE);
  assert_non_null(strstr(err.msg, "N = 2147483648"));
  cfg.N = 10;
  cfg.volume = -1;
  assert_int_equal(sk_ml_create(k, &cfg, 1, 0, &s, &err), SK_EINVAL);
  cfg.volume = 0;
  cfg.hist_max = 0;
  assert_int_equal(sk_ml_create(k, &cfg, 1, 0, &s, &err), SK_EINVAL);
  cfg.hist_max = 4;
  const uint64_t init[] = {3, 3};
  cfg.init_counts = init;
  cfg.ninit = 2;
  assert_int_equal(sk_ml_create(k, &cfg, 1, 0, &s, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "sum to 6"));
  const uint64_t big[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1000000000};
  cfg.init_counts = big;
  cfg.ninit = 10;
  cfg.N = 1000000000;
  assert_int_equal(sk_ml_create(k, &cfg, 1, 0, &s, &err), SK_ERANGE);
  cfg.init_counts = NULL;
  cfg.N = 10;
  assert_int_equal(sk_ml_create(k, &cfg, 1, 0, &s, &err), SK_OK);
  assert_int_equal(sk_ml_advance(s, 1, &err), SK_OK);
  assert_int_equal(sk_ml_advance(s, 0.5, &err), SK_EINVAL);
  assert_int_equal(sk_ml_advance(s, NAN, &err), SK_EINVAL);
  sk_ml_free(s);
  sk_ml_free(NULL);
  sk_ml_kernel_free(NULL);
  sk_ml_results_free(NULL);
  sk_kingman_results_free(NULL);

  /* a bound the kernel exceeds is caught, not silently used */
  assert_int_equal(sk_ml_kernel_create_custom(lin_K, bad_bound, NULL, 1000, "linear", &kb, &err),
                   SK_OK);
  cfg.N = 200;
  assert_int_equal(sk_ml_create(kb, &cfg, 1, 0, &s, &err), SK_OK);
  assert_int_equal(sk_ml_advance(s, 10, &err), SK_EINTERNAL);
  assert_non_null(strstr(err.msg, "exceeds its bound"));
  sk_ml_free(s);
  sk_ml_kernel_free(kb);

  /* run options */
  const double times[] = {0.5, 0.2};
  const uint64_t masses[] = {5};
  sk_ml_run_opts o = {.cfg = {.N = 10, .hist_max = 4}, .times = times, .ntimes = 2, .replicas = 2};
  sk_ml_results *r;
  assert_int_equal(sk_ml_run(k, &o, &r, &err), SK_EINVAL); /* times decrease */
  o.ntimes = 1;
  o.replicas = 0;
  assert_int_equal(sk_ml_run(k, &o, &r, &err), SK_EINVAL);
  o.replicas = 2;
  o.masses = masses;
  o.nmasses = 1;
  assert_int_equal(sk_ml_run(k, &o, &r, &err), SK_EINVAL); /* mass 5 > hist_max */
  sk_ml_kernel_free(k);
  uint64_t b[1];
  assert_int_equal(sk_kingman_sample(0, times, 1, 1, 0, b, &err), SK_EINVAL);
  assert_int_equal(sk_kingman_sample(5, times, 2, 1, 0, b, &err), SK_EINVAL);
}

/* ------------------------------------------- exact law of small systems */

#define MAXP 64 /* partitions */
#define MAXM 12 /* total mass */

typedef struct {
  int np;             /* number of partitions */
  int len[MAXP];
  int part[MAXP][MAXM]; /* non-increasing masses */
} partitions;

static void enum_parts(partitions *P, int rem, int maxpart, int *cur, int len) {
  if (rem == 0) {
    assert_true(P->np < MAXP);
    P->len[P->np] = len;
    memcpy(P->part[P->np], cur, (size_t)len * sizeof *cur);
    P->np++;
    return;
  }
  for (int m = rem < maxpart ? rem : maxpart; m >= 1; --m) {
    cur[len] = m;
    enum_parts(P, rem - m, m, cur, len + 1);
  }
}

static int find_part(const partitions *P, const int *p, int len) {
  for (int i = 0; i < P->np; ++i)
    if (P->len[i] == len && memcmp(P->part[i], p, (size_t)len * sizeof *p) == 0) return i;
  return -1;
}

static int cmp_desc(const void *a, const void *b) { return *(const int *)b - *(const int *)a; }

/* p(t) for the forward equation from state s0, at each time (uniformization). */
static void forward(const partitions *P, const sk_ml_kernel *k, double V, int s0,
                    const double *times, int nt, double out[][MAXP]) {
  static double Q[MAXP][MAXP];
  memset(Q, 0, sizeof Q);
  double lam = 0;
  for (int s = 0; s < P->np; ++s) {
    double tot = 0;
    for (int i = 0; i < P->len[s]; ++i)
      for (int j = i + 1; j < P->len[s]; ++j) {
        double r = sk_ml_kernel_eval(k, (uint64_t)P->part[s][i], (uint64_t)P->part[s][j]) / V;
        if (r == 0) continue;
        int q[MAXM], L = 0;
        for (int a = 0; a < P->len[s]; ++a)
          if (a != i && a != j) q[L++] = P->part[s][a];
        q[L++] = P->part[s][i] + P->part[s][j];
        qsort(q, (size_t)L, sizeof *q, cmp_desc);
        int d = find_part(P, q, L);
        assert_true(d >= 0);
        Q[s][d] += r;
        tot += r;
      }
    Q[s][s] -= tot;
    if (tot > lam) lam = tot;
  }
  lam *= 1.1;
  if (lam == 0) lam = 1;
  for (int ti = 0; ti < nt; ++ti) {
    double v[MAXP] = {0}, acc[MAXP] = {0}, w[MAXP];
    v[s0] = 1;
    double mu = lam * times[ti], pk = exp(-mu), cum = 0;
    for (int kk = 0; kk < 100000 && (cum < 1 - 1e-15 || kk < mu); ++kk) {
      for (int s = 0; s < P->np; ++s) acc[s] += pk * v[s];
      cum += pk;
      /* v <- v (I + Q/lam) */
      for (int s = 0; s < P->np; ++s) w[s] = v[s];
      for (int d = 0; d < P->np; ++d) {
        double x = w[d];
        for (int s = 0; s < P->np; ++s) x += w[s] * Q[s][d] / lam;
        v[d] = x;
      }
      pk *= mu / (kk + 1);
    }
    memcpy(out[ti], acc, sizeof acc);
  }
}

/* The state of a simulated process as a partition index. */
static int sim_part(const partitions *P, const sk_ml *s) {
  int q[MAXM], L = 0;
  for (uint64_t m = sk_ml_hist_max(s); m >= 1; --m)
    for (uint64_t c = 0; c < sk_ml_count(s, m); ++c) q[L++] = (int)m;
  assert_true(sk_ml_tail_count(s) == 0);
  return find_part(P, q, L);
}

/* Chi-square statistic of counts against probabilities, pooling cells with
 * expected count < 5 into one; returns the statistic, *dof the degrees of
 * freedom. */
static double chisq(const long *cnt, const double *p, int n, long R, int *dof) {
  double stat = 0, pool_o = 0, pool_e = 0;
  int cells = 0;
  for (int i = 0; i < n; ++i) {
    double e = p[i] * (double)R;
    if (e < 5) {
      pool_o += (double)cnt[i];
      pool_e += e;
      continue;
    }
    stat += ((double)cnt[i] - e) * ((double)cnt[i] - e) / e;
    cells++;
  }
  if (pool_e > 0) {
    stat += (pool_o - pool_e) * (pool_o - pool_e) / pool_e;
    cells++;
  } else if (pool_o > 0) {
    stat = INFINITY; /* a state of probability 0 was reached */
  }
  *dof = cells - 1;
  return stat;
}

/* The law of the simulated state at three times against the forward
 * equation, for one kernel and sampler. */
static void small_system_one(const char *name, const sk_ml_kernel *k, sk_ml_sampler sampler,
                             const uint64_t *init, size_t ninit, double V, long R) {
  int M = 0, N = 0, s0p[MAXM], L = 0;
  for (size_t i = 0; i < ninit; ++i) {
    M += (int)((i + 1) * init[i]);
    N += (int)init[i];
    for (uint64_t c = 0; c < init[i]; ++c) s0p[L++] = (int)(i + 1);
  }
  qsort(s0p, (size_t)L, sizeof *s0p, cmp_desc);
  partitions P = {0};
  int cur[MAXM];
  enum_parts(&P, M, M, cur, 0);
  int s0 = find_part(&P, s0p, L);
  const double times[] = {0.15, 0.6, 2.0};
  const int nt = 3;
  double p[3][MAXP];
  forward(&P, k, V, s0, times, nt, p);
  sk_ml_config cfg = {.N = (uint64_t)N,
                      .volume = V,
                      .init_counts = init,
                      .ninit = ninit,
                      .hist_max = (uint64_t)M,
                      .sampler = sampler};
  sk_ml *s;
  sk_error err;
  assert_int_equal(sk_ml_create(k, &cfg, 2024, 0, &s, &err), SK_OK);
  long cnt[3][MAXP];
  memset(cnt, 0, sizeof cnt);
  for (long r = 0; r < R; ++r) {
    assert_int_equal(sk_ml_reset(s, 2024, (uint64_t)r, &err), SK_OK);
    for (int ti = 0; ti < nt; ++ti) {
      assert_int_equal(sk_ml_advance(s, times[ti], &err), SK_OK);
      int q = sim_part(&P, s);
      assert_true(q >= 0);
      cnt[ti][q]++;
    }
  }
  for (int ti = 0; ti < nt; ++ti) {
    int dof;
    double x2 = chisq(cnt[ti], p[ti], P.np, R, &dof);
    double lim = dof > 0 ? gsl_cdf_chisq_Qinv(1e-6, dof) : 0;
    if (!(x2 <= lim))
      fail_msg("%s, N = %d, M = %d, t = %g: chi-square %.2f > %.2f (dof %d, level 1e-6)", name, N,
               M, times[ti], x2, lim, dof);
  }
  sk_ml_free(s);
}

static void small_system(const uint64_t *init, size_t ninit, double V, long R) {
  for (size_t c = 0; c < NKCASES; ++c) {
    sk_ml_kernel *k = make_kernel(&kcases[c]);
    small_system_one(kcases[c].name, k, kcases[c].sampler, init, ninit, V, R);
    sk_ml_kernel_free(k);
  }
}

static void test_small_mono(void **state) {
  (void)state;
  const uint64_t init[] = {6};
  small_system(init, 1, 1.7, 20000);
}

static void test_small_poly(void **state) {
  (void)state;
  const uint64_t init[] = {3, 1, 1}; /* masses 1, 1, 1, 2, 3 */
  small_system(init, 3, 2.5, 20000);
}

/* Constant kernel: the number of particles is Kingman's block count run at
 * speed k/V, so E n(t) = sk_kingman_mean(N, k t / V) exactly (an independent
 * formula). N = 40, 20000 replicas, 5 standard errors (rate 6e-7 each). */
static void test_constant_vs_tavare(void **state) {
  (void)state;
  for (int gen = 0; gen < 2; ++gen) {
    sk_ml_kernel *k;
    sk_error err;
    assert_int_equal(sk_ml_kernel_create_classical(SK_COAG_CONSTANT, 2.0, &k, &err), SK_OK);
    const double times[] = {0.1, 1, 5};
    sk_ml_run_opts o = {.cfg = {.N = 40, .volume = 10, .hist_max = 40,
                                .sampler = gen ? SK_ML_SAMPLER_GENERAL : SK_ML_SAMPLER_AUTO},
                        .times = times, .ntimes = 3, .replicas = 20000, .seed = 8};
    sk_ml_results *r;
    assert_int_equal(sk_ml_run(k, &o, &r, &err), SK_OK);
    for (int i = 0; i < 3; ++i) {
      double exact = sk_kingman_mean(40, 2.0 * times[i] / 10) / 10;
      assert_within_se(r->M0[i].mean, exact, r->M0[i].se, 5);
    }
    sk_ml_results_free(r);
    sk_ml_kernel_free(k);
  }
}

/* --------------------------------------------------------- Kingman */

/* Tavaré's mean against the forward equation of the pure death chain
 * (k -> k-1 at rate k(k-1)/2), solved by uniformization; n = 0 ("from
 * infinity") against large n. */
static void test_kingman_formula(void **state) {
  (void)state;
  for (int n = 1; n <= 9; ++n) {
    const double ts[] = {0, 0.05, 0.3, 1, 4};
    for (int ti = 0; ti < 5; ++ti) {
      double lam = n * (n - 1) / 2.0 + 1, mu = lam * ts[ti], pk = exp(-mu), v[10] = {0}, acc[10] = {0};
      v[n] = 1;
      for (int kk = 0; kk < 2000; ++kk) {
        for (int j = 1; j <= n; ++j) acc[j] += pk * v[j];
        double w[10];
        memcpy(w, v, sizeof w);
        for (int j = 1; j <= n; ++j) {
          double out = j * (j - 1) / 2.0 / lam;
          v[j] = w[j] * (1 - out) + (j < n ? w[j + 1] * (j + 1) * j / 2.0 / lam : 0);
        }
        pk *= mu / (kk + 1);
      }
      double mean = 0;
      for (int j = 1; j <= n; ++j) mean += j * acc[j];
      assert_close(sk_kingman_mean((uint64_t)n, ts[ti]), mean, 1e-12, 1e-13);
    }
  }
  assert_close(sk_kingman_mean(1000, 0), 1000, 1e-12, 0);
  assert_true(isinf(sk_kingman_mean(0, 0)));
  assert_true(isnan(sk_kingman_mean(5, -1)));
  /* from infinity: E A(t) ~ 2/t for small t; and the limit of large n */
  assert_close(sk_kingman_mean(0, 1e-4) * 1e-4 / 2, 1, 1e-3, 0);
  /* 0 <= E A(t) - E A_n(t) <= sum_k (2k-1) e^{-k(k-1)t/2} k^2 / n, since
   * 1 - n_[k]/n_(k) <= k(k-1)/n */
  for (double t = 0.01; t < 3; t *= 3) {
    const double n = 1e8;
    double bound = 0;
    for (double k = 1; k < 1e4; ++k) bound += (2 * k - 1) * exp(-k * (k - 1) * t / 2) * k * k / n;
    double d = sk_kingman_mean(0, t) - sk_kingman_mean((uint64_t)n, t);
    assert_true(d >= -1e-12 * sk_kingman_mean(0, t));
    assert_true(d <= bound * (1 + 1e-9) + 1e-12 * sk_kingman_mean(0, t));
  }
  /* E A(t) decreases in t and increases in n */
  assert_true(sk_kingman_mean(50, 0.1) > sk_kingman_mean(50, 0.2));
  assert_true(sk_kingman_mean(50, 0.1) < sk_kingman_mean(60, 0.1));
}

/* Simulated block counts against Tavaré's mean: n = 30, 20000 replicas,
 * 5 standard errors at 4 times (rate 2.3e-6). */
static void test_kingman_sim(void **state) {
  (void)state;
  const double times[] = {0, 0.02, 0.3, 2};
  sk_kingman_results *r;
  sk_error err;
  assert_int_equal(sk_kingman_run(30, times, 4, 20000, 17, NULL, NULL, &r, &err), SK_OK);
  assert_true(r->blocks[0].mean == 30 && r->blocks[0].se == 0);
  for (int i = 1; i < 4; ++i) assert_within_se(r->blocks[i].mean, r->exact[i], r->blocks[i].se, 5);
  sk_kingman_results_free(r);
  /* reproducible, and independent of the thread count */
  sk_kingman_results *a, *b;
  int nt = omp_get_max_threads();
  omp_set_num_threads(1);
  assert_int_equal(sk_kingman_run(30, times, 4, 300, 5, NULL, NULL, &a, &err), SK_OK);
  omp_set_num_threads(2);
  assert_int_equal(sk_kingman_run(30, times, 4, 300, 5, NULL, NULL, &b, &err), SK_OK);
  omp_set_num_threads(nt);
  assert_memory_equal(a->blocks, b->blocks, 4 * sizeof *a->blocks);
  sk_kingman_results_free(a);
  sk_kingman_results_free(b);
}

/* ---------------------------------------------------- exact samplers */

/* Exp(1) by ziggurat: mean, variance, and the probabilities of the layers'
 * edges and of the tail beyond r = 7.697 (only the tail branch reaches it);
 * 2e6 draws, 5 standard errors each (rate 6e-7 each). */
static void test_exp_sampler(void **state) {
  (void)state;
  cl_stream s;
  cl_stream_init(&s, 3, 4, 5);
  const long n = 2000000;
  double sum = 0, sum2 = 0;
  long tail = 0, small = 0, mid = 0;
  for (long i = 0; i < n; ++i) {
    double x = cl_exp(&s);
    assert_true(x >= 0);
    sum += x;
    sum2 += x * x;
    tail += x > 7.697;
    small += x < 0.01;
    mid += x > 1 && x < 1.5;
  }
  double mean = sum / n, var = sum2 / n - mean * mean;
  assert_within_se(mean, 1, 1 / sqrt((double)n), 5);
  assert_within_se(var, 1, sqrt(8.0 / n), 5); /* Var of X^2 is 20, of the variance estimate ~ 8/n */
  const double pt = exp(-7.697), ps = 1 - exp(-0.01), pm = exp(-1) - exp(-1.5);
  assert_within_se((double)tail / n, pt, sqrt(pt * (1 - pt) / n), 5);
  assert_within_se((double)small / n, ps, sqrt(ps * (1 - ps) / n), 5);
  assert_within_se((double)mid / n, pm, sqrt(pm * (1 - pm) / n), 5);
}

/* Poisson(mu) on both branches (multiplication below 10, PTRS above): mean
 * and variance of 200000 draws within 5 standard errors, and P(X = mode)
 * (rate ~ 2e-6 in all). */
static void test_poisson_sampler(void **state) {
  (void)state;
  const double mus[] = {0.3, 4.5, 10.0, 37.5, 1000.0, 1e7};
  cl_stream s;
  cl_stream_init(&s, 9, 1, 2);
  for (size_t q = 0; q < sizeof mus / sizeof *mus; ++q) {
    double mu = mus[q];
    const long n = 200000;
    double sum = 0, sum2 = 0;
    long at_mode = 0;
    double mode = floor(mu);
    for (long i = 0; i < n; ++i) {
      double x = (double)cl_poisson(&s, mu);
      sum += x;
      sum2 += x * x;
      at_mode += x == mode;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    assert_within_se(mean, mu, sqrt(mu / n), 5);
    /* Var of the sample variance: (mu + 2 mu^2) / n (fourth cumulant mu) */
    assert_within_se(var, mu, sqrt((mu + 2 * mu * mu) / n), 5);
    double pm = exp(mode * log(mu) - mu - lgamma(mode + 1));
    assert_within_se((double)at_mode / n, pm, sqrt(pm * (1 - pm) / n), 5);
  }
  assert_true(cl_poisson(&s, 0) == 0);
}

/* --------------------------------------------------------- recipe kernel */

/* K = beta(n, m) from the model (sk_beta_kernel), here with dif(n) = n^(-1/3)
 * and radius_law = power (chi = 1/3), so that K is not monotone in the
 * masses: the bound over every rectangle of masses in 1..48 is checked
 * against the brute-force maximum, and the law of a small system against
 * the forward equation (chi-square at level 1e-6, as above). */
static void test_recipe_kernel(void **state) {
  (void)state;
  sk_model *m;
  sk_error err;
  assert_int_equal(sk_model_create(&m, &err), SK_OK);
  const char *set[] = {"model.dim=3", "interaction.kernel=ball", "interaction.alpha=4",
                       "diffusion.p=0.3333333333333333", "particles.radius_law=power",
                       "particles.chi=0.3333333333333333", "coagulation.kernel=recipe",
                       "coagulation.nmax=48"};
  for (size_t i = 0; i < sizeof set / sizeof *set; ++i)
    assert_int_equal(sk_model_set_assignment(m, set[i], "test", &err), SK_OK);
  assert_int_equal(sk_model_finalize(m, &err), SK_OK);
  sk_ml_kernel *k;
  if (sk_ml_kernel_create_from_model(m, &k, &err)) fail_msg("%s", err.msg);
  assert_string_equal(sk_ml_kernel_name(k), "recipe");
  assert_true(sk_ml_kernel_nmax(k) == 48);
  assert_true(sk_ml_kernel_eval(k, 49, 1) == 0); /* heavier particles are inert */
  /* the kernel is not monotone: K(1, m) first decreases, then increases */
  double k11 = sk_ml_kernel_eval(k, 1, 1), k12 = sk_ml_kernel_eval(k, 1, 2), k148 = sk_ml_kernel_eval(k, 1, 48);
  assert_true(k11 > 0 && k12 > 0 && k148 > 0);
  /* bounds over dyadic rectangles (what the sampler uses) and others */
  const uint64_t edges[][2] = {{1, 1}, {2, 3}, {4, 7}, {8, 15}, {16, 31}, {32, 48}, {1, 48}, {5, 40}, {3, 3}};
  const size_t ne = sizeof edges / sizeof *edges;
  double worst = 1;
  for (size_t a = 0; a < ne; ++a)
    for (size_t b = 0; b < ne; ++b) {
      double mx = 0;
      for (uint64_t n = edges[a][0]; n <= edges[a][1]; ++n)
        for (uint64_t q = edges[b][0]; q <= edges[b][1]; ++q) {
          double v = sk_ml_kernel_eval(k, n, q);
          if (v > mx) mx = v;
        }
      sk_ml_kernel *kk = k;
      double bound = kk->bound(kk->ctx, edges[a][0], edges[a][1], edges[b][0], edges[b][1]);
      if (!(bound >= mx)) fail_msg("bound %.17g < max %.17g", bound, mx);
      if (bound / mx > worst) worst = bound / mx;
    }
  /* not tight when the two monotone factors peak at opposite corners; this
   * costs acceptance only */
  printf("recipe kernel: largest bound / max over the rectangles %.3f\n", worst);
  assert_true(worst < 3);
  const uint64_t init[] = {6};
  small_system_one("recipe", k, SK_ML_SAMPLER_AUTO, init, 1, 3.0, 20000);
  sk_ml_kernel_free(k);
  sk_model_free(m);
}

/* ---------------------------------------------------------- table kernel */

/* K(n, m) from a [coagulation] table file (the ODE module's reader), not
 * monotone, with nmax = 4 < the total mass 6, so that heavier particles are
 * inert: bounds against brute force, and the law of a small system against
 * the forward equation (chi-square at level 1e-6). */
static void test_table_kernel(void **state) {
  (void)state;
  const char *path = sk_test_write_file("ml_table.txt",
                                        "# a symmetric, non-monotone kernel\n"
                                        "1.0, 0.2, 3.0, 0.5, 9\n"
                                        "0.2, 2.0, 0.1, 1.5, 9\n"
                                        "3.0, 0.1, 0.7, 0.0, 9\n"
                                        "0.5, 1.5, 0.0, 4.0, 9\n"
                                        "9,   9,   9,   9,   9\n");
  sk_model *m;
  sk_error err;
  assert_int_equal(sk_model_create(&m, &err), SK_OK);
  char a1[600];
  snprintf(a1, sizeof a1, "coagulation.table=%s", path);
  assert_int_equal(sk_model_set_assignment(m, "coagulation.kernel=table", "test", &err), SK_OK);
  assert_int_equal(sk_model_set_assignment(m, a1, "test", &err), SK_OK);
  assert_int_equal(sk_model_set_assignment(m, "coagulation.nmax=4", "test", &err), SK_OK);
  assert_int_equal(sk_model_finalize(m, &err), SK_OK);
  sk_ml_kernel *k;
  if (sk_ml_kernel_create_from_model(m, &k, &err)) fail_msg("%s", err.msg);
  assert_string_equal(sk_ml_kernel_name(k), "table");
  assert_true(sk_ml_kernel_nmax(k) == 4);
  assert_close(sk_ml_kernel_eval(k, 1, 3), 3.0, 0, 0);
  assert_close(sk_ml_kernel_eval(k, 4, 3), 0.0, 0, 0);
  assert_true(sk_ml_kernel_eval(k, 5, 1) == 0); /* beyond nmax: inert (the 9s are ignored) */
  for (uint64_t nl = 1; nl <= 4; ++nl)
    for (uint64_t nh = nl; nh <= 4; ++nh)
      for (uint64_t ml = 1; ml <= 4; ++ml)
        for (uint64_t mh = ml; mh <= 4; ++mh) {
          double mx = 0;
          for (uint64_t n = nl; n <= nh; ++n)
            for (uint64_t q = ml; q <= mh; ++q)
              if (sk_ml_kernel_eval(k, n, q) > mx) mx = sk_ml_kernel_eval(k, n, q);
          assert_true(k->bound(k->ctx, nl, nh, ml, mh) >= mx);
        }
  const uint64_t init[] = {6};
  small_system_one("table", k, SK_ML_SAMPLER_AUTO, init, 1, 2.0, 20000);
  sk_ml_kernel_free(k);
  sk_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invariants),        cmocka_unit_test(test_reproducible),
      cmocka_unit_test(test_threads),           cmocka_unit_test(test_errors),
      cmocka_unit_test(test_small_mono),        cmocka_unit_test(test_small_poly),
      cmocka_unit_test(test_constant_vs_tavare), cmocka_unit_test(test_kingman_formula),
      cmocka_unit_test(test_kingman_sim),       cmocka_unit_test(test_exp_sampler),
      cmocka_unit_test(test_poisson_sampler),   cmocka_unit_test(test_recipe_kernel),
      cmocka_unit_test(test_table_kernel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
