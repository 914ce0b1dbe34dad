/* The grid and Monte Carlo methods on small problems (the full comparisons
 * are in tests/validation/test_beta_methods.c).
 *
 * References: the radial solver (tested against closed forms in
 * test_beta.c); for the exterior harmonic-measure sampler, the exact moments
 * E[Y] = x/rho^2 and E[Y_i Y_j] - delta_ij/d = x*_i x*_j - delta_ij |x*|^2/d
 * (x* = x/rho^2), which hold because y and y_i y_j - delta_ij |y|^2/d are
 * harmonic and the exterior hitting law is the interior one from x* (Kelvin).
 * Statistical checks use 4 standard errors: false-failure rate ~6e-5 each. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "beta/beta_internal.h"
#include "smolkin/beta.h"
#include "testutil.h"

static sk_kernel *make_kernel(sk_vkind kind, int d) {
  sk_error err;
  sk_kernel *V;
  sk_kernel_spec sp = {.kind = kind, .dim = d, .gauss_width = 0.3, .axes = {0.5, 0.3, 0.2}};
  assert_int_equal(sk_kernel_create(&sp, &V, &err), SK_OK);
  return V;
}

static void test_harmonic_measure(void **state) {
  (void)state;
  for (int d = 3; d <= 5; d += 2) {
    const double rhos[] = {1.02, 1.5, 4.0};
    for (int t = 0; t < 3; ++t) {
      double x[SK_MAX_DIM] = {0}, rho = rhos[t];
      /* a direction off the axes */
      for (int i = 0; i < d; ++i) x[i] = (i % 2 ? -1.0 : 1.0) * (1 + i);
      double n2 = 0;
      for (int i = 0; i < d; ++i) n2 += x[i] * x[i];
      for (int i = 0; i < d; ++i) x[i] *= rho / sqrt(n2);
      double xs[SK_MAX_DIM];
      for (int i = 0; i < d; ++i) xs[i] = x[i] / (rho * rho);
      const int n = 20000;
      double m1[SK_MAX_DIM] = {0}, s1[SK_MAX_DIM] = {0}, m01 = 0, s01 = 0;
      for (int k = 0; k < n; ++k) {
        sk_rng r;
        sk_rng_init(&r, 7, (uint64_t)k, 0, 99);
        double y[SK_MAX_DIM];
        sk_mc_exterior_hit(&r, d, x, rho, y);
        double yy = 0;
        for (int i = 0; i < d; ++i) yy += y[i] * y[i];
        assert_close(yy, 1.0, 1e-14, 0);
        for (int i = 0; i < d; ++i) {
          m1[i] += y[i];
          s1[i] += y[i] * y[i];
        }
        m01 += y[0] * y[1];
        s01 += y[0] * y[1] * y[0] * y[1];
      }
      for (int i = 0; i < d; ++i) {
        double mean = m1[i] / n, var = s1[i] / n - mean * mean;
        assert_within_se(mean, xs[i], sqrt(var / n), 4);
      }
      double mean = m01 / n, var = s01 / n - mean * mean;
      assert_within_se(mean, xs[0] * xs[1], sqrt(var / n), 4);
    }
  }
}

static void test_mc_vs_radial(void **state) {
  (void)state;
  sk_error err;
  const sk_vkind kinds[] = {SK_V_BALL, SK_V_BUMP, SK_V_GAUSS};
  for (int q = 0; q < 3; ++q) {
    sk_kernel *V = make_kernel(kinds[q], 3);
    sk_beta_result ref;
    assert_int_equal(sk_beta_compute(V, 10, 2, NULL, &ref, &err), SK_OK);
    sk_beta_opts o;
    sk_beta_opts_init(&o, SK_BETA_MC);
    o.mc_paths = 20000;
    o.seed = 11;
    sk_beta_solution *s;
    assert_int_equal(sk_beta_solve(V, 10, 2, &o, &s, &err), SK_OK);
    const sk_beta_result *r = sk_beta_solution_result(s);
    assert_string_equal(r->method, "mc");
    assert_true(r->stderr_beta > 0);
    assert_within_se(r->beta, ref.beta, r->stderr_beta, 4);
    /* u at a point inside and one outside; Lemma 6.3 with the SE */
    sk_beta_solution *rad;
    assert_int_equal(sk_beta_solve(V, 10, 2, NULL, &rad, &err), SK_OK);
    const double pts[2][3] = {{0.2, -0.3, 0.1}, {0.9, 1.2, 0}};
    for (int i = 0; i < 2; ++i) {
      double u, se;
      assert_int_equal(sk_beta_solution_u_se(s, pts[i], 5000, &u, &se), SK_OK);
      assert_within_se(u, sk_beta_solution_u(rad, pts[i]), se, 4);
      assert_true(u >= 0 && u <= 1);
      double rr = sqrt(pts[i][0] * pts[i][0] + pts[i][1] * pts[i][1]);
      if (rr >= 1) assert_true(u - 4 * se <= 1 / rr);
    }
    sk_beta_solution_free(rad);
    sk_beta_solution_free(s);
    sk_kernel_free(V);
  }
}

