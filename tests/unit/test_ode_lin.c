/* The exact Newton solver of the ODE (src/ode/ode_lin.c): x solves
 * (I - gamma J) x = b, checked against the Jacobian-vector product the ODE
 * hands to CVODE (src/ode/ode.c, itself tested against finite differences
 * of the right-hand side here too), for the three classical kernels, both
 * tail closures, the direct and FFT paths, nmax a power of two or not, and
 * gamma from 1e-3 to 20; and the ODE solved with it against the ODE solved
 * with GMRES. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ode/ode_internal.h"
#include "ode/ode_lin.h"
#include "smolkin/ode.h"
#include "testutil.h"

static double maxabs(const double *x, long long n) {
  double m = 0;
  for (long long i = 0; i < n; ++i) m = fmax(m, fabs(x[i]));
  return m;
}

/* One case: kernel, closure, path, nmax. */
static void check_case(sk_coag_kind kind, int flory, sk_coag_path path, long long nmax) {
  sk_error err = {0};
  sk_coag_opts co;
  sk_coag_opts_init(&co);
  co.path = path;
  sk_coag *c;
  const double s = 1.3;
  assert_int_equal(sk_coag_create_classical_opts(kind, s, nmax, &co, &c, &err), SK_OK);
  /* full support, so that the active range is all of nmax */
  double *f0 = malloc(sizeof(double) * (size_t)nmax);
  for (long long n = 1; n <= nmax; ++n)
    f0[n - 1] = exp(-0.02 * (double)n) * (1 + 0.5 * sin((double)n)) / (double)n;
  sk_ode_opts o;
  sk_ode_opts_init(&o);
  o.post_gel = flory ? SK_ODE_FLORY : SK_ODE_STOCKMAYER;
  sk_ode *e;
  assert_int_equal(sk_ode_create(c, f0, &o, &e, &err), SK_OK);
  long long neq = sk_ode_neq_(e), M = sk_ode_active_(e);
  assert_int_equal(M, nmax);
  int has_N = neq == M + 2;
  double *y = calloc((size_t)neq, sizeof(double)), *b = calloc((size_t)neq, sizeof(double));
  double *x = calloc((size_t)neq, sizeof(double)), *x2 = calloc((size_t)neq, sizeof(double));
  double *jx = calloc((size_t)neq, sizeof(double)), *d1 = calloc((size_t)neq, sizeof(double));
  double *d2 = calloc((size_t)neq, sizeof(double)), *yp = calloc((size_t)neq, sizeof(double));
  memcpy(y, f0, sizeof(double) * (size_t)M);
  y[M] = 0.2;
  if (has_N) y[M + 1] = 0.05;

  /* the Jacobian-vector product against central differences of the rhs */
  for (long long i = 0; i < neq; ++i) b[i] = cos(3.0 * (double)i) * (i < M ? f0[i] : 0.1);
  assert_int_equal(sk_ode_jvp_(e, y, b, jx), 0);
  const double h = 1e-4;
  for (long long i = 0; i < neq; ++i) yp[i] = y[i] + h * b[i];
  assert_int_equal(sk_ode_rhs_(e, yp, d1), 0);
  for (long long i = 0; i < neq; ++i) yp[i] = y[i] - h * b[i];
  assert_int_equal(sk_ode_rhs_(e, yp, d2), 0);
  double jmax = maxabs(jx, neq);
  for (long long i = 0; i < neq; ++i)
    assert_close((d1[i] - d2[i]) / (2 * h), jx[i], 0, 1e-6 * jmax);

  /* J column by column (for the component-wise backward error) */
  double *J = malloc(sizeof(double) * (size_t)(neq * neq)), *ej = calloc((size_t)neq, sizeof(double));
  for (long long j = 0; j < neq; ++j) {
    ej[j] = 1;
    assert_int_equal(sk_ode_jvp_(e, y, ej, jx), 0);
    ej[j] = 0;
    for (long long i = 0; i < neq; ++i) J[i * neq + j] = jx[i];
  }

  sk_ode_lin *L;
  assert_int_equal(sk_ode_lin_create(kind, s, M, flory, has_N, 1, &L, &err), SK_OK);
  sk_ode_lin_setup(L, y);
  const double gammas[3] = {1e-3, 0.3, 20};
  for (int gi = 0; gi < 3; ++gi) {
    double gam = gammas[gi];
    for (long long i = 0; i < neq; ++i)
      b[i] = sin(7.0 * (double)i + 1) * (i < M ? 0.5 * f0[i] + 1e-3 : 0.1);
    assert_int_equal(sk_ode_lin_solve(L, gam, b, x), 0);
    /* Oettli-Prager: omega = max_i |b - A x|_i / (|A| |x| + |b|)_i,
     * A = I - gamma J: x is the exact solution of a system within omega of
     * this one, entry by entry */
    double omega = 0;
    for (long long i = 0; i < neq; ++i) {
      const double *Ji = J + i * neq;
      double ax = x[i], mag = fabs(x[i]) + fabs(b[i]);
      for (long long j = 0; j < neq; ++j) {
        ax -= gam * Ji[j] * x[j];
        mag += gam * fabs(Ji[j] * x[j]);
      }
      omega = fmax(omega, fabs(ax - b[i]) / mag);
    }
    print_message("kernel %s %s %s nmax %lld gamma %g: backward error %.2e\n",
                  sk_coag_kind_name(kind), flory ? "flory" : "stockmayer",
                  sk_coag_path_name(c), nmax, gam, omega);
    /* forward substitution is component-wise backward stable with
     * omega <= n u / (1 - n u) (Higham, Accuracy and Stability of Numerical
     * Algorithms, 2nd ed., Thm 8.5); the FFT sums (normwise accurate) and
     * the rank/Schur corrections are allowed a factor 10 over that */
    assert_true(omega <= 10 * (double)neq * DBL_EPSILON);
    /* the cached gamma part is reused: the same result, bit for bit */
    assert_int_equal(sk_ode_lin_solve(L, gam, b, x2), 0);
    assert_memory_equal(x, x2, sizeof(double) * (size_t)neq);
  }
  free(J);
  free(ej);
  assert_int_equal(sk_ode_lin_builds(L), 3);
  assert_int_equal(sk_ode_lin_solves(L), 6);
  sk_ode_lin_free(L);
  free(y);
  free(b);
  free(x);
  free(x2);
  free(jx);
  free(d1);
  free(d2);
  free(yp);
  free(f0);
  sk_ode_free(e);
  sk_coag_free(c);
}

