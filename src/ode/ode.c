/* The Smoluchowski ODE (2.1) truncated at nmax, with the tail as extra
 * components, integrated by CVODE (BDF, Newton-GMRES with the exact
 * Jacobian-vector product and a diagonal preconditioner). docs/ode.md has
 * the equations, the tail closures and the gelation rule. */
#include "smolkin/ode.h"

#include <cvode/cvode.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_spgmr.h>

#include "coag/coag_internal.h"
#include "ode/ode_internal.h"
#include "ode/ode_lin.h"

struct sk_ode {
  const sk_coag *c; /* the operator asked for (nmax = Mfull) */
  sk_coag *owned;
  /* the operator in use: c, or (classical kernels on the FFT path) the
   * same kernel on the active range 1..M, M <= Mfull (see grow()) */
  const sk_coag *cur;
  sk_coag *active;
  sk_coag_ws *ws;
  sk_coag_kind kind;
  double s; /* scale of a classical kernel */
  long long M, Mfull;
  long long neq;
  int dynamic;
  double *fout; /* f_1..f_Mfull at the current time */
  int flory, has_N; /* tail coagulates; its particle count is a component */
  sk_ode_opts o;

  SUNContext sunctx;
  N_Vector y, abstol;
  void *cv;
  SUNLinearSolver LS;
  sk_ode_lin *lin;  /* exact Newton systems (classical kernels), or NULL: GMRES */
  double lin_gamma; /* gamma of lin's last setup */
  double t;

  double *pdiag; /* preconditioner: diagonal d with P = 1 + gamma d */
  double *Kdiag; /* K(n, n) */
  double *work;  /* M doubles */
  double mass0;

  /* gelation (docs/ode.md) */
  double gel_time, tmin, tb_prev, t_prev;
  int have_prev;

  long rhs_evals, jvp_evals;
  sk_ode_stats base; /* counts of the CVODE instances before the current one */
  int restarts;
};

/* --------------------------------------------------------------- options */

void sk_ode_opts_init(sk_ode_opts *o) {
  memset(o, 0, sizeof *o);
  o->post_gel = SK_ODE_STOCKMAYER;
  o->rtol = 1e-8;
  o->atol = 1e-14;
  o->Z = 1;
  o->gel_tol = 1e-6;
  o->max_steps = 1000000;
  o->threads = 1;
  o->maxl = 0;
}

int sk_ode_opts_from_model(const sk_model *m, sk_ode_opts *o, sk_error *err) {
  (void)err;
  sk_ode_opts_init(o);
  o->post_gel = sk_model_get_enum(m, "coagulation.post_gel") == 1 ? SK_ODE_FLORY : SK_ODE_STOCKMAYER;
  o->rtol = sk_model_get_double(m, "coagulation.rtol");
  o->atol = sk_model_get_double(m, "coagulation.atol");
  o->gel_tol = sk_model_get_double(m, "coagulation.gel_tol");
  o->max_steps = sk_model_get_int(m, "coagulation.max_steps");
  o->linsol = sk_model_get_enum(m, "coagulation.linsol");
  o->Z = sk_model_params(m)->Z;
  return SK_OK;
}

const char *sk_ode_postgel_name(sk_ode_postgel p) {
  return p == SK_ODE_FLORY ? "flory" : "stockmayer";
}

/* ------------------------------------------------------- the max norm */

/* CVODE's error test and Newton convergence test use a weighted RMS norm,
 * in which the few masses that carry the solution are diluted by the
 * nmax - (those) negligible ones: the tolerance would grow like
 * sqrt(nmax). The weighted max norm makes rtol/atol mean what they say for
 * every f_n, whatever nmax. */
static sunrealtype wmax_norm(N_Vector x, N_Vector w) {
  const sunrealtype *a = N_VGetArrayPointer(x), *b = N_VGetArrayPointer(w);
  sunindextype n = N_VGetLength(x);
  sunrealtype mx = 0;
  for (sunindextype i = 0; i < n; ++i) {
    sunrealtype v = fabs(a[i] * b[i]);
    if (v > mx) mx = v;
  }
  return mx;
}

static sunrealtype wmax_norm_mask(N_Vector x, N_Vector w, N_Vector id) {
  const sunrealtype *a = N_VGetArrayPointer(x), *b = N_VGetArrayPointer(w),
                    *c = N_VGetArrayPointer(id);
  sunindextype n = N_VGetLength(x);
  sunrealtype mx = 0;
  for (sunindextype i = 0; i < n; ++i) {
    if (c[i] <= 0) continue;
    sunrealtype v = fabs(a[i] * b[i]);
    if (v > mx) mx = v;
  }
  return mx;
}

/* ------------------------------------------------------------ equations */

/* The tail's sink rate on mass n (Flory closures), and its derivative in
 * the direction (vG, vN). */
static inline double tail_loss(const sk_ode *o, double n, double G, double N) {
  switch (o->kind) {
    case SK_COAG_CONSTANT: return o->s * N;
    case SK_COAG_ADDITIVE: return o->s * (n * N + G);
    default: return o->s * n * G;
  }
}

