/* smolkin — the coagulation operator, shared by the ODE (2.1) and the PDE (1.2):
 *
 *   C(f)_n = 1/2 sum_{m=1}^{n-1} K(m, n-m) f_m f_{n-m}  -  f_n sum_{m=1}^{nmax} K(n, m) f_m
 *
 * for masses n = 1..nmax. Coagulations whose product exceeds nmax leave the
 * tracked range; their mass is returned as tail_rate (never dropped silently),
 * so that  d/dt [ sum_n n f_n ] + tail_rate = 0  exactly.
 *
 * An sk_coag is immutable once built and may be shared by threads; each
 * thread evaluates with its own sk_coag_ws workspace.
 */
#ifndef SMOLKIN_COAG_H
#define SMOLKIN_COAG_H

#include "smolkin/error.h"
#include "smolkin/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SK_COAG_CONSTANT = 0,   /* K = scale */
  SK_COAG_ADDITIVE,       /* K = scale * (n + m) */
  SK_COAG_MULTIPLICATIVE, /* K = scale * n * m */
  SK_COAG_RECIPE,         /* K = beta(n, m) from the model (sk_beta_kernel) */
  SK_COAG_TABLE           /* K from a file */
} sk_coag_kind;

typedef struct sk_coag sk_coag;
typedef struct sk_coag_ws sk_coag_ws;

/* From the model's [coagulation] section (kernel, scale, nmax, table, ...). */
int sk_coag_create_from_model(const sk_model *m, sk_coag **c, sk_error *err);
/* A classical kernel without a model. */
int sk_coag_create_classical(sk_coag_kind kind, double scale, long long nmax, sk_coag **c,
                             sk_error *err);
void sk_coag_free(sk_coag *c);

sk_coag_kind sk_coag_get_kind(const sk_coag *c);
long long sk_coag_nmax(const sk_coag *c);
/* K(n, m) as used by the operator (after any approximation). */
double sk_coag_kernel(const sk_coag *c, long long n, long long m);
/* Relative error of the low-rank approximation in use (0 if exact). */
double sk_coag_approx_error(const sk_coag *c);

int sk_coag_ws_alloc(const sk_coag *c, sk_coag_ws **ws, sk_error *err);
void sk_coag_ws_free(sk_coag_ws *ws);

/* f[i] = f_{i+1}, i = 0..nmax-1. Writes df = C(f) and the rate at which mass
 * leaves the tracked range (>= 0). */
void sk_coag_rhs(const sk_coag *c, sk_coag_ws *ws, const double *f, double *df,
                 double *tail_rate);

#ifdef __cplusplus
}
#endif
#endif