static void test_direct(void **state) {
  (void)state;
  const sk_coag_kind kinds[3] = {SK_COAG_CONSTANT, SK_COAG_ADDITIVE, SK_COAG_MULTIPLICATIVE};
  for (int k = 0; k < 3; ++k)
    for (int fl = 0; fl < 2; ++fl) {
      /* 300: not a power of two (padded to 512, several FFT levels);
       * 40: the base case alone */
      check_case(kinds[k], fl, SK_COAG_PATH_DIRECT, 300);
      check_case(kinds[k], fl, SK_COAG_PATH_DIRECT, 40);
    }
}

static void test_fft(void **state) {
  (void)state;
  const sk_coag_kind kinds[3] = {SK_COAG_CONSTANT, SK_COAG_ADDITIVE, SK_COAG_MULTIPLICATIVE};
  for (int k = 0; k < 3; ++k)
    for (int fl = 0; fl < 2; ++fl) check_case(kinds[k], fl, SK_COAG_PATH_FFT, 1024);
}

/* Threads: the large block FFTs (length >= 2^17, here at nmax 2^19) run on
 * FFTW's threads; the solution is the same, bit for bit. */
static void test_threads_bitwise(void **state) {
  (void)state;
  sk_error err = {0};
  const long long M = 1 << 19;
  double *y = malloc(sizeof(double) * (size_t)(M + 2)), *b = malloc(sizeof(double) * (size_t)(M + 2));
  double *x1 = malloc(sizeof(double) * (size_t)(M + 2)), *x2 = malloc(sizeof(double) * (size_t)(M + 2));
  for (long long n = 1; n <= M; ++n) {
    y[n - 1] = 0.01 * pow((double)n, -1.5) * exp(-(double)n / 2e5);
    b[n - 1] = sin(0.37 * (double)n) * y[n - 1];
  }
  y[M] = 0.1;
  y[M + 1] = 1e-4;
  b[M] = 1e-3;
  b[M + 1] = 1e-5;
  sk_ode_lin *L1, *L2;
  assert_int_equal(sk_ode_lin_create(SK_COAG_ADDITIVE, 1, M, 1, 1, 1, &L1, &err), SK_OK);
  assert_int_equal(sk_ode_lin_create(SK_COAG_ADDITIVE, 1, M, 1, 1, 2, &L2, &err), SK_OK);
  sk_ode_lin_setup(L1, y);
  sk_ode_lin_setup(L2, y);
  assert_int_equal(sk_ode_lin_solve(L1, 0.1, b, x1), 0);
  assert_int_equal(sk_ode_lin_solve(L2, 0.1, b, x2), 0);
  assert_memory_equal(x1, x2, sizeof(double) * (size_t)(M + 2));
  sk_ode_lin_free(L1);
  sk_ode_lin_free(L2);
  free(y);
  free(b);
  free(x1);
  free(x2);
}