/* Sum with Neumaier compensation, fixed order. */
static double csum(const double *x, long long n) {
  double s = 0, comp = 0;
  for (long long i = 0; i < n; ++i) {
    double t = x[i], u = s + t;
    comp += fabs(s) >= fabs(t) ? (s - u) + t : (t - u) + s;
    s = u;
  }
  return s + comp;
}

/* Rate of pairs among the tracked masses per unit time, 1/2 sum K f_n f_m,
 * for K = s and K = s (n + m). */
static double pair_rate(const sk_ode *o, double M0, double M1) {
  return o->kind == SK_COAG_CONSTANT ? 0.5 * o->s * M0 * M0 : o->s * M0 * M1;
}

static int rhs_fn(sunrealtype t, N_Vector yv, N_Vector ydv, void *ud) {
  (void)t;
  sk_ode *o = ud;
  const double *y = N_VGetArrayPointer(yv);
  double *dy = N_VGetArrayPointer(ydv);
  long long M = o->M;
  double tail_rate;
  sk_coag_rhs(o->cur, o->ws, y, dy, &tail_rate);
  o->rhs_evals++;
  if (!o->flory) {
    dy[M] = tail_rate;
    return isfinite(tail_rate) ? 0 : 1;
  }
  double G = y[M], N = o->has_N ? y[M + 1] : 0;
  if (o->has_N) {
    /* pairs leaving the tracked range: dM0/dt = -P_in - 2 P_out = -P - P_out */
    /* has_N: a classical kernel, whose rhs just summed M0, M1 of y */
    double M0 = sk_coag_ws_moment(o->ws, 0), M1 = sk_coag_ws_moment(o->ws, 1);
    double P = pair_rate(o, M0, M1);
    double P_out = -csum(dy, M) - P;
    double merge = o->kind == SK_COAG_CONSTANT ? 0.5 * o->s * N * N : o->s * N * G;
    dy[M + 1] = P_out - merge;
  }
  double *w = o->work;
  for (long long n = 1; n <= M; ++n) {
    double r = y[n - 1] * tail_loss(o, (double)n, G, N);
    dy[n - 1] -= r;
    w[n - 1] = (double)n * r;
  }
  dy[M] = tail_rate + csum(w, M);
  return isfinite(dy[M]) ? 0 : 1;
}

static int jtimes_fn(N_Vector vv, N_Vector Jvv, sunrealtype t, N_Vector yv, N_Vector fy, void *ud,
                     N_Vector tmp) {
  (void)t;
  (void)fy;
  (void)tmp;
  sk_ode *o = ud;
  const double *y = N_VGetArrayPointer(yv), *v = N_VGetArrayPointer(vv);
  double *jv = N_VGetArrayPointer(Jvv);
  long long M = o->M;
  double dtail;
  sk_coag_jvp(o->cur, o->ws, y, v, jv, &dtail);
  o->jvp_evals++;
  if (!o->flory) {
    jv[M] = dtail;
    return 0;
  }
  double G = y[M], N = o->has_N ? y[M + 1] : 0;
  double vG = v[M], vN = o->has_N ? v[M + 1] : 0;
  if (o->has_N) {
    /* has_N: a classical kernel, whose jvp just summed these */
    double M0 = sk_coag_ws_moment(o->ws, 0), M1 = sk_coag_ws_moment(o->ws, 1);
    double V0 = sk_coag_ws_moment(o->ws, 2), V1 = sk_coag_ws_moment(o->ws, 3);
    double dP = o->kind == SK_COAG_CONSTANT ? o->s * M0 * V0 : o->s * (V1 * M0 + V0 * M1);
    double dP_out = -csum(jv, M) - dP;
    double dmerge = o->kind == SK_COAG_CONSTANT ? o->s * N * vN : o->s * (vN * G + N * vG);
    jv[M + 1] = dP_out - dmerge;
  }
  double *w = o->work;
  for (long long n = 1; n <= M; ++n) {
    double dn = (double)n;
    double r = v[n - 1] * tail_loss(o, dn, G, N) + y[n - 1] * tail_loss(o, dn, vG, vN);
    jv[n - 1] -= r;
    w[n - 1] = dn * r;
  }
  jv[M] = dtail + csum(w, M);
  return 0;
}

/* Diagonal preconditioner: d_n = L_n(f) + f_n K(n, n) (+ the tail's sink),
 * the diagonal of -J for the masses; 1 + gamma d is the diagonal of
 * I - gamma J there (the gain has no diagonal). */
static int psetup_fn(sunrealtype t, N_Vector yv, N_Vector fy, sunbooleantype jok,
                     sunbooleantype *jcur, sunrealtype gamma, void *ud) {
  (void)t;
  (void)fy;
  (void)gamma;
  sk_ode *o = ud;
  if (jok) {
    *jcur = SUNFALSE;
    return 0;
  }
  const double *y = N_VGetArrayPointer(yv);
  long long M = o->M;
  double *d = o->pdiag;
  sk_coag_loss_rates(o->cur, o->ws, y, d);
  double G = o->flory ? y[M] : 0, N = o->has_N ? y[M + 1] : 0;
  for (long long n = 1; n <= M; ++n) {
    d[n - 1] += y[n - 1] * o->Kdiag[n - 1];
    if (o->flory) d[n - 1] += tail_loss(o, (double)n, G, N);
    if (!(d[n - 1] >= 0)) d[n - 1] = 0;
  }
  d[M] = 0;
  if (o->has_N) d[M + 1] = o->kind == SK_COAG_CONSTANT ? o->s * N : o->s * G;
  if (o->has_N && !(d[M + 1] >= 0)) d[M + 1] = 0;
  *jcur = SUNTRUE;
  return 0;
}

