/* Model files, the key table and the interaction kernels. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "smolkin/kernel.h"
#include "smolkin/model.h"
#include "testutil.h"

static sk_model *load_text(const char *name, const char *text, int *rc, sk_error *err) {
  sk_model *m;
  assert_int_equal(sk_model_create(&m, err), SK_OK);
  *rc = sk_model_load(m, sk_test_write_file(name, text), err);
  if (*rc == SK_OK) *rc = sk_model_finalize(m, err);
  return m;
}

static void test_defaults(void **state) {
  (void)state;
  sk_error err;
  sk_model *m;
  assert_int_equal(sk_model_create(&m, &err), SK_OK);
  assert_int_equal(sk_model_finalize(m, &err), SK_OK);
  const sk_params *p = sk_model_params(m);
  assert_int_equal(p->dim, 3);
  assert_int_equal(p->geometry, SK_GEOM_WHOLE);
  assert_int_equal(p->kernel, SK_V_BALL);
  assert_close(p->alpha, 10, 0, 0);
  assert_int_equal(p->ntimes, 3);
  assert_close(p->times[2], 1, 0, 0);
  assert_int_equal((int)p->seed, 1);
  assert_int_equal((int)p->N, 1000);
  assert_close(sk_model_dif(m, 5), 1.0, 0, 0);
  sk_model_free(m);
}

static void test_values_and_origins(void **state) {
  (void)state;
  sk_error err;
  int rc;
  sk_model *m = load_text("good.ini",
                          "; comment\n[model]\ndim = 3\ngeometry = torus\n\n[diffusion]\nD0 = 2\n"
                          "p = 0.5   # inline\n[initial]\nmass = weights\nweights = 2, 1, 1\n"
                          "[run]\nN = 1e6\nseed = 18446744073709551615\n",
                          &rc, &err);
  assert_int_equal(rc, SK_OK);
  const sk_params *p = sk_model_params(m);
  assert_int_equal(p->geometry, SK_GEOM_TORUS);
  assert_close(sk_model_dif(m, 4), 2.0 * 0.5, 1e-15, 0); /* D0 n^-p = 2 * 4^-0.5 */
  assert_int_equal(p->nweights, 3);
  assert_close(p->weights[0], 0.5, 1e-15, 0);
  assert_close(sk_model_mass_fraction(m, 3), 0.25, 1e-15, 0);
  assert_close(sk_model_mass_fraction(m, 4), 0.0, 0, 0);
  assert_int_equal(p->N, 1000000);
  assert_true(p->seed == 18446744073709551615ull);
  assert_non_null(strstr(sk_model_origin(m, "diffusion.p"), "good.ini:8"));
  assert_string_equal(sk_model_origin(m, "interaction.alpha"), "default");
  /* centre defaults to the box centre on the torus */
  assert_close(p->center[0], 0.5, 0, 0);
  /* overrides after finalize need a new finalize; hash changes with values */
  uint64_t h1 = sk_model_hash(m);
  assert_int_equal(sk_model_set(m, "interaction.alpha", "3", "test", &err), SK_OK);
  assert_int_equal(sk_model_finalize(m, &err), SK_OK);
  assert_true(sk_model_hash(m) != h1);
  assert_non_null(strstr(sk_model_text(m), "alpha = 3    ; test"));
  sk_model_free(m);
}

static void expect_error(const char *name, const char *text, const char *needle) {
  sk_error err;
  int rc;
  sk_model *m = load_text(name, text, &rc, &err);
  assert_int_equal(rc, SK_EINVAL);
  if (!strstr(err.msg, needle)) {
    print_error("message '%s' lacks '%s'\n", err.msg, needle);
    fail();
  }
  sk_model_free(m);
}

