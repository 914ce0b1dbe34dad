/* Private parts of the beta module: the solution object and the three
 * solvers (radial.c, grid.c, mc.c). See docs/beta.md for the methods. */
#ifndef SK_BETA_INTERNAL_H
#define SK_BETA_INTERNAL_H

#include <stddef.h>

#include "smolkin/beta.h"
#include "smolkin/rng.h"

/* Radial solver state: checkpoints of the Riccati form of (1.8) on [0, 1]
 * (see radial.c). */
typedef struct sk_radial_node {
  double r, q, L, J; /* q = y'/y, L = log y, J = I/y (I = int_0^r V y s^(d-1) ds) */
} sk_radial_node;

typedef struct sk_radial {
  int d;
  double lambda, tol;
  const sk_kernel *V;
  sk_radial_node *node;
  size_t n, cap;
  double q1, L1, J1; /* values at r = 1 */
  double c;          /* exterior u = c r^(2-d), c = q1 / (d - 2 + q1) */
  double beta_flux_over_dsum, beta_int_over_alpha;
  long nsteps;
} sk_radial;

typedef struct sk_grid sk_grid; /* grid.c */
typedef struct sk_mc sk_mc;     /* mc.c */

struct sk_beta_solution {
  sk_beta_result res;
  sk_beta_method method;
  int dim;
  int formula2d; /* d = 2: (2.4), no u */
  double alpha, dsum, lambda;
  const sk_kernel *V; /* borrowed: must outlive the solution */
  sk_radial *radial;
  sk_grid *grid;
  sk_mc *mc;
};

/* radial.c */
int sk_radial_solve(const sk_kernel *V, double lambda, double tol, sk_radial **out, sk_error *err);
void sk_radial_free(sk_radial *s);
double sk_radial_u(const sk_radial *s, double r);

/* grid.c */
int sk_grid_solve(const sk_kernel *V, double lambda, double rtol, int n, sk_grid **out,
                  sk_error *err);
void sk_grid_free(sk_grid *g);
/* beta / alpha = int V w, its error estimate, and u(x). */
double sk_grid_int_Vw(const sk_grid *g);
double sk_grid_err_est(const sk_grid *g);
double sk_grid_u(const sk_grid *g, const double *x);
double sk_grid_u_err(const sk_grid *g, const double *x, double *err);
int sk_grid_n(const sk_grid *g);
int sk_grid_iterations(const sk_grid *g);

/* mc.c */
int sk_mc_solve(const sk_kernel *V, double lambda, long long paths, uint64_t seed, sk_mc **out,
                sk_error *err);
void sk_mc_free(sk_mc *m);
/* Survival fraction E[1 - u(X)], X ~ V / int V, with its standard error. */
void sk_mc_survival(const sk_mc *m, double *p, double *se);
/* u(x) estimated from `paths` killed Brownian paths started at x. */
void sk_mc_u(const sk_mc *m, const double *x, long long paths, double *u, double *se);
long long sk_mc_paths(const sk_mc *m);
/* From x with |x| = rho > 1: the first point of the unit sphere hit by
 * Brownian motion, given that it hits (exterior harmonic measure). */
void sk_mc_exterior_hit(sk_rng *r, int d, const double *x, double rho, double *y);
double sk_mc_mean_steps(const sk_mc *m);

#endif
