/* The grid method: (1.8) for any V in d = 3, with the exact free-space far
 * field.
 *
 * Integral-equation form. u = G * (lambda V w), G(x) = 1/(4 pi |x|), so
 * w = 1 - u solves
 *     w(x) + lambda int G(x - y) V(y) w(y) dy = 1     (all x in R^3),
 * and beta = alpha int V w. Only supp V (the unit ball) carries unknowns, and
 * u(x) = lambda int G(x - y) V(y) w(y) dy is then known everywhere: there is
 * no artificial boundary.
 *
 * Discretisation (N cells per axis on [-1,1]^3, h = 2/N): the density V w is
 * taken constant on each cell, with V replaced by its exact cell average
 * Vbar_j (so the jump of V at |x| = 1 enters through cut-cell integrals), and
 * the equation is collocated at the cell centres x_j:
 *     w_j + lambda sum_k Ghat(x_j - x_k) Vbar_k w_k = 1,
 *     Ghat(o) = int_{cell at o} G(y) dy   (cell-integrated Green's function:
 *                                          the singularity is integrated exactly).
 * Ghat is computed from the closed-form antiderivative of 1/|y| over a box
 * near the origin and from its multipole expansion (to 4th order) far away.
 * With s_j = sqrt(Vbar_j) and z_j = s_j w_j the system is
 *     (I + lambda S Ghat S) z = s,
 * symmetric positive definite, solved by conjugate gradients; the products
 * Ghat * f are zero-padded FFT convolutions on a (2N)^3 grid (Hockney), which
 * are exact aperiodic convolutions. beta/alpha = h^3 sum_j s_j z_j.
 *
 * Error estimate. The cell-constant density gives an O(h^2) error, so we
 * solve at N/4, N/2 and N, return the Richardson extrapolation R(N/2, N) =
 * (4 b_N - b_{N/2}) / 3, and report err_est = |R(N/2, N) - R(N/4, N/2)|, the
 * observed error of the coarser extrapolation (an upper estimate of the
 * returned value's error in the asymptotic regime). u(x) is extrapolated
 * the same way from the two finest grids. */
#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "beta/beta_internal.h"

#define NEAR_CELLS 10     /* exact box integral for |o|_inf <= NEAR_CELLS */
#define CG_RTOL 1e-11     /* relative residual of the CG solves */
#define CG_MAXIT 20000

/* ------------------------------------------------ cell-integrated kernel */

/* ln(x + r) without cancellation for x < 0. */
static double log_xr(double x, double r, double yz2) {
  if (x >= 0) return log(x + r);
  return log(yz2 / (r - x));
}

/* Antiderivative F with d^3F/dxdydz = 1/r, continuous where coordinates
 * vanish (each term times a vanishing coefficient is 0 in the limit). */
static double box_F(double x, double y, double z) {
  double x2 = x * x, y2 = y * y, z2 = z * z, r = sqrt(x2 + y2 + z2);
  if (r == 0) return 0.0;
  double s = 0;
  if (y != 0 && z != 0) s += y * z * log_xr(x, r, y2 + z2);
  if (x != 0 && z != 0) s += x * z * log_xr(y, r, x2 + z2);
  if (x != 0 && y != 0) s += x * y * log_xr(z, r, x2 + y2);
  if (x != 0) s -= 0.5 * x2 * atan(y * z / (x * r));
  if (y != 0) s -= 0.5 * y2 * atan(x * z / (y * r));
  if (z != 0) s -= 0.5 * z2 * atan(x * y / (z * r));
  return s;
}

/* int over the box [a0,a1]x[b0,b1]x[c0,c1] of 1/|y| dy (no corner coordinate zero). */
static double box_inv_r(double a0, double a1, double b0, double b1, double c0, double c1) {
  double s = 0;
  for (int i = 0; i < 8; ++i) {
    double x = (i & 4) ? a1 : a0, y = (i & 2) ? b1 : b0, z = (i & 1) ? c1 : c0;
    int sign = (((i >> 2) & 1) + ((i >> 1) & 1) + (i & 1)) % 2 ? 1 : -1;
    s += sign * box_F(x, y, z);
  }
  /* the sign convention above gives +F at (a1,b1,c1) */
  return s;
}

