/* smolkin — the Smoluchowski coagulation–diffusion PDE (1.2)–(1.4):
 *
 *   d/dt f_n = dif(n) Laplacian f_n + C(f)_n,   f_n(., 0) = h_n,  n = 1..nmax
 *
 * with C the coagulation operator of coag.h (mass beyond nmax accumulated,
 * per cell, as tail mass). Finite volumes in space, Strang splitting in time
 * (docs/pde.md):
 *   torus        periodic box [0, box)^d, d = 1, 2, 3; the standard
 *                second-order discrete Laplacian, integrated EXACTLY in time
 *                (its eigenvectors are Fourier modes: FFTW);
 *   whole-space  the same on a periodic box large enough that what reaches
 *                its faces is below tolerance (pde.box, or automatic); the
 *                mass found in the outermost cells is reported;
 *   radial       radially symmetric data in R^d, any d >= 1: cells on
 *                [0, rmax] with the r^(d-1) weights, zero flux at r = 0, an
 *                absorbing boundary f = 0 at rmax (placed automatically so
 *                that the outflow is below tolerance, or pde.rmax); the
 *                number and mass that cross it are accounted as outflow;
 *                Crank–Nicolson in time (backward-Euler start).
 * Coagulation per cell over each splitting step: one Euler step when the
 * whole change is below atol, else one Heun step when the Heun–Euler 2(1)
 * error estimate meets the tolerance, else one Bogacki–Shampine 3(2) step
 * when its estimate does, else Dormand–Prince 5(4) sub-steps;
 * local error control (pde.rtol / pde.atol) and positivity (a step giving
 * f_n < -1e-2 atol is rejected). Step of the splitting: pde.dt, or the documented rule in
 * docs/pde.md. OpenMP over masses (diffusion) and cells (coagulation);
 * results are bitwise identical for any thread count.
 *
 * Life cycle: sk_pde_alloc -> sk_pde_advance(t)* -> getters -> sk_pde_free.
 */
#ifndef SMOLKIN_PDE_H
#define SMOLKIN_PDE_H

#include <stddef.h>

#include "smolkin/coag.h"
#include "smolkin/error.h"
#include "smolkin/model.h"
#include "smolkin/observe.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_pde sk_pde;

typedef struct sk_pde_opts {
  long long cells;  /* cells per axis (radial: on [0, rmax]); 0: [pde] cells */
  double rmax;      /* radial: outer radius; 0: automatic */
  double box;       /* whole-space: side of the box; 0: automatic */
  double dt;        /* splitting step; 0: the automatic rule */
  double rtol;      /* coagulation step: relative tolerance */
  double atol;      /* coagulation step: absolute tolerance, in units of the
                       largest initial density */
  int coagulation;  /* 0: diffusion only (for tests of the diffusion part) */
  int nthreads;     /* 0: omp_get_max_threads() */
  /* called after every splitting step with the time reached (progress
   * reports); NULL: none */
  void (*progress)(double t, void *ctx);
  void *progress_ctx;
} sk_pde_opts;

/* Defaults (cells = 0, rmax = box = dt = 0, rtol = 1e-6, atol = 1e-14,
 * coagulation = 1, nthreads = 0). */
void sk_pde_opts_init(sk_pde_opts *o);
/* The [pde] section's values. */
void sk_pde_opts_from_model(const sk_model *m, sk_pde_opts *o);

/* Builds the grid, the coagulation operator ([coagulation]: the kernel,
 * nmax, method; the recipe via sk_coag_create_from_model) and the initial data
 * (cell averages of h_n by 3-point Gauss–Legendre quadrature per axis). */
int sk_pde_alloc(const sk_model *m, const sk_pde_opts *opts, sk_pde **pde, sk_error *err);
void sk_pde_free(sk_pde *pde);

/* Integrates up to time t (>= the current time). */
int sk_pde_advance(sk_pde *pde, double t, sk_error *err);

double sk_pde_time(const sk_pde *pde);
long long sk_pde_nmax(const sk_pde *pde);
const sk_coag *sk_pde_coag(const sk_pde *pde);

/* Totals (sums over cells in a fixed order):
 *   M0 = sum_n int f_n,  M1 = sum_n n int f_n,  tail = mass beyond nmax,
 *   outflow = mass that crossed the radial boundary (0 on the torus). */
double sk_pde_M0(const sk_pde *pde);
double sk_pde_M1(const sk_pde *pde);
/* M2 = sum_n n^2 int f_n */
double sk_pde_M2(const sk_pde *pde);
double sk_pde_tail_mass(const sk_pde *pde);
double sk_pde_outflow(const sk_pde *pde);
/* Number of mass-n particles that crossed the radial boundary. */
double sk_pde_outflow_number(const sk_pde *pde, long long n);
/* int f_n dx (0 for n outside 1..nmax). */
double sk_pde_integral(const sk_pde *pde, long long n);
/* int J_k f_n dx for the observe function k (radial: exact cell integrals of
 * J against the piecewise-constant f; box: midpoint rule). */
double sk_pde_observe(const sk_pde *pde, const sk_observe *obs, size_t k, long long n);

/* Grid: "radial", "torus" or "whole-space"; dim d; cells per axis; total
 * cells (radial: cells; box: cells^d). */
const char *sk_pde_geometry_name(const sk_pde *pde);
int sk_pde_dim(const sk_pde *pde);
long long sk_pde_cells_per_axis(const sk_pde *pde);
size_t sk_pde_ncells(const sk_pde *pde);
/* Cell volumes (radial: |S^(d-1)| (r_(i+1)^d - r_i^d)/d) and cell centres
 * (radial: (r_i + r_(i+1))/2; box: d coordinates, x fastest last). */
const double *sk_pde_volumes(const sk_pde *pde);
void sk_pde_cell_center(const sk_pde *pde, size_t i, double *x);
/* Radial: rmax; box: side length. */
double sk_pde_extent(const sk_pde *pde);
/* Copies f_n on every cell into out[0..ncells-1]. */
int sk_pde_density(const sk_pde *pde, long long n, double *out);
/* Tail mass density per cell (out[0..ncells-1]). */
void sk_pde_tail_density(const sk_pde *pde, double *out);

typedef struct sk_pde_stats {
  long long steps;         /* splitting steps */
  double dt_last;          /* the last splitting step used (before any: the target) */
  long long coag_rhs;      /* evaluations of C over all cells */
  long long coag_rejected; /* rejected coagulation sub-steps */
  long long coag_euler;    /* cell steps taken by one Euler step (change below atol) */
  long long coag_heun;     /* cell steps taken by one Heun step (error estimate met) */
  long long coag_bs3;      /* cell steps taken by one Bogacki–Shampine 3(2) step */
  double clipped;          /* total |negative number| set to 0 after diffusion
                              (rounding of the FFT; Crank–Nicolson overshoot),
                              with the field rescaled to keep its integral */
  double min_f;            /* most negative f accepted by coagulation (>= -1e-2 atol) */
  double boundary_mass;    /* whole-space: mass in the outermost cells of the box */
} sk_pde_stats;
void sk_pde_get_stats(const sk_pde *pde, sk_pde_stats *s);

#ifdef __cplusplus
}
#endif
#endif
