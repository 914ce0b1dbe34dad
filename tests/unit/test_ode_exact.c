/* The exact ODE solutions (include/smolkin/ode_exact.h) checked against
 * independent computations: (1) the moment formulas against direct sums
 * of f_n; (2) the formulas for f_n against the ODE (2.1) itself: a
 * fourth-order central difference in t against the right-hand side summed
 * directly over n, m (truncated where f_n < 1e-30 of the total). */
#include <math.h>
#include <stdlib.h>

#include "smolkin/ode_exact.h"
#include "testutil.h"

static double K(sk_coag_kind k, double s, double n, double m) {
  return s * (k == SK_COAG_CONSTANT ? 1 : k == SK_COAG_ADDITIVE ? n + m : n * m);
}

static const sk_coag_kind kinds[3] = {SK_COAG_CONSTANT, SK_COAG_ADDITIVE,
                                      SK_COAG_MULTIPLICATIVE};

static void test_moments_are_sums(void **state) {
  (void)state;
  const double s = 1.5, Z = 0.8;
  const double taus[4] = {0.3, 0.9, 1.6, 2.5};
  for (int ki = 0; ki < 3; ++ki)
    for (int it = 0; it < 4; ++it) {
      double tau = taus[it];
      if (kinds[ki] == SK_COAG_ADDITIVE && tau > 1.7) continue; /* tail too long to sum */
      double t = tau / (Z * s), m[3] = {0, 0, 0};
      for (long long n = 1; n <= 400000; ++n) {
        double f = sk_ode_exact_f(kinds[ki], s, Z, n, t), nn = (double)n;
        m[0] += f;
        m[1] += nn * f;
        m[2] += nn * nn * f;
      }
      for (int k = 0; k < 3; ++k) {
        /* M2 of the multiplicative kernel near the gel point has a slowly
         * decaying tail (terms ~ n^(1/2) e^(-n c)): tau = 0.9, 1.6 converge */
        assert_close(m[k], sk_ode_exact_moment(kinds[ki], s, Z, k, t), 1e-9, 0);
      }
    }
  assert_close(sk_ode_exact_gel_time(SK_COAG_MULTIPLICATIVE, 2, 0.5), 1.0, 0, 1e-15);
  assert_true(isinf(sk_ode_exact_gel_time(SK_COAG_ADDITIVE, 1, 1)));
  assert_true(isinf(sk_ode_exact_moment(SK_COAG_MULTIPLICATIVE, 1, 1, 2, 1.0)));
  assert_true(isnan(sk_ode_exact_f(SK_COAG_TABLE, 1, 1, 1, 1.0)));
  assert_true(isnan(sk_ode_exact_moment(SK_COAG_CONSTANT, 1, 1, 3, 1.0)));
  /* Flory at tau = 2: T e^-T = 2 e^-2, sol mass T/2 */
  double T = 2 * sk_ode_exact_moment(SK_COAG_MULTIPLICATIVE, 1, 1, 1, 2.0);
  assert_close(T * exp(-T), 2 * exp(-2.0), 1e-14, 0);
  assert_true(T < 1);
}

/* f at t; the RHS of (2.1) at t for masses 1..nn (direct double sums). */
static void rhs(sk_coag_kind k, double s, double Z, double t, int nn, double *f, double *df) {
  for (int n = 1; n <= nn; ++n) f[n] = sk_ode_exact_f(k, s, Z, n, t);
  /* loss: sum over all m, the tail beyond nn from the moments (exact) */
  double M0 = sk_ode_exact_moment(k, s, Z, 0, t), M1 = sk_ode_exact_moment(k, s, Z, 1, t);
  double M1tot = k == SK_COAG_MULTIPLICATIVE ? Z : M1; /* Flory: gel absorbs sol */
  for (int n = 1; n <= nn; ++n) {
    double g = 0;
    for (int m = 1; m < n; ++m) g += K(k, s, m, n - m) * f[m] * f[n - m];
    double L = k == SK_COAG_CONSTANT ? s * M0 : k == SK_COAG_ADDITIVE ? s * (n * M0 + M1)
                                                                    : s * n * M1tot;
    df[n] = 0.5 * g - f[n] * L;
  }
}

static void test_solves_the_ode(void **state) {
  (void)state;
  const double s = 1.3, Z = 1.1;
  const double taus[4] = {0.5, 1.0, 2.0, 3.0};
  enum { NN = 40 };
  double f[NN + 1], df[NN + 1], fp[4][NN + 1];
  for (int ki = 0; ki < 3; ++ki)
    for (int it = 0; it < 4; ++it) {
      double t = taus[it] / (Z * s), h = 1e-4 * t;
      if (kinds[ki] == SK_COAG_MULTIPLICATIVE && fabs(taus[it] - 1) < 1e-9) continue;
      rhs(kinds[ki], s, Z, t, NN, f, df);
      const double off[4] = {-2, -1, 1, 2};
      for (int j = 0; j < 4; ++j)
        for (int n = 1; n <= NN; ++n) fp[j][n] = sk_ode_exact_f(kinds[ki], s, Z, n, t + off[j] * h);
      for (int n = 1; n <= NN; ++n) {
        double d = (fp[0][n] - 8 * fp[1][n] + 8 * fp[2][n] - fp[3][n]) / (12 * h);
        /* O((n h/t)^4) <= 3e-10 relative, rounding ~1e-12 |f| */
        double scale = fabs(df[n]) + fabs(f[n]) / t;
        assert_close(d, df[n], 0, 1e-8 * scale + 1e-300);
      }
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_moments_are_sums),
                                     cmocka_unit_test(test_solves_the_ode)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
