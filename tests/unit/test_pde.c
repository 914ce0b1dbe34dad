/* Unit tests of the PDE solver (include/smolkin/pde.h): error paths, the
 * same bits for 1 and 2 threads, mass balance on small grids, observables
 * (radial shells integrate exactly), getters. Fast (also run under ASan). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smolkin/pde.h"
#include "testutil.h"

static int build(sk_model **out, sk_error *err, const char *first, ...) {
  sk_model *m;
  int rc = sk_model_create(&m, err);
  if (rc) return rc;
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a && !rc; a = va_arg(ap, const char *))
    rc = sk_model_set_assignment(m, a, "test", err);
  va_end(ap);
  if (!rc) rc = sk_model_finalize(m, err);
  if (rc) {
    sk_model_free(m);
    return rc;
  }
  *out = m;
  return SK_OK;
}

static void test_errors(void **state) {
  (void)state;
  sk_model *m;
  sk_pde *p = (sk_pde *)1;
  sk_error err;
  sk_pde_free(NULL);
  /* recipe needs d >= 2 */
  assert_int_equal(build(&m, &err, "model.dim=1", "model.geometry=radial", "initial.space=gaussian",
                         "coagulation.nmax=4", NULL), 0);
  assert_int_equal(sk_pde_alloc(m, NULL, &p, &err), SK_EINVAL);
  assert_null(p);
  assert_non_null(strstr(err.msg, "kernel"));
  sk_model_free(m);
  /* odd cells on a box */
  assert_int_equal(build(&m, &err, "model.dim=1", "model.geometry=torus", "pde.cells=15",
                         "coagulation.kernel=constant", "coagulation.nmax=4", NULL), 0);
  assert_int_equal(sk_pde_alloc(m, NULL, &p, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "cells"));
  sk_model_free(m);
  /* a box in d = 4 */
  assert_int_equal(build(&m, &err, "model.dim=4", "model.geometry=torus", "pde.cells=4",
                         "coagulation.kernel=constant", "coagulation.nmax=4", NULL), 0);
  assert_int_equal(sk_pde_alloc(m, NULL, &p, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "dim"));
  sk_model_free(m);
  /* uniform data off the torus */
  assert_int_equal(build(&m, &err, "model.dim=3", "model.geometry=radial",
                         "coagulation.kernel=constant", "coagulation.nmax=4", NULL), 0);
  assert_int_equal(sk_pde_alloc(m, NULL, &p, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "uniform"));
  sk_model_free(m);
  /* nmax below the initial masses */
  assert_int_equal(build(&m, &err, "model.dim=1", "model.geometry=torus", "pde.cells=8",
                         "initial.mass=weights", "initial.weights=1,1,1",
                         "coagulation.kernel=constant", "coagulation.nmax=2", NULL), 0);
  assert_int_equal(sk_pde_alloc(m, NULL, &p, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "nmax"));
  sk_model_free(m);
  /* Flory post-gel is not what the PDE does */
  assert_int_equal(build(&m, &err, "model.dim=1", "model.geometry=torus", "pde.cells=8",
                         "coagulation.kernel=constant", "coagulation.post_gel=flory",
                         "coagulation.nmax=4", NULL), 0);
  assert_int_equal(sk_pde_alloc(m, NULL, &p, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "post_gel"));
  sk_model_free(m);
  /* advancing backwards */
  assert_int_equal(build(&m, &err, "model.dim=1", "model.geometry=torus", "pde.cells=8",
                         "coagulation.kernel=constant", "coagulation.nmax=4", NULL), 0);
  assert_int_equal(sk_pde_alloc(m, NULL, &p, &err), 0);
  assert_int_equal(sk_pde_advance(p, 0.1, &err), 0);
  assert_int_equal(sk_pde_advance(p, 0.05, &err), SK_EINVAL);
  assert_close(sk_pde_time(p), 0.1, 0, 0);
  sk_pde_free(p);
  sk_model_free(m);
}

