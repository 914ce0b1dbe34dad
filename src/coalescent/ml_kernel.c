/* Coagulation kernels for the Marcus–Lushnikov process. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coalescent/cl_internal.h"
#include "smolkin/beta.h"
#include "smolkin/coag.h"

static const char *const classical_names[] = {"constant", "additive", "multiplicative"};

int sk_ml_kernel_create_classical(sk_coag_kind kind, double scale, sk_ml_kernel **out,
                                  sk_error *err) {
  *out = NULL;
  if (kind != SK_COAG_CONSTANT && kind != SK_COAG_ADDITIVE && kind != SK_COAG_MULTIPLICATIVE)
    return sk_error_set(err, SK_EINVAL, "not a classical kernel (constant, additive, multiplicative)");
  if (!(scale > 0) || !isfinite(scale))
    return sk_error_set(err, SK_EINVAL, "kernel scale %g: expected a positive number", scale);
  sk_ml_kernel *k = calloc(1, sizeof *k);
  if (!k) return sk_error_set(err, SK_ENOMEM, "out of memory");
  k->kind = (int)kind;
  k->scale = scale;
  k->nmax = SK_ML_MASS_MAX;
  snprintf(k->name, sizeof k->name, "%s", classical_names[kind]);
  *out = k;
  return SK_OK;
}

int sk_ml_kernel_create_custom(sk_ml_kernel_fn K, sk_ml_bound_fn bound, void *ctx,
                               uint64_t nmax, const char *name, sk_ml_kernel **out,
                               sk_error *err) {
  *out = NULL;
  if (!K || !bound) return sk_error_set(err, SK_EINVAL, "custom kernel: K and its bound are required");
  if (nmax < 1) return sk_error_set(err, SK_EINVAL, "custom kernel: nmax must be >= 1");
  sk_ml_kernel *k = calloc(1, sizeof *k);
  if (!k) return sk_error_set(err, SK_ENOMEM, "out of memory");
  k->kind = -1;
  k->scale = 1.0;
  k->fn = K;
  k->bound = bound;
  k->ctx = ctx;
  k->nmax = nmax < SK_ML_MASS_MAX ? nmax : SK_ML_MASS_MAX;
  snprintf(k->name, sizeof k->name, "%s", name ? name : "custom");
  *out = k;
  return SK_OK;
}

void sk_ml_kernel_free(sk_ml_kernel *k) {
  if (!k) return;
  if (k->owned_free) k->owned_free(k->owned);
  free(k);
}

double sk_ml_kernel_eval(const sk_ml_kernel *k, uint64_t n, uint64_t m) {
  if (n < 1 || m < 1 || n > k->nmax || m > k->nmax) return 0.0;
  switch (k->kind) {
    case SK_COAG_CONSTANT: return k->scale;
    case SK_COAG_ADDITIVE: return k->scale * ((double)n + (double)m);
    case SK_COAG_MULTIPLICATIVE: return k->scale * (double)n * (double)m;
    default: return k->fn(k->ctx, n, m);
  }
}

uint64_t sk_ml_kernel_nmax(const sk_ml_kernel *k) { return k->nmax; }
const char *sk_ml_kernel_name(const sk_ml_kernel *k) { return k->name; }
int sk_ml_kernel_kind(const sk_ml_kernel *k) { return k->kind; }
double sk_ml_kernel_scale(const sk_ml_kernel *k) { return k->scale; }

/* ------------------------------------------------------------ recipe */

/* K = beta(n, m) of the model (include/smolkin/beta.h). With alpha constant,
 * beta(n, m) = R(n, m) b(D(n, m)) where D = dif(n) + dif(m) = D0 (n^-p + m^-p)
 * is monotone in each mass, b(D) = D g(alpha/D) increases with D (g(l)/l =
 * int V (1 - u_l) decreases in l, so d(D g(alpha/D))/dD = g - l g' >= 0), and
 * R = (n^chi + m^chi)^(d-2) (radius_law = power; 1 otherwise) increases in
 * each mass. So over a rectangle of masses
 *   beta <= max over the corners of beta/R  x  max over the corners of R,
 * a sound bound; a relative margin of 1e-8 covers the interpolation of g
 * (accurate to ~1e-10). The simulation checks every evaluated K against it. */
