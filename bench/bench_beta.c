/* Benchmarks of the beta module (figures recorded in docs/bench-beta.md).
 *
 *   bench_beta            all sections
 *   bench_beta radial     one radial beta (target <= 1 ms)
 *   bench_beta table      the 100 x 100 beta(n,m) table (target <= 1 s)
 *   bench_beta grid       grid to 1e-4 (target <= 10 s)
 *   bench_beta mc         Monte Carlo paths per second
 *   bench_beta accuracy   radial vs the closed forms for the ball (d = 3..12)
 *
 * Times are wall-clock (sk_wtime); the radial figure is the mean over many
 * repetitions, the others the best of three runs. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_bessel.h>

#include "smolkin/beta.h"
#include "smolkin/model.h"
#include "smolkin/util.h"

static sk_kernel *make(sk_vkind kind, int d) {
  sk_error err;
  sk_kernel *V;
  sk_kernel_spec sp = {.kind = kind, .dim = d, .gauss_width = 0.3, .axes = {0.5, 0.3, 0.2}};
  if (sk_kernel_create(&sp, &V, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    exit(1);
  }
  return V;
}

/* ball, any d >= 3: DSUM (d-2)|S| k I_{nu+1}(k) / ((d-2) I_nu(k) + k I_{nu+1}(k)) */
static double ball_bessel(int d, double alpha, double dsum) {
  double k = sqrt(alpha / dsum), nu = 0.5 * d - 1;
  double kr = k * gsl_sf_bessel_Inu_scaled(nu + 1, k) / gsl_sf_bessel_Inu_scaled(nu, k);
  return dsum * (d - 2) * sk_unit_sphere_area(d) * kr / ((d - 2) + kr);
}

static void bench_accuracy(void) {
  printf("== accuracy of radial for the ball: max relative error over alpha = 1e-3..1e4\n");
  printf("   (half decades) x DSUM in {0.1, 0.5, 2, 10}\n");
  const double dsums[] = {0.1, 0.5, 2, 10};
  for (int d = 3; d <= 12; ++d) {
    sk_kernel *V = make(SK_V_BALL, d);
    double m1 = 0, m2 = 0, mest = 0;
    for (int i = 0; i < 4; ++i)
      for (int e = -6; e <= 8; ++e) {
        double alpha = pow(10.0, 0.5 * e), D = dsums[i];
        sk_error err;
        sk_beta_result r;
        sk_beta_compute(V, alpha, D, NULL, &r, &err);
        if (d == 3) {
          long double k = sqrtl((long double)alpha / D);
          double ex = (double)(4 * M_PI * (long double)D * ((k - tanhl(k)) / k));
          m1 = fmax(m1, fabs(r.beta / ex - 1));
        }
        if (d == 5) {
          long double k = sqrtl((long double)alpha / D), kr, z = k * k;
          if (k < 0.1L) /* power series of k i_2(k) / i_1(k) */
            kr = z / 5 * (1 + z / 14 + z * z / 504 + z * z * z / 33264) /
                 (1 + z / 10 + z * z / 280 + z * z * z / 15120);
          else
            kr = ((k * k + 3) * tanhl(k) - 3 * k) / (k - tanhl(k));
          double ex = (double)(8 * M_PI * M_PI * (long double)D * kr / (3 + kr));
          m1 = fmax(m1, fabs(r.beta / ex - 1));
        }
        m2 = fmax(m2, fabs(r.beta / ball_bessel(d, alpha, D) - 1));
        mest = fmax(mest, r.err_est / r.beta);
      }
    if (d == 3) printf("d = 3: vs 4 pi DSUM (1 - tanh k / k): %.2e;", m1);
    else if (d == 5) printf("d = 5: vs the elementary closed form: %.2e;", m1);
    else printf("d = %d:", d);
    printf(" vs GSL Bessel form: %.2e; max err_est/beta %.1e\n", m2, mest);
    sk_kernel_free(V);
  }
  printf("\n");
}