static int psolve_fn(sunrealtype t, N_Vector yv, N_Vector fy, N_Vector rv, N_Vector zv,
                     sunrealtype gamma, sunrealtype delta, int lr, void *ud) {
  (void)t;
  (void)yv;
  (void)fy;
  (void)delta;
  (void)lr;
  sk_ode *o = ud;
  const double *r = N_VGetArrayPointer(rv);
  double *z = N_VGetArrayPointer(zv);
  for (long long i = 0; i < o->neq; ++i) z[i] = r[i] / (1 + gamma * o->pdiag[i]);
  return 0;
}

/* Exact Newton systems (classical kernels): the "preconditioner" is the
 * exact inverse of I - gamma0 J(y0) at the state y0 and gamma0 of the last
 * setup (ode_lin.c), and the linear solver below applies it once: CVODE's
 * modified Newton iteration, with the Jacobian refreshed whenever CVODE
 * calls for a setup (every 20 steps, a 30 % change of gamma, a convergence
 * failure). */
static int psetup_exact(sunrealtype t, N_Vector yv, N_Vector fy, sunbooleantype jok,
                        sunbooleantype *jcur, sunrealtype gamma, void *ud) {
  (void)t;
  (void)fy;
  (void)jok;
  sk_ode *o = ud;
  sk_ode_lin_setup(o->lin, N_VGetArrayPointer(yv));
  *jcur = SUNTRUE;
  o->lin_gamma = gamma;
  return sk_ode_lin_prepare(o->lin, gamma) ? 1 : 0;
}

static int psolve_exact(sunrealtype t, N_Vector yv, N_Vector fy, N_Vector rv, N_Vector zv,
                        sunrealtype gamma, sunrealtype delta, int lr, void *ud) {
  (void)t;
  (void)yv;
  (void)fy;
  (void)delta;
  (void)lr;
  sk_ode *o = ud;
  double *z = N_VGetArrayPointer(zv);
  if (sk_ode_lin_solve(o->lin, o->lin_gamma, N_VGetArrayPointer(rv), z)) return 1;
  /* as CVODE does for its direct solvers (BDF): when gamma has changed
   * since the setup, the correction is scaled by 2 / (1 + gamma / gamma0) */
  if (gamma != o->lin_gamma) {
    double sc = 2 / (1 + gamma / o->lin_gamma);
    for (long long i = 0; i < o->neq; ++i) z[i] *= sc;
  }
  return 0;
}

/* A SUNLinearSolver (type ITERATIVE, so that CVODE hands it its
 * preconditioner callbacks) whose solve is one application of the
 * preconditioner solve: exact when that is the inverse. */
typedef struct {
  SUNPSetupFn pset;
  SUNPSolveFn psol;
  void *pdata;
  int last;
} exact_ls;

static SUNLinearSolver_Type els_type(SUNLinearSolver S) {
  (void)S;
  return SUNLINEARSOLVER_ITERATIVE;
}
static SUNLinearSolver_ID els_id(SUNLinearSolver S) {
  (void)S;
  return SUNLINEARSOLVER_CUSTOM;
}
static int els_atimes(SUNLinearSolver S, void *A_data, SUNATimesFn f) {
  (void)S;
  (void)A_data;
  (void)f;
  return SUNLS_SUCCESS;
}
static int els_prec(SUNLinearSolver S, void *P_data, SUNPSetupFn pset, SUNPSolveFn psol) {
  exact_ls *c = S->content;
  c->pdata = P_data;
  c->pset = pset;
  c->psol = psol;
  return SUNLS_SUCCESS;
}
static int els_init(SUNLinearSolver S) {
  (void)S;
  return SUNLS_SUCCESS;
}
static int els_setup(SUNLinearSolver S, SUNMatrix A) {
  (void)A;
  exact_ls *c = S->content;
  int r = c->pset ? c->pset(c->pdata) : 0;
  c->last = r == 0 ? SUNLS_SUCCESS : r < 0 ? SUNLS_PSET_FAIL_UNREC : SUNLS_PSET_FAIL_REC;
  return c->last;
}
static int els_solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector b, sunrealtype tol) {
  (void)A;
  exact_ls *c = S->content;
  int r = c->psol(c->pdata, b, x, tol, SUN_PREC_LEFT);
  c->last = r == 0 ? SUNLS_SUCCESS : r < 0 ? SUNLS_PSOLVE_FAIL_UNREC : SUNLS_PSOLVE_FAIL_REC;
  return c->last;
}
static int els_iters(SUNLinearSolver S) {
  (void)S;
  return 1;
}
static sunrealtype els_resnorm(SUNLinearSolver S) {
  (void)S;
  return 0;
}
static sunindextype els_last(SUNLinearSolver S) { return ((exact_ls *)S->content)->last; }
static int els_free(SUNLinearSolver S) {
  if (!S) return SUNLS_SUCCESS;
  free(S->content);
  S->content = NULL;
  SUNLinSolFreeEmpty(S);
  return SUNLS_SUCCESS;
}

