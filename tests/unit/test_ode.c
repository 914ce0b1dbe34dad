/* The ODE driver (smolkin/ode.h) on small systems: invariants, the tail
 * closures, polydisperse initial data from a model, error paths. The
 * comparisons with the exact solutions are in
 * tests/validation/test_ode_validation.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smolkin/ode.h"
#include "smolkin/ode_exact.h"
#include "testutil.h"

static double const_kernel(long long n, long long m, void *ctx) {
  (void)n;
  (void)m;
  (void)ctx;
  return 1;
}

static void test_errors(void **state) {
  (void)state;
  sk_error err = {0};
  sk_coag *c;
  assert_int_equal(sk_coag_create_function(SK_COAG_TABLE, const_kernel, NULL, 8, NULL, &c, &err),
                   SK_OK);
  double f0[8] = {1, 0, 0, 0, 0, 0, 0, 0};
  sk_ode_opts o;
  sk_ode_opts_init(&o);
  sk_ode *e = NULL;
  o.post_gel = SK_ODE_FLORY;
  assert_int_equal(sk_ode_create(c, f0, &o, &e, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "flory"));
  assert_null(e);
  o.post_gel = SK_ODE_STOCKMAYER;
  o.rtol = 0;
  assert_int_equal(sk_ode_create(c, f0, &o, &e, &err), SK_EINVAL);
  sk_ode_opts_init(&o);
  f0[3] = -1;
  assert_int_equal(sk_ode_create(c, f0, &o, &e, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "f_4(0)"));
  f0[3] = 0;
  f0[0] = 0;
  assert_int_equal(sk_ode_create(c, f0, &o, &e, &err), SK_EINVAL);
  f0[0] = 1;
  assert_int_equal(sk_ode_create(c, f0, &o, &e, &err), SK_OK);
  assert_int_equal(sk_ode_advance(e, 1, &err), SK_OK);
  assert_int_equal(sk_ode_advance(e, 0.5, &err), SK_EINVAL);
  assert_close(sk_ode_time(e), 1, 0, 0);
  assert_true(isnan(sk_ode_f_at(e, 0)));
  assert_true(sk_ode_f_at(e, 9) == 0);
  assert_true(isnan(sk_ode_tail_number(e)));
  /* max_steps */
  sk_ode_free(e);
  o.max_steps = 10;
  assert_int_equal(sk_ode_create(c, f0, &o, &e, &err), SK_OK);
  assert_int_equal(sk_ode_advance(e, 100, &err), SK_ERANGE);
  assert_non_null(strstr(err.msg, "max_steps"));
  sk_ode_free(e);
  sk_ode_free(NULL);
  sk_coag_free(c);
}

/* K = 1 with nmax = 8 to t = 10: most mass leaves the tracked range.
 * Stockmayer: M1 + tail is conserved; Flory's closure: f_1 is exact and
 * M0 + tail count is the exact M0 = 2/(2 + t). */
static void test_tail_small(void **state) {
  (void)state;
  sk_error err = {0};
  sk_coag *c;
  assert_int_equal(sk_coag_create_classical(SK_COAG_CONSTANT, 1, 8, &c, &err), SK_OK);
  double f0[8] = {1, 0, 0, 0, 0, 0, 0, 0};
  for (int pg = 0; pg < 2; ++pg) {
    sk_ode_opts o;
    sk_ode_opts_init(&o);
    o.post_gel = (sk_ode_postgel)pg;
    o.rtol = 1e-10;
    o.atol = 1e-16;
    sk_ode *e;
    assert_int_equal(sk_ode_create(c, f0, &o, &e, &err), SK_OK);
    assert_int_equal(sk_ode_advance(e, 10, &err), SK_OK);
    assert_true(sk_ode_tail_mass(e) > 0.3);
    assert_close(sk_ode_moment(e, 1) + sk_ode_tail_mass(e), 1, 1e-10, 0);
    assert_true(sk_ode_mass_defect(e) < 1e-10);
    assert_true(isnan(sk_ode_gel_time(e)));
    if (pg == SK_ODE_FLORY) {
      assert_close(sk_ode_f_at(e, 1), sk_ode_exact_f(SK_COAG_CONSTANT, 1, 1, 1, 10), 1e-8, 0);
      assert_close(sk_ode_moment(e, 0) + sk_ode_tail_number(e), 2.0 / 12, 1e-8, 0);
    }
    sk_ode_free(e);
  }
  sk_coag_free(c);
}

/* Polydisperse data from a model: [initial] mass = weights, Z = 2,
 * K = 3 (scale), Flory's closure: the number of particles obeys
 * dM0/dt = -s M0^2 / 2 whatever the masses: M0 = Z / (1 + s Z t / 2). */
static void test_model_weights(void **state) {
  (void)state;
  sk_error err = {0};
  sk_model *m;
  assert_int_equal(sk_model_create(&m, &err), SK_OK);
  assert_int_equal(sk_model_set(m, "coagulation.kernel", "constant", "t", &err), SK_OK);
  assert_int_equal(sk_model_set(m, "coagulation.scale", "3", "t", &err), SK_OK);
  assert_int_equal(sk_model_set(m, "coagulation.nmax", "12", "t", &err), SK_OK);
  assert_int_equal(sk_model_set(m, "coagulation.post_gel", "flory", "t", &err), SK_OK);
  assert_int_equal(sk_model_set(m, "coagulation.rtol", "1e-10", "t", &err), SK_OK);
  assert_int_equal(sk_model_set(m, "initial.mass", "weights", "t", &err), SK_OK);
  assert_int_equal(sk_model_set(m, "initial.weights", "1, 0.5, 0.25", "t", &err), SK_OK);
  assert_int_equal(sk_model_set(m, "initial.Z", "2", "t", &err), SK_OK);
  assert_int_equal(sk_model_finalize(m, &err), SK_OK);
  sk_ode *e;
  assert_int_equal(sk_ode_create_from_model(m, 1, &e, &err), SK_OK);
  assert_close(sk_ode_f_at(e, 2), 2 * 0.5 / 1.75, 1e-15, 0);
  double M1 = sk_ode_moment(e, 1);
  assert_int_equal(sk_ode_advance(e, 1.5, &err), SK_OK);
  assert_close(sk_ode_moment(e, 0) + sk_ode_tail_number(e), 2 / (1 + 3 * 2 * 1.5 / 2), 1e-8, 0);
  assert_close(sk_ode_moment(e, 1) + sk_ode_tail_mass(e), M1, 1e-10, 0);
  sk_ode_free(e);
  /* nmax below the largest initial mass: refused, naming the key */
  assert_int_equal(sk_model_set(m, "coagulation.nmax", "2", "t", &err), SK_OK);
  assert_int_equal(sk_model_finalize(m, &err), SK_OK);
  assert_int_equal(sk_ode_create_from_model(m, 1, &e, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "nmax"));
  sk_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_tail_small),
      cmocka_unit_test(test_model_weights),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
