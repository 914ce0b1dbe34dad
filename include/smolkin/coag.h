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

/* ------------------------------------------------------------ additions
 * (not part of the lead's contract above; added by the ode helper) */

/* How the sums are evaluated. AUTO picks by nmax and kernel (docs/ode.md):
 *   direct   O(M^2) sums in a fixed order (exact up to rounding, relative to
 *            each term); classical kernels need no matrix, recipe/table
 *            kernels use the stored M x M matrix;
 *   fft      classical kernels (separable rank <= 2): one FFT
 *            autoconvolution per call, O(M log M), absolute accuracy
 *            ~1e-16 (sum f)^2 per entry; masses n <= SK_COAG_NDIRECT are
 *            always summed directly;
 *   lowrank  recipe/table kernels: K ~ sum_r u_r v_r^T (adaptive cross
 *            approximation), gain by R FFT convolutions, O(R M log M). */
typedef enum {
  SK_COAG_PATH_AUTO = 0,
  SK_COAG_PATH_DIRECT,
  SK_COAG_PATH_FFT,
  SK_COAG_PATH_LOWRANK
} sk_coag_path;

/* Below this many masses, sums are direct on every path. */
#define SK_COAG_NDIRECT 32

typedef struct sk_coag_opts {
  sk_coag_path path;  /* AUTO */
  double lowrank_tol; /* target max relative entry error of the low-rank K (default 1e-10) */
  int lowrank_rank;   /* largest rank tried (default 64) */
} sk_coag_opts;

void sk_coag_opts_init(sk_coag_opts *o);

/* A classical kernel with options. */
int sk_coag_create_classical_opts(sk_coag_kind kind, double scale, long long nmax,
                                  const sk_coag_opts *opts, sk_coag **c, sk_error *err);
/* A general symmetric kernel K(n, m) >= 0 given by a function (evaluated
 * nmax^2/2 times for the direct path, O(R nmax) times for the low-rank path).
 * kind is reported by sk_coag_get_kind (SK_COAG_TABLE or SK_COAG_RECIPE). */
typedef double (*sk_coag_kernel_fn)(long long n, long long m, void *ctx);
int sk_coag_create_function(sk_coag_kind kind, sk_coag_kernel_fn fn, void *ctx, long long nmax,
                            const sk_coag_opts *opts, sk_coag **c, sk_error *err);
/* Reads a kernel table (format in docs/ode.md: row n holds K(n,1..N),
 * separated by blanks and/or commas, '#' comments; N >= nmax rows; symmetric,
 * finite, >= 0). Errors name FILE:LINE (SK_EINVAL). */
int sk_coag_create_table(const char *path, long long nmax, const sk_coag_opts *opts, sk_coag **c,
                         sk_error *err);

/* "constant", "additive", "multiplicative", "recipe", "table". */
const char *sk_coag_kind_name(sk_coag_kind kind);
/* The path in use: "direct", "fft" or "lowrank". */
const char *sk_coag_path_name(const sk_coag *c);
sk_coag_path sk_coag_get_path(const sk_coag *c);
/* Rank R of the low-rank factorisation (0 if none). */
int sk_coag_rank(const sk_coag *c);
/* Relative Frobenius error of the low-rank K (sampled as for approx_error). */
double sk_coag_approx_error_frobenius(const sk_coag *c);
/* scale of a classical kernel (1 otherwise). */
double sk_coag_scale(const sk_coag *c);

/* A workspace whose FFTs use nthreads OpenMP threads (for a caller that owns
 * the whole machine, e.g. the ODE; the results are bitwise identical to the
 * single-threaded ones, see tests/unit/test_coag.c). sk_coag_ws_alloc = 1. */
int sk_coag_ws_alloc_threads(const sk_coag *c, int nthreads, sk_coag_ws **ws, sk_error *err);

/* Loss rates L_n = sum_{m=1}^{nmax} K(n, m) f_m (so that the loss term is f_n L_n). */
void sk_coag_loss_rates(const sk_coag *c, sk_coag_ws *ws, const double *f, double *L);

/* The Jacobian of the operator at f applied to v:
 *   jv = gain'(f)[v] - L(f) v - f (K v),  *dtail = d(tail_rate)[v].
 * Same path and accuracy as sk_coag_rhs. */
void sk_coag_jvp(const sk_coag *c, sk_coag_ws *ws, const double *f, const double *v, double *jv,
                 double *dtail);

#ifdef __cplusplus
}
#endif
#endif
