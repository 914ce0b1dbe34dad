/* beta(n, m) for a model: sk_beta_kernel and sk_beta_model_table.
 *
 * With alpha constant (our model), beta depends on (n, m) only through
 * DSUM = dif(n) + dif(m) and, with radius_law = power, through the factor
 * (r_n + r_m)^(d-2) (SPEC §2). Writing lambda = alpha / DSUM,
 *   beta = DSUM * g(lambda),   g(lambda) = lambda * int V (1 - u_lambda),
 * and g is smooth and monotone in lambda, from ~ lambda int V (small lambda)
 * to Cap(supp V) (large lambda). We interpolate h(s) = log g(e^s) in
 * s = log lambda with piecewise Chebyshev polynomials of degree 16 on
 * [log lambda_min, log lambda_max], bisecting a piece until its interpolant
 * agrees with direct solves at the 16 points between its nodes to the
 * tolerance (2e-11 relative for the radial solver). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beta/beta_internal.h"

#define CHEB_N 16
#define MAX_PIECES 256

typedef enum { BK_CONST = 0, BK_CHEB, BK_NAIVE, BK_FORMULA2D } bk_mode;

typedef struct {
  double a, b;            /* interval in s = log lambda */
  double c[CHEB_N + 1];   /* Chebyshev coefficients of h(s) = log g(e^s) */
} cheb_piece;

struct sk_beta_kernel {
  const sk_model *model;
  bk_mode mode;
  int d;
  long long nmax;
  double alpha, int_V;
  double D0, p;
  int radius_power;
  double chi;
  double g_const;   /* BK_CONST: g at the single lambda */
  cheb_piece *piece;
  size_t npieces;
  double verified_err; /* max |h_interp - h_direct| at the check points */
  sk_beta_opts opts;   /* for direct solves outside the interpolated range */
  const sk_kernel *V;
  long solves;
  double s_lo, s_hi;
};

typedef struct {
  const sk_kernel *V;
  sk_beta_opts opts;
  long *solves;
} g_ctx;

/* g(lambda) = beta / DSUM for DSUM = 1, alpha = lambda. */
static int eval_g(g_ctx *c, double lambda, double *g, sk_error *err) {
  sk_beta_result r;
  int rc = sk_beta_compute(c->V, lambda, 1.0, &c->opts, &r, err);
  ++*c->solves;
  if (rc) return rc;
  if (!(r.beta > 0)) return sk_error_set(err, SK_ENUMERIC, "beta = %g at lambda = %g", r.beta, lambda);
  *g = r.beta;
  return SK_OK;
}

static double cheb_eval(const cheb_piece *p, double s) {
  double x = (2 * s - p->a - p->b) / (p->b - p->a);
  if (x > 1) x = 1;
  if (x < -1) x = -1;
  /* Clenshaw for sum'' c_k T_k(x) (first and last coefficients halved) */
  double b1 = 0, b2 = 0;
  for (int k = CHEB_N; k >= 1; --k) {
    double ck = k == CHEB_N ? 0.5 * p->c[k] : p->c[k];
    double b0 = 2 * x * b1 - b2 + ck;
    b2 = b1;
    b1 = b0;
  }
  return x * b1 - b2 + 0.5 * p->c[0];
}

static int build_piece(g_ctx *c, double a, double b, double tol, cheb_piece *out, double *errmax,
                       sk_error *err) {
  double f[CHEB_N + 1];
  for (int j = 0; j <= CHEB_N; ++j) {
    double x = cos(M_PI * j / CHEB_N);
    double s = 0.5 * (a + b) + 0.5 * (b - a) * x, g;
    int rc = eval_g(c, exp(s), &g, err);
    if (rc) return rc;
    f[j] = log(g);
  }
  out->a = a;
  out->b = b;
  for (int k = 0; k <= CHEB_N; ++k) {
    double sum = 0;
    for (int j = 0; j <= CHEB_N; ++j) {
      double w = (j == 0 || j == CHEB_N) ? 0.5 : 1.0;
      sum += w * f[j] * cos(M_PI * (double)j * k / CHEB_N);
    }
    out->c[k] = 2.0 * sum / CHEB_N;
  }
  /* check between the nodes */
  *errmax = 0;
  for (int j = 0; j < CHEB_N; ++j) {
    double x = cos(M_PI * (j + 0.5) / CHEB_N);
    double s = 0.5 * (a + b) + 0.5 * (b - a) * x, g;
    int rc = eval_g(c, exp(s), &g, err);
    if (rc) return rc;
    double e = fabs(cheb_eval(out, s) - log(g));
    if (e > *errmax) *errmax = e;
  }
  (void)tol;
  return SK_OK;
}

