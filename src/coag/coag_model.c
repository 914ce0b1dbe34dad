/* sk_coag_create_from_model: the [coagulation] section. */
#include <string.h>

#include "coag/coag_internal.h"
#include "smolkin/beta.h"

static double beta_fn(long long n, long long m, void *ctx) {
  return sk_beta_kernel_eval((const sk_beta_kernel *)ctx, n, m);
}

int sk_coag_opts_from_model(const sk_model *m, sk_coag_opts *o, sk_error *err) {
  (void)err;
  sk_coag_opts_init(o);
  static const sk_coag_path paths[] = {SK_COAG_PATH_AUTO, SK_COAG_PATH_DIRECT, SK_COAG_PATH_FFT,
                                       SK_COAG_PATH_LOWRANK};
  o->path = paths[sk_model_get_enum(m, "coagulation.method")];
  o->lowrank_tol = sk_model_get_double(m, "coagulation.lowrank_tol");
  o->lowrank_rank = (int)sk_model_get_int(m, "coagulation.lowrank_rank");
  return SK_OK;
}

int sk_coag_create_from_model(const sk_model *m, sk_coag **c, sk_error *err) {
  *c = NULL;
  sk_coag_kind kind = (sk_coag_kind)sk_model_get_enum(m, "coagulation.kernel");
  long long nmax = sk_model_get_int(m, "coagulation.nmax");
  double scale = sk_model_get_double(m, "coagulation.scale");
  sk_coag_opts o;
  int rc = sk_coag_opts_from_model(m, &o, err);
  if (rc) return rc;
  if (sk_coag_is_classical(kind)) {
    if (o.path == SK_COAG_PATH_LOWRANK)
      return sk_model_key_error(m, "coagulation.method", err,
                                "the %s kernel has separable rank <= 2 and its fft path is exact "
                                "(accepted here: auto, direct, fft)",
                                sk_coag_kind_name(kind));
    return sk_coag_create_classical_opts(kind, scale, nmax, &o, c, err);
  }
  if (o.path == SK_COAG_PATH_FFT)
    return sk_model_key_error(m, "coagulation.method", err,
                              "fft is exact only for the constant, additive and multiplicative "
                              "kernels (accepted for kernel = %s: auto, direct, lowrank)",
                              sk_coag_kind_name(kind));
  if (sk_model_is_set(m, "coagulation.scale") && sk_model_get_double(m, "coagulation.scale") != 1)
    return sk_model_key_error(m, "coagulation.scale", err,
                              "scale multiplies only the classical kernels (kernel = %s; "
                              "accepted: leave it at 1)",
                              sk_coag_kind_name(kind));
  if (kind == SK_COAG_TABLE) {
    const char *path = sk_model_get_string(m, "coagulation.table");
    if (!path[0])
      return sk_model_key_error(m, "coagulation.kernel", err,
                                "kernel = table needs [coagulation] table = FILE");
    rc = sk_coag_create_table(path, nmax, &o, c, err);
    if (rc) {
      if (strstr(err->msg, "rows but nmax"))
        return sk_model_key_error(m, "coagulation.nmax", err, "%s", err->msg);
      sk_error_prefix(err, "%s: [coagulation] table: ", sk_model_origin(m, "coagulation.table"));
    }
    return rc;
  }
  /* recipe: beta(n, m) from the model (sk_beta_kernel); the operator keeps
   * the values it needs (the matrix, or the low-rank factors) */
  sk_beta_kernel *bk;
  rc = sk_beta_kernel_create(m, nmax, NULL, &bk, err);
  if (rc) {
    sk_error_prefix(err, "kernel = recipe: ");
    return rc;
  }
  rc = sk_coag_create_function(SK_COAG_RECIPE, beta_fn, bk, nmax, &o, c, err);
  sk_beta_kernel_free(bk);
  if (rc) sk_error_prefix(err, "kernel = recipe: ");
  return rc;
}