/* Integral (= average) of 1/|y| over the unit cube centred at (ox, oy, oz). */
static double cube_avg_inv_r(double ox, double oy, double oz) {
  double m = fmax(fabs(ox), fmax(fabs(oy), fabs(oz)));
  if (m > NEAR_CELLS) {
    /* 1/|o| + 0 (second order vanishes: Laplacian of 1/r = 0) + fourth-order
     * term -(35 sum o_i^4 - 21 |o|^4) / (960 |o|^9); the next term is
     * O(|o|^-7), below 1e-9 relative here. */
    double r2 = ox * ox + oy * oy + oz * oz, r = sqrt(r2);
    double s4 = ox * ox * ox * ox + oy * oy * oy * oy + oz * oz * oz * oz;
    return 1.0 / r - (35 * s4 - 21 * r2 * r2) / (960.0 * r2 * r2 * r2 * r2 * r);
  }
  /* split the cube at the coordinate planes it crosses */
  double lo[3] = {ox - 0.5, oy - 0.5, oz - 0.5}, hi[3] = {ox + 0.5, oy + 0.5, oz + 0.5};
  double cuts[3][3];
  int nc[3];
  for (int a = 0; a < 3; ++a) {
    nc[a] = 0;
    cuts[a][nc[a]++] = lo[a];
    if (lo[a] < 0 && hi[a] > 0) cuts[a][nc[a]++] = 0;
    cuts[a][nc[a]++] = hi[a];
  }
  double s = 0;
  for (int i = 0; i + 1 < nc[0]; ++i)
    for (int j = 0; j + 1 < nc[1]; ++j)
      for (int k = 0; k + 1 < nc[2]; ++k) {
        /* each sub-box lies in one closed octant, where F is smooth */
        s += box_inv_r(cuts[0][i], cuts[0][i + 1], cuts[1][j], cuts[1][j + 1], cuts[2][k],
                       cuts[2][k + 1]);
      }
  return s;
}

/* ------------------------------------------------------------ one level */

typedef struct {
  int N;
  double h;
  double *s;       /* sqrt(Vbar), N^3 */
  double *z;       /* solution, N^3 */
  double *uc;      /* u at the cell centres, N^3 (lambda Ghat * (s z)) */
  double int_Vw;   /* h^3 sum s z */
  int iterations;
} level;

typedef struct {
  int N, M;
  double *in;
  fftw_complex *out, *khat;
  fftw_plan fwd, bwd;
} conv;

struct sk_grid {
  const sk_kernel *V;
  double lambda;
  level lv[3]; /* N/4, N/2, N */
  double beta_int_Vw, err;
  int N;
};

static void conv_free(conv *c) {
  if (c->fwd) fftw_destroy_plan(c->fwd);
  if (c->bwd) fftw_destroy_plan(c->bwd);
  fftw_free(c->in);
  fftw_free(c->out);
  fftw_free(c->khat);
  memset(c, 0, sizeof *c);
}

static int fftw_threads_ready = 0;

