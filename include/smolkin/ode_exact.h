/* smolkin — exact solutions of the Smoluchowski coagulation ODE (2.1)
 *
 *   d/dt f_n = 1/2 sum_{m<n} K(m, n-m) f_m f_{n-m} - f_n sum_m K(n, m) f_m
 *
 * for monodisperse initial data f_n(0) = Z delta_{n,1} and the classical
 * kernels K = s * {1, n + m, n m} (s = [coagulation] scale). With
 * tau = Z s t, f_n(t) = Z g_n(tau), where (Ziff, Ernst & Hendriks, J. Phys. A
 * 16 (1983) 2293; Aldous, Bernoulli 5 (1999) 3; derivations in docs/ode.md):
 *
 *   constant:        g_n = (2/(2+tau))^2 (tau/(2+tau))^(n-1)
 *                    M0 = 2/(2+tau),  M1 = 1,  M2 = 1 + tau
 *   additive:        g_n = e^-tau (n x)^(n-1) e^(-n x) / n!,   x = 1 - e^-tau
 *                    M0 = e^-tau,  M1 = 1,  M2 = e^(2 tau)
 *   multiplicative:  g_n = n^(n-2) tau^(n-1) e^(-n tau) / n!
 *                    M0 = (T - T^2/2)/tau,  M1 = T/tau,  M2 = T/(tau (1 - T))
 *                    with T = -W0(-tau e^-tau) (Lambert W), i.e. T = tau for
 *                    tau <= 1 and the root T < 1 of T e^-T = tau e^-tau beyond.
 *
 * Moments are of the sol, M_k = sum_n n^k f_n (times Z). The multiplicative
 * kernel gels at tau = 1 (t_gel = 1/(Z s)); beyond it the formulas above are
 * Flory's post-gel solution (the gel absorbs sol: the loss rate of f_n is
 * n f_n (sol mass + gel mass) = n f_n Z, which the same g_n solve for every
 * tau), with sol mass M1 = Z T/tau < Z and M2 finite again. Stockmayer's
 * model (inert gel) has no closed form here.
 */
#ifndef SMOLKIN_ODE_EXACT_H
#define SMOLKIN_ODE_EXACT_H

#include "smolkin/coag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* f_n(t) for kind SK_COAG_CONSTANT / ADDITIVE / MULTIPLICATIVE (Flory past
 * the gel time); NaN for other kinds, n < 1 or t < 0. */
double sk_ode_exact_f(sk_coag_kind kind, double scale, double Z, long long n, double t);
/* M_k(t) = sum_n n^k f_n(t), k = 0, 1, 2 (sol moments); NaN otherwise. M2 is
 * +inf at the gel time of the multiplicative kernel. */
double sk_ode_exact_moment(sk_coag_kind kind, double scale, double Z, int k, double t);
/* 1/(Z s) for the multiplicative kernel, +inf for constant and additive. */
double sk_ode_exact_gel_time(sk_coag_kind kind, double scale, double Z);

#ifdef __cplusplus
}
#endif
#endif
