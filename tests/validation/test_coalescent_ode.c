// ctest: TIMEOUT 900
/* Marcus–Lushnikov means against the exact solutions of the Smoluchowski ODE
 * (2.1) with f(n, 0) = delta_n1 (SPEC §5), for N = 1e4 ... 1e7, and the error
 * shrinking like N^(-1/2).
 *
 * References (closed forms, K = 1, n + m, n m; tau = t/2, x = 1 - e^-t):
 *   constant:       f_n = tau^(n-1) / (1 + tau)^(n+1),  M0 = 1/(1 + tau),  M2 = 1 + t
 *   additive:       f_n = e^-t (n x)^(n-1) e^(-n x) / n!,  M0 = e^-t,  M2 = e^(2t)
 *   multiplicative: f_n = n^(n-2) t^(n-1) e^(-n t) / n!,  M0 = 1 - t/2,  M2 = 1/(1 - t)  (t < 1)
 * (Ziff, Ernst & Hendriks, J. Phys. A 16 (1983); Aldous, Bernoulli 5 (1999);
 * derivations in docs/coalescent.md and docs/ode.md), evaluated by the ODE
 * module's sk_ode_exact_* (include/smolkin/ode_exact.h).
 *
 * Statistics. For each (kernel, N, time, observable) the mean over R
 * independent replicas is compared with the exact value in units of its
 * standard error (sample standard deviation / sqrt(R)). The threshold is the
 * Student-t quantile with R - 1 degrees of freedom at the two-sided level
 * alpha = 1e-3 / (number of comparisons) (Bonferroni), never below 4: the
 * probability that any comparison of the file fails by chance is <= 1e-3.
 * The ML mean differs from the ODE by O(1/N) (measured in docs/coalescent.md:
 * |bias| <= 4 sd/sqrt(N) / sqrt(N) for these observables); with R <= N/200
 * it is below 0.25 standard errors everywhere here.
 * The N^(-1/2) law: the root-mean-square error over replicas,
 * e_N = sqrt(mean_r (x_r - exact)^2), is fitted as log e_N = a + b log N by
 * weighted least squares over N = 1e4, 1e5, 1e6 (R = 48 each; the variance
 * of log e_N is (kappa - 1)/(4R) with kappa the replicas' kurtosis, at least
 * the Gaussian 3); |b + 1/2| must be below 4 of its standard errors (9 fits
 * at two-sided 6.3e-5 each: rate 6e-4). The fit including N = 1e7 (R = 16)
 * is printed too.
 */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smolkin/coalescent.h"
#include "smolkin/ode_exact.h"
#include "smolkin/util.h"
#include "testutil.h"

/* --- exact solutions: the ODE module's closed forms (ode_exact.h, Z = 1, scale = 1) --- */
static double exact_f(int kind, double t, int n) {
  return sk_ode_exact_f((sk_coag_kind)kind, 1.0, 1.0, n, t);
}
static double exact_M0(int kind, double t) {
  return sk_ode_exact_moment((sk_coag_kind)kind, 1.0, 1.0, 0, t);
}
static double exact_M2(int kind, double t) {
  return sk_ode_exact_moment((sk_coag_kind)kind, 1.0, 1.0, 2, t);
}

/* ----------------------------------------------------------- replicas */

enum { Q_M0, Q_M2, Q_F1, Q_F2, Q_F5, Q_MAX, NQ };
static const char *const qname[NQ] = {"M0", "M2", "f(1)", "f(2)", "f(5)", "max/N"};

#define NT 3

