/* The recipe (1.8)-(1.9): dispatch to the radial, grid and Monte Carlo
 * solvers, and the d = 2 formula (2.4). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beta/beta_internal.h"

void sk_beta_opts_init(sk_beta_opts *o, sk_beta_method method) {
  memset(o, 0, sizeof *o);
  o->method = method;
  o->rtol = 0;
  o->grid_n = 0;
  o->mc_paths = 0;
  o->seed = 1;
}

/* Relative tolerance handed to the ODE integrator for a requested accuracy
 * rtol of beta (default 1e-12): 100 times tighter, floored at 1e-15. The
 * measured global errors stay below the integrator tolerance (1e-15 at
 * tolerance 1e-14, docs/beta.md), so this leaves two orders of margin. */
static double radial_tol(double rtol) {
  double t = rtol > 0 ? rtol : 1e-12;
  if (t > 1e-6) t = 1e-6;
  return fmax(t * 1e-2, 1e-15);
}

#define SK_MC_DEFAULT_PATHS 200000LL

static int check_common(const sk_kernel *V, double alpha, double dsum, sk_error *err) {
  if (!V) return sk_error_set(err, SK_EINVAL, "no interaction kernel");
  if (!(alpha > 0) || !isfinite(alpha))
    return sk_error_set(err, SK_EINVAL, "alpha = %g (accepted: a finite number > 0)", alpha);
  if (!(dsum > 0) || !isfinite(dsum))
    return sk_error_set(err, SK_EINVAL,
                        "DSUM = dif(n) + dif(m) = %g (accepted: a finite number > 0)", dsum);
  int d = sk_kernel_dim(V);
  if (d < 2)
    return sk_error_set(err, SK_ERANGE,
                        "beta is defined for d >= 2 (d = %d; the survey's recipe needs d >= 3, "
                        "and (2.4) covers d = 2)",
                        d);
  return SK_OK;
}

static const char *method_names[] = {"radial", "grid", "mc"};

int sk_beta_solve(const sk_kernel *V, double alpha, double dsum, const sk_beta_opts *opts,
                  sk_beta_solution **out, sk_error *err) {
  *out = NULL;
  sk_beta_opts def;
  if (!opts) {
    sk_beta_opts_init(&def, SK_BETA_RADIAL);
    opts = &def;
  }
  int rc = check_common(V, alpha, dsum, err);
  if (rc) return rc;
  if ((int)opts->method < 0 || (int)opts->method > SK_BETA_MC)
    return sk_error_set(err, SK_EINVAL, "unknown beta method %d", (int)opts->method);
  int d = sk_kernel_dim(V);
  if (d == 2 && opts->method != SK_BETA_RADIAL)
    return sk_error_set(err, SK_ERANGE,
                        "d = 2 uses the closed form (2.4); method %s needs d >= 3 (accepted: "
                        "method radial, which gives (2.4) in d = 2)",
                        method_names[opts->method]);
  if (opts->method == SK_BETA_RADIAL && !sk_kernel_is_radial(V))
    return sk_error_set(err, SK_ERANGE,
                        "method radial needs a radially symmetric kernel; %s is not (accepted: "
                        "method grid or mc)",
                        sk_kernel_name(V));
  if (opts->method == SK_BETA_GRID && d != 3)
    return sk_error_set(err, SK_ERANGE, "method grid is a 3-D solver (d = %d; accepted: d = 3)", d);

  sk_beta_solution *s = calloc(1, sizeof *s);
  if (!s) return sk_error_set(err, SK_ENOMEM, "out of memory");
  s->method = opts->method;
  s->dim = d;
  s->alpha = alpha;
  s->dsum = dsum;
  s->lambda = alpha / dsum;
  s->V = V;
  sk_beta_result *r = &s->res;
  r->int_V = sk_kernel_integral(V);
  r->naive = alpha * r->int_V;
  r->method = method_names[opts->method];

  if (d == 2) {
    /* (2.4) with alpha * int V in place of alpha (SPEC §3) */
    double A = alpha * r->int_V, P = 2 * M_PI * dsum;
    s->formula2d = 1;
    r->beta = P * A / (P + A);
    r->err_est = 4 * DBL_EPSILON * r->beta;
    r->method = "formula-2d";
  } else if (opts->method == SK_BETA_RADIAL) {
    double tol = radial_tol(opts->rtol);
    rc = sk_radial_solve(V, s->lambda, tol, &s->radial, err);
    if (rc) goto fail;
    /* the flux form is the better conditioned one for large alpha (it does
     * not multiply a small integral by a large alpha) */
    double b_flux = dsum * s->radial->beta_flux_over_dsum;
    double b_vol = alpha * s->radial->beta_int_over_alpha;
    r->beta = b_flux;
    /* error estimate: the two forms of beta must agree, and a second solve
     * with a 100 times looser tolerance bounds the integration error (it is
     * the error of the looser solve, an upper estimate for this one) */
    sk_radial *loose;
    rc = sk_radial_solve(V, s->lambda, fmin(100 * tol, 1e-6), &loose, err);
    if (rc) goto fail;
    double b_loose = dsum * loose->beta_flux_over_dsum;
    sk_radial_free(loose);
    r->err_est = fmax(fabs(b_flux - b_vol), fabs(b_flux - b_loose)) + 4 * DBL_EPSILON * fabs(b_flux);
  } else if (opts->method == SK_BETA_GRID) {
    rc = sk_grid_solve(V, s->lambda, opts->rtol > 0 ? opts->rtol : 1e-4, opts->grid_n, &s->grid,
                       err);
    if (rc) goto fail;
    r->beta = alpha * sk_grid_int_Vw(s->grid);
    r->err_est = alpha * sk_grid_err_est(s->grid);
  } else {
    long long n = opts->mc_paths > 0 ? opts->mc_paths : SK_MC_DEFAULT_PATHS;
    rc = sk_mc_solve(V, s->lambda, n, opts->seed, &s->mc, err);
    if (rc) goto fail;
    double p, se;
    sk_mc_survival(s->mc, &p, &se);
    r->beta = r->naive * p;
    r->stderr_beta = r->naive * se;
    r->err_est = r->stderr_beta;
  }
  r->ratio = r->beta / r->naive;
  *out = s;
  return SK_OK;
fail:
  sk_beta_solution_free(s);
  return rc;
}