static int conv_init(conv *c, int N, double h, sk_error *err) {
  memset(c, 0, sizeof *c);
  int M = 2 * N;
  c->N = N;
  c->M = M;
  size_t nr = (size_t)M * M * M, nc = (size_t)M * M * (M / 2 + 1);
  c->in = fftw_alloc_real(nr);
  c->out = fftw_alloc_complex(nc);
  c->khat = fftw_alloc_complex(nc);
  if (!c->in || !c->out || !c->khat) {
    conv_free(c);
    return sk_error_set(err, SK_ENOMEM, "grid solver: out of memory for a %d^3 FFT", M);
  }
  int saved = 1;
#pragma omp critical(sk_fftw_planner)
  {
    if (!fftw_threads_ready) fftw_threads_ready = fftw_init_threads() ? 1 : -1;
    if (fftw_threads_ready > 0) {
      saved = fftw_planner_nthreads();
      /* threads pay off only for large transforms; small ones are slower
       * threaded (synchronisation), badly so on a loaded machine */
      fftw_plan_with_nthreads(M >= 128 ? omp_get_max_threads() : 1);
    }
    c->fwd = fftw_plan_dft_r2c_3d(M, M, M, c->in, c->out, FFTW_ESTIMATE);
    c->bwd = fftw_plan_dft_c2r_3d(M, M, M, c->out, c->in, FFTW_ESTIMATE);
    if (fftw_threads_ready > 0) fftw_plan_with_nthreads(saved);
  }
  if (!c->fwd || !c->bwd) {
    conv_free(c);
    return sk_error_set(err, SK_ENOMEM, "grid solver: FFTW planning failed (M = %d)", M);
  }
  /* kernel: Ghat(o) = h^2 / (4 pi) * cube_avg_inv_r(o), wrapped offsets */
  double scale = h * h / (4 * M_PI);
#pragma omp parallel for schedule(static)
  for (int a = 0; a < M; ++a) {
    int oa = a < N ? a : a - M;
    for (int b = 0; b < M; ++b) {
      int ob = b < N ? b : b - M;
      for (int cc = 0; cc < M; ++cc) {
        int oc = cc < N ? cc : cc - M;
        double v = (a == N || b == N || cc == N) ? 0.0 : scale * cube_avg_inv_r(oa, ob, oc);
        c->in[((size_t)a * M + b) * M + cc] = v;
      }
    }
  }
  fftw_execute(c->fwd);
  memcpy(c->khat, c->out, nc * sizeof *c->out);
  return SK_OK;
}

/* y = Ghat * f on the N^3 block. */
static void conv_apply(conv *c, const double *f, double *y) {
  int N = c->N, M = c->M;
  size_t nr = (size_t)M * M * M, nc = (size_t)M * M * (M / 2 + 1);
  memset(c->in, 0, nr * sizeof *c->in);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j)
      memcpy(c->in + ((size_t)i * M + j) * M, f + ((size_t)i * N + j) * N, (size_t)N * sizeof *f);
  fftw_execute(c->fwd);
  for (size_t k = 0; k < nc; ++k) {
    double ar = c->out[k][0], ai = c->out[k][1], br = c->khat[k][0], bi = c->khat[k][1];
    c->out[k][0] = ar * br - ai * bi;
    c->out[k][1] = ar * bi + ai * br;
  }
  fftw_execute(c->bwd);
  double inv = 1.0 / (double)nr;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      const double *src = c->in + ((size_t)i * M + j) * M;
      double *dst = y + ((size_t)i * N + j) * N;
      for (int k = 0; k < N; ++k) dst[k] = src[k] * inv;
    }
}

/* ------------------------------------------------------- cell averages */

static const double gl3_x[3] = {-0.7745966692414834, 0.0, 0.7745966692414834};
static const double gl3_w[3] = {0.5555555555555556, 0.8888888888888888, 0.5555555555555556};
static const double gl4_x[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
                                0.8611363115940526};
static const double gl4_w[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
                                0.3478548451374538};

