/* The recipe (1.8)-(1.9), radial method and the model's beta(n, m) table.
 *
 * References:
 *  - ball, d = 3: beta = 4 pi DSUM (1 - tanh k / k), k = sqrt(alpha/DSUM)
 *    (Doi volume-reactivity model, Erban & Chapman, Phys. Biol. 6 (2009);
 *    derived in docs/beta.md), evaluated in long double;
 *  - ball, any d >= 3: beta = DSUM (d-2)|S^{d-1}| k I_{nu+1}(k) /
 *    ((d-2) I_nu(k) + k I_{nu+1}(k)), nu = d/2 - 1 (docs/beta.md), with GSL's
 *    Bessel functions; d = 5 also from the elementary closed form;
 *  - bump, gauss: an independent second-order finite-difference solution of
 *    the same boundary-value problem with Richardson extrapolation;
 *  - d = 2: the survey's (2.4);
 *  - Lemma 6.3: u(x) <= |x|^(2-d) for |x| >= 1, checked on every profile. */
#include <float.h>
#include <gsl/gsl_sf_bessel.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beta/beta_internal.h"
#include "smolkin/beta.h"
#include "smolkin/kernel.h"
#include "smolkin/model.h"
#include "testutil.h"

static sk_kernel *make_kernel(sk_vkind kind, int d) {
  sk_error err;
  sk_kernel *V;
  sk_kernel_spec sp = {.kind = kind, .dim = d, .gauss_width = 0.3, .axes = {0.5, 0.3, 0.2}};
  assert_int_equal(sk_kernel_create(&sp, &V, &err), SK_OK);
  return V;
}

static double ball3_exact(double alpha, double dsum) {
  long double k = sqrtl((long double)alpha / (long double)dsum);
  return (double)(4 * M_PI * (long double)dsum * ((k - tanhl(k)) / k));
}

/* ball, any d >= 3, from GSL's modified Bessel functions */
static double ball_bessel(int d, double alpha, double dsum) {
  double k = sqrt(alpha / dsum), nu = 0.5 * d - 1;
  double kr = k * gsl_sf_bessel_Inu_scaled(nu + 1, k) / gsl_sf_bessel_Inu_scaled(nu, k);
  return dsum * (d - 2) * sk_unit_sphere_area(d) * kr / ((d - 2) + kr);
}

/* ball, d = 5: k I_{5/2}/I_{3/2} = ((k^2+3) tanh k - 3k)/(k - tanh k) and
 * |S^4| = 8 pi^2 / 3, so beta = 8 pi^2 DSUM kr / (3 + kr) (docs/beta.md);
 * for k < 0.1 the ratio from the power series of i_2 / i_1. */
static double ball5_elementary(double alpha, double dsum) {
  long double k = sqrtl((long double)alpha / (long double)dsum), kr;
  if (k < 0.1L) { /* the series of i_2 and i_1: the closed form cancels */
    long double z = k * k;
    kr = z / 5 * (1 + z / 14 + z * z / 504 + z * z * z / 33264) /
         (1 + z / 10 + z * z / 280 + z * z * z / 15120);
  } else {
    long double t = tanhl(k);
    kr = ((k * k + 3) * t - 3 * k) / (k - t);
  }
  return (double)(8 * M_PI * M_PI * (long double)dsum * kr / (3 + kr));
}

