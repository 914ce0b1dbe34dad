/* The radial method: (1.8) for a radially symmetric V in d >= 3.
 *
 * Inside the unit ball w = 1 - u solves w'' + (d-1)/r w' = lambda V w,
 * w'(0) = 0; outside, u = c r^(2-d) exactly (V = 0 there). With y the
 * regular solution (y(0) = 1, y'(0) = 0) we have w = A y, and matching w and
 * w' at r = 1 gives A = (d-2) / ((d-2) y(1) + y'(1)).
 *
 * y grows like exp(sqrt(lambda) r), which overflows for large lambda, so we
 * integrate the Riccati form instead (all quantities stay O(1 + sqrt(lambda))):
 *   q = y'/y:    q' = lambda V - q^2 - (d-1) q / r
 *   L = log y:   L' = q
 *   J = I / y:   J' = V r^(d-1) - q J,   I(r) = int_0^r V y s^(d-1) ds.
 * Then, with S = |S^{d-1}|:
 *   exterior coefficient  c = q(1) / (d - 2 + q(1))        (u = c r^(2-d), r >= 1)
 *   beta (flux form)      = DSUM * S * (d-2) * c
 *   beta (volume form)    = alpha * S * (d-2) * J(1) / (d - 2 + q(1))
 *   u(r), r <= 1          = (b - expm1(L(r) - L(1))) / (1 + b),  b = q(1)/(d-2).
 * The two forms of beta agree for the exact solution (r^(d-1) y' = lambda I);
 * their difference is part of the error estimate.
 *
 * Integration: GSL's rk8pd (Prince-Dormand 8(7)) with relative error control,
 * started at a small r0 from the series y = 1 + a2 r^2 + a3 r^3, and broken at
 * the kernel's breakpoints. Every accepted step is kept as a checkpoint so
 * u(r) can be evaluated later by one step from the nearest checkpoint. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beta/beta_internal.h"

typedef struct {
  int d;
  double lambda;
  const sk_kernel *V;
} rhs_params;

static int rhs(double r, const double y[], double f[], void *p) {
  const rhs_params *P = p;
  double V = sk_kernel_radial(P->V, r);
  double q = y[0], J = y[2], rd = 1;
  for (int i = 1; i < P->d; ++i) rd *= r; /* r^(d-1) */
  f[0] = P->lambda * V - q * q - (double)(P->d - 1) * q / r;
  f[1] = q;
  f[2] = V * rd - q * J;
  return GSL_SUCCESS;
}

