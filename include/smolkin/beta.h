/* smolkin — the macroscopic coagulation propensity beta: the recipe (1.8)-(1.9).
 *
 *   -Laplacian u = lambda V (1 - u),  u -> 0 at infinity,  lambda = alpha / DSUM
 *   beta = alpha * integral V (1 - u) dx
 * where DSUM = dif(n) + dif(m) is the diffusion rate of the pair's relative
 * position. u(x) is the probability that two particles started at relative
 * position eps*x ever collide (Lemma 1.4), and the killing probability of a
 * Brownian motion with generator Laplacian killed at rate lambda V (Lemma 1.6).
 * In d = 2 the survey's (2.4) is used: beta = 2 pi DSUM A / (2 pi DSUM + A)
 * with A = alpha * integral V.
 *
 * Methods: radial (radially symmetric V, any d >= 3: a boundary-value problem
 * on [0,1] matched to the exterior solution c r^(2-d)), grid (any V in d = 3:
 * a 3-D solver with the exact free-space far field), mc (Monte Carlo
 * estimate of Lemma 1.6 with standard errors).
 */
#ifndef SMOLKIN_BETA_H
#define SMOLKIN_BETA_H

#include <stdint.h>

#include "smolkin/error.h"
#include "smolkin/kernel.h"
#include "smolkin/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SK_BETA_RADIAL = 0, SK_BETA_GRID, SK_BETA_MC } sk_beta_method;

typedef struct sk_beta_opts {
  sk_beta_method method;
  double rtol;         /* target relative accuracy of beta (method-dependent default if 0) */
  int grid_n;          /* grid: points per axis (0 = chosen from rtol) */
  long long mc_paths;  /* mc: Brownian paths (0 = default) */
  uint64_t seed;       /* mc: Philox seed */
} sk_beta_opts;

/* Defaults for a method. */
void sk_beta_opts_init(sk_beta_opts *o, sk_beta_method method);

typedef struct sk_beta_result {
  double beta;        /* alpha * integral V (1 - u) */
  double naive;       /* alpha * integral V: the naive guess (3.7) */
  double int_V;       /* integral V */
  double ratio;       /* beta / naive */
  double stderr_beta; /* mc: standard error of beta; 0 otherwise */
  double err_est;     /* the method's own estimate of its error on beta (absolute) */
  const char *method; /* "radial", "grid", "mc" or "formula-2d" */
} sk_beta_result;

typedef struct sk_beta_solution sk_beta_solution;

/* Solves (1.8) for the kernel V (its dimension is the problem's), strength
 * alpha and pair diffusion rate dsum. */
int sk_beta_solve(const sk_kernel *V, double alpha, double dsum, const sk_beta_opts *opts,
                  sk_beta_solution **sol, sk_error *err);
void sk_beta_solution_free(sk_beta_solution *s);
const sk_beta_result *sk_beta_solution_result(const sk_beta_solution *s);
/* u(x) for x in R^d, anywhere (inside the support from the solution, outside
 * from the exact exterior / far field). NaN in d = 2. */
double sk_beta_solution_u(const sk_beta_solution *s, const double *x);
/* u(|x| = r) for radial solutions (NaN otherwise). */
double sk_beta_solution_u_radial(const sk_beta_solution *s, double r);

/* solve + result + free. */
int sk_beta_compute(const sk_kernel *V, double alpha, double dsum, const sk_beta_opts *opts,
                    sk_beta_result *res, sk_error *err);

/* The model's beta(n, m) for all masses up to nmax, fast to evaluate:
 * d >= 3: the recipe with DSUM = dif(n) + dif(m), alpha(n, m);
 * d = 2: (2.4);
 * [particles] range_exponent < 1: the naive alpha * integral V (Section 3.4);
 * [particles] radius_law = power: (r_n + r_m)^(d-2) times the r = 1 value
 * (SPEC §2, Section 2.4.2).
 * Evaluation is accurate to 1e-10 relative (e.g. by interpolation in DSUM
 * when dif(n) is not constant). */
typedef struct sk_beta_kernel sk_beta_kernel;
int sk_beta_kernel_create(const sk_model *m, long long nmax, const sk_beta_opts *opts,
                          sk_beta_kernel **bk, sk_error *err);
void sk_beta_kernel_free(sk_beta_kernel *bk);
double sk_beta_kernel_eval(const sk_beta_kernel *bk, long long n1, long long n2);
/* Fills table[(n-1)*K + (m-1)] = beta(n, m), n, m = 1..K. */
int sk_beta_model_table(const sk_model *m, long long K, const sk_beta_opts *opts, double *table,
                        sk_error *err);

/* ---- Additions to the contract (beta helper). ---- */

/* "radial", "grid", "mc"; and the inverse (SK_EINVAL for an unknown name). */
const char *sk_beta_method_name(sk_beta_method m);
int sk_beta_method_parse(const char *name, sk_beta_method *m);

/* u(x) with a standard error: mc estimates it from `paths` killed paths
 * started at x (0: as many as the solve used; reproducible for a given x);
 * radial and grid give se = 0 (their accuracy is in err_est). */
int sk_beta_solution_u_se(const sk_beta_solution *s, const double *x, long long paths, double *u,
                          double *se);

/* u(x) with the method's own error estimate (absolute): radial: from the
 * integration tolerance; grid: |R(N/2,N) - R(N/4,N/2)| + |u_N - u_{N/2}|
 * from three grids (docs/beta.md); mc: the standard error (paths as in sk_beta_solution_u_se). */
double sk_beta_solution_u_err(const sk_beta_solution *s, const double *x, double *err);

/* Method details, for reports. */
typedef struct sk_beta_info {
  int dim;
  double alpha, dsum, lambda; /* lambda = alpha / dsum */
  double beta_flux;           /* radial: DSUM |S| (d-2) c  (the returned beta) */
  double beta_volume;         /* radial: alpha int V w (the other form) */
  double u_exterior_c;        /* radial: u = c r^(2-d) for r >= 1 */
  long radial_steps;          /* radial: accepted ODE steps */
  int grid_n, grid_iterations; /* grid: finest N per axis, CG iterations there */
  long long mc_paths;
  double mc_mean_steps;       /* mc: mean Poisson-clock rings per path */
} sk_beta_info;
void sk_beta_solution_info(const sk_beta_solution *s, sk_beta_info *info);

/* Newtonian capacity of supp V where it is known (supp V a centred ball of
 * radius R: (d-2) |S^{d-1}| R^(d-2)); NaN otherwise (grid kernels). As
 * alpha -> infinity, beta -> DSUM * Cap(supp V) (SPEC §3). */
double sk_beta_capacity(const sk_kernel *V);

/* Interpolation details of a beta kernel: Chebyshev pieces (0 when no
 * interpolation is needed), direct solves spent building it, and the
 * largest relative difference between interpolant and direct solves at
 * the check points. */
size_t sk_beta_kernel_pieces(const sk_beta_kernel *bk);
/* What the kernel evaluates: "recipe (1.8)-(1.9)", "naive alpha int V
 * (range_exponent < 1)", "formula (2.4), d = 2", with the radius-law factor
 * named when it applies. */
const char *sk_beta_kernel_variant(const sk_beta_kernel *bk);
long sk_beta_kernel_solves(const sk_beta_kernel *bk);
double sk_beta_kernel_verified_error(const sk_beta_kernel *bk);

#ifdef __cplusplus
}
#endif
#endif
