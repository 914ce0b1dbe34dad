#include "smolkin/observe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  sk_obs_kind kind;
  double a, b;
  char name[64];
} obs_fn;

struct sk_observe {
  int dim;
  int torus;
  double box;
  double center[SK_MAX_DIM];
  obs_fn *fn;
  size_t nfn;
  long long *masses;
  size_t nmasses;
};

int sk_observe_create(const sk_model *m, sk_observe **out, sk_error *err) {
  *out = NULL;
  const sk_params *p = sk_model_params(m);
  sk_observe *o = calloc(1, sizeof *o);
  if (!o) return sk_error_set(err, SK_ENOMEM, "out of memory");
  o->dim = p->dim;
  o->torus = p->geometry == SK_GEOM_TORUS;
  o->box = p->box;
  size_t nc;
  const double *c = sk_model_get_list(m, "observe.center", &nc);
  if (nc > 0 && nc != (size_t)p->dim) {
    sk_observe_free(o);
    return sk_model_key_error(m, "observe.center", err,
                              "has %zu numbers but [model] dim = %d (accepted: exactly dim numbers)",
                              nc, p->dim);
  }
  if (nc > 0 && p->geometry == SK_GEOM_RADIAL) {
    for (size_t i = 0; i < nc; ++i)
      if (c[i] != 0) {
        sk_observe_free(o);
        return sk_model_key_error(m, "observe.center", err,
                                  "radial geometry needs test functions centred at the origin");
      }
  }
  for (int i = 0; i < p->dim; ++i) o->center[i] = nc ? c[i] : p->center[i];

  size_t ng, ns;
  const double *gs = sk_model_get_list(m, "observe.gauss_sigma", &ng);
  const double *sh = sk_model_get_list(m, "observe.shells", &ns);
  size_t nshell = ns >= 2 ? ns - 1 : 0;
  if (ns == 1) {
    sk_observe_free(o);
    return sk_model_key_error(m, "observe.shells", err,
                              "one radius gives no shell (accepted: empty, or at least two radii)");
  }
  o->nfn = ng + nshell;
  o->fn = calloc(o->nfn ? o->nfn : 1, sizeof *o->fn);
  if (!o->fn) {
    sk_observe_free(o);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  size_t k = 0;
  for (size_t i = 0; i < ng; ++i, ++k) {
    o->fn[k].kind = SK_OBS_GAUSS;
    o->fn[k].a = gs[i];
    snprintf(o->fn[k].name, sizeof o->fn[k].name, "gauss_%g", gs[i]);
  }
  for (size_t i = 0; i < nshell; ++i, ++k) {
    o->fn[k].kind = SK_OBS_SHELL;
    o->fn[k].a = sh[i];
    o->fn[k].b = sh[i + 1];
    snprintf(o->fn[k].name, sizeof o->fn[k].name, "shell_%g_%g", sh[i], sh[i + 1]);
  }
  size_t nm;
  const double *ms = sk_model_get_list(m, "observe.masses", &nm);
  o->masses = malloc((nm ? nm : 1) * sizeof *o->masses);
  if (!o->masses) {
    sk_observe_free(o);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < nm; ++i) o->masses[i] = (long long)ms[i];
  o->nmasses = nm;
  *out = o;
  return SK_OK;
}

void sk_observe_free(sk_observe *o) {
  if (!o) return;
  free(o->fn);
  free(o->masses);
  free(o);
}

size_t sk_observe_count(const sk_observe *o) { return o->nfn; }
const char *sk_observe_name(const sk_observe *o, size_t k) { return o->fn[k].name; }
sk_obs_kind sk_observe_kind(const sk_observe *o, size_t k) { return o->fn[k].kind; }
void sk_observe_params(const sk_observe *o, size_t k, double *a, double *b) {
  *a = o->fn[k].a;
  *b = o->fn[k].b;
}
const double *sk_observe_center(const sk_observe *o) { return o->center; }
const long long *sk_observe_masses(const sk_observe *o, size_t *n) {
  *n = o->nmasses;
  return o->masses;
}

double sk_observe_eval_r(const sk_observe *o, size_t k, double r) {
  const obs_fn *f = &o->fn[k];
  if (f->kind == SK_OBS_GAUSS) return exp(-0.5 * r * r / (f->a * f->a));
  return (r >= f->a && r < f->b) ? 1.0 : 0.0;
}

double sk_observe_eval(const sk_observe *o, size_t k, const double *x) {
  double r2 = 0;
  for (int i = 0; i < o->dim; ++i) {
    double dx = x[i] - o->center[i];
    if (o->torus) dx -= o->box * nearbyint(dx / o->box);
    r2 += dx * dx;
  }
  const obs_fn *f = &o->fn[k];
  if (f->kind == SK_OBS_GAUSS) return exp(-0.5 * r2 / (f->a * f->a));
  return sk_observe_eval_r(o, k, sqrt(r2));
}