/* Per-replica values x[r][i][q] (counts / N) at the times. */
static double *run_replicas(const sk_ml_kernel *k, sk_ml_sampler sampler, uint64_t N, long R,
                            uint64_t seed, const double *times) {
  double *x = malloc((size_t)R * NT * NQ * sizeof *x);
  assert_non_null(x);
  int nth = omp_get_max_threads();
  int failed = 0;
#pragma omp parallel num_threads(nth)
  {
    sk_ml *s = NULL;
    sk_error err;
    sk_ml_config cfg = {.N = N, .hist_max = 8, .sampler = sampler};
#pragma omp for schedule(dynamic, 1)
    for (long r = 0; r < R; ++r) {
      int rc = s ? sk_ml_reset(s, seed, (uint64_t)r, &err)
                 : sk_ml_create(k, &cfg, seed, (uint64_t)r, &s, &err);
      for (int i = 0; i < NT && !rc; ++i) {
        rc = sk_ml_advance(s, times[i], &err);
        double *v = x + ((size_t)r * NT + i) * NQ, iv = 1.0 / (double)N;
        v[Q_M0] = (double)sk_ml_particles(s) * iv;
        v[Q_M2] = (double)sk_ml_sum_squares(s) * iv;
        v[Q_F1] = (double)sk_ml_count(s, 1) * iv;
        v[Q_F2] = (double)sk_ml_count(s, 2) * iv;
        v[Q_F5] = (double)sk_ml_count(s, 5) * iv;
        v[Q_MAX] = (double)sk_ml_max_mass(s) * iv;
      }
      if (rc) {
#pragma omp atomic write
        failed = 1;
      }
    }
    sk_ml_free(s);
  }
  assert_false(failed);
  return x;
}

typedef struct {
  double mean, se, rms, kurt;
} stats;

static stats stats_of(const double *x, long R, int i, int q, double exact) {
  stats s = {0, 0, 0, 0};
  double sum = 0, m2 = 0, m4 = 0, e2 = 0;
  for (long r = 0; r < R; ++r) sum += x[((size_t)r * NT + i) * NQ + q];
  s.mean = sum / R;
  for (long r = 0; r < R; ++r) {
    double v = x[((size_t)r * NT + i) * NQ + q], d = v - s.mean;
    m2 += d * d;
    m4 += d * d * d * d;
    e2 += (v - exact) * (v - exact);
  }
  s.se = sqrt(m2 / (R - 1) / R);
  s.rms = sqrt(e2 / R);
  s.kurt = m2 > 0 ? (m4 / R) / ((m2 / R) * (m2 / R)) : 3;
  return s;
}

static double exact_q(int kind, double t, int q) {
  switch (q) {
    case Q_M0: return exact_M0(kind, t);
    case Q_M2: return exact_M2(kind, t);
    case Q_F1: return exact_f(kind, t, 1);
    case Q_F2: return exact_f(kind, t, 2);
    case Q_F5: return exact_f(kind, t, 5);
    default: return 0; /* the largest cluster is o(N) before gelation */
  }
}

/* t-quantile threshold for a two-sided level alpha, at least 4. */
static double threshold(long R, double alpha) {
  double c = gsl_cdf_tdist_Qinv(alpha / 2, (double)(R - 1));
  return c > 4 ? c : 4;
}

/* ------------------------------------------------- the N sweep, per kernel */

static const int kinds[3] = {SK_COAG_CONSTANT, SK_COAG_ADDITIVE, SK_COAG_MULTIPLICATIVE};
static const double ktimes[3][NT] = {{0.5, 1, 3}, {0.25, 0.5, 1}, {0.25, 0.5, 0.75}};
#define NN 4
static const double Ns[NN] = {1e4, 1e5, 1e6, 1e7};
static const long Rs[NN] = {48, 48, 48, 16};
#define NCMP_SWEEP (3 * NN * NT * 5)
#define NCMP_GENERAL (3 * NT * 5)
#define NCMP_TOTAL (NCMP_SWEEP + NCMP_GENERAL + 15) /* + gelation */