static void bench_radial(void) {
  printf("== radial: time per beta (sk_beta_compute, incl. the error-estimate solve), DSUM = 2\n");
  printf("%-6s %2s %10s %12s %10s\n", "kernel", "d", "alpha", "ms/beta", "err_est/b");
  const sk_vkind kinds[] = {SK_V_BALL, SK_V_BUMP, SK_V_GAUSS};
  const double alphas[] = {1e-3, 1, 10, 1e3, 1e4};
  double worst = 0;
  for (int d = 3; d <= 5; d += 2)
    for (int q = 0; q < 3; ++q) {
      sk_kernel *V = make(kinds[q], d);
      for (int a = 0; a < 5; ++a) {
        sk_error err;
        sk_beta_result r;
        int reps = 0;
        double t0 = sk_wtime(), t;
        do {
          if (sk_beta_compute(V, alphas[a], 2.0, NULL, &r, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
          }
          ++reps;
          t = sk_wtime() - t0;
        } while (t < 0.2);
        double ms = 1e3 * t / reps;
        if (ms > worst) worst = ms;
        printf("%-6s %2d %10g %12.4f %10.1e\n", sk_kernel_name(V), d, alphas[a], ms, r.err_est / r.beta);
      }
      sk_kernel_free(V);
    }
  printf("worst: %.3f ms per beta (target <= 1 ms)\n\n", worst);
}

static sk_model *model(const char *p, const char *kernel, const char *alpha) {
  sk_error err;
  sk_model *m;
  if (sk_model_create(&m, &err) || sk_model_set(m, "diffusion.p", p, "bench", &err) ||
      sk_model_set(m, "interaction.kernel", kernel, "bench", &err) ||
      sk_model_set(m, "interaction.alpha", alpha, "bench", &err) || sk_model_finalize(m, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    exit(1);
  }
  return m;
}

static void bench_table(void) {
  printf("== beta(n,m) table, n,m <= K (sk_beta_model_table: build the interpolant + fill)\n");
  printf("%-6s %8s %6s %6s %10s %8s %8s %12s\n", "kernel", "p", "alpha", "K", "time s", "pieces",
         "solves", "max rel err");
  const char *cases[][3] = {{"0.3333333333333333", "bump", "50"}, {"0.3333333333333333", "ball", "10"},
                            {"1", "gauss", "10"}, {"0", "bump", "50"}};
  const long long Ks[] = {100, 100, 100, 100};
  for (int c = 0; c < 4; ++c) {
    sk_model *m = model(cases[c][0], cases[c][1], cases[c][2]);
    long long K = Ks[c];
    double *t = malloc((size_t)(K * K) * sizeof *t);
    double best = 1e30;
    sk_error err;
    for (int rep = 0; rep < 3; ++rep) {
      double t0 = sk_wtime();
      if (sk_beta_model_table(m, K, NULL, t, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
      }
      best = fmin(best, sk_wtime() - t0);
    }
    sk_beta_kernel *bk;
    sk_beta_kernel_create(m, K, NULL, &bk, &err);
    /* accuracy: against direct solves on a sample of (n, m) */
    double maxrel = 0;
    for (long long n = 1; n <= K; n += 7)
      for (long long k = 1; k <= K; k += 13) {
        sk_beta_result r;
        double D = sk_model_dif(m, n) + sk_model_dif(m, k);
        sk_beta_compute(sk_model_kernel(m), sk_model_params(m)->alpha, D, NULL, &r, &err);
        maxrel = fmax(maxrel, fabs(t[(n - 1) * K + (k - 1)] / r.beta - 1));
      }
    printf("%-6s %8.4g %6s %6lld %10.4f %8zu %8ld %12.2e\n", cases[c][1], atof(cases[c][0]), cases[c][2], K,
           best, sk_beta_kernel_pieces(bk), sk_beta_kernel_solves(bk), maxrel);
    sk_beta_kernel_free(bk);
    free(t);
    sk_model_free(m);
  }
  printf("(target: a 100 x 100 table in <= 1 s, 1e-10 relative)\n\n");
}

static void bench_grid(void) {
  printf("== grid (default rtol 1e-4, N chosen automatically), alpha = 10, DSUM = 2, %d threads\n",
         omp_get_max_threads());
  printf("%-7s %4s %8s %10s %10s %10s\n", "kernel", "N", "time s", "rel err", "est (rel)", "CG its");
  const sk_vkind kinds[] = {SK_V_BALL, SK_V_BUMP, SK_V_GAUSS, SK_V_AGAUSS};
  for (int q = 0; q < 4; ++q) {
    sk_kernel *V = make(kinds[q], 3);
    sk_error err;
    sk_beta_opts o;
    sk_beta_opts_init(&o, SK_BETA_GRID);
    double best = 1e30;
    sk_beta_result r;
    sk_beta_info info;
    for (int rep = 0; rep < 3; ++rep) {
      double t0 = sk_wtime();
      sk_beta_solution *s;
      if (sk_beta_solve(V, 10, 2, &o, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
      }
      best = fmin(best, sk_wtime() - t0);
      r = *sk_beta_solution_result(s);
      sk_beta_solution_info(s, &info);
      sk_beta_solution_free(s);
    }
    double rel = NAN;
    if (sk_kernel_is_radial(V)) {
      sk_beta_result ref;
      sk_beta_compute(V, 10, 2, NULL, &ref, &err);
      rel = fabs(r.beta / ref.beta - 1);
    }
    printf("%-7s %4d %8.3f %10.2e %10.2e %10d\n", sk_kernel_name(V), info.grid_n, best, rel,
           r.err_est / r.beta, info.grid_iterations);
    sk_kernel_free(V);
  }
  /* fixed sizes: the cost of one solve (three levels N/4, N/2, N) */
  printf("fixed N (bump): ");
  sk_kernel *V = make(SK_V_BUMP, 3);
  const int Ns[] = {32, 64, 96, 128};
  for (int i = 0; i < 4; ++i) {
    sk_error err;
    sk_beta_opts o;
    sk_beta_opts_init(&o, SK_BETA_GRID);
    o.grid_n = Ns[i];
    double t0 = sk_wtime();
    sk_beta_result r;
    sk_beta_compute(V, 10, 2, &o, &r, &err);
    printf("N=%d %.2f s  ", Ns[i], sk_wtime() - t0);
  }
  sk_kernel_free(V);
  printf("\n(target: grid to 1e-4 in <= 10 s)\n\n");
}

static void bench_mc(void) {
  printf("== mc: killed Brownian paths (exact scheme), DSUM = 2, 400000 paths, %d threads\n",
         omp_get_max_threads());
  printf("%-6s %8s %12s %10s %12s\n", "kernel", "alpha", "paths/s", "rings/path", "rel stderr");
  const sk_vkind kinds[] = {SK_V_BALL, SK_V_BUMP, SK_V_GAUSS};
  const double alphas[] = {10, 1000};
  for (int q = 0; q < 3; ++q)
    for (int a = 0; a < 2; ++a) {
      sk_kernel *V = make(kinds[q], 3);
      sk_error err;
      sk_beta_opts o;
      sk_beta_opts_init(&o, SK_BETA_MC);
      o.mc_paths = 400000;
      double t0 = sk_wtime();
      sk_beta_solution *s;
      if (sk_beta_solve(V, alphas[a], 2, &o, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
      }
      double t = sk_wtime() - t0;
      sk_beta_info info;
      sk_beta_solution_info(s, &info);
      const sk_beta_result *r = sk_beta_solution_result(s);
      printf("%-6s %8g %12.3g %10.2f %12.2e\n", sk_kernel_name(V), alphas[a], o.mc_paths / t,
             info.mc_mean_steps, r->stderr_beta / r->beta);
      sk_beta_solution_free(s);
      sk_kernel_free(V);
    }
  printf("\n");
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "all";
  int all = strcmp(what, "all") == 0;
  if (all || strcmp(what, "accuracy") == 0) bench_accuracy();
  if (all || strcmp(what, "radial") == 0) bench_radial();
  if (all || strcmp(what, "table") == 0) bench_table();
  if (all || strcmp(what, "grid") == 0) bench_grid();
  if (all || strcmp(what, "mc") == 0) bench_mc();
  return 0;
}
