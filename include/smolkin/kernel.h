/* smolkin — the interaction kernel V: R^d -> [0, inf), supported in the
 * closed unit ball (SPEC §1). Built from the model's [interaction] section.
 *
 *   ball    V = 1 on |x| <= 1
 *   bump    V = exp(1 - 1/(1 - |x|^2)) on |x| < 1
 *   gauss   V = exp(-|x|^2 / (2 w^2)) on |x| <= 1       (w = gauss_width, 0.3)
 *   table   V(|x|) linearly interpolated from a file of (r, V) pairs on [0, 1]
 *   agauss  V = exp(-(x^2/a^2 + y^2/b^2 + z^2/c^2)/2) on |x| <= 1   (d = 3)
 *   grid    V trilinearly interpolated from a file of n^3 node values on
 *           [-1,1]^3, times the indicator of the unit ball           (d = 3)
 */
#ifndef SMOLKIN_KERNEL_H
#define SMOLKIN_KERNEL_H

#include <stddef.h>

#include "smolkin/error.h"
#include "smolkin/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_kernel_spec {
  sk_vkind kind;
  int dim;
  double gauss_width;  /* gauss */
  double axes[3];      /* agauss */
  const char *path;    /* table / grid file */
} sk_kernel_spec;

int sk_kernel_create(const sk_kernel_spec *spec, sk_kernel **k, sk_error *err);
void sk_kernel_free(sk_kernel *k);

sk_vkind sk_kernel_kind(const sk_kernel *k);
const char *sk_kernel_name(const sk_kernel *k);
int sk_kernel_dim(const sk_kernel *k);
int sk_kernel_is_radial(const sk_kernel *k);

/* V(x), x in R^d. */
double sk_kernel_eval(const sk_kernel *k, const double *x);
/* Radial profile V(r) (radial kernels only; 0 for r > 1). */
double sk_kernel_radial(const sk_kernel *k, double r);
/* The same from r^2 (avoids a sqrt on hot paths; radial kernels only). */
double sk_kernel_radial_r2(const sk_kernel *k, double r2);
/* Integral of V over R^d (closed form where one exists; else quadrature to
 * ~1e-13 relative for smooth kernels). */
double sk_kernel_integral(const sk_kernel *k);
/* sup V. */
double sk_kernel_sup(const sk_kernel *k);
/* Radii in (0,1) where the radial profile is not smooth (table knots);
 * quadratures should break there. Returns the count. */
size_t sk_kernel_breakpoints(const sk_kernel *k, const double **r);
/* Volume of the unit ball in R^d and area of the unit sphere S^{d-1}. */
double sk_unit_ball_volume(int d);
double sk_unit_sphere_area(int d);

/* Grid kernels: node values on [-1,1]^3 (n per axis, x slowest). */
int sk_kernel_grid_shape(const sk_kernel *k, size_t *n, const double **values);

#ifdef __cplusplus
}
#endif
#endif