void sk_beta_solution_free(sk_beta_solution *s) {
  if (!s) return;
  sk_radial_free(s->radial);
  sk_grid_free(s->grid);
  sk_mc_free(s->mc);
  free(s);
}

const sk_beta_result *sk_beta_solution_result(const sk_beta_solution *s) { return &s->res; }

double sk_beta_solution_u(const sk_beta_solution *s, const double *x) {
  if (s->formula2d) return NAN;
  double r2 = 0;
  for (int i = 0; i < s->dim; ++i) r2 += x[i] * x[i];
  if (s->radial) return sk_radial_u(s->radial, sqrt(r2));
  if (s->grid) return sk_grid_u(s->grid, x);
  if (s->mc) {
    double u, se;
    sk_mc_u(s->mc, x, 0, &u, &se);
    return u;
  }
  return NAN;
}

double sk_beta_solution_u_radial(const sk_beta_solution *s, double r) {
  if (s->formula2d || !sk_kernel_is_radial(s->V)) return NAN;
  if (s->radial) return sk_radial_u(s->radial, r);
  double x[SK_MAX_DIM] = {0};
  x[0] = r;
  return sk_beta_solution_u(s, x);
}

int sk_beta_compute(const sk_kernel *V, double alpha, double dsum, const sk_beta_opts *opts,
                    sk_beta_result *res, sk_error *err) {
  sk_beta_solution *s;
  int rc = sk_beta_solve(V, alpha, dsum, opts, &s, err);
  if (rc) return rc;
  *res = s->res;
  sk_beta_solution_free(s);
  return SK_OK;
}

const char *sk_beta_method_name(sk_beta_method m) {
  return (int)m >= 0 && (int)m <= SK_BETA_MC ? method_names[m] : "unknown";
}

int sk_beta_method_parse(const char *name, sk_beta_method *m) {
  for (int i = 0; i <= SK_BETA_MC; ++i)
    if (strcmp(name, method_names[i]) == 0) {
      *m = (sk_beta_method)i;
      return SK_OK;
    }
  return SK_EINVAL;
}

int sk_beta_solution_u_se(const sk_beta_solution *s, const double *x, long long paths, double *u,
                          double *se) {
  *se = 0;
  if (s->mc) {
    sk_mc_u(s->mc, x, paths, u, se);
    return isfinite(*u) ? SK_OK : SK_ENUMERIC;
  }
  *u = sk_beta_solution_u(s, x);
  return isfinite(*u) ? SK_OK : SK_ERANGE;
}

double sk_beta_solution_u_err(const sk_beta_solution *s, const double *x, double *err) {
  if (s->grid) return sk_grid_u_err(s->grid, x, err);
  double u, se;
  if (s->mc) {
    sk_mc_u(s->mc, x, 0, &u, &se);
    *err = se;
    return u;
  }
  u = sk_beta_solution_u(s, x);
  /* radial: the relative integration tolerance, with a margin (measured
   * errors of u are ~1e-13, docs/beta.md) */
  *err = s->radial ? 100 * s->radial->tol * fabs(u) + 1e-15 : NAN;
  return u;
}

void sk_beta_solution_info(const sk_beta_solution *s, sk_beta_info *info) {
  memset(info, 0, sizeof *info);
  info->dim = s->dim;
  info->alpha = s->alpha;
  info->dsum = s->dsum;
  info->lambda = s->lambda;
  info->beta_flux = info->beta_volume = info->u_exterior_c = NAN;
  info->mc_mean_steps = NAN;
  if (s->radial) {
    info->beta_flux = s->dsum * s->radial->beta_flux_over_dsum;
    info->beta_volume = s->alpha * s->radial->beta_int_over_alpha;
    info->u_exterior_c = s->radial->c;
    info->radial_steps = s->radial->nsteps;
  }
  if (s->grid) {
    info->grid_n = sk_grid_n(s->grid);
    info->grid_iterations = sk_grid_iterations(s->grid);
  }
  if (s->mc) {
    info->mc_paths = sk_mc_paths(s->mc);
    info->mc_mean_steps = sk_mc_mean_steps(s->mc);
  }
}

double sk_beta_capacity(const sk_kernel *V) {
  int d = sk_kernel_dim(V);
  if (d < 3) return NAN;
  double R = 1.0;
  if (sk_kernel_kind(V) == SK_V_GRID) return NAN;
  if (sk_kernel_kind(V) == SK_V_TABLE) {
    /* V is linear between knots: supp V reaches the end of the last segment
     * with a positive value at its midpoint */
    const double *bp;
    size_t nb = sk_kernel_breakpoints(V, &bp);
    double prev = 0;
    R = 0;
    for (size_t i = 0; i <= nb; ++i) {
      double next = i < nb ? bp[i] : 1.0;
      if (sk_kernel_radial(V, 0.5 * (prev + next)) > 0) R = next;
      prev = next;
    }
    if (R == 0) return NAN;
  }
  return (d - 2) * sk_unit_sphere_area(d) * pow(R, d - 2);
}