/* Builds pieces covering [a, b] by bisection until each meets tol. */
static int build_range(sk_beta_kernel *bk, g_ctx *c, double a, double b, double tol, int depth,
                       sk_error *err) {
  cheb_piece pc;
  double e;
  int rc = build_piece(c, a, b, tol, &pc, &e, err);
  if (rc) return rc;
  if (e <= tol || depth >= 12) {
    if (e > tol)
      return sk_error_set(err, SK_ENUMERIC,
                          "beta table: interpolation error %.2e > %.2e on lambda in [%g, %g]", e,
                          tol, exp(a), exp(b));
    if (bk->npieces >= MAX_PIECES)
      return sk_error_set(err, SK_ENUMERIC, "beta table: more than %d pieces", MAX_PIECES);
    bk->piece[bk->npieces++] = pc;
    if (e > bk->verified_err) bk->verified_err = e;
    return SK_OK;
  }
  double m = 0.5 * (a + b);
  rc = build_range(bk, c, a, m, tol, depth + 1, err);
  if (rc) return rc;
  return build_range(bk, c, m, b, tol, depth + 1, err);
}

int sk_beta_kernel_create(const sk_model *m, long long nmax, const sk_beta_opts *opts,
                          sk_beta_kernel **out, sk_error *err) {
  *out = NULL;
  if (nmax < 1)
    return sk_error_set(err, SK_EINVAL, "beta table: nmax = %lld (accepted: nmax >= 1)", nmax);
  const sk_params *P = sk_model_params(m);
  const sk_kernel *V = sk_model_kernel(m);
  int d = P->dim;
  if (d < 2)
    return sk_model_key_error(m, "model.dim", err,
                              "beta needs d >= 2 (accepted: 2 uses (2.4), >= 3 the recipe (1.8)-(1.9))");
  sk_beta_opts o;
  if (opts) {
    o = *opts;
  } else {
    sk_beta_opts_init(&o, (sk_beta_method)sk_model_get_enum(m, "beta.method"));
    o.seed = P->seed;
    /* a non-radial kernel with the default method: the grid solver */
    if (o.method == SK_BETA_RADIAL && !sk_kernel_is_radial(V) && !sk_model_is_set(m, "beta.method"))
      o.method = SK_BETA_GRID;
  }
  sk_beta_kernel *bk = calloc(1, sizeof *bk);
  if (!bk) return sk_error_set(err, SK_ENOMEM, "out of memory");
  bk->piece = calloc(MAX_PIECES, sizeof *bk->piece);
  if (!bk->piece) {
    free(bk);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  bk->model = m;
  bk->d = d;
  bk->nmax = nmax;
  bk->alpha = P->alpha;
  bk->int_V = sk_kernel_integral(V);
  bk->D0 = P->D0;
  bk->p = P->p;
  bk->radius_power = strcmp(sk_model_get_string(m, "particles.radius_law"), "power") == 0;
  bk->chi = sk_model_get_double(m, "particles.chi");
  double b_exp = sk_model_get_double(m, "particles.range_exponent");
  int rc = SK_OK;

  if (b_exp < 1) {
    bk->mode = BK_NAIVE; /* Section 3.4: P_{N,b}, b < 1 */
  } else if (d == 2) {
    bk->mode = BK_FORMULA2D;
  } else {
    if (o.method == SK_BETA_MC) {
      rc = sk_error_set(err, SK_ERANGE,
                        "a beta table from Monte Carlo estimates would be noisy (accepted: "
                        "[beta] method = radial or grid)");
      goto fail;
    }
    g_ctx c = {V, o, &bk->solves};
    double dif1 = sk_model_dif(m, 1), difn = sk_model_dif(m, nmax);
    double Dlo = 2 * fmin(dif1, difn), Dhi = 2 * fmax(dif1, difn);
    bk->s_lo = log(bk->alpha / Dhi);
    bk->s_hi = log(bk->alpha / Dlo);
    if (o.method == SK_BETA_GRID && o.grid_n == 0) {
      /* one grid size for every lambda, so that g is a smooth function of
       * lambda: the size the automatic choice needs at the largest lambda
       * (the hardest case) */
      sk_beta_solution *sol;
      rc = sk_beta_solve(V, bk->alpha / Dlo, 1.0, &o, &sol, err);
      if (rc) goto fail;
      sk_beta_info info;
      sk_beta_solution_info(sol, &info);
      sk_beta_solution_free(sol);
      c.opts.grid_n = info.grid_n;
      ++bk->solves;
    }
    bk->opts = c.opts;
    bk->V = V;
    if (bk->s_hi - bk->s_lo < 1e-13 * (1 + fabs(bk->s_lo))) {
      bk->mode = BK_CONST;
      rc = eval_g(&c, bk->alpha / Dhi, &bk->g_const, err);
      if (rc) goto fail;
    } else {
      bk->mode = BK_CHEB;
      double tol = o.method == SK_BETA_RADIAL ? 2e-11 : 0.1 * (o.rtol > 0 ? o.rtol : 1e-4);
      rc = build_range(bk, &c, bk->s_lo, bk->s_hi, tol, 0, err);
      if (rc) goto fail;
    }
  }
  *out = bk;
  return SK_OK;
fail:
  sk_beta_kernel_free(bk);
  return rc;
}

void sk_beta_kernel_free(sk_beta_kernel *bk) {
  if (!bk) return;
  free(bk->piece);
  free(bk);
}

static double dif(const sk_beta_kernel *bk, long long n) {
  return bk->p == 0 ? bk->D0 : bk->D0 * pow((double)n, -bk->p);
}

double sk_beta_kernel_eval(const sk_beta_kernel *bk, long long n1, long long n2) {
  if (n1 < 1 || n2 < 1 || n1 > bk->nmax || n2 > bk->nmax) return NAN;
  double D = dif(bk, n1) + dif(bk, n2);
  double alpha = sk_model_alpha(bk->model, n1, n2);
  double b;
  switch (bk->mode) {
    case BK_NAIVE: b = alpha * bk->int_V; break;
    case BK_FORMULA2D: {
      double A = alpha * bk->int_V, Pp = 2 * M_PI * D;
      b = Pp * A / (Pp + A);
      break;
    }
    case BK_CONST: b = D * bk->g_const; break;
    default: {
      double s = log(alpha / D);
      if (s < bk->s_lo - 1e-12 * (1 + fabs(bk->s_lo)) || s > bk->s_hi + 1e-12 * (1 + fabs(bk->s_hi))) {
        /* outside the tabulated range (alpha(n, m) not constant): solve */
        sk_beta_result r;
        if (sk_beta_compute(bk->V, alpha, D, &bk->opts, &r, NULL)) return NAN;
        b = r.beta;
        break;
      }
      size_t lo = 0, hi = bk->npieces;
      while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (bk->piece[mid].a <= s) lo = mid;
        else hi = mid;
      }
      b = D * exp(cheb_eval(&bk->piece[lo], s));
    }
  }
  if (bk->radius_power) {
    double R = pow((double)n1, bk->chi) + pow((double)n2, bk->chi);
    b *= pow(R, bk->d - 2);
  }
  return b;
}