static void test_sweep(void **state) {
  (void)state;
  const double alpha = 1e-3 / NCMP_TOTAL;
  double maxz = 0, sumz2 = 0;
  int nz = 0;
  printf("Marcus-Lushnikov vs exact ODE solutions; z = (mean - exact)/se, threshold: t-quantile at "
         "two-sided level %.2g (>= 4)\n", alpha);
  for (int kk = 0; kk < 3; ++kk) {
    int kind = kinds[kk];
    sk_ml_kernel *k;
    sk_error err;
    assert_int_equal(sk_ml_kernel_create_classical((sk_coag_kind)kind, 1.0, &k, &err), SK_OK);
    double logN[NN], loge[NN][NQ], vare[NN][NQ];
    for (int ni = 0; ni < NN; ++ni) {
      double t0 = sk_wtime();
      double *x = run_replicas(k, SK_ML_SAMPLER_AUTO, (uint64_t)Ns[ni], Rs[ni], 1000 * (uint64_t)(kk + 1) + (uint64_t)ni,
                               ktimes[kk]);
      double wall = sk_wtime() - t0;
      double c = threshold(Rs[ni], alpha);
      printf("%-15s N = %-8.0e R = %-3ld (%.1f s, threshold %.2f)\n", sk_ml_kernel_name(k), Ns[ni],
             Rs[ni], wall, c);
      for (int i = 0; i < NT; ++i) {
        double t = ktimes[kk][i];
        printf("   t = %-5.2f", t);
        for (int q = 0; q < Q_MAX; ++q) {
          double ex = exact_q(kind, t, q);
          stats s = stats_of(x, Rs[ni], i, q, ex);
          double z = (s.mean - ex) / s.se;
          printf("  %s %+6.2f", qname[q], z);
          if (fabs(z) > maxz) maxz = fabs(z);
          sumz2 += z * z;
          nz++;
          if (!(fabs(z) <= c))
            fail_msg("%s N = %g t = %g %s: mean %.10g exact %.10g se %.3g: z = %.2f beyond %.2f",
                     sk_ml_kernel_name(k), Ns[ni], t, qname[q], s.mean, ex, s.se, z, c);
          if (i == 1) { /* the N^(-1/2) fit at the middle time */
            loge[ni][q] = log(s.rms);
            /* never below the Gaussian value (kurtosis 3): the sample
             * kurtosis of few replicas is biased low */
            vare[ni][q] = ((s.kurt > 3 ? s.kurt : 3) - 1) / (4.0 * Rs[ni]);
          }
        }
        stats mx = stats_of(x, Rs[ni], i, Q_MAX, 0);
        printf("  max/N %.2e\n", mx.mean);
      }
      logN[ni] = log(Ns[ni]);
      free(x);
    }
    /* weighted least squares slope of log e_N on log N: asserted over
     * N = 1e4..1e6 (R = 48 each), reported over 1e4..1e7 */
    const int fitq[3] = {Q_M0, Q_F1, Q_M2};
    for (int a = 0; a < 3; ++a) {
      int q = fitq[a];
      double b3 = 0, sb3 = 0;
      printf("%-15s t = %.2f %-5s rms error e_N:", sk_ml_kernel_name(k), ktimes[kk][1], qname[q]);
      for (int ni = 0; ni < NN; ++ni) printf(" %.3e", exp(loge[ni][q]));
      for (int np = 3; np <= NN; ++np) {
        double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int ni = 0; ni < np; ++ni) {
          double w = 1 / vare[ni][q];
          sw += w;
          sx += w * logN[ni];
          sy += w * loge[ni][q];
          sxx += w * logN[ni] * logN[ni];
          sxy += w * logN[ni] * loge[ni][q];
        }
        double det = sw * sxx - sx * sx, b = (sw * sxy - sx * sy) / det, sb = sqrt(sw / det);
        printf("  b(1e4..1e%d) = %.3f +- %.3f", np + 3, b, sb);
        if (np == 3) {
          b3 = b;
          sb3 = sb;
        }
      }
      printf("\n");
      if (!(fabs(b3 + 0.5) <= 4 * sb3))
        fail_msg("%s %s: slope %.3f +- %.3f is not -1/2", sk_ml_kernel_name(k), qname[q], b3, sb3);
    }
    sk_ml_kernel_free(k);
  }
  printf("all z: max |z| = %.2f, mean z^2 = %.3f over %d comparisons (1 expected)\n", maxz,
         sumz2 / nz, nz);
}

/* The general (group-pair majorant) sampler on the classical kernels:
 * N = 1e5, R = 32, the same comparisons. */
