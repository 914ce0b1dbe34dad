/* smolkin — the Smoluchowski coagulation ODE (2.1), truncated at nmax:
 *
 *   d/dt f_n = 1/2 sum_{m<n} K(m, n-m) f_m f_{n-m} - f_n sum_m K(n, m) f_m,
 *   n = 1..nmax,
 *
 * integrated by SUNDIALS CVODE (BDF, Newton with matrix-free GMRES: the
 * exact Jacobian-vector product sk_coag_jvp and a diagonal preconditioner).
 * Mass that coagulates beyond nmax is carried as an extra component, the
 * tail mass G, so that  sum_n n f_n + G  is an invariant of the ODE (BDF
 * keeps linear invariants up to the Newton tolerance). What the tail does
 * is [coagulation] post_gel (docs/ode.md):
 *
 *   stockmayer  the tail is inert: an inert gel after gelation (Stockmayer's
 *               model), before it the truncation error is the tail mass;
 *   flory       the tail keeps coagulating with the tracked masses (Flory's
 *               model after gelation: the gel absorbs sol). Classical kernels
 *               only, for which the sink is known from the tail's mass G and,
 *               for K = 1 and K = n + m, its particle count N (one more
 *               component):  K = s: s f_n N;  K = s (n + m): s f_n (n N + G);
 *               K = s n m: s n f_n G.  With it, f_1..f_nmax are those of the
 *               untruncated equation for any nmax.
 *
 * Gelation is detected from M2's blow-up and the loss of sol mass (the rule
 * is in docs/ode.md): sk_ode_gel_time is the estimate, NaN while none.
 */
#ifndef SMOLKIN_ODE_H
#define SMOLKIN_ODE_H

#include "smolkin/coag.h"
#include "smolkin/error.h"
#include "smolkin/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SK_ODE_STOCKMAYER = 0, SK_ODE_FLORY = 1 } sk_ode_postgel;

typedef struct sk_ode_opts {
  sk_ode_postgel post_gel; /* STOCKMAYER */
  double rtol;             /* 1e-8: CVODE relative tolerance */
  double atol;             /* 1e-14: absolute tolerance per f_n, in units of Z (below) */
  double Z;                /* scale of f for atol: 1 (the model's [initial] Z) */
  double gel_tol;          /* 1e-6: sol mass loss (fraction of M1(0)) needed for gelation */
  long long max_steps;     /* 1000000 */
  int threads;             /* 1: OpenMP threads of the FFTs */
  int maxl;                /* 0: Krylov dimension of GMRES (0: 30) */
  int linsol;              /* SK_ODE_LINSOL_AUTO: Newton systems (docs/ode.md section 3) */
} sk_ode_opts;

/* How the Newton systems (I - gamma J) x = b are solved: AUTO = EXACT for
 * the classical kernels (divide-and-conquer FFT forward substitution, exact
 * for the Jacobian at the last setup), GMRES otherwise; GMRES = matrix-free
 * GMRES with the exact Jacobian-vector product and a diagonal
 * preconditioner (any kernel). */
enum { SK_ODE_LINSOL_AUTO = 0, SK_ODE_LINSOL_EXACT = 1, SK_ODE_LINSOL_GMRES = 2 };

void sk_ode_opts_init(sk_ode_opts *o);
/* [coagulation] post_gel, rtol, atol, gel_tol, max_steps, linsol and [initial] Z. */
int sk_ode_opts_from_model(const sk_model *m, sk_ode_opts *o, sk_error *err);

typedef struct sk_ode sk_ode;

/* Starts at t = 0 from f0[n-1] = f_n(0), n = 1..nmax (nmax = sk_coag_nmax(c)).
 * The sk_ode keeps a pointer to c (which must outlive it). post_gel = flory
 * with a recipe or table kernel is refused (SK_EINVAL). */
int sk_ode_create(const sk_coag *c, const double *f0, const sk_ode_opts *opts, sk_ode **ode,
                  sk_error *err);
/* The model's kernel ([coagulation]), initial data ([initial] mass, Z) and
 * options; the sk_ode owns its sk_coag. */
int sk_ode_create_from_model(const sk_model *m, int threads, sk_ode **ode, sk_error *err);
void sk_ode_free(sk_ode *ode);

/* Integrates to time t >= the current time (SK_ENUMERIC when CVODE fails,
 * SK_ERANGE after max_steps; the state stays at the last good time). */
int sk_ode_advance(sk_ode *ode, double t, sk_error *err);

double sk_ode_time(const sk_ode *ode);
const sk_coag *sk_ode_coag(const sk_ode *ode);
long long sk_ode_nmax(const sk_ode *ode);
/* f[n-1] = f_n(t), n = 1..nmax. */
const double *sk_ode_f(const sk_ode *ode);
/* f_n(t) (0 beyond nmax, NaN for n < 1). */
double sk_ode_f_at(const sk_ode *ode, long long n);
/* Sol moments sum_{n <= nmax} n^k f_n, k = 0, 1, 2 (NaN otherwise). */
double sk_ode_moment(const sk_ode *ode, int k);
/* Mass beyond nmax (the gel after gelation). */
double sk_ode_tail_mass(const sk_ode *ode);
/* Number of tail particles (flory with K = 1 or n + m); NaN otherwise. */
double sk_ode_tail_number(const sk_ode *ode);
/* |sum_n n f_n + G - (its value at t = 0)| / (its value at t = 0). */
double sk_ode_mass_defect(const sk_ode *ode);
/* Estimated gel time, NaN while no gelation has been detected. */
double sk_ode_gel_time(const sk_ode *ode);
sk_ode_postgel sk_ode_get_postgel(const sk_ode *ode);
/* The Newton systems' solver in use: "exact" or "gmres". */
const char *sk_ode_linsol_name(const sk_ode *ode);
const char *sk_ode_postgel_name(sk_ode_postgel p);

typedef struct sk_ode_stats {
  long steps, rhs_evals, jvp_evals, newton_iters, lin_iters, prec_setups, err_test_fails,
      newton_fails, lin_fails;
  int last_order;
  double last_step;
  int restarts;          /* CVODE restarts when the active range grew */
  long long active_nmax; /* masses integrated now (classical kernels on the FFT
                            path integrate only the occupied range; docs/ode.md) */
} sk_ode_stats;
void sk_ode_get_stats(const sk_ode *ode, sk_ode_stats *s);

#ifdef __cplusplus
}
#endif
#endif