static void test_errors(void **state) {
  (void)state;
  expect_error("e1.ini", "[interaction]\nalpha = 0\n", "e1.ini:2: [interaction] alpha = 0: out of range");
  expect_error("e2.ini", "[model]\ndim = 2.5\n", "e2.ini:2: [model] dim = 2.5: not an integer");
  expect_error("e3.ini", "[run]\ntimes = 1, 0.5\n", "element 2 (0.5) is not larger");
  expect_error("e4.ini", "x = 1\n", "key outside any [section]");
  expect_error("e5.ini", "[initial]\ncenter = 1, 2\n", "has 2 numbers but [model] dim = 3");
  expect_error("e6.ini", "[interaction]\nkernel = table\n", "[interaction] table = : kernel = table needs this file name");
  expect_error("e7.ini", "[model]\ndim = 2\n[interaction]\nkernel = agauss\n", "needs [model] dim = 3");
  expect_error("e8.ini", "[run]\nseed = -1\n", "not a non-negative integer");
  expect_error("e9.ini", "[interaction]\nkernel = grid\ngrid = nonexistent.txt\n", "cannot open");
}

static void test_failed_load_keeps_model(void **state) {
  (void)state;
  sk_error err;
  sk_model *m;
  assert_int_equal(sk_model_create(&m, &err), SK_OK);
  assert_int_equal(sk_model_set(m, "interaction.alpha", "5", "test", &err), SK_OK);
  assert_int_equal(sk_model_load(m, sk_test_write_file("bad.ini", "[interaction]\nalpha = 7\nzzz = 1\n"), &err),
                   SK_EINVAL);
  assert_int_equal(sk_model_finalize(m, &err), SK_OK);
  assert_close(sk_model_params(m)->alpha, 5, 0, 0);
  sk_model_free(m);
}

/* Kernel integrals against closed forms. */
static void test_kernel_integrals(void **state) {
  (void)state;
  sk_error err;
  sk_kernel *k;
  for (int d = 1; d <= 6; ++d) {
    sk_kernel_spec s = {.kind = SK_V_BALL, .dim = d};
    assert_int_equal(sk_kernel_create(&s, &k, &err), SK_OK);
    /* omega_1 = 2, omega_2 = pi, omega_3 = 4pi/3, omega_4 = pi^2/2, omega_5 = 8pi^2/15, omega_6 = pi^3/6 */
    static const double vol[] = {0, 2, M_PI, 4 * M_PI / 3, M_PI * M_PI / 2, 8 * M_PI * M_PI / 15,
                                 M_PI * M_PI * M_PI / 6};
    assert_close(sk_kernel_integral(k), vol[d], 1e-14, 0);
    sk_kernel_free(k);
  }
  /* gauss in d = 3: 4 pi int_0^1 e^{-r^2/(2w^2)} r^2 dr
     = 4 pi [ w^3 sqrt(pi/2) erf(1/(w sqrt2)) - w^2 e^{-1/(2w^2)} ] */
  double w = 0.3;
  sk_kernel_spec g = {.kind = SK_V_GAUSS, .dim = 3, .gauss_width = w};
  assert_int_equal(sk_kernel_create(&g, &k, &err), SK_OK);
  double ref = 4 * M_PI * (w * w * w * sqrt(M_PI / 2) * erf(1 / (w * sqrt(2))) - w * w * exp(-1 / (2 * w * w)));
  assert_close(sk_kernel_integral(k), ref, 1e-13, 0);
  double x[3] = {0.1, 0.2, 0.3};
  assert_close(sk_kernel_eval(k, x), exp(-0.14 / (2 * w * w)), 1e-15, 0);
  double y[3] = {0.6, 0.6, 0.6};
  assert_close(sk_kernel_eval(k, y), 0, 0, 0);
  sk_kernel_free(k);
  /* agauss with a = b = c = w equals gauss */
  sk_kernel_spec a = {.kind = SK_V_AGAUSS, .dim = 3, .axes = {w, w, w}};
  assert_int_equal(sk_kernel_create(&a, &k, &err), SK_OK);
  assert_close(sk_kernel_integral(k), ref, 1e-12, 0);
  sk_kernel_free(k);
  /* bump in d = 1: int_{-1}^{1} exp(1 - 1/(1-x^2)) dx = 0.44399381616807943... (tabulated:
     the bump's L1 norm, e * 0.16333...); check against a fine midpoint rule instead */
  sk_kernel_spec b = {.kind = SK_V_BUMP, .dim = 1};
  assert_int_equal(sk_kernel_create(&b, &k, &err), SK_OK);
  double s = 0;
  int n = 2000000;
  for (int i = 0; i < n; ++i) {
    double xx = -1 + (i + 0.5) * 2.0 / n;
    s += exp(1 - 1 / (1 - xx * xx)) * 2.0 / n;
  }
  assert_close(sk_kernel_integral(k), s, 1e-11, 0);
  sk_kernel_free(k);
  /* table: V = 1 - r (linear) in d = 3: 4 pi int (1-r) r^2 = 4 pi (1/3 - 1/4) = pi/3 */
  const char *tp = sk_test_write_file("lin.txt", "# r V\n0 1\n0.5, 0.5\n1 0\n");
  sk_kernel_spec t = {.kind = SK_V_TABLE, .dim = 3, .path = tp};
  assert_int_equal(sk_kernel_create(&t, &k, &err), SK_OK);
  assert_close(sk_kernel_integral(k), M_PI / 3, 1e-14, 0);
  assert_close(sk_kernel_radial(k, 0.25), 0.75, 1e-15, 0);
  sk_kernel_free(k);
  /* bad table */
  const char *bp = sk_test_write_file("bad.txt", "0 1\n0.5 -1\n1 0\n");
  sk_kernel_spec bt = {.kind = SK_V_TABLE, .dim = 3, .path = bp};
  assert_int_equal(sk_kernel_create(&bt, &k, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "bad.txt:2: V = -1 < 0"));
}