/* Runs a model with nthreads and returns all densities + tail (malloc'd). */
static double *run(const sk_model *m, int nthreads, size_t *len) {
  sk_pde_opts o;
  sk_pde_opts_from_model(m, &o);
  o.nthreads = nthreads;
  sk_pde *p;
  sk_error err;
  assert_int_equal(sk_pde_alloc(m, &o, &p, &err), 0);
  assert_int_equal(sk_pde_advance(p, 0.3, &err), 0);
  size_t nc = sk_pde_ncells(p), M = (size_t)sk_pde_nmax(p);
  double *v = malloc(nc * (M + 1) * sizeof *v);
  for (size_t n = 1; n <= M; ++n) sk_pde_density(p, (long long)n, v + (n - 1) * nc);
  sk_pde_tail_density(p, v + M * nc);
  *len = nc * (M + 1);
  sk_pde_free(p);
  return v;
}

static void test_threads_bitwise(void **state) {
  (void)state;
  const char *geos[3] = {"model.geometry=radial", "model.geometry=torus",
                         "model.geometry=whole-space"};
  for (int g = 0; g < 3; ++g) {
    sk_model *m;
    sk_error err;
    assert_int_equal(build(&m, &err, geos[g], "model.dim=2", "diffusion.p=0.5",
                           "initial.space=gaussian", "initial.sigma=0.15", "initial.Z=5",
                           "interaction.alpha=3", "coagulation.nmax=12", "pde.cells=16",
                           "pde.box=3", "pde.dt=0.05", "run.T=0.3", "run.times=0.3", NULL),
                     0);
    size_t n1, n2;
    double *a = run(m, 1, &n1), *b = run(m, 2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1 * sizeof *a);
    double s = 0;
    for (size_t i = 0; i < n1; ++i) s += a[i];
    assert_true(s > 0);
    free(a);
    free(b);
    sk_model_free(m);
  }
}

static void test_balance_and_getters(void **state) {
  (void)state;
  sk_model *m;
  sk_error err;
  /* radial d = 2, cut short: outflow and tail both sizeable */
  assert_int_equal(build(&m, &err, "model.geometry=radial", "model.dim=2",
                         "initial.space=ball", "initial.radius=0.4", "initial.Z=3",
                         "coagulation.kernel=additive", "coagulation.nmax=6", "pde.cells=40",
                         "pde.rmax=1", "observe.shells=0,0.25,0.5,1", "observe.gauss_sigma=0.2",
                         "run.T=0.5", "run.times=0.5", NULL),
                   0);
  sk_pde *p;
  assert_int_equal(sk_pde_alloc(m, NULL, &p, &err), 0);
  assert_string_equal(sk_pde_geometry_name(p), "radial");
  assert_int_equal(sk_pde_dim(p), 2);
  double M10 = sk_pde_M1(p);
  /* the ball's cell averages integrate to Z up to the cells the rim cuts */
  assert_close(M10, 3, 0.05, 0);
  assert_int_equal(sk_pde_advance(p, 0.5, &err), 0);
  double tail = sk_pde_tail_mass(p), out = sk_pde_outflow(p);
  assert_true(tail > 1e-3 && out > 1e-3);
  assert_close(sk_pde_M1(p) + tail + out, M10, 1e-12, 0);
  double on = 0;
  for (long long n = 1; n <= 6; ++n) on += (double)n * sk_pde_outflow_number(p, n);
  assert_close(on, out, 1e-14, 0);
  /* the shells partition [0, 1): their sum is int f_n */
  sk_observe *obs;
  assert_int_equal(sk_observe_create(m, &obs, &err), 0);
  assert_int_equal(sk_observe_count(obs), 4);
  for (long long n = 1; n <= 3; ++n) {
    double s = 0;
    for (size_t k = 1; k < 4; ++k) s += sk_pde_observe(p, obs, k, n);
    assert_close(s, sk_pde_integral(p, n), 1e-13, 0);
    assert_true(sk_pde_observe(p, obs, 0, n) < sk_pde_integral(p, n));
  }
  assert_close(sk_pde_integral(p, 0), 0, 0, 0);
  assert_int_equal(sk_pde_density(p, 7, (double[40]){0}), SK_EINVAL);
  sk_pde_stats st;
  sk_pde_get_stats(p, &st);
  assert_true(st.steps >= 10 && st.coag_rhs > 0);
  assert_true(st.min_f >= -1e-2 * 1e-14 * 10);
  sk_observe_free(obs);
  sk_pde_free(p);
  sk_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_threads_bitwise),
      cmocka_unit_test(test_balance_and_getters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