static void test_general_sampler(void **state) {
  (void)state;
  const double alpha = 1e-3 / NCMP_TOTAL;
  const long R = 32;
  double c = threshold(R, alpha);
  for (int kk = 0; kk < 3; ++kk) {
    int kind = kinds[kk];
    sk_ml_kernel *k;
    sk_error err;
    assert_int_equal(sk_ml_kernel_create_classical((sk_coag_kind)kind, 1.0, &k, &err), SK_OK);
    double t0 = sk_wtime();
    double *x = run_replicas(k, SK_ML_SAMPLER_GENERAL, 100000, R, 77 + (uint64_t)kk, ktimes[kk]);
    printf("general sampler, %-15s N = 1e5, R = %ld (%.1f s):", sk_ml_kernel_name(k), R,
           sk_wtime() - t0);
    for (int i = 0; i < NT; ++i)
      for (int q = 0; q < Q_MAX; ++q) {
        double ex = exact_q(kind, ktimes[kk][i], q);
        stats s = stats_of(x, R, i, q, ex);
        double z = (s.mean - ex) / s.se;
        printf(" %+.2f", z);
        if (!(fabs(z) <= c))
          fail_msg("general sampler %s t = %g %s: z = %.2f beyond %.2f", sk_ml_kernel_name(k),
                   ktimes[kk][i], qname[q], z, c);
      }
    printf("\n");
    free(x);
    sk_ml_kernel_free(k);
  }
}

/* Past gelation (multiplicative kernel, t > 1). The ML process with K = nm is
 * the Erdos-Renyi graph process on the N unit masses (each pair of units is
 * joined at rate 1/N), so it follows Flory's model, not (2.1) without a gel:
 * the largest cluster holds the fraction theta(t) of the mass,
 * theta = 1 - e^(-t theta), and the other clusters keep
 * f_n = n^(n-2) t^(n-1) e^(-n t) / n! (Norris, Ann. Appl. Probab. 9 (1999);
 * Fournier & Laurencot, Stoch. Proc. Appl. 119 (2009)). N = 1e6, R = 16,
 * t = 1.5, 2, 3: max/N, f(1), f(2), f(5) and M0 = sum_n f_n (the giant counts
 * 1/N); 15 comparisons in the Bonferroni family. */
static void test_gelation(void **state) {
  (void)state;
  const double alpha = 1e-3 / NCMP_TOTAL;
  const double times[NT] = {1.5, 2, 3};
  const long R = 16;
  const uint64_t N = 1000000;
  double c = threshold(R, alpha);
  sk_ml_kernel *k;
  sk_error err;
  assert_int_equal(sk_ml_kernel_create_classical(SK_COAG_MULTIPLICATIVE, 1.0, &k, &err), SK_OK);
  double *x = run_replicas(k, SK_ML_SAMPLER_AUTO, N, R, 4242, times);
  for (int i = 0; i < NT; ++i) {
    double t = times[i], th = 1;
    for (int it = 0; it < 200; ++it) th = 1 - exp(-t * th); /* contraction for t > 1 */
    double m0 = exact_M0(SK_COAG_MULTIPLICATIVE, t); /* Flory's sol M0 */
    const int qs[5] = {Q_MAX, Q_F1, Q_F2, Q_F5, Q_M0};
    const double ex[5] = {th, exact_f(SK_COAG_MULTIPLICATIVE, t, 1),
                          exact_f(SK_COAG_MULTIPLICATIVE, t, 2),
                          exact_f(SK_COAG_MULTIPLICATIVE, t, 5), m0 + 1.0 / (double)N};
    printf("gelation t = %.1f: theta = %.6f", t, th);
    for (int a = 0; a < 5; ++a) {
      stats s = stats_of(x, R, i, qs[a], ex[a]);
      double z = (s.mean - ex[a]) / s.se;
      printf("  %s %.6f (z %+.2f)", qname[qs[a]], s.mean, z);
      if (!(fabs(z) <= c))
        fail_msg("t = %g %s: mean %.8g exact (Flory) %.8g se %.3g z = %.2f", t, qname[qs[a]], s.mean,
                 ex[a], s.se, z);
    }
    printf("\n");
  }
  free(x);
  sk_ml_kernel_free(k);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sweep),
      cmocka_unit_test(test_general_sampler),
      cmocka_unit_test(test_gelation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