static void test_grid_kernel(void **state) {
  (void)state;
  /* a grid of the constant 1: V = indicator of the ball -> integral 4pi/3 to grid accuracy */
  char buf[100000];
  size_t n = 9, len = 0;
  len += (size_t)snprintf(buf + len, sizeof buf - len, "%zu\n", n);
  for (size_t i = 0; i < n * n * n; ++i) len += (size_t)snprintf(buf + len, sizeof buf - len, "1 ");
  const char *path = sk_test_write_file("g.txt", buf);
  sk_error err;
  sk_kernel *k;
  sk_kernel_spec s = {.kind = SK_V_GRID, .dim = 3, .path = path};
  assert_int_equal(sk_kernel_create(&s, &k, &err), SK_OK);
  assert_close(sk_kernel_integral(k), 4 * M_PI / 3, 1e-10, 0);
  double x[3] = {0.3, -0.2, 0.1};
  assert_close(sk_kernel_eval(k, x), 1, 1e-15, 0);
  sk_kernel_free(k);
}

static void test_space_density(void **state) {
  (void)state;
  sk_error err;
  int rc;
  sk_model *m = load_text("sd.ini", "[model]\ngeometry = torus\nbox = 2\n[initial]\nspace = gaussian\nsigma = 0.3\n", &rc, &err);
  assert_int_equal(rc, SK_OK);
  /* integrate the periodised Gaussian over the torus by the midpoint rule (d = 3) */
  int n = 40;
  double h = 2.0 / n, s = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k) {
        double x[3] = {(i + 0.5) * h, (j + 0.5) * h, (k + 0.5) * h};
        s += sk_model_space_density(m, x) * h * h * h;
      }
  assert_close(s, 1.0, 1e-10, 0);
  assert_int_equal(sk_model_check_initial(m, &err), SK_OK);
  sk_model_free(m);
  m = load_text("sd2.ini", "[model]\ngeometry = whole-space\n", &rc, &err);
  assert_int_equal(rc, SK_OK);
  assert_int_equal(sk_model_check_initial(m, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "uniform data need [model] geometry = torus"));
  sk_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),          cmocka_unit_test(test_values_and_origins),
      cmocka_unit_test(test_errors),            cmocka_unit_test(test_failed_load_keeps_model),
      cmocka_unit_test(test_kernel_integrals),  cmocka_unit_test(test_grid_kernel),
      cmocka_unit_test(test_space_density),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