size_t sk_beta_kernel_pieces(const sk_beta_kernel *bk) { return bk->npieces; }

const char *sk_beta_kernel_variant(const sk_beta_kernel *bk) {
  switch (bk->mode) {
    case BK_NAIVE:
      return bk->radius_power ? "naive alpha int V (range_exponent < 1) x (r_n + r_m)^(d-2)"
                              : "naive alpha int V (range_exponent < 1)";
    case BK_FORMULA2D: return "formula (2.4), d = 2";
    default:
      return bk->radius_power ? "recipe (1.8)-(1.9) x (r_n + r_m)^(d-2), r_n = n^chi"
                              : "recipe (1.8)-(1.9)";
  }
}
long sk_beta_kernel_solves(const sk_beta_kernel *bk) { return bk->solves; }
double sk_beta_kernel_verified_error(const sk_beta_kernel *bk) { return bk->verified_err; }

int sk_beta_model_table(const sk_model *m, long long K, const sk_beta_opts *opts, double *table,
                        sk_error *err) {
  sk_beta_kernel *bk;
  int rc = sk_beta_kernel_create(m, K, opts, &bk, err);
  if (rc) return rc;
  for (long long n = 1; n <= K; ++n)
    for (long long k = n; k <= K; ++k) {
      double b = sk_beta_kernel_eval(bk, n, k);
      table[(n - 1) * K + (k - 1)] = b;
      table[(k - 1) * K + (n - 1)] = b;
    }
  sk_beta_kernel_free(bk);
  return SK_OK;
}