#define RECIPE_CACHE 256 /* beta(n, m) tabulated for n, m <= this (512 KB) */

typedef struct {
  sk_beta_kernel *bk;
  int d, radius_power;
  double chi;
  uint64_t ncache;
  double *cache; /* cache[(n-1) ncache + m-1] = sk_beta_kernel_eval(n, m) */
} recipe_ctx;

static double recipe_K(void *ctx, uint64_t n, uint64_t m) {
  const recipe_ctx *c = ctx;
  if (n <= c->ncache && m <= c->ncache) return c->cache[(n - 1) * c->ncache + (m - 1)];
  return sk_beta_kernel_eval(c->bk, (long long)n, (long long)m);
}

static double recipe_R(const recipe_ctx *c, uint64_t n, uint64_t m) {
  if (!c->radius_power || c->d == 2) return 1.0;
  return pow(pow((double)n, c->chi) + pow((double)m, c->chi), c->d - 2);
}

static double recipe_bound(void *ctx, uint64_t nl, uint64_t nh, uint64_t ml, uint64_t mh) {
  const recipe_ctx *c = ctx;
  const uint64_t cn[4] = {nl, nl, nh, nh}, cm[4] = {ml, mh, ml, mh};
  double b = 0, r = 0;
  for (int i = 0; i < 4; ++i) {
    double R = recipe_R(c, cn[i], cm[i]);
    double k = recipe_K(ctx, cn[i], cm[i]) / R;
    if (!(k <= b)) b = k; /* NaN propagates: the simulation reports it */
    if (R > r) r = R;
  }
  return b * r * (1 + 1e-8);
}

static void recipe_free(void *ctx) {
  recipe_ctx *c = ctx;
  if (!c) return;
  sk_beta_kernel_free(c->bk);
  free(c->cache);
  free(c);
}