/* The ODE with the exact Newton systems and with GMRES: the same solution
 * within the tolerances (additive kernel, Flory tail, front crossing nmax). */
static void test_exact_vs_gmres(void **state) {
  (void)state;
  sk_error err = {0};
  const long long nmax = 2048;
  sk_coag *c;
  assert_int_equal(sk_coag_create_classical(SK_COAG_ADDITIVE, 1, nmax, &c, &err), SK_OK);
  double *f0 = calloc((size_t)nmax, sizeof(double));
  f0[0] = 1;
  sk_ode *e[2];
  for (int i = 0; i < 2; ++i) {
    sk_ode_opts o;
    sk_ode_opts_init(&o);
    o.post_gel = SK_ODE_FLORY;
    o.rtol = 1e-8;
    o.linsol = i == 0 ? SK_ODE_LINSOL_EXACT : SK_ODE_LINSOL_GMRES;
    assert_int_equal(sk_ode_create(c, f0, &o, &e[i], &err), SK_OK);
  }
  const double ts[3] = {1, 3, 5};
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < 2; ++i) assert_int_equal(sk_ode_advance(e[i], ts[k], &err), SK_OK);
    const long long ns[4] = {1, 2, 10, 1000};
    for (int q = 0; q < 4; ++q)
      assert_close(sk_ode_f_at(e[0], ns[q]), sk_ode_f_at(e[1], ns[q]), 1e-6, 1e-13);
    assert_close(sk_ode_tail_mass(e[0]), sk_ode_tail_mass(e[1]), 1e-6, 1e-10);
    assert_close(sk_ode_tail_number(e[0]), sk_ode_tail_number(e[1]), 1e-6, 1e-12);
  }
  sk_ode_stats st[2];
  for (int i = 0; i < 2; ++i) sk_ode_get_stats(e[i], &st[i]);
  print_message("exact: %ld steps %ld newton %ld solves %ld jvp; gmres: %ld steps %ld newton "
                "%ld gmres iterations %ld jvp\n",
                st[0].steps, st[0].newton_iters, st[0].lin_iters, st[0].jvp_evals, st[1].steps,
                st[1].newton_iters, st[1].lin_iters, st[1].jvp_evals);
  /* the exact solver needs no Jacobian-vector products */
  assert_int_equal(st[0].jvp_evals, 0);
  assert_true(st[1].jvp_evals > 0);
  for (int i = 0; i < 2; ++i) sk_ode_free(e[i]);
  free(f0);
  sk_coag_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_direct),
      cmocka_unit_test(test_fft),
      cmocka_unit_test(test_threads_bitwise),
      cmocka_unit_test(test_exact_vs_gmres),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