static SUNLinearSolver exact_ls_new(SUNContext ctx) {
  SUNLinearSolver S = SUNLinSolNewEmpty(ctx);
  if (!S) return NULL;
  S->content = calloc(1, sizeof(exact_ls));
  if (!S->content) {
    SUNLinSolFreeEmpty(S);
    return NULL;
  }
  S->ops->gettype = els_type;
  S->ops->getid = els_id;
  S->ops->setatimes = els_atimes;
  S->ops->setpreconditioner = els_prec;
  S->ops->initialize = els_init;
  S->ops->setup = els_setup;
  S->ops->solve = els_solve;
  S->ops->numiters = els_iters;
  S->ops->resnorm = els_resnorm;
  S->ops->lastflag = els_last;
  S->ops->free = els_free;
  return S;
}

/* ------------------------------------------------------------ gelation */

/* D2 = sum_{n,m <= nmax} K(n, m) n m f_n f_m: dM2/dt of the untruncated
 * equation at the tracked state. */
static double d2_rate(sk_ode *o, const double *f, double M1, double M2) {
  switch (o->kind) {
    case SK_COAG_CONSTANT: return o->s * M1 * M1;
    case SK_COAG_ADDITIVE: return 2 * o->s * M1 * M2;
    case SK_COAG_MULTIPLICATIVE: return o->s * M2 * M2;
    default: break;
  }
  long long M = o->M;
  double *g = o->work, *L = o->pdiag + o->Mfull + 2; /* second half of pdiag: scratch */
  for (long long n = 1; n <= M; ++n) g[n - 1] = (double)n * f[n - 1];
  sk_coag_loss_rates(o->cur, o->ws, g, L);
  for (long long n = 0; n < M; ++n) L[n] *= g[n];
  return csum(L, M);
}

/* After an accepted step: t_b = t + M2/D2 is the time at which M2 would
 * blow up if it kept following a Riccati equation dM2/dt = c M2^2 (exact
 * for K = s n m before gelation: t_b = t_gel). Gelation is declared at the
 * first step where the tail holds more than gel_tol of the mass and t has
 * passed the smallest t_b seen at steps where t_b was not rising faster
 * than t/2 (M2 growing faster than (t_b - t)^-2: a finite-time blow-up;
 * for exponential growth, as for K = 1 and K = n + m, t_b rises like t). */
static void gel_check(sk_ode *o) {
  const double *y = N_VGetArrayPointer(o->y);
  long long M = o->M;
  double M1 = sk_coag_moment(y, M, 1), M2 = sk_coag_moment(y, M, 2);
  double D2 = d2_rate(o, y, M1, M2);
  double tb = D2 > 0 ? o->t + M2 / D2 : INFINITY;
  if (o->have_prev && o->t > o->t_prev && isfinite(tb) && isfinite(o->tb_prev)) {
    double slope = (tb - o->tb_prev) / (o->t - o->t_prev);
    if (slope <= 0.5 && tb < o->tmin) o->tmin = tb;
  }
  o->have_prev = 1;
  o->tb_prev = tb;
  o->t_prev = o->t;
  if (isnan(o->gel_time) && y[M] >= o->o.gel_tol * o->mass0 && o->t >= o->tmin)
    o->gel_time = o->tmin;
}

/* ------------------------------------------------------------- create */

#define CHECK_SUN(call, what)                                                              \
  do {                                                                                     \
    int flag_ = (call);                                                                    \
    if (flag_ < 0) {                                                                       \
      rc = sk_error_set(err, SK_ENUMERIC, "CVODE: %s failed (flag %d)", what, flag_);      \
      goto fail;                                                                           \
    }                                                                                      \
  } while (0)

/* The dynamic range (classical kernels, FFT path): the system is
 * integrated on masses 1..M with M a power of two >= 4x the last nonzero
 * f_n (at most nmax). The operator leaves gains beyond twice the FFT
 * support exactly zero, so while the last nonzero mass is <= M/2 nothing
 * reaches M and the active system is the full one with its zero entries
 * left out; grow() enlarges M (and restarts CVODE from the current state)
 * before that. */
static long long active_extent(const double *f, long long M, double floor_abs) {
  double mx = 0;
  for (long long n = 0; n < M; ++n) mx = fmax(mx, fabs(f[n]));
  /* above the rounding noise of the Newton corrections, and above the
   * absolute tolerance: entries below atol Z are noise to the solver (the
   * Newton corrections leave them there), and counting them let the range
   * run ahead of the distribution's front (at nmax = 2^20, K = n + m, it
   * reached 2^19 at t = 2.7 instead of t ~ 4) */
  double thr = fmax(1e-14 * mx, floor_abs);
  long long n = M;
  while (n > 0 && !(fabs(f[n - 1]) > thr)) --n;
  return n;
}