static void test_mc_reproducible(void **state) {
  (void)state;
  sk_error err;
  sk_kernel *V = make_kernel(SK_V_BUMP, 3);
  sk_beta_opts o;
  sk_beta_opts_init(&o, SK_BETA_MC);
  o.mc_paths = 9000; /* not a multiple of the chunk size */
  o.seed = 5;
  double b[2], u[2], se;
  const double x[3] = {1.5, 0.1, 0};
  int saved = omp_get_max_threads();
  for (int t = 0; t < 2; ++t) {
    omp_set_num_threads(t + 1);
    sk_beta_solution *s;
    assert_int_equal(sk_beta_solve(V, 5, 1, &o, &s, &err), SK_OK);
    b[t] = sk_beta_solution_result(s)->beta;
    assert_int_equal(sk_beta_solution_u_se(s, x, 3000, &u[t], &se), SK_OK);
    sk_beta_solution_free(s);
  }
  omp_set_num_threads(saved);
  assert_true(b[0] == b[1]);
  assert_true(u[0] == u[1]);
  /* another seed gives another estimate */
  o.seed = 6;
  sk_beta_result r;
  assert_int_equal(sk_beta_compute(V, 5, 1, &o, &r, &err), SK_OK);
  assert_true(r.beta != b[0]);
  sk_kernel_free(V);
}

static void test_grid_small(void **state) {
  (void)state;
  sk_error err;
  sk_kernel *V = make_kernel(SK_V_BUMP, 3);
  sk_beta_solution *rad, *g;
  assert_int_equal(sk_beta_solve(V, 10, 2, NULL, &rad, &err), SK_OK);
  sk_beta_opts o;
  sk_beta_opts_init(&o, SK_BETA_GRID);
  o.grid_n = 48;
  assert_int_equal(sk_beta_solve(V, 10, 2, &o, &g, &err), SK_OK);
  const sk_beta_result *rg = sk_beta_solution_result(g), *rr = sk_beta_solution_result(rad);
  assert_string_equal(rg->method, "grid");
  double e = fabs(rg->beta - rr->beta);
  assert_true(e <= 1e-4 * rr->beta);
  assert_true(e <= rg->err_est); /* the estimate is an upper estimate */
  /* u along three lines through the origin, against radial; Lemma 6.3 */
  const double dirs[3][3] = {{1, 0, 0}, {0, 0.6, 0.8}, {0.57735026918962573, -0.57735026918962573, 0.57735026918962573}};
  for (int k = 0; k < 3; ++k)
    for (double t = 0; t <= 3.0; t += 0.25) {
      double x[3] = {t * dirs[k][0], t * dirs[k][1], t * dirs[k][2]};
      double ue, u = sk_beta_solution_u_err(g, x, &ue);
      assert_true(u == sk_beta_solution_u(g, x));
      double e = fabs(u - sk_beta_solution_u_radial(rad, t));
      if (e > ue) printf("k=%d t=%g u=%.10g rad=%.10g e=%.3e ue=%.3e\n", k, t, u, sk_beta_solution_u_radial(rad, t), e, ue);
      assert_true(e <= ue);
      assert_true(e <= 1e-4 * u);
      assert_true(u >= 0 && u <= 1);
      if (t >= 1) assert_true(u <= 1 / t);
    }
  sk_beta_info info;
  sk_beta_solution_info(g, &info);
  assert_int_equal(info.grid_n, 48);
  assert_true(info.grid_iterations > 0);
  assert_true(isnan(sk_beta_solution_u_radial(g, 0.5)) == 0);
  sk_beta_solution_free(g);
  sk_beta_solution_free(rad);
  /* bad sizes */
  o.grid_n = 30;
  sk_beta_result r;
  assert_int_equal(sk_beta_compute(V, 10, 2, &o, &r, &err), SK_EINVAL);
  sk_kernel_free(V);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_harmonic_measure),
      cmocka_unit_test(test_mc_vs_radial),
      cmocka_unit_test(test_mc_reproducible),
      cmocka_unit_test(test_grid_small),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
