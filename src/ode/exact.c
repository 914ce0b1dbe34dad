/* Exact solutions of the Smoluchowski ODE for monodisperse data
 * (include/smolkin/ode_exact.h; derivations in docs/ode.md). Evaluated in
 * log space with lgamma so that large n neither overflow nor lose digits. */
#include "smolkin/ode_exact.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_lambert.h>
#include <math.h>

static int classical(sk_coag_kind k) {
  return k == SK_COAG_CONSTANT || k == SK_COAG_ADDITIVE || k == SK_COAG_MULTIPLICATIVE;
}

/* T = -W0(-tau e^-tau): tau itself up to the gel point, the conjugate root
 * T < 1 of T e^-T = tau e^-tau beyond it. */
static double tree_root(double tau) {
  if (tau <= 1) return tau;
  double x = tau * exp(-tau);
  gsl_sf_result r;
  if (gsl_sf_lambert_W0_e(-x, &r) != GSL_SUCCESS) return NAN;
  double T = -r.val;
  /* two Newton steps on g(T) = log T - T - log x (quadratic convergence) */
  for (int i = 0; i < 2; ++i) T -= (log(T) - T - log(x)) / (1 / T - 1);
  return T;
}

double sk_ode_exact_f(sk_coag_kind kind, double scale, double Z, long long n, double t) {
  if (!classical(kind) || n < 1 || !(t >= 0) || !(scale > 0) || !(Z > 0)) return NAN;
  double tau = Z * scale * t, nn = (double)n, lg;
  if (tau == 0) return n == 1 ? Z : 0.0;
  switch (kind) {
    case SK_COAG_CONSTANT:
      lg = 2 * log(2 / (2 + tau)) + (nn - 1) * log(tau / (2 + tau));
      break;
    case SK_COAG_ADDITIVE: {
      double x = -expm1(-tau);
      lg = -tau + (nn - 1) * log(nn * x) - nn * x - lgamma(nn + 1);
      break;
    }
    default:
      lg = (nn - 2) * log(nn) + (nn - 1) * log(tau) - nn * tau - lgamma(nn + 1);
      break;
  }
  return Z * exp(lg);
}

double sk_ode_exact_moment(sk_coag_kind kind, double scale, double Z, int k, double t) {
  if (!classical(kind) || k < 0 || k > 2 || !(t >= 0) || !(scale > 0) || !(Z > 0)) return NAN;
  double tau = Z * scale * t, g;
  switch (kind) {
    case SK_COAG_CONSTANT:
      g = k == 0 ? 2 / (2 + tau) : k == 1 ? 1 : 1 + tau;
      break;
    case SK_COAG_ADDITIVE:
      g = k == 0 ? exp(-tau) : k == 1 ? 1 : exp(2 * tau);
      break;
    default: {
      if (tau == 0) return Z;
      if (k == 2 && tau == 1) return INFINITY;
      double T = tree_root(tau);
      g = k == 0 ? (T - T * T / 2) / tau : k == 1 ? T / tau : T / (tau * (1 - T));
      break;
    }
  }
  return Z * g;
}

double sk_ode_exact_gel_time(sk_coag_kind kind, double scale, double Z) {
  if (!classical(kind) || !(scale > 0) || !(Z > 0)) return NAN;
  return kind == SK_COAG_MULTIPLICATIVE ? 1 / (Z * scale) : INFINITY;
}