static int push(sk_radial *s, double r, const double *y, sk_error *err) {
  if (s->n == s->cap) {
    size_t nc = s->cap ? 2 * s->cap : 256;
    sk_radial_node *nn = realloc(s->node, nc * sizeof *nn);
    if (!nn) return sk_error_set(err, SK_ENOMEM, "out of memory");
    s->node = nn;
    s->cap = nc;
  }
  s->node[s->n++] = (sk_radial_node){r, y[0], y[1], y[2]};
  return SK_OK;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void sk_radial_free(sk_radial *s) {
  if (!s) return;
  free(s->node);
  free(s);
}

int sk_radial_solve(const sk_kernel *V, double lambda, double tol, sk_radial **out,
                    sk_error *err) {
  *out = NULL;
  int d = sk_kernel_dim(V);
  if (d < 3) return sk_error_set(err, SK_ERANGE, "the radial solver needs d >= 3 (d = %d)", d);
  if (!sk_kernel_is_radial(V))
    return sk_error_set(err, SK_ERANGE, "the radial solver needs a radially symmetric kernel (%s is not)",
                        sk_kernel_name(V));
  if (!(lambda > 0) || !isfinite(lambda))
    return sk_error_set(err, SK_EINVAL, "lambda = alpha/DSUM = %g (accepted: a finite number > 0)", lambda);
  gsl_set_error_handler_off();
  sk_radial *s = calloc(1, sizeof *s);
  if (!s) return sk_error_set(err, SK_ENOMEM, "out of memory");
  s->d = d;
  s->lambda = lambda;
  s->tol = tol;
  s->V = V;

  /* Start: y = 1 + a2 r^2 + a3 r^3 with a2 = lambda V0 / (2d),
   * a3 = lambda V1 / (3 (d+1)) (V = V0 + V1 r + ...). The neglected terms are
   * O(lambda^2 r0^4 + lambda V'' r0^4), far below 1e-16 for the r0 below. */
  double k = sqrt(lambda * sk_kernel_sup(V));
  double r0 = 1e-6 / (1.0 + k);
  double V0 = sk_kernel_radial(V, 0.0);
  double V1 = (sk_kernel_radial(V, r0) - V0) / r0;
  double a2 = lambda * V0 / (2.0 * d), a3 = lambda * V1 / (3.0 * (d + 1));
  double r02 = r0 * r0, r03 = r02 * r0;
  double yv = 1 + a2 * r02 + a3 * r03, yp = 2 * a2 * r0 + 3 * a3 * r02;
  double I0 = pow(r0, d) * (V0 / d + V1 * r0 / (d + 1));
  double y[3] = {yp / yv, log1p(a2 * r02 + a3 * r03), I0 / yv};

  /* Breakpoints in (r0, 1). */
  const double *bp;
  size_t nbp = sk_kernel_breakpoints(V, &bp);
  double *ends = malloc((nbp + 1) * sizeof *ends);
  if (!ends) {
    sk_radial_free(s);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  size_t ne = 0;
  for (size_t i = 0; i < nbp; ++i)
    if (bp[i] > r0 && bp[i] < 1) ends[ne++] = bp[i];
  qsort(ends, ne, sizeof *ends, cmp_double);
  ends[ne++] = 1.0;

  rhs_params P = {d, lambda, V};
  gsl_odeiv2_system sys = {rhs, NULL, 3, &P};
  gsl_odeiv2_step *st = gsl_odeiv2_step_alloc(gsl_odeiv2_step_rk8pd, 3);
  /* Relative error control, with an absolute floor 1e-3 tol times the
   * scale of each component's final value for small lambda (q(1) ~ lambda
   * int V / |S|, L(1) ~ q(1), J(1) = q(1) / lambda). The floor matters only
   * where a component is near 0 (e.g. V = 0 near the origin): there pure
   * relative control would chase the rounding noise of V(r). */
  double sq = fmin(lambda * sk_kernel_integral(V) / sk_unit_sphere_area(d), 1.0);
  double scale_abs[3] = {sq, sq, sq / lambda};
  gsl_odeiv2_control *ct = gsl_odeiv2_control_scaled_new(1e-3 * tol, tol, 1.0, 0.0, scale_abs, 3);
  gsl_odeiv2_evolve *ev = gsl_odeiv2_evolve_alloc(3);
  int rc = SK_OK;
  if (!st || !ct || !ev) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto done;
  }
  double r = r0;
  if ((rc = push(s, r, y, err))) goto done;
  double h = r0;
  for (size_t p = 0; p < ne; ++p) {
    double r1 = ends[p];
    gsl_odeiv2_evolve_reset(ev);
    /* restart each panel with a modest step: the solution may change
     * character at a breakpoint */
    if (p > 0) h = fmin(h, 1e-3);
    while (r < r1) {
      int status = gsl_odeiv2_evolve_apply(ev, ct, st, &sys, &r, r1, &h, y);
      if (status != GSL_SUCCESS || !isfinite(y[0]) || !isfinite(y[1]) || !isfinite(y[2])) {
        rc = sk_error_set(err, SK_ENUMERIC,
                          "radial solver: integration failed at r = %g (lambda = %g, GSL status %d)",
                          r, lambda, status);
        goto done;
      }
      if (++s->nsteps > 10000000) {
        rc = sk_error_set(err, SK_ENUMERIC, "radial solver: too many steps (lambda = %g)", lambda);
        goto done;
      }
      if ((rc = push(s, r, y, err))) goto done;
    }
    r = r1; /* exact panel end */
    s->node[s->n - 1].r = r1;
  }
  s->q1 = y[0];
  s->L1 = y[1];
  s->J1 = y[2];
  {
    double dm2 = d - 2.0, S = sk_unit_sphere_area(d);
    s->c = s->q1 / (dm2 + s->q1);
    s->beta_flux_over_dsum = S * dm2 * s->c;
    s->beta_int_over_alpha = S * dm2 * s->J1 / (dm2 + s->q1);
  }
done:
  free(ends);
  gsl_odeiv2_evolve_free(ev);
  gsl_odeiv2_control_free(ct);
  gsl_odeiv2_step_free(st);
  if (rc) {
    sk_radial_free(s);
    return rc;
  }
  *out = s;
  return SK_OK;
}

/* u at radius r (any r >= 0). */
double sk_radial_u(const sk_radial *s, double r) {
  if (!(r >= 0)) return NAN;
  int d = s->d;
  if (r >= 1.0) return s->c * pow(r, 2 - d);
  double b = s->q1 / (d - 2.0);
  double L;
  const sk_radial_node *nd = s->node;
  if (r <= nd[0].r) {
    /* series region: L = log(1 + a2 r^2 + ...) ~ (L(r0)) (r / r0)^2 */
    double t = r / nd[0].r;
    L = nd[0].L * t * t;
  } else {
    /* last checkpoint with node.r <= r */
    size_t lo = 0, hi = s->n - 1;
    while (hi - lo > 1) {
      size_t mid = (lo + hi) / 2;
      if (nd[mid].r <= r) lo = mid;
      else hi = mid;
    }
    if (nd[lo].r == r) {
      L = nd[lo].L;
    } else {
      /* one rk8pd step from the checkpoint: shorter than an accepted step of
       * the same integration, so its error is within the tolerance */
      rhs_params P = {d, s->lambda, s->V};
      gsl_odeiv2_system sys = {rhs, NULL, 3, &P};
      gsl_odeiv2_step *st = gsl_odeiv2_step_alloc(gsl_odeiv2_step_rk8pd, 3);
      if (!st) return NAN;
      double y[3] = {nd[lo].q, nd[lo].L, nd[lo].J}, yerr[3];
      int status = gsl_odeiv2_step_apply(st, nd[lo].r, r - nd[lo].r, y, yerr, NULL, NULL, &sys);
      gsl_odeiv2_step_free(st);
      if (status != GSL_SUCCESS) return NAN;
      L = y[1];
    }
  }
  double u = (b - expm1(L - s->L1)) / (1.0 + b);
  return u;
}
