/* Private to src/coag and src/ode: the layout of an sk_coag. */
#ifndef SK_COAG_INTERNAL_H
#define SK_COAG_INTERNAL_H

#include <fftw3.h>

#include "smolkin/coag.h"

/* Entries of the convolved sequences below SK_COAG_SUPPORT_REL times their
 * largest entry, past the last larger one, are left out of FFT convolutions
 * (docs/ode.md, "accuracy of the fast path"). The classical right-hand side
 * tilts the sequence exponentially before its FFT, so that its rounding
 * error at large masses follows the values (coag.c, tilt_rate); the cut then
 * only bounds the FFT length, and its dropped gain (a mass defect ~1e-12 at
 * K = n + m, t = 2) is far below any accuracy we claim. Was 1e-14 before the
 * tilt (mass defect ~4e-9, M2 off by 1e-7 there). */
#define SK_COAG_SUPPORT_REL 1e-18

/* The classical right-hand side's autoconvolution splits its sequence at
 * mass SK_COAG_SPLIT when the support reaches SK_COAG_SPLIT_MIN masses
 * (sk_coag_autoconvolve_split: the FFT's rounding error at large masses
 * drops by ~max_{n > split} f / max f; docs/ode.md section 4). */
#ifndef SK_COAG_SPLIT
#define SK_COAG_SPLIT 256
#endif
#define SK_COAG_SPLIT_MIN 4096

struct sk_coag {
  sk_coag_kind kind;
  sk_coag_path path;
  double scale;
  long long M;
  /* direct path of a general kernel: the symmetric matrix, row-major,
   * K[(n-1)*M + (m-1)] */
  double *K;
  /* low-rank path: K~(n,m) = 1/2 sum_r (u_r(n) v_r(m) + v_r(n) u_r(m)),
   * u[r*M + n-1] */
  int rank;
  double *u, *v;
  double *w; /* max_r max(|u_r(n)|, |v_r(n)|): weights of the FFT support */
  double approx_err, approx_err_fro;
  /* largest FFT length (power of two >= 2M) */
  long long Lmax;
};

/* Per-thread buffers and FFTW plans for every power-of-two length up to
 * Lmax (plans are made once, under a lock; execution is thread-safe). */
#define SK_COAG_MAXLOG 40
struct sk_coag_ws {
  const sk_coag *c;
  int nthreads;
  double *a, *b;            /* real buffers, Lmax */
  fftw_complex *A, *B, *C;  /* spectra, Lmax/2+1 */
  double *tmp;              /* M doubles */
  int minlog, maxlog;
  fftw_plan fwd[SK_COAG_MAXLOG], inv[SK_COAG_MAXLOG]; /* r2c a->A, c2r C->a */
  /* Classical kernels: the compensated moments (sk_coag_moment) the last
   * rhs / jvp call computed, M0, M1 of f and (jvp) V0, V1 of v, so that a
   * caller needing them again (the ODE's Flory tail) does not re-sum. */
  double mom[4];
};

/* The moments recorded by the last classical rhs (k = 0, 1) / jvp (k = 0..3)
 * call on ws (see sk_coag_ws.mom). */
static inline double sk_coag_ws_moment(const sk_coag_ws *ws, int k) { return ws->mom[k]; }

/* K(n, m) of a classical kernel (no range check). */
static inline double sk_coag_classical(sk_coag_kind k, double s, double n, double m) {
  switch (k) {
    case SK_COAG_CONSTANT: return s;
    case SK_COAG_ADDITIVE: return s * (n + m);
    case SK_COAG_MULTIPLICATIVE: return s * n * m;
    default: return 0;
  }
}

/* Weight of partner j in the rate at which pairs leave 1..M (classical
 * kernels): sum_{i > M - j} (i + j) K(i, j) f_i / s = R_j with the suffix sums
 * S_k = sum_{i = M - j + 1}^{M} i^k f_i (coag.c classical_tail, ode_lin.c). */
static inline double sk_coag_leave_weight(sk_coag_kind k, double j, double S0, double S1,
                                          double S2) {
  switch (k) {
    case SK_COAG_CONSTANT: return S1 + j * S0;
    case SK_COAG_ADDITIVE: return S2 + 2 * j * S1 + j * j * S0;
    default: return j * (S2 + j * S1);
  }
}

static inline int sk_coag_is_classical(sk_coag_kind k) {
  return k == SK_COAG_CONSTANT || k == SK_COAG_ADDITIVE || k == SK_COAG_MULTIPLICATIVE;
}

/* FFTW's threads and thread-safe planner, once per process; plans are then
 * made inside `#pragma omp critical(sk_fftw_planner)`. */
void sk_coag_fftw_init(void);

/* Neumaier-compensated sums sum_n n^p x_n, n = 1..M (p = 0, 1, 2). */
double sk_coag_moment(const double *x, long long M, int p);

/* [coagulation] method, lowrank_tol, lowrank_rank. */
int sk_coag_opts_from_model(const sk_model *m, sk_coag_opts *o, sk_error *err);

/* Low-rank factorisation of a function kernel (coag_lowrank.c). */
int sk_coag_build_lowrank(sk_coag *c, sk_coag_kernel_fn fn, void *ctx, const sk_coag_opts *o,
                          sk_error *err);

/* Cross-correlation helpers (coag_fft.c): out[s] = sum_{m=1}^{s-1} x_m y_{s-m}
 * for s = 2..2n, via FFT when n is large. x, y, out use index = mass
 * (x[0] ignored, treated as 0); out has room for 2n+1 entries. When sym is
 * set, x == y and only the autoconvolution is formed. */
/* (x * x) with x split at mass nc for accuracy at large masses (coag_fft.c). */
void sk_coag_autoconvolve_split(sk_coag_ws *ws, const double *x, long long nsup, long long nc,
                                double *out);
void sk_coag_convolve(sk_coag_ws *ws, const double *x, const double *y, long long n, int sym,
                      double *out);
/* Low-rank products: out[s] = sum_r ((u_r f) * (v_r g))_s + ((v_r f) * (u_r g))_s. */
void sk_coag_lowrank_conv(sk_coag_ws *ws, const double *f, const double *g, long long nsup,
                          double *out);

#endif