static long long next_size(long long lnz, long long Mfull) {
  long long Ma = 512;
  while (Ma < 8 * lnz) Ma *= 2;
  return Ma < Mfull ? Ma : Mfull;
}

static void add_stats(sk_ode *e) {
  if (!e->cv) return;
  long v;
  CVodeGetNumSteps(e->cv, &v);
  e->base.steps += v;
  CVodeGetNumNonlinSolvIters(e->cv, &v);
  e->base.newton_iters += v;
  CVodeGetNumLinIters(e->cv, &v);
  e->base.lin_iters += v;
  CVodeGetNumPrecEvals(e->cv, &v);
  e->base.prec_setups += v;
  CVodeGetNumErrTestFails(e->cv, &v);
  e->base.err_test_fails += v;
  CVodeGetNumNonlinSolvConvFails(e->cv, &v);
  e->base.newton_fails += v;
  CVodeGetNumLinConvFails(e->cv, &v);
  e->base.lin_fails += v;
}

static void cv_teardown(sk_ode *e) {
  add_stats(e);
  if (e->cv) CVodeFree(&e->cv);
  if (e->LS) SUNLinSolFree(e->LS);
  sk_ode_lin_free(e->lin);
  e->lin = NULL;
  if (e->abstol) N_VDestroy(e->abstol);
  if (e->y) N_VDestroy(e->y);
  e->LS = NULL;
  e->abstol = e->y = NULL;
  sk_coag_ws_free(e->ws);
  e->ws = NULL;
  sk_coag_free(e->active);
  e->active = NULL;
  e->cur = e->c;
}

/* CVODE on masses 1..Ma from f (length >= min(Ma, its extent); entries
 * beyond Ma must be 0), tail G, count N, at time t. */
static int cv_setup(sk_ode *e, long long Ma, double t, const double *f, double G, double N,
                    sk_error *err) {
  int rc = SK_OK;
  const sk_ode_opts *o = &e->o;
  e->M = Ma;
  e->neq = Ma + 1 + (e->has_N ? 1 : 0);
  if (Ma < e->Mfull) {
    sk_coag_opts co;
    sk_coag_opts_init(&co);
    co.path = SK_COAG_PATH_FFT;
    rc = sk_coag_create_classical_opts(e->kind, e->s, Ma, &co, &e->active, err);
    if (rc) return rc;
    e->cur = e->active;
  } else {
    e->cur = e->c;
  }
  rc = sk_coag_ws_alloc_threads(e->cur, o->threads, &e->ws, err);
  if (rc) goto fail;
  e->y = N_VNew_Serial((sunindextype)e->neq, e->sunctx);
  if (!e->y) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory (ODE state, nmax = %lld)", Ma);
    goto fail;
  }
  e->y->ops->nvwrmsnorm = wmax_norm;
  e->y->ops->nvwrmsnormmask = wmax_norm_mask;
  e->abstol = N_VClone(e->y);
  if (!e->abstol) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory (ODE state, nmax = %lld)", Ma);
    goto fail;
  }
  double *y = N_VGetArrayPointer(e->y), *at = N_VGetArrayPointer(e->abstol);
  memcpy(y, f, sizeof(double) * (size_t)Ma);
  y[Ma] = G;
  if (e->has_N) y[Ma + 1] = N;
  for (long long i = 0; i < e->neq; ++i) at[i] = o->atol * o->Z;
  /* The tail's mass G and count N aggregate the masses beyond the range
   * and are fed by the pairs that leave it: dG/dt ~ Ma^2 f_1 f_Ma and
   * dN/dt ~ Ma f_1 f_Ma for K = n + m. The f_n near Ma are resolved only to
   * atol Z each, so G and N cannot be resolved to atol Z: with that
   * tolerance (G = N = 0 until the front arrives, weight 1/(atol Z)) the
   * Newton corrections in G and N did not converge and the steps shrank
   * while the front crossed the range (747 Newton failures at nmax = 2^16,
   * docs/bench-ode.md). Their absolute tolerance is nmax atol Z: the
   * count of nmax masses at atol Z each; M1's own error is already
   * sum_n n (rtol f_n + atol Z). */
  at[Ma] = o->atol * o->Z * (double)e->Mfull;
  if (e->has_N) at[Ma + 1] = o->atol * o->Z * (double)e->Mfull;

  e->cv = CVodeCreate(CV_BDF, e->sunctx);
  if (!e->cv) {
    rc = sk_error_set(err, SK_ENOMEM, "CVODE: cannot create the integrator");
    goto fail;
  }
  CHECK_SUN(CVodeInit(e->cv, rhs_fn, t, e->y), "CVodeInit");
  CHECK_SUN(CVodeSVtolerances(e->cv, o->rtol, e->abstol), "CVodeSVtolerances");
  CHECK_SUN(CVodeSetUserData(e->cv, e), "CVodeSetUserData");
  CHECK_SUN(CVodeSetMaxNumSteps(e->cv, -1), "CVodeSetMaxNumSteps");
  CHECK_SUN(CVodeSetMaxHnilWarns(e->cv, -1), "CVodeSetMaxHnilWarns");
  if (sk_coag_is_classical(e->kind) && o->linsol != SK_ODE_LINSOL_GMRES) {
    rc = sk_ode_lin_create(e->kind, e->s, Ma, e->flory, e->has_N, o->threads, &e->lin, err);
    if (rc) goto fail;
    e->LS = exact_ls_new(e->sunctx);
    if (!e->LS) {
      rc = sk_error_set(err, SK_ENOMEM, "SUNDIALS: cannot create the linear solver");
      goto fail;
    }
    CHECK_SUN(CVodeSetLinearSolver(e->cv, e->LS, NULL), "CVodeSetLinearSolver");
    CHECK_SUN(CVodeSetPreconditioner(e->cv, psetup_exact, psolve_exact), "CVodeSetPreconditioner");
  } else {
    e->LS = SUNLinSol_SPGMR(e->y, SUN_PREC_LEFT, o->maxl > 0 ? o->maxl : 30, e->sunctx);
    if (!e->LS) {
      rc = sk_error_set(err, SK_ENOMEM, "SUNDIALS: cannot create the GMRES solver");
      goto fail;
    }
    CHECK_SUN(SUNLinSol_SPGMRSetGSType(e->LS, SUN_MODIFIED_GS), "SPGMRSetGSType");
    CHECK_SUN(CVodeSetLinearSolver(e->cv, e->LS, NULL), "CVodeSetLinearSolver");
    CHECK_SUN(CVodeSetJacTimes(e->cv, NULL, jtimes_fn), "CVodeSetJacTimes");
    CHECK_SUN(CVodeSetPreconditioner(e->cv, psetup_fn, psolve_fn), "CVodeSetPreconditioner");
  }
  /* GMRES stops on the l2 norm of the weighted residual; with factor 1 that
   * bounds the max norm used by the Newton test */
  CHECK_SUN(CVodeSetLSNormFactor(e->cv, 1.0), "CVodeSetLSNormFactor");
  return SK_OK;
