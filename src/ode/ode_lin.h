/* Private to src/ode: the exact solution of the Newton systems
 * (I - gamma J) x = b of the truncated Smoluchowski ODE for the classical
 * kernels (K = s, s (n + m), s n m), with the tail components of
 * src/ode/ode.c (mass G, and with Flory's closure for K = s, s (n + m) the
 * particle count N).
 *
 * J = (lower-triangular convolution) + diag + (rank <= 2) + (tail border):
 * the triangular part is solved by divide-and-conquer ("online") FFT
 * convolution in O(M log^2 M), the rank-<= 2 part by Sherman-Morrison-
 * Woodbury and the tail border by a Schur complement of size <= 2
 * (docs/ode.md section 3). */
#ifndef SK_ODE_LIN_H
#define SK_ODE_LIN_H

#include "smolkin/coag.h"
#include "smolkin/error.h"

typedef struct sk_ode_lin sk_ode_lin;

/* For masses 1..M and the tail (flory: tail closure terms; has_N: the
 * count N is a component, index M + 1). threads: for FFTs >= 2^17. */
int sk_ode_lin_create(sk_coag_kind kind, double s, long long M, int flory, int has_N, int threads,
                      sk_ode_lin **out, sk_error *err);
void sk_ode_lin_free(sk_ode_lin *L);

/* Linearises at y = (f_1..f_M, G[, N]). */
void sk_ode_lin_setup(sk_ode_lin *L, const double *y);

/* Makes the gamma-dependent part (T^{-1} U for Sherman-Morrison-Woodbury,
 * the Schur complement): one or two triangular solves; done by
 * sk_ode_lin_solve when gamma differs from the last one. Returns 1 when
 * singular. */
int sk_ode_lin_prepare(sk_ode_lin *L, double gamma);

/* x = (I - gamma J(y))^{-1} b with y from the last setup (vectors of
 * M + 1 [+ 1] entries; x may not alias b). Returns 0, or 1 when the
 * system is numerically singular or the result not finite. */
int sk_ode_lin_solve(sk_ode_lin *L, double gamma, const double *b, double *x);

/* Solves and prepare()s (gamma changes) since creation. */
long sk_ode_lin_solves(const sk_ode_lin *L);
long sk_ode_lin_builds(const sk_ode_lin *L);

#endif