/* Average of V over the cell with centre c and side h. */
static double cell_average(const sk_kernel *V, const double *c, double h) {
  double half = 0.5 * h, dmin2 = 0, dmax2 = 0;
  for (int a = 0; a < 3; ++a) {
    double t = fabs(c[a]) - half;
    if (t > 0) dmin2 += t * t;
    dmax2 += (fabs(c[a]) + half) * (fabs(c[a]) + half);
  }
  if (dmin2 >= 1.0) return 0.0;
  double x[3];
  if (dmax2 <= 1.0) { /* inside the ball: 3-point Gauss per axis */
    double s = 0;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 3; ++k) {
          x[0] = c[0] + half * gl3_x[i];
          x[1] = c[1] + half * gl3_x[j];
          x[2] = c[2] + half * gl3_x[k];
          s += gl3_w[i] * gl3_w[j] * gl3_w[k] * sk_kernel_eval(V, x);
        }
    return s / 8.0;
  }
  /* cut by the unit sphere: integrate along the axis closest to the normal
   * over the exact chord inside the ball; 2x2 sub-squares with 4x4 Gauss
   * points on the other two axes */
  int ax = 0;
  for (int a = 1; a < 3; ++a)
    if (fabs(c[a]) > fabs(c[ax])) ax = a;
  int p = (ax + 1) % 3, q = (ax + 2) % 3;
  double s = 0;
  for (int sp = 0; sp < 2; ++sp)
    for (int sq = 0; sq < 2; ++sq)
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          double up = c[p] - half + half * (sp + 0.5 * (1 + gl4_x[i]));
          double uq = c[q] - half + half * (sq + 0.5 * (1 + gl4_x[j]));
          double wpq = gl4_w[i] * gl4_w[j] * 0.0625; /* (1/2 * 1/2)^2 * (w/2)(w/2) */
          double t2 = 1.0 - up * up - uq * uq;
          if (t2 <= 0) continue;
          double t = sqrt(t2);
          double z0 = fmax(c[ax] - half, -t), z1 = fmin(c[ax] + half, t);
          if (z1 <= z0) continue;
          double zs = 0;
          for (int k = 0; k < 4; ++k) {
            x[p] = up;
            x[q] = uq;
            x[ax] = 0.5 * (z0 + z1) + 0.5 * (z1 - z0) * gl4_x[k];
            zs += gl4_w[k] * sk_kernel_eval(V, x);
          }
          s += wpq * zs * 0.5 * (z1 - z0) / h;
        }
  return s;
}

/* ---------------------------------------------------------- CG solve */

static double dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

static int solve_level(const sk_kernel *V, double lambda, int N, level *L, sk_error *err) {
  memset(L, 0, sizeof *L);
  L->N = N;
  L->h = 2.0 / N;
  size_t n = (size_t)N * N * N;
  L->s = malloc(n * sizeof *L->s);
  L->z = calloc(n, sizeof *L->z);
  double *r = malloc(n * sizeof *r), *p = malloc(n * sizeof *p), *Ap = malloc(n * sizeof *Ap);
  double *t = malloc(n * sizeof *t);
  conv cv;
  memset(&cv, 0, sizeof cv);
  int rc = SK_OK;
  if (!L->s || !L->z || !r || !p || !Ap || !t) {
    rc = sk_error_set(err, SK_ENOMEM, "grid solver: out of memory (N = %d)", N);
    goto done;
  }
  double h = L->h;
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j)
      for (int k = 0; k < N; ++k) {
        double c[3] = {-1 + (i + 0.5) * h, -1 + (j + 0.5) * h, -1 + (k + 0.5) * h};
        double v = cell_average(V, c, h);
        L->s[((size_t)i * N + j) * N + k] = v > 0 ? sqrt(v) : 0.0;
      }
  if ((rc = conv_init(&cv, N, h, err))) goto done;
  /* CG on (I + lambda S G S) z = s from z = 0 */
  memcpy(r, L->s, n * sizeof *r);
  memcpy(p, r, n * sizeof *p);
  double bb = dot(L->s, L->s, n), rr = bb;
  if (!(bb > 0)) {
    rc = sk_error_set(err, SK_EINVAL, "grid solver: V vanishes on every cell (N = %d)", N);
    goto done;
  }
  int it;
  for (it = 0; it < CG_MAXIT && rr > CG_RTOL * CG_RTOL * bb; ++it) {
    for (size_t m = 0; m < n; ++m) t[m] = L->s[m] * p[m];
    conv_apply(&cv, t, Ap);
    for (size_t m = 0; m < n; ++m) Ap[m] = p[m] + lambda * L->s[m] * Ap[m];
    double pAp = dot(p, Ap, n);
    if (!(pAp > 0)) {
      rc = sk_error_set(err, SK_ENUMERIC, "grid solver: CG breakdown (p.Ap = %g)", pAp);
      goto done;
    }
    double a = rr / pAp;
    for (size_t m = 0; m < n; ++m) {
      L->z[m] += a * p[m];
      r[m] -= a * Ap[m];
    }
    double rr2 = dot(r, r, n);
    double beta = rr2 / rr;
    rr = rr2;
    for (size_t m = 0; m < n; ++m) p[m] = r[m] + beta * p[m];
  }
  if (rr > CG_RTOL * CG_RTOL * bb) {
    rc = sk_error_set(err, SK_ENUMERIC, "grid solver: CG did not converge in %d iterations (lambda = %g)",
                      CG_MAXIT, lambda);
    goto done;
  }
  L->iterations = it;
  L->int_Vw = h * h * h * dot(L->s, L->z, n);
  /* u at every cell centre, for interpolation (sk_grid_u) */
  L->uc = malloc(n * sizeof *L->uc);
  if (!L->uc) {
    rc = sk_error_set(err, SK_ENOMEM, "grid solver: out of memory (N = %d)", N);
    goto done;
  }
  for (size_t m = 0; m < n; ++m) t[m] = L->s[m] * L->z[m];
  conv_apply(&cv, t, L->uc);
  for (size_t m = 0; m < n; ++m) L->uc[m] *= lambda;
