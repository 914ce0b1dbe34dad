/* Coagulation kernels for the Marcus–Lushnikov process. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coalescent/cl_internal.h"

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
  return sk_model_key_error(m, "coagulation.kernel", err,
                            "the Marcus-Lushnikov process in this build supports "
                            "(accepted: constant, additive, multiplicative)");
}