static int create_recipe(const sk_model *m, sk_ml_kernel **out, sk_error *err) {
  long long nmax = sk_model_get_int(m, "coagulation.nmax");
  recipe_ctx *c = calloc(1, sizeof *c);
  if (!c) return sk_error_set(err, SK_ENOMEM, "out of memory");
  int rc = sk_beta_kernel_create(m, nmax, NULL, &c->bk, err);
  if (rc) {
    free(c);
    sk_error_prefix(err, "kernel = recipe: ");
    return rc;
  }
  c->d = sk_model_params(m)->dim;
  c->radius_power = strcmp(sk_model_get_string(m, "particles.radius_law"), "power") == 0;
  c->chi = sk_model_get_double(m, "particles.chi");
  /* the same values, looked up: the small masses take most proposals */
  uint64_t nc = (uint64_t)nmax < RECIPE_CACHE ? (uint64_t)nmax : RECIPE_CACHE;
  c->cache = malloc(nc * nc * sizeof *c->cache);
  if (!c->cache) {
    recipe_free(c);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  for (uint64_t n = 1; n <= nc; ++n)
    for (uint64_t q = 1; q <= nc; ++q) {
      double v = sk_beta_kernel_eval(c->bk, (long long)n, (long long)q);
      if (!(v >= 0) || !isfinite(v)) {
        sk_error_set(err, SK_ENUMERIC, "kernel = recipe: beta(%llu, %llu) = %g", (unsigned long long)n,
                     (unsigned long long)q, v);
        recipe_free(c);
        return SK_ENUMERIC;
      }
      c->cache[(n - 1) * nc + (q - 1)] = v;
    }
  c->ncache = nc;
  rc = sk_ml_kernel_create_custom(recipe_K, recipe_bound, c, (uint64_t)nmax, "recipe", out, err);
  if (rc) {
    recipe_free(c);
    return rc;
  }
  (*out)->owned = c;
  (*out)->owned_free = recipe_free;
  return SK_OK;
}

/* ------------------------------------------------------------- table */

/* K(n, m) from [coagulation] table, read by the ODE module's reader
 * (sk_coag_create_table, direct path: the file's values, unapproximated).
 * The bound over a rectangle of masses is the largest of the maxima of the
 * dyadic blocks [2^g, 2^(g+1)) x [2^h, 2^(h+1)) it meets, computed once from
 * the table. */
typedef struct {
  sk_coag *c;
  uint64_t nmax;
  double bmax[CL_NGROUPS][CL_NGROUPS];
} table_ctx;

static double table_K(void *ctx, uint64_t n, uint64_t m) {
  const table_ctx *t = ctx;
  return sk_coag_kernel(t->c, (long long)n, (long long)m);
}

static int ilog2(uint64_t x) { return 63 - __builtin_clzll(x); }

static double table_bound(void *ctx, uint64_t nl, uint64_t nh, uint64_t ml, uint64_t mh) {
  const table_ctx *t = ctx;
  double b = 0;
  for (int g = ilog2(nl); g <= ilog2(nh); ++g)
    for (int h = ilog2(ml); h <= ilog2(mh); ++h)
      if (t->bmax[g][h] > b) b = t->bmax[g][h];
  return b;
}

static void table_free(void *ctx) {
  table_ctx *t = ctx;
  if (!t) return;
  sk_coag_free(t->c);
  free(t);
}

static int create_table(const sk_model *m, sk_ml_kernel **out, sk_error *err) {
  const char *path = sk_model_get_string(m, "coagulation.table");
  if (!path[0])
    return sk_model_key_error(m, "coagulation.kernel", err,
                              "kernel = table needs [coagulation] table = FILE");
  long long nmax = sk_model_get_int(m, "coagulation.nmax");
  table_ctx *t = calloc(1, sizeof *t);
  if (!t) return sk_error_set(err, SK_ENOMEM, "out of memory");
  sk_coag_opts o;
  sk_coag_opts_init(&o);
  o.path = SK_COAG_PATH_DIRECT;
  int rc = sk_coag_create_table(path, nmax, &o, &t->c, err);
  if (rc) {
    free(t);
    if (strstr(err->msg, "rows but nmax"))
      return sk_model_key_error(m, "coagulation.nmax", err, "%s", err->msg);
    sk_error_prefix(err, "%s: [coagulation] table: ", sk_model_origin(m, "coagulation.table"));
    return rc;
  }
  t->nmax = (uint64_t)nmax;
  for (uint64_t n = 1; n <= t->nmax; ++n)
    for (uint64_t q = 1; q <= t->nmax; ++q) {
      double v = sk_coag_kernel(t->c, (long long)n, (long long)q);
      double *b = &t->bmax[ilog2(n)][ilog2(q)];
      if (v > *b) *b = v;
    }
  rc = sk_ml_kernel_create_custom(table_K, table_bound, t, t->nmax, "table", out, err);
  if (rc) {
    table_free(t);
    return rc;
  }
  (*out)->owned = t;
  (*out)->owned_free = table_free;
  return SK_OK;
}

int sk_ml_kernel_create_from_model(const sk_model *m, sk_ml_kernel **out, sk_error *err) {
  *out = NULL;
  const char *kname = sk_model_get_string(m, "coagulation.kernel");
  double scale = sk_model_get_double(m, "coagulation.scale");
  if (strcmp(kname, "constant") == 0)
    return sk_ml_kernel_create_classical(SK_COAG_CONSTANT, scale, out, err);
  if (strcmp(kname, "additive") == 0)
    return sk_ml_kernel_create_classical(SK_COAG_ADDITIVE, scale, out, err);
  if (strcmp(kname, "multiplicative") == 0)
    return sk_ml_kernel_create_classical(SK_COAG_MULTIPLICATIVE, scale, out, err);
  /* as in the ODE: scale multiplies only the classical kernels */
  if (sk_model_is_set(m, "coagulation.scale") && scale != 1)
    return sk_model_key_error(m, "coagulation.scale", err,
                              "scale multiplies only the classical kernels (kernel = %s; "
                              "accepted: leave it at 1)",
                              kname);
  if (strcmp(kname, "recipe") == 0) return create_recipe(m, out, err);
  if (strcmp(kname, "table") == 0) return create_table(m, out, err);
  return sk_model_key_error(m, "coagulation.kernel", err,
                            "unknown to the Marcus-Lushnikov process (accepted: constant, "
                            "additive, multiplicative, recipe, table)");
}