fail:
  cv_teardown(e);
  return rc;
}

/* After a step: enlarge the active range when the last nonzero mass has
 * passed half of it. */
static int grow(sk_ode *e, sk_error *err) {
  if (!e->dynamic || e->M >= e->Mfull) return SK_OK;
  const double *y = N_VGetArrayPointer(e->y);
  long long lnz = active_extent(y, e->M, e->o.atol * e->o.Z);
  if (4 * lnz <= e->M) return SK_OK;
  long long Ma = next_size(lnz, e->Mfull);
  double G = y[e->M], N = e->has_N ? y[e->M + 1] : 0;
  /* the state, zero-extended, goes through fout */
  memcpy(e->fout, y, sizeof(double) * (size_t)e->M);
  memset(e->fout + e->M, 0, sizeof(double) * (size_t)(Ma - e->M));
  double t = e->t;
  cv_teardown(e);
  e->restarts++;
  return cv_setup(e, Ma, t, e->fout, G, N, err);
}

int sk_ode_create(const sk_coag *c, const double *f0, const sk_ode_opts *opts, sk_ode **out,
                  sk_error *err) {
  *out = NULL;
  sk_ode_opts o;
  if (opts)
    o = *opts;
  else
    sk_ode_opts_init(&o);
  if (!(o.rtol >= 1e-14 && o.rtol <= 0.1))
    return sk_error_set(err, SK_EINVAL, "rtol = %g: out of range (accepted: 1e-14 .. 0.1)", o.rtol);
  if (!(o.atol > 0 && o.atol <= 1))
    return sk_error_set(err, SK_EINVAL, "atol = %g: out of range (accepted: (0, 1])", o.atol);
  if (!(o.Z > 0) || !isfinite(o.Z))
    return sk_error_set(err, SK_EINVAL, "Z = %g: out of range (accepted: (0, inf))", o.Z);
  if (!(o.gel_tol > 0 && o.gel_tol <= 0.5))
    return sk_error_set(err, SK_EINVAL, "gel_tol = %g: out of range (accepted: (0, 0.5])",
                        o.gel_tol);
  if (o.max_steps < 1)
    return sk_error_set(err, SK_EINVAL, "max_steps = %lld: out of range (accepted: >= 1)",
                        o.max_steps);
  sk_coag_kind kind = sk_coag_get_kind(c);
  if (o.post_gel == SK_ODE_FLORY && !sk_coag_is_classical(kind))
    return sk_error_set(err, SK_EINVAL,
                        "post_gel = flory needs the kernel K(n, m) for m beyond nmax, known only "
                        "for the classical kernels (kernel = %s; accepted: post_gel = stockmayer, "
                        "or kernel = constant, additive, multiplicative)",
                        sk_coag_kind_name(kind));
  long long M = sk_coag_nmax(c);
  double mass0 = 0;
  for (long long n = 1; n <= M; ++n) {
    if (!(f0[n - 1] >= 0) || !isfinite(f0[n - 1]))
      return sk_error_set(err, SK_EINVAL, "f_%lld(0) = %g: not a finite number >= 0", n,
                          f0[n - 1]);
  }
  mass0 = sk_coag_moment(f0, M, 1);
  if (!(mass0 > 0)) return sk_error_set(err, SK_EINVAL, "the initial data have no mass");

  sk_ode *e = calloc(1, sizeof *e);
  if (!e) return sk_error_set(err, SK_ENOMEM, "out of memory");
  int rc = SK_OK;
  e->c = c;
  e->cur = c;
  e->kind = kind;
  e->s = sk_coag_scale(c);
  e->Mfull = M;
  e->o = o;
  e->flory = o.post_gel == SK_ODE_FLORY;
  e->has_N = e->flory && (kind == SK_COAG_CONSTANT || kind == SK_COAG_ADDITIVE);
  e->mass0 = mass0;
  e->gel_time = NAN;
  e->tmin = INFINITY;
  e->pdiag = malloc(sizeof(double) * (size_t)(2 * M + 2));
  e->Kdiag = malloc(sizeof(double) * (size_t)M);
  e->work = malloc(sizeof(double) * (size_t)M);
  e->fout = malloc(sizeof(double) * (size_t)M);
  if (!e->pdiag || !e->Kdiag || !e->work || !e->fout) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory (ODE with nmax = %lld)", M);
    goto fail;
  }
  for (long long n = 1; n <= M; ++n) e->Kdiag[n - 1] = sk_coag_kernel(c, n, n);
  memcpy(e->fout, f0, sizeof(double) * (size_t)M);
  if (SUNContext_Create(NULL, &e->sunctx) < 0) {
    rc = sk_error_set(err, SK_ENOMEM, "SUNDIALS: cannot create a context");
    goto fail;
  }
  /* classical kernels on the FFT path: integrate on the occupied range only
   * (grow()); a stored matrix or factorisation is tied to nmax */
  e->dynamic = sk_coag_is_classical(kind) && sk_coag_get_path(c) == SK_COAG_PATH_FFT;
  long long Ma = M;
  if (e->dynamic) {
    long long lnz = active_extent(f0, M, o.atol * o.Z);
    Ma = next_size(lnz, M);
  }
  rc = cv_setup(e, Ma, 0.0, f0, 0.0, 0.0, err);
  if (rc) goto fail;
  *out = e;
  return SK_OK;