done:
  conv_free(&cv);
  free(r);
  free(p);
  free(Ap);
  free(t);
  return rc;
}

static void level_free(level *L) {
  free(L->s);
  free(L->z);
  free(L->uc);
  memset(L, 0, sizeof *L);
}

void sk_grid_free(sk_grid *g) {
  if (!g) return;
  for (int i = 0; i < 3; ++i) level_free(&g->lv[i]);
  free(g);
}

int sk_grid_solve(const sk_kernel *V, double lambda, double rtol, int n, sk_grid **out,
                  sk_error *err) {
  *out = NULL;
  if (sk_kernel_dim(V) != 3)
    return sk_error_set(err, SK_ERANGE, "the grid solver is 3-D (d = %d)", sk_kernel_dim(V));
  if (n != 0 && (n < 16 || n > 512 || n % 4 != 0))
    return sk_error_set(err, SK_EINVAL, "grid size %d (accepted: a multiple of 4 in [16, 512])", n);
  sk_grid *g = calloc(1, sizeof *g);
  if (!g) return sk_error_set(err, SK_ENOMEM, "out of memory");
  g->V = V;
  g->lambda = lambda;
  int rc;
  /* automatic size: N = 32, 48, 64, 96, 128 until err_est <= rtol */
  static const int sizes[] = {32, 48, 64, 96, 128};
  int nsz = n ? 1 : (int)(sizeof sizes / sizeof *sizes);
  for (int t = 0; t < nsz; ++t) {
    int N = n ? n : sizes[t];
    for (int i = 0; i < 3; ++i) level_free(&g->lv[i]);
    int Ns[3] = {N / 4, N / 2, N};
    for (int i = 0; i < 3; ++i)
      if ((rc = solve_level(V, lambda, Ns[i], &g->lv[i], err))) goto fail;
    double b0 = g->lv[0].int_Vw, b1 = g->lv[1].int_Vw, b2 = g->lv[2].int_Vw;
    double R1 = (4 * b1 - b0) / 3, R2 = (4 * b2 - b1) / 3;
    g->beta_int_Vw = R2;
    g->err = fabs(R2 - R1) + CG_RTOL * fabs(R2);
    g->N = N;
    if (g->err <= rtol * fabs(R2)) break;
  }
  *out = g;
  return SK_OK;
fail:
  sk_grid_free(g);
  return rc;
}

double sk_grid_int_Vw(const sk_grid *g) { return g->beta_int_Vw; }
double sk_grid_err_est(const sk_grid *g) { return g->err; }
int sk_grid_n(const sk_grid *g) { return g->N; }
int sk_grid_iterations(const sk_grid *g) { return g->lv[2].iterations; }

/* u(x) on one level, for x outside the cube of cell centres: the potential of the
 * cell-constant density, lambda sum_k Ghat(x - x_k) s_k z_k. */