static double beta_radial(const sk_kernel *V, double alpha, double dsum, sk_beta_result *res) {
  sk_error err;
  sk_beta_opts o;
  sk_beta_opts_init(&o, SK_BETA_RADIAL);
  sk_beta_result r;
  int rc = sk_beta_compute(V, alpha, dsum, &o, &r, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(rc, SK_OK);
  if (res) *res = r;
  return r.beta;
}

/* u checks on a radial profile: 0 <= u <= 1, monotone, Lemma 6.3. */
static void check_profile(const sk_beta_solution *s, int d) {
  double prev = 2;
  for (int i = 0; i <= 400; ++i) {
    double r = 4.0 * i / 400;
    double u = sk_beta_solution_u_radial(s, r);
    assert_true(isfinite(u));
    assert_true(u >= 0 && u <= 1);
    assert_true(u <= prev + 1e-14);
    prev = u;
    if (r >= 1) assert_true(u <= pow(r, 2 - d) * (1 + 1e-14));
    /* u(x) along another direction agrees */
    double x[SK_MAX_DIM] = {0};
    x[d - 1] = r / sqrt(2.0);
    x[0] = -r / sqrt(2.0);
    assert_close(sk_beta_solution_u(s, x), u, 1e-12, 1e-15);
  }
}

/* ------------------------------------------------------------- ball */

static void test_ball_d3_closed_form(void **state) {
  (void)state;
  sk_kernel *V = make_kernel(SK_V_BALL, 3);
  const double dsums[] = {0.1, 0.5, 2, 10};
  double maxrel = 0;
  for (size_t i = 0; i < 4; ++i)
    for (int e = -6; e <= 8; ++e) { /* alpha = 1e-3 ... 1e4 in half decades */
      double alpha = pow(10.0, 0.5 * e), D = dsums[i];
      sk_beta_result r;
      double b = beta_radial(V, alpha, D, &r);
      double ex = ball3_exact(alpha, D);
      double rel = fabs(b / ex - 1);
      if (rel > maxrel) maxrel = rel;
      assert_true(rel <= 1e-10);
      assert_true(r.err_est <= 1e-10 * b);
      assert_true(b < r.naive);
      assert_close(r.naive, alpha * 4 * M_PI / 3, 1e-15, 0);
      assert_close(r.ratio, b / r.naive, 1e-15, 0);
      assert_string_equal(r.method, "radial");
      assert_true(b < 4 * M_PI * D); /* below DSUM * Cap(ball) */
    }
  printf("ball d=3: max relative error %.2e over alpha in [1e-3, 1e4], 4 DSUM values\n", maxrel);
  /* beta -> 4 pi DSUM as alpha -> infinity: 4 pi D - beta = 4 pi D tanh(k)/k */
  for (double alpha = 1e4; alpha <= 1e8; alpha *= 100) {
    double b = beta_radial(V, alpha, 1.0, NULL), k = sqrt(alpha);
    assert_close(4 * M_PI - b, 4 * M_PI * tanh(k) / k, 1e-8, 0);
  }
  sk_kernel_free(V);
}

static void test_ball_d3_profile(void **state) {
  (void)state;
  sk_kernel *V = make_kernel(SK_V_BALL, 3);
  sk_error err;
  const double alphas[] = {1e-3, 1, 10, 1e3, 1e4};
  for (size_t i = 0; i < 5; ++i) {
    double alpha = alphas[i], D = 2, k = sqrt(alpha / D);
    sk_beta_solution *s;
    assert_int_equal(sk_beta_solve(V, alpha, D, NULL, &s, &err), SK_OK);
    check_profile(s, 3);
    /* inside: u = 1 - sinh(kr)/(kr cosh k); outside: (1 - tanh k / k) / r */
    for (double r = 0.0; r <= 3; r += 0.125) {
      long double kl = sqrtl((long double)alpha / D), ex;
      if (r < 1) {
        long double z = kl * r;
        ex = r == 0 ? 1 - 1 / coshl(kl) : 1 - sinhl(z) / (z * coshl(kl));
      } else {
        ex = ((kl - tanhl(kl)) / kl) / r;
      }
      assert_close(sk_beta_solution_u_radial(s, r), (double)ex, 1e-9, 1e-15);
    }
    (void)k;
    sk_beta_solution_free(s);
  }
  sk_kernel_free(V);
}

static void test_ball_any_d(void **state) {
  (void)state;
  for (int d = 3; d <= 12; ++d) {
    sk_kernel *V = make_kernel(SK_V_BALL, d);
    for (int e = -6; e <= 8; e += 2) {
      double alpha = pow(10.0, 0.5 * e);
      for (double D = 0.1; D <= 10.1; D *= 10) {
        double b = beta_radial(V, alpha, D, NULL);
        assert_close(b, ball_bessel(d, alpha, D), 1e-10, 0);
        if (d == 5) assert_close(b, ball5_elementary(alpha, D), 1e-10, 0);
      }
    }
    /* capacity limit (d-2)|S^{d-1}| */
    assert_close(sk_beta_capacity(V), (d - 2) * sk_unit_sphere_area(d), 1e-15, 0);
    double b = beta_radial(V, 1e8, 1.0, NULL);
    assert_true(b < sk_beta_capacity(V));
    assert_close(b, sk_beta_capacity(V), 2 * (d - 1) * 1e-4, 0);
    sk_error err;
    sk_beta_solution *s;
    assert_int_equal(sk_beta_solve(V, 30.0, 1.0, NULL, &s, &err), SK_OK);
    check_profile(s, d);
    sk_beta_solution_free(s);
    sk_kernel_free(V);
  }
  /* the two d = 5 references agree with each other */
  for (double a = 0.1; a < 1e4; a *= 7) assert_close(ball5_elementary(a, 1), ball_bessel(5, a, 1), 1e-11, 0);
}

/* ----------------------------------------------- finite-difference reference */

/* beta for a radial kernel by second-order finite differences on N cells,
 * for u = 1 - w (no cancellation for small u):
 * conservative (r^(d-1) u')'/r^(d-1) - lambda V u = -lambda V, u'(0) = 0 and
 * u'(1) = -(d-2) u(1); beta = DSUM |S| (d-2) u(1). */
static double fd_beta(const sk_kernel *V, double alpha, double D, int N) {
  int d = sk_kernel_dim(V);
  double lambda = alpha / D, h = 1.0 / N;
  double *a = calloc((size_t)N + 1, sizeof *a), *b = calloc((size_t)N + 1, sizeof *b);
  double *c = calloc((size_t)N + 1, sizeof *c), *f = calloc((size_t)N + 1, sizeof *f);
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(c);
  assert_non_null(f);
  double V0 = sk_kernel_radial(V, 0);
  b[0] = -2.0 * d / (h * h) - lambda * V0;
  c[0] = 2.0 * d / (h * h);
  f[0] = -lambda * V0;
  for (int i = 1; i < N; ++i) {
    double r = i * h, rm = pow((i - 0.5) * h / r, d - 1), rp = pow((i + 0.5) * h / r, d - 1);
    double Vi = sk_kernel_radial(V, r);
    a[i] = rm / (h * h);
    c[i] = rp / (h * h);
    b[i] = -(rm + rp) / (h * h) - lambda * Vi;
    f[i] = -lambda * Vi;
  }
  /* i = N with the ghost u_{N+1} = u_{N-1} - 2h (d-2) u_N */
  double g = 2 * h * (d - 2), V1 = sk_kernel_radial(V, 1.0);
  double cm = 1 / (h * h) - (d - 1) / (2 * h), cp = 1 / (h * h) + (d - 1) / (2 * h);
  a[N] = cm + cp;
  b[N] = -2 / (h * h) - cp * g - lambda * V1;
  f[N] = -lambda * V1;
  /* Thomas */
  for (int i = 1; i <= N; ++i) {
    double m = a[i] / b[i - 1];
    b[i] -= m * c[i - 1];
    f[i] -= m * f[i - 1];
  }
  double uN = f[N] / b[N];
  free(a);
  free(b);
  free(c);
  free(f);
  return D * sk_unit_sphere_area(d) * (d - 2) * uN;
}

static double fd_richardson(const sk_kernel *V, double alpha, double D) {
  double b1 = fd_beta(V, alpha, D, 2000), b2 = fd_beta(V, alpha, D, 4000);
  return (4 * b2 - b1) / 3;
}

static void test_bump_gauss_vs_fd(void **state) {
  (void)state;
  const sk_vkind kinds[] = {SK_V_BALL, SK_V_BUMP, SK_V_GAUSS};
  for (size_t q = 0; q < 3; ++q)
    for (int d = 3; d <= 5; d += 2) {
      sk_kernel *V = make_kernel(kinds[q], d);
      const double alphas[] = {0.01, 1, 10, 100};
      for (size_t i = 0; i < 4; ++i) {
        sk_beta_result r;
        double b = beta_radial(V, alphas[i], 2.0, &r);
        /* the FD reference is good to ~1e-10 here (its h^4 term) */
        assert_close(b, fd_richardson(V, alphas[i], 2.0), 1e-9, 0);
        assert_true(r.err_est <= 1e-11 * b);
        assert_true(b < r.naive);
      }
      sk_error err;
      sk_beta_solution *s;
      assert_int_equal(sk_beta_solve(V, 50.0, 1.0, NULL, &s, &err), SK_OK);
      check_profile(s, d);
      sk_beta_info info;
      sk_beta_solution_info(s, &info);
      assert_close(info.beta_flux, info.beta_volume, 1e-12, 0);
      sk_beta_solution_free(s);
      sk_kernel_free(V);
    }
}

/* ------------------------------------------------------------ tables */

static void test_table_kernel(void **state) {
  (void)state;
  sk_error err;
  sk_kernel *V2, *ball = make_kernel(SK_V_BALL, 3);
  /* V = 2 on the unit ball, with a knot at 0.5: beta(alpha) = beta_ball(2 alpha) */
  const char *path = sk_test_write_file("v2.tab", "0 2\n0.5 2\n1 2\n");
  sk_kernel_spec sp = {.kind = SK_V_TABLE, .dim = 3, .path = path};
  assert_int_equal(sk_kernel_create(&sp, &V2, &err), SK_OK);
  for (double a = 0.01; a < 1e4; a *= 10)
    assert_close(beta_radial(V2, a, 1.5, NULL), ball3_exact(2 * a, 1.5), 1e-10, 0);
  sk_kernel_free(V2);
  /* a piecewise-linear profile with a kink, and a shell with V(0) = 0 */
  const char *texts[] = {"0 1\n0.3 1\n0.7 0.2\n1 0\n", "0 0\n0.4 0\n0.5 1\n1 1\n"};
  const double Rsupp[] = {1.0, 1.0};
  for (int t = 0; t < 2; ++t) {
    char name[32];
    snprintf(name, sizeof name, "t%d.tab", t);
    sp.path = sk_test_write_file(name, texts[t]);
    sk_kernel *V;
    assert_int_equal(sk_kernel_create(&sp, &V, &err), SK_OK);
    for (double a = 0.1; a < 1e3; a *= 10) {
      sk_beta_result r;
      double b = beta_radial(V, a, 1.0, &r);
      /* FD is only second order across the kinks: compare loosely, and the
       * two forms of beta tightly */
      assert_close(b, fd_beta(V, a, 1.0, 8000), 1e-6, 0);
      assert_true(r.err_est <= 1e-10 * b);
    }
    assert_close(sk_beta_capacity(V), 4 * M_PI * Rsupp[t], 1e-15, 0);
    sk_beta_solution *s;
    assert_int_equal(sk_beta_solve(V, 20.0, 1.0, NULL, &s, &err), SK_OK);
    check_profile(s, 3);
    sk_beta_solution_free(s);
    sk_kernel_free(V);
  }
  /* support radius of a table: V = 0 beyond 0.5 -> Cap = 4 pi * 0.5 */
  sp.path = sk_test_write_file("half.tab", "0 1\n0.5 0\n1 0\n");
  sk_kernel *Vh;
  assert_int_equal(sk_kernel_create(&sp, &Vh, &err), SK_OK);
  assert_close(sk_beta_capacity(Vh), 4 * M_PI * 0.5, 1e-15, 0);
  /* beta is increasing in V (u is, Lemma 1.6) and below DSUM Cap(supp V):
   * V >= 0.2 on B_0.4, and for 0.2 * 1{B_R} scaling gives R beta_ball(0.2 alpha R^2) */
  for (double a = 1; a <= 1e8; a *= 100) {
    double b = beta_radial(Vh, a, 1.0, NULL);
    assert_true(b < 4 * M_PI * 0.5);
    assert_true(b > 0.4 * ball3_exact(0.2 * a * 0.16, 1.0));
  }
  sk_kernel_free(Vh);
  sk_kernel_free(ball);
}

/* ------------------------------------------------------------- d = 2 */

static void test_d2_formula(void **state) {
  (void)state;
  sk_kernel *V = make_kernel(SK_V_BUMP, 2);
  sk_error err;
  for (double a = 1e-3; a < 1e4; a *= 10) {
    sk_beta_result r;
    double b = beta_radial(V, a, 0.7, &r);
    double A = a * sk_kernel_integral(V), P = 2 * M_PI * 0.7;
    assert_close(b, P * A / (P + A), 1e-15, 0); /* (2.4) with alpha int V */
    assert_string_equal(r.method, "formula-2d");
    assert_true(b < r.naive);
  }
  sk_beta_solution *s;
  assert_int_equal(sk_beta_solve(V, 1.0, 1.0, NULL, &s, &err), SK_OK);
  double x[2] = {0.5, 0};
  assert_true(isnan(sk_beta_solution_u(s, x)));
  sk_beta_solution_free(s);
  sk_beta_opts o;
  sk_beta_opts_init(&o, SK_BETA_MC);
  sk_beta_result r;
  assert_int_equal(sk_beta_compute(V, 1.0, 1.0, &o, &r, &err), SK_ERANGE);
  sk_kernel_free(V);
}

static void test_errors(void **state) {
  (void)state;
  sk_error err;
  sk_beta_result r;
  sk_beta_opts o;
  sk_beta_opts_init(&o, SK_BETA_RADIAL);
  sk_kernel *V1 = make_kernel(SK_V_BALL, 1);
  assert_int_equal(sk_beta_compute(V1, 1, 1, &o, &r, &err), SK_ERANGE);
  assert_non_null(strstr(err.msg, "d >= 2"));
  sk_kernel_free(V1);
  sk_kernel *A = make_kernel(SK_V_AGAUSS, 3);
  assert_int_equal(sk_beta_compute(A, 1, 1, &o, &r, &err), SK_ERANGE);
  assert_non_null(strstr(err.msg, "radially symmetric"));
  sk_kernel_free(A);
  sk_kernel *B = make_kernel(SK_V_BALL, 4);
  assert_int_equal(sk_beta_compute(B, -1, 1, &o, &r, &err), SK_EINVAL);
  assert_int_equal(sk_beta_compute(B, 1, 0, &o, &r, &err), SK_EINVAL);
  assert_int_equal(sk_beta_compute(B, NAN, 1, &o, &r, &err), SK_EINVAL);
  sk_beta_opts_init(&o, SK_BETA_GRID);
  assert_int_equal(sk_beta_compute(B, 1, 1, &o, &r, &err), SK_ERANGE);
  assert_non_null(strstr(err.msg, "d = 3"));
  sk_kernel_free(B);
  sk_beta_method m;
  assert_int_equal(sk_beta_method_parse("grid", &m), SK_OK);
  assert_int_equal(m, SK_BETA_GRID);
  assert_int_equal(sk_beta_method_parse("bogus", &m), SK_EINVAL);
  assert_string_equal(sk_beta_method_name(SK_BETA_MC), "mc");
  sk_beta_solution_free(NULL);
  sk_beta_kernel_free(NULL);
}

/* -------------------------------------------------- model beta(n, m) */

static sk_model *model_with(const char *const *kv) {
  sk_error err;
  sk_model *m;
  assert_int_equal(sk_model_create(&m, &err), SK_OK);
  for (; *kv; kv += 2) {
    int rc = sk_model_set(m, kv[0], kv[1], "test", &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, SK_OK);
  }
  assert_int_equal(sk_model_finalize(m, &err), SK_OK);
  return m;
}

static void test_beta_kernel_interpolation(void **state) {
  (void)state;
  sk_error err;
  const char *kinds[] = {"ball", "bump", "gauss"};
  for (int q = 0; q < 3; ++q) {
    const char *kv[] = {"diffusion.p", "0.3333333333333333", "diffusion.D0", "0.7",
                        "interaction.kernel", kinds[q], "interaction.alpha", "25", NULL};
    sk_model *m = model_with(kv);
    sk_beta_kernel *bk;
    long long nmax = 1000;
    assert_int_equal(sk_beta_kernel_create(m, nmax, NULL, &bk, &err), SK_OK);
    assert_true(sk_beta_kernel_pieces(bk) >= 1);
    assert_true(sk_beta_kernel_verified_error(bk) <= 2e-11);
    const sk_kernel *V = sk_model_kernel(m);
    /* against direct solves, including the ends of the range */
    const long long ns[] = {1, 2, 3, 7, 50, 333, 999, 1000};
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        double D = sk_model_dif(m, ns[i]) + sk_model_dif(m, ns[j]);
        double direct = beta_radial(V, 25, D, NULL);
        assert_close(sk_beta_kernel_eval(bk, ns[i], ns[j]), direct, 1e-10, 0);
      }
    assert_true(isnan(sk_beta_kernel_eval(bk, 0, 1)));
    assert_true(isnan(sk_beta_kernel_eval(bk, 1, nmax + 1)));
    sk_beta_kernel_free(bk);
    sk_model_free(m);
  }
  /* a very wide range: p = 1, nmax = 1e6 (DSUM over six decades) */
  const char *kv[] = {"diffusion.p", "1", "interaction.alpha", "3", NULL};
  sk_model *m = model_with(kv);
  sk_beta_kernel *bk;
  assert_int_equal(sk_beta_kernel_create(m, 1000000, NULL, &bk, &err), SK_OK);
  for (long long n = 1; n <= 1000000; n *= 7) {
    double D = sk_model_dif(m, n) + sk_model_dif(m, 3 * n / 2 + 1 > 1000000 ? n : 3 * n / 2 + 1);
    long long n2 = 3 * n / 2 + 1 > 1000000 ? n : 3 * n / 2 + 1;
    assert_close(sk_beta_kernel_eval(bk, n, n2), ball3_exact(3, D), 1e-10, 0);
  }
  sk_beta_kernel_free(bk);
  sk_model_free(m);
}