fail:
  sk_ode_free(e);
  return rc;
}

void sk_ode_free(sk_ode *e) {
  if (!e) return;
  cv_teardown(e);
  if (e->sunctx) SUNContext_Free(&e->sunctx);
  sk_coag_free(e->owned);
  free(e->pdiag);
  free(e->Kdiag);
  free(e->work);
  free(e->fout);
  free(e);
}

int sk_ode_create_from_model(const sk_model *m, int threads, sk_ode **out, sk_error *err) {
  *out = NULL;
  sk_ode_opts o;
  int rc = sk_ode_opts_from_model(m, &o, err);
  if (rc) return rc;
  o.threads = threads;
  long long M = sk_model_get_int(m, "coagulation.nmax");
  long long nmax0 = sk_model_max_initial_mass(m);
  if (nmax0 > M)
    return sk_model_key_error(m, "coagulation.nmax", err,
                              "the initial data hold mass %lld > nmax = %lld (accepted: nmax >= "
                              "%lld)",
                              nmax0, M, nmax0);
  sk_coag_kind kind = (sk_coag_kind)sk_model_get_enum(m, "coagulation.kernel");
  if (o.post_gel == SK_ODE_FLORY && !sk_coag_is_classical(kind))
    return sk_model_key_error(m, "coagulation.post_gel", err,
                              "flory needs K(n, m) beyond nmax, known only for the classical "
                              "kernels (kernel = %s; accepted: stockmayer, or kernel = constant, "
                              "additive, multiplicative)",
                              sk_coag_kind_name(kind));
  sk_coag *c;
  rc = sk_coag_create_from_model(m, &c, err);
  if (rc) return rc;
  double *f0 = malloc(sizeof(double) * (size_t)M);
  if (!f0) {
    sk_coag_free(c);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  double Z = sk_model_params(m)->Z;
  for (long long n = 1; n <= M; ++n) f0[n - 1] = Z * sk_model_mass_fraction(m, n);
  rc = sk_ode_create(c, f0, &o, out, err);
  free(f0);
  if (rc) {
    sk_coag_free(c);
    return rc;
  }
  (*out)->owned = c;
  return SK_OK;
}

/* ------------------------------------------------------------ advance */

static void sync_out(sk_ode *e) {
  const double *y = N_VGetArrayPointer(e->y);
  memcpy(e->fout, y, sizeof(double) * (size_t)e->M);
  if (e->M < e->Mfull) memset(e->fout + e->M, 0, sizeof(double) * (size_t)(e->Mfull - e->M));
}

int sk_ode_advance(sk_ode *e, double tout, sk_error *err) {
  if (!(tout >= e->t) || !isfinite(tout))
    return sk_error_set(err, SK_EINVAL, "t = %g: cannot integrate back from t = %g", tout, e->t);
  if (tout == e->t) return SK_OK;
  int rc = SK_OK;
  int stop_set = 0;
  for (;;) {
    if (!stop_set) {
      if (CVodeSetStopTime(e->cv, tout) < 0) {
        rc = sk_error_set(err, SK_ENUMERIC, "CVODE: CVodeSetStopTime failed");
        break;
      }
      stop_set = 1;
    }
    long nst = 0;
    CVodeGetNumSteps(e->cv, &nst);
    if (nst + e->base.steps >= e->o.max_steps) {
      rc = sk_error_set(err, SK_ERANGE,
                        "the ODE needed more than max_steps = %lld steps to reach t = %g "
                        "(stopped at t = %.6g; raise [coagulation] max_steps or rtol)",
                        e->o.max_steps, tout, e->t);
      break;
    }
    sunrealtype tret;
    int flag = CVode(e->cv, tout, e->y, &tret, CV_ONE_STEP);
    if (flag < 0) {
      /* y holds the state at tret, the last good time */
      if (tret > e->t) e->t = tret;
      rc = sk_error_set(err, SK_ENUMERIC, "CVODE failed at t = %.6g on the way to t = %g: %s",
                        (double)tret, tout, CVodeGetReturnFlagName(flag));
      break;
    }
    e->t = tret;
    gel_check(e);
    if (flag == CV_TSTOP_RETURN || tret >= tout) break;
    long long M0 = e->M;
    if ((rc = grow(e, err))) break;
    if (e->M != M0) stop_set = 0;
  }
  if (e->y) sync_out(e);
  if (rc) return rc;
  e->t = tout;
  return SK_OK;
}

/* ------------------------------------------------------------ getters */

double sk_ode_time(const sk_ode *e) { return e->t; }
const sk_coag *sk_ode_coag(const sk_ode *e) { return e->c; }
long long sk_ode_nmax(const sk_ode *e) { return e->Mfull; }
const double *sk_ode_f(const sk_ode *e) { return e->fout; }
sk_ode_postgel sk_ode_get_postgel(const sk_ode *e) { return e->o.post_gel; }
const char *sk_ode_linsol_name(const sk_ode *e) { return e->lin ? "exact" : "gmres"; }

double sk_ode_f_at(const sk_ode *e, long long n) {
  if (n < 1) return NAN;
  if (n > e->Mfull) return 0;
  return e->fout[n - 1];
}

double sk_ode_moment(const sk_ode *e, int k) {
  if (k < 0 || k > 2) return NAN;
  return sk_coag_moment(N_VGetArrayPointer(e->y), e->M, k);
}

double sk_ode_tail_mass(const sk_ode *e) { return N_VGetArrayPointer(e->y)[e->M]; }

double sk_ode_tail_number(const sk_ode *e) {
  return e->has_N ? N_VGetArrayPointer(e->y)[e->M + 1] : NAN;
}

double sk_ode_mass_defect(const sk_ode *e) {
  double m = sk_ode_moment(e, 1) + sk_ode_tail_mass(e);
  return fabs(m - e->mass0) / e->mass0;
}

double sk_ode_gel_time(const sk_ode *e) { return e->gel_time; }

void sk_ode_get_stats(const sk_ode *e, sk_ode_stats *s) {
  sk_ode sc = *e; /* a copy to add the current instance's counts to */
  add_stats(&sc);
  *s = sc.base;
  s->rhs_evals = e->rhs_evals;
  s->jvp_evals = e->jvp_evals;
  s->restarts = e->restarts;
  s->active_nmax = e->M;
  int q = 0;
  sunrealtype h = 0;
  if (e->cv) {
    CVodeGetLastOrder(e->cv, &q);
    CVodeGetLastStep(e->cv, &h);
  }
  s->last_order = q;
  s->last_step = h;
}

/* ------------------------------------------- internal (ode_internal.h) */

long long sk_ode_neq_(const sk_ode *e) { return e->neq; }
long long sk_ode_active_(const sk_ode *e) { return e->M; }

int sk_ode_rhs_(sk_ode *e, const double *y, double *dy) {
  N_Vector yv = N_VMake_Serial((sunindextype)e->neq, (double *)y, e->sunctx);
  N_Vector dv = N_VMake_Serial((sunindextype)e->neq, dy, e->sunctx);
  int r = yv && dv ? rhs_fn(e->t, yv, dv, e) : -1;
  if (yv) N_VDestroy(yv);
  if (dv) N_VDestroy(dv);
  return r;
}

int sk_ode_jvp_(sk_ode *e, const double *y, const double *v, double *jv) {
  N_Vector yv = N_VMake_Serial((sunindextype)e->neq, (double *)y, e->sunctx);
  N_Vector vv = N_VMake_Serial((sunindextype)e->neq, (double *)v, e->sunctx);
  N_Vector jvv = N_VMake_Serial((sunindextype)e->neq, jv, e->sunctx);
  int r = yv && vv && jvv ? jtimes_fn(vv, jvv, e->t, yv, NULL, e, NULL) : -1;
  if (yv) N_VDestroy(yv);
  if (vv) N_VDestroy(vv);
  if (jvv) N_VDestroy(jvv);
  return r;
}