static double level_u_direct(const level *L, double lambda, const double *x) {
  int N = L->N;
  double h = L->h, sum = 0;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j)
      for (int k = 0; k < N; ++k) {
        size_t m = ((size_t)i * N + j) * N + k;
        double f = L->s[m] * L->z[m];
        if (f == 0) continue;
        double o0 = (x[0] - (-1 + (i + 0.5) * h)) / h, o1 = (x[1] - (-1 + (j + 0.5) * h)) / h;
        double o2 = (x[2] - (-1 + (k + 0.5) * h)) / h;
        sum += f * cube_avg_inv_r(o0, o1, o2);
      }
  return lambda * sum * h * h / (4 * M_PI);
}

/* u(x) on one level. Inside the cube [-1,1]^3: tricubic Lagrange
 * interpolation of the cell-centre values. At a centre the error of the
 * cell-constant density has a clean expansion in h^2 (the first moments of
 * the cell containing the point cancel by symmetry); at other points the
 * potential of the cell-constant density has an O(h^2) error whose
 * coefficient depends on where x sits in its cell, which would spoil
 * Richardson extrapolation. Interpolation adds O(h^4) where u is smooth. */
static double level_u(const level *L, double lambda, const double *x) {
  int N = L->N;
  double h = L->h;
  /* interpolate only between centres (no extrapolation into the outer
   * half cell); elsewhere the direct sum */
  double lim = 1 - 0.5 * h;
  if (fabs(x[0]) > lim || fabs(x[1]) > lim || fabs(x[2]) > lim) return level_u_direct(L, lambda, x);
  int b[3];
  double w[3][4];
  for (int a = 0; a < 3; ++a) {
    double s = (x[a] + 1) / h - 0.5; /* centre index coordinate */
    int base = (int)floor(s) - 1;
    if (base < 0) base = 0;
    if (base > N - 4) base = N - 4;
    double t = s - base; /* nodes at 0, 1, 2, 3 */
    w[a][0] = -(t - 1) * (t - 2) * (t - 3) / 6;
    w[a][1] = t * (t - 2) * (t - 3) / 2;
    w[a][2] = -t * (t - 1) * (t - 3) / 2;
    w[a][3] = t * (t - 1) * (t - 2) / 6;
    b[a] = base;
  }
  double u = 0;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const double *row = L->uc + ((size_t)(b[0] + i) * N + (size_t)(b[1] + j)) * N + b[2];
      double r = w[2][0] * row[0] + w[2][1] * row[1] + w[2][2] * row[2] + w[2][3] * row[3];
      u += w[0][i] * w[1][j] * r;
    }
  return u;
}

double sk_grid_u(const sk_grid *g, const double *x) {
  double u1 = level_u(&g->lv[1], g->lambda, x), u2 = level_u(&g->lv[2], g->lambda, x);
  return (4 * u2 - u1) / 3;
}

/* u(x) with an error estimate: |R(N/2,N) - R(N/4,N/2)| (as for beta) plus
 * |u_N - u_{N/2}|, Roache's grid convergence index of the unextrapolated
 * u_N with safety factor 3 (= 3 |u_N - u_{N/2}| / (2^2 - 1)). Pointwise the
 * Richardson difference alone vanishes by accident where R1 and R2 cross.
 * Within two coarse cells of a jump of V at |x| = 1, u'' jumps inside the
 * interpolation stencils, the error there is not a smooth function of h,
 * and we double the estimate (docs/beta.md: measured underestimates there
 * reached 1.2x without the doubling, none with it). */
double sk_grid_u_err(const sk_grid *g, const double *x, double *err) {
  double u0 = level_u(&g->lv[0], g->lambda, x), u1 = level_u(&g->lv[1], g->lambda, x);
  double u2 = level_u(&g->lv[2], g->lambda, x);
  double R1 = (4 * u1 - u0) / 3, R2 = (4 * u2 - u1) / 3;
  *err = fabs(R2 - R1) + fabs(u2 - u1) + CG_RTOL * fabs(R2);
  double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  if (r > 0 && fabs(r - 1) < 2 * g->lv[1].h) {
    double in = (1 - 1e-12) / r, xin[3] = {x[0] * in, x[1] * in, x[2] * in};
    if (sk_kernel_eval(g->V, xin) > 0) *err *= 2;
  }
  return R2;
}