static void test_beta_kernel_variants(void **state) {
  (void)state;
  sk_error err;
  /* p = 0: a single solve */
  {
    const char *kv[] = {"diffusion.D0", "1.5", "interaction.alpha", "7", NULL};
    sk_model *m = model_with(kv);
    sk_beta_kernel *bk;
    assert_int_equal(sk_beta_kernel_create(m, 100, NULL, &bk, &err), SK_OK);
    assert_int_equal((int)sk_beta_kernel_pieces(bk), 0);
    assert_int_equal((int)sk_beta_kernel_solves(bk), 1);
    assert_close(sk_beta_kernel_eval(bk, 3, 99), ball3_exact(7, 3.0), 1e-12, 0);
    double *t = malloc(100 * 100 * sizeof *t);
    assert_int_equal(sk_beta_model_table(m, 100, NULL, t, &err), SK_OK);
    assert_close(t[5 * 100 + 17], ball3_exact(7, 3.0), 1e-12, 0);
    free(t);
    sk_beta_kernel_free(bk);
    sk_model_free(m);
  }
  /* radius_law = power: (r_n + r_m)^(d-2) beta_{r=1}, r_n = n^chi (SPEC §2) */
  {
    const char *kv[] = {"model.dim", "4", "diffusion.p", "0.5", "particles.radius_law", "power",
                        "particles.chi", "0.25", NULL};
    sk_model *m = model_with(kv);
    sk_beta_kernel *bk;
    assert_int_equal(sk_beta_kernel_create(m, 50, NULL, &bk, &err), SK_OK);
    for (int n = 1; n <= 50; n += 7)
      for (int k = 1; k <= 50; k += 11) {
        double D = sk_model_dif(m, n) + sk_model_dif(m, k), R = pow(n, 0.25) + pow(k, 0.25);
        assert_close(sk_beta_kernel_eval(bk, n, k), R * R * ball_bessel(4, 10, D), 1e-10, 0);
      }
    assert_non_null(strstr(sk_beta_kernel_variant(bk), "(r_n + r_m)^(d-2)"));
    /* the table agrees with eval and is symmetric */
    double *t = malloc(50 * 50 * sizeof *t);
    assert_int_equal(sk_beta_model_table(m, 50, NULL, t, &err), SK_OK);
    for (int n = 1; n <= 50; ++n)
      for (int k = 1; k <= 50; ++k) {
        assert_true(t[(n - 1) * 50 + (k - 1)] == t[(k - 1) * 50 + (n - 1)]);
        assert_true(t[(n - 1) * 50 + (k - 1)] == sk_beta_kernel_eval(bk, n, k));
      }
    free(t);
    sk_beta_kernel_free(bk);
    sk_model_free(m);
  }
  /* range_exponent < 1: the naive alpha int V (Section 3.4) */
  {
    const char *kv[] = {"particles.range_exponent", "0.5", "interaction.kernel", "bump",
                        "diffusion.p", "1", NULL};
    sk_model *m = model_with(kv);
    sk_beta_kernel *bk;
    assert_int_equal(sk_beta_kernel_create(m, 10, NULL, &bk, &err), SK_OK);
    assert_close(sk_beta_kernel_eval(bk, 2, 9), 10 * sk_kernel_integral(sk_model_kernel(m)), 1e-15, 0);
    assert_non_null(strstr(sk_beta_kernel_variant(bk), "naive"));
    sk_beta_kernel_free(bk);
    sk_model_free(m);
  }
  /* d = 2: (2.4) with DSUM = dif(n) + dif(m) and alpha int V */
  {
    const char *kv[] = {"model.dim", "2", "diffusion.p", "1", "interaction.alpha", "3", NULL};
    sk_model *m = model_with(kv);
    sk_beta_kernel *bk;
    assert_int_equal(sk_beta_kernel_create(m, 10, NULL, &bk, &err), SK_OK);
    double D = 1.0 / 2 + 1.0 / 5, A = 3 * M_PI, P = 2 * M_PI * D;
    assert_close(sk_beta_kernel_eval(bk, 2, 5), P * A / (P + A), 1e-14, 0);
    assert_non_null(strstr(sk_beta_kernel_variant(bk), "(2.4)"));
    sk_beta_kernel_free(bk);
    sk_model_free(m);
  }
  /* Monte Carlo tables are refused; d = 1 is refused */
  {
    const char *kv[] = {"beta.method", "mc", NULL};
    sk_model *m = model_with(kv);
    sk_beta_kernel *bk;
    assert_int_equal(sk_beta_kernel_create(m, 10, NULL, &bk, &err), SK_ERANGE);
    assert_null(bk);
    sk_model_free(m);
    const char *kv1[] = {"model.dim", "1", NULL};
    m = model_with(kv1);
    assert_int_equal(sk_beta_kernel_create(m, 10, NULL, &bk, &err), SK_EINVAL);
    assert_non_null(strstr(err.msg, "dim"));
    sk_model_free(m);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ball_d3_closed_form), cmocka_unit_test(test_ball_d3_profile),
      cmocka_unit_test(test_ball_any_d),          cmocka_unit_test(test_bump_gauss_vs_fd),
      cmocka_unit_test(test_table_kernel),        cmocka_unit_test(test_d2_formula),
      cmocka_unit_test(test_errors),              cmocka_unit_test(test_beta_kernel_interpolation),
      cmocka_unit_test(test_beta_kernel_variants),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
