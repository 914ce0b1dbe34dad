/* smolkin — test functions J for observables (the [observe] section).
 *
 * The PDE reports integral J f_n dx and the particle simulator reports
 * (Z/N) sum_i J(x_i) 1{m_i = n} for the same J on the same times, so the two
 * can be compared (Corollary 1.3). Functions, in this order:
 *   gauss_<s>        J(x) = exp(-|x-c|^2 / (2 s^2))   for each s in gauss_sigma
 *   shell_<a>_<b>    J(x) = 1{a <= |x-c| < b}         for consecutive radii in shells
 * On the torus |x-c| is the periodic (minimum-image) distance.
 */
#ifndef SMOLKIN_OBSERVE_H
#define SMOLKIN_OBSERVE_H

#include <stddef.h>

#include "smolkin/error.h"
#include "smolkin/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SK_OBS_GAUSS = 0, SK_OBS_SHELL } sk_obs_kind;

typedef struct sk_observe sk_observe;

int sk_observe_create(const sk_model *m, sk_observe **obs, sk_error *err);
void sk_observe_free(sk_observe *obs);

size_t sk_observe_count(const sk_observe *obs);
const char *sk_observe_name(const sk_observe *obs, size_t k);
sk_obs_kind sk_observe_kind(const sk_observe *obs, size_t k);
/* Parameters: gauss -> (s, 0); shell -> (a, b). */
void sk_observe_params(const sk_observe *obs, size_t k, double *a, double *b);
const double *sk_observe_center(const sk_observe *obs);
/* J_k(x) for x in the model's domain (d coordinates). */
double sk_observe_eval(const sk_observe *obs, size_t k, const double *x);
/* J_k as a function of the distance r = |x - c| (every J here is radial about c). */
double sk_observe_eval_r(const sk_observe *obs, size_t k, double r);
/* Masses whose observables are reported ([observe] masses). */
const long long *sk_observe_masses(const sk_observe *obs, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
