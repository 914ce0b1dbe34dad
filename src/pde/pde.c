/* The coagulation–diffusion PDE (1.2): grid, initial data, Strang splitting,
 * getters. Method and step rule: include/smolkin/pde.h and docs/pde.md. */
#include "smolkin/pde.h"

#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { GEO_RADIAL = 0, GEO_TORUS, GEO_WHOLE };

struct sk_pde {
  const sk_model *model;
  int geo, d;
  long long N;       /* cells per axis */
  size_t nc;         /* cells */
  long long M;       /* nmax */
  double h;          /* cell width */
  double extent;     /* rmax or box side */
  double origin[3];  /* box: lower corner */
  double *vol;       /* cell volumes */
  double *area;      /* radial: face areas at r_i, i = 0..N */
  double *f;         /* f[cell * M + n - 1] */
  double *tail;      /* tail mass density per cell */
  double *hlast;     /* per cell: last coagulation sub-step */
  unsigned char *tier; /* per cell: coagulation path taken last (0 Heun, 1 BS3, 2 DP5) */
  double *dif;       /* dif(n), n = 1..M */
  double *outnum;    /* radial: number of mass n that left, per n */
  sk_coag *coag;
  sk_pde_opts o;
  double t, dt;      /* current time; target splitting step (pde.dt or the rule) */
  double atol_abs;
  int started;       /* radial: the first diffusion step is backward Euler */
  int nthreads;
  /* per thread */
  sk_coag_ws **ws;
  double **scr;      /* coagulation stages: 9 M doubles */
  double **col;      /* diffusion: ncells reals (+ tridiagonal scratch) */
  fftw_complex **spec;
  size_t nspec;
  fftw_plan fwd, inv;
  double *clipped_t; /* per mass, accumulated */
  double *minf_t;    /* per thread */
  long long *rhs_t, *rej_t, *euler_t, *heun_t, *bs3_t;
  long long steps;
  double tau_last;   /* the last splitting step used */
};

void sk_pde_opts_init(sk_pde_opts *o) {
  memset(o, 0, sizeof *o);
  o->rtol = 1e-6;
  o->atol = 1e-14;
  o->coagulation = 1;
}

void sk_pde_opts_from_model(const sk_model *m, sk_pde_opts *o) {
  sk_pde_opts_init(o);
  o->cells = sk_model_get_int(m, "pde.cells");
  o->rmax = sk_model_get_double(m, "pde.rmax");
  o->box = sk_model_get_double(m, "pde.box");
  o->dt = sk_model_get_double(m, "pde.dt");
  o->rtol = sk_model_get_double(m, "pde.rtol");
  o->atol = sk_model_get_double(m, "pde.atol");
}

/* ---------------------------------------------------------------- helpers */

static double sphere_area(int d) { /* |S^(d-1)| = 2 pi^(d/2) / Gamma(d/2) */
  return 2 * pow(M_PI, 0.5 * d) / tgamma(0.5 * d);
}

static const double GL3_X[3] = {-0.7745966692414834, 0.0, 0.7745966692414834};
static const double GL3_W[3] = {0.5555555555555556, 0.8888888888888888, 0.5555555555555556};
static const double GL4_X[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
                                0.8611363115940526};
static const double GL4_W[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
                                0.3478548451374538};

static int make_coag(sk_pde *p, const sk_model *m, sk_error *err) {
  sk_coag_kind kind = (sk_coag_kind)sk_model_get_enum(m, "coagulation.kernel");
  if (sk_model_get_enum(m, "coagulation.post_gel") != 0)
    return sk_model_key_error(m, "coagulation.post_gel", err,
                              "the PDE keeps the mass beyond nmax inert, where it formed "
                              "(accepted: stockmayer)");
  if (kind == SK_COAG_RECIPE && p->d < 2)
    return sk_model_key_error(m, "coagulation.kernel", err,
                              "the recipe beta(n,m) needs d >= 2 but [model] dim = %d (accepted "
                              "in d = 1: constant, additive, multiplicative, table)",
                              p->d);
  /* recipe: beta(n, m) from sk_beta_kernel (the recipe in d >= 3, (2.4) in d = 2) */
  return sk_coag_create_from_model(m, &p->coag, err);
}

/* Spatial density p at a point given by its distance r (radial) or
 * coordinates (box). */
static double density_at(const sk_pde *p, const double *x) {
  return sk_model_space_density(p->model, x);
}

void sk_pde_cell_center(const sk_pde *p, size_t i, double *x) {
  if (p->geo == GEO_RADIAL) {
    x[0] = ((double)i + 0.5) * p->h;
    return;
  }
  size_t rem = i;
  for (int k = p->d - 1; k >= 0; --k) {
    size_t ik = rem % (size_t)p->N;
    rem /= (size_t)p->N;
    x[k] = p->origin[k] + ((double)ik + 0.5) * p->h;
  }
}

/* Cell average of the spatial density: 3-point Gauss–Legendre per axis
 * (radial: against the weight r^(d-1)). */
static double cell_average(const sk_pde *p, size_t i) {
  double x[SK_MAX_DIM] = {0};
  if (p->geo == GEO_RADIAL) {
    double a = (double)i * p->h, s = 0, w = 0;
    for (int q = 0; q < 3; ++q) {
      double r = a + 0.5 * p->h * (1 + GL3_X[q]);
      double wr = GL3_W[q] * pow(r, p->d - 1);
      x[0] = r;
      s += wr * density_at(p, x);
      w += wr;
    }
    return s / w;
  }
  double c[3];
  sk_pde_cell_center(p, i, c);
  int nq = 1;
  for (int k = 0; k < p->d; ++k) nq *= 3;
  double s = 0;
  for (int q = 0; q < nq; ++q) {
    int qq = q;
    double w = 1;
    for (int k = 0; k < p->d; ++k) {
      int j = qq % 3;
      qq /= 3;
      x[k] = c[k] + 0.5 * p->h * GL3_X[j];
      w *= 0.5 * GL3_W[j];
    }
    s += w * density_at(p, x);
  }
  return s;
}

static double dif_max(const sk_model *m, long long M) {
  double a = sk_model_dif(m, 1), b = sk_model_dif(m, M);
  return a > b ? a : b;
}

/* ------------------------------------------------------------------ alloc */

void sk_pde_free(sk_pde *p) {
  if (!p) return;
  for (int t = 0; t < p->nthreads; ++t) {
    if (p->ws) sk_coag_ws_free(p->ws[t]);
    if (p->scr) free(p->scr[t]);
    if (p->col) fftw_free(p->col[t]);
    if (p->spec) fftw_free(p->spec[t]);
  }
#pragma omp critical(sk_fftw_planner)
  {
    if (p->fwd) fftw_destroy_plan(p->fwd);
    if (p->inv) fftw_destroy_plan(p->inv);
  }
  free(p->ws);
  free(p->scr);
  free(p->col);
  free(p->spec);
  free(p->vol);
  free(p->area);
  free(p->f);
  free(p->tail);
  free(p->hlast);
  free(p->tier);
  free(p->dif);
  free(p->outnum);
  free(p->clipped_t);
  free(p->minf_t);
  free(p->rhs_t);
  free(p->rej_t);
  free(p->euler_t);
  free(p->heun_t);
  free(p->bs3_t);
  sk_coag_free(p->coag);
  free(p);
}

static int grid_setup(sk_pde *p, const sk_model *m, sk_error *err) {
  const sk_params *P = sk_model_params(m);
  double dm = dif_max(m, p->M), T = P->T;
  if (p->geo == GEO_RADIAL) {
    double R = p->o.rmax;
    if (R <= 0) {
      /* |x| beyond R carries less than ~exp(-50) of the data (docs/pde.md) */
      if (P->space == SK_SPACE_GAUSSIAN)
        R = 10 * sqrt(P->sigma * P->sigma + 2 * dm * T);
      else
        R = P->radius + 10 * sqrt(2 * dm * T);
    }
    p->extent = R;
    p->h = R / (double)p->N;
    p->nc = (size_t)p->N;
    p->vol = malloc(p->nc * sizeof *p->vol);
    p->area = malloc((p->nc + 1) * sizeof *p->area);
    if (!p->vol || !p->area) return sk_error_set(err, SK_ENOMEM, "out of memory");
    double om = sphere_area(p->d);
    for (size_t i = 0; i <= p->nc; ++i) {
      double r = (double)i * p->h;
      p->area[i] = om * pow(r, p->d - 1);
    }
    p->area[0] = 0; /* zero flux at the centre (symmetry) */
    for (size_t i = 0; i < p->nc; ++i)
      p->vol[i] = om * (pow((double)(i + 1) * p->h, p->d) - pow((double)i * p->h, p->d)) / p->d;
    return SK_OK;
  }
  if (p->d > 3)
    return sk_model_key_error(m, "model.dim", err,
                              "the %s solver is for d = 1, 2, 3 (accepted: dim <= 3, or "
                              "geometry = radial for radially symmetric data in any d)",
                              p->geo == GEO_TORUS ? "torus" : "whole-space");
  double L;
  if (p->geo == GEO_TORUS) {
    L = P->box;
    for (int k = 0; k < p->d; ++k) p->origin[k] = 0;
  } else {
    L = p->o.box;
    if (L <= 0) {
      if (P->space == SK_SPACE_GAUSSIAN)
        L = 2 * 10 * sqrt(P->sigma * P->sigma + 2 * dm * T);
      else
        L = 2 * (P->radius + 10 * sqrt(2 * dm * T));
    }
    for (int k = 0; k < p->d; ++k) p->origin[k] = P->center[k] - 0.5 * L;
  }
  p->extent = L;
  p->h = L / (double)p->N;
  double nc = pow((double)p->N, p->d);
  if (nc > 4e9)
    return sk_model_key_error(m, "pde.cells", err, "gives %.3g cells in d = %d (accepted: <= 4e9)",
                              nc, p->d);
  p->nc = (size_t)nc;
  p->vol = malloc(p->nc * sizeof *p->vol);
  if (!p->vol) return sk_error_set(err, SK_ENOMEM, "out of memory (%zu cells)", p->nc);
  double v = pow(p->h, p->d);
  for (size_t i = 0; i < p->nc; ++i) p->vol[i] = v;
  return SK_OK;
}

static int threads_setup(sk_pde *p, sk_error *err) {
  int T = p->nthreads;
  p->ws = calloc((size_t)T, sizeof *p->ws);
  p->scr = calloc((size_t)T, sizeof *p->scr);
  p->col = calloc((size_t)T, sizeof *p->col);
  p->spec = calloc((size_t)T, sizeof *p->spec);
  p->minf_t = calloc((size_t)T, sizeof *p->minf_t);
  p->rhs_t = calloc((size_t)T, sizeof *p->rhs_t);
  p->rej_t = calloc((size_t)T, sizeof *p->rej_t);
  p->euler_t = calloc((size_t)T, sizeof *p->euler_t);
  p->heun_t = calloc((size_t)T, sizeof *p->heun_t);
  p->bs3_t = calloc((size_t)T, sizeof *p->bs3_t);
  if (!p->ws || !p->scr || !p->col || !p->spec || !p->minf_t || !p->rhs_t || !p->rej_t || !p->euler_t ||
      !p->heun_t || !p->bs3_t)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  if (p->geo != GEO_RADIAL) {
    p->nspec = p->nc / (size_t)p->N * (size_t)(p->N / 2 + 1);
  }
  for (int t = 0; t < T; ++t) {
    int rc = sk_coag_ws_alloc(p->coag, &p->ws[t], err);
    if (rc) return rc;
    p->scr[t] = malloc((size_t)(9 * p->M + 8) * sizeof(double));
    /* radial: column + two tridiagonal scratch columns */
    p->col[t] = fftw_malloc((p->geo == GEO_RADIAL ? 3 * p->nc : p->nc + 3 * (size_t)p->N) *
                            sizeof(double));
    if (p->geo != GEO_RADIAL) p->spec[t] = fftw_malloc(p->nspec * sizeof(fftw_complex));
    if (!p->scr[t] || !p->col[t] || (p->geo != GEO_RADIAL && !p->spec[t]))
      return sk_error_set(err, SK_ENOMEM, "out of memory (per-thread buffers)");
  }
  if (p->geo != GEO_RADIAL) {
    int dims[3];
    for (int k = 0; k < p->d; ++k) dims[k] = (int)p->N;
    int bad = 0;
#pragma omp critical(sk_fftw_planner)
    {
      fftw_plan_with_nthreads(1);
      p->fwd = fftw_plan_dft_r2c(p->d, dims, p->col[0], p->spec[0], FFTW_ESTIMATE);
      p->inv = fftw_plan_dft_c2r(p->d, dims, p->spec[0], p->col[0], FFTW_ESTIMATE);
      if (!p->fwd || !p->inv) bad = 1;
    }
    if (bad) return sk_error_set(err, SK_EINTERNAL, "FFTW could not make a plan");
  }
  return SK_OK;
}

int sk_pde_alloc(const sk_model *m, const sk_pde_opts *opts, sk_pde **out, sk_error *err) {
  *out = NULL;
  const sk_params *P = sk_model_params(m);
  int rc = sk_model_check_initial(m, err);
  if (rc) return rc;
  sk_pde *p = calloc(1, sizeof *p);
  if (!p) return sk_error_set(err, SK_ENOMEM, "out of memory");
  p->model = m;
  if (opts)
    p->o = *opts;
  else
    sk_pde_opts_from_model(m, &p->o);
  if (p->o.cells <= 0) p->o.cells = sk_model_get_int(m, "pde.cells");
  p->d = P->dim;
  p->geo = P->geometry == SK_GEOM_RADIAL ? GEO_RADIAL
           : P->geometry == SK_GEOM_TORUS ? GEO_TORUS
                                          : GEO_WHOLE;
  p->N = p->o.cells;
  if (p->geo != GEO_RADIAL && p->N % 2) {
    sk_pde_free(p);
    return sk_model_key_error(m, "pde.cells", err,
                              "the periodic box needs an even number of cells per axis");
  }
  if (!(p->o.rtol > 0) || !(p->o.atol > 0)) {
    sk_pde_free(p);
    return sk_error_set(err, SK_EINVAL, "pde: rtol and atol must be > 0");
  }
  p->M = sk_model_get_int(m, "coagulation.nmax");
  p->nthreads = p->o.nthreads > 0 ? p->o.nthreads : omp_get_max_threads();
  if ((rc = make_coag(p, m, err)) || (rc = grid_setup(p, m, err))) {
    sk_pde_free(p);
    return rc;
  }
  size_t M = (size_t)p->M;
  {
    /* the state alone: refuse what cannot fit in memory (rather than being
     * killed while filling it) */
    double need = (double)p->nc * (double)M * sizeof(double);
    double have = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (have > 0 && need > 0.8 * have) {
      size_t nc = p->nc;
      sk_pde_free(p);
      return sk_model_key_error(m, "pde.cells", err,
                                "%zu cells x %zu masses need %.3g GB for f alone, more than 80%% "
                                "of this machine's %.3g GB (accepted: fewer cells or a smaller "
                                "[coagulation] nmax)",
                                nc, M, need / 1e9, have / 1e9);
    }
  }
  p->f = calloc(p->nc * M, sizeof *p->f);
  p->tail = calloc(p->nc, sizeof *p->tail);
  p->hlast = calloc(p->nc, sizeof *p->hlast);
  p->tier = calloc(p->nc, sizeof *p->tier);
  p->dif = malloc(M * sizeof *p->dif);
  p->outnum = calloc(M, sizeof *p->outnum);
  p->clipped_t = calloc(M, sizeof *p->clipped_t);
  if (!p->f || !p->tail || !p->hlast || !p->tier || !p->dif || !p->outnum || !p->clipped_t) {
    sk_pde_free(p);
    return sk_error_set(err, SK_ENOMEM,
                        "out of memory: %zu cells x %zu masses (lower [pde] cells or "
                        "[coagulation] nmax)",
                        p->nc, M);
  }
  if ((rc = threads_setup(p, err))) {
    sk_pde_free(p);
    return rc;
  }
  for (size_t n = 0; n < M; ++n) p->dif[n] = sk_model_dif(m, (long long)n + 1);
  double Z = P->Z, fmax = 0;
  long long nin = sk_model_max_initial_mass(m);
  if (nin > p->M) {
    sk_pde_free(p);
    return sk_model_key_error(m, "coagulation.nmax", err,
                              "is below the largest initial mass %lld (accepted: nmax >= %lld)",
                              nin, nin);
  }
#pragma omp parallel for schedule(static) num_threads(p->nthreads)
  for (size_t i = 0; i < p->nc; ++i) {
    double a = cell_average(p, i);
    for (long long n = 1; n <= nin; ++n) p->f[i * M + (size_t)n - 1] = Z * sk_model_mass_fraction(m, n) * a;
  }
  for (size_t i = 0; i < p->nc * M; ++i) fmax = fmax > p->f[i] ? fmax : p->f[i];
  p->atol_abs = p->o.atol * (fmax > 0 ? fmax : 1);
  /* step rule (docs/pde.md): dt = min(T/40, 0.2 / max loss rate at t = 0) */
  if (p->o.dt > 0) {
    p->dt = p->o.dt;
  } else {
    double rate = 0;
    if (p->o.coagulation) {
      double *L = malloc(M * sizeof *L);
      if (!L) {
        sk_pde_free(p);
        return sk_error_set(err, SK_ENOMEM, "out of memory");
      }
      for (size_t i = 0; i < p->nc; ++i) {
        sk_coag_loss_rates(p->coag, p->ws[0], p->f + i * M, L);
        for (size_t n = 0; n < M; ++n)
          if (p->f[i * M + n] > 0 && L[n] > rate) rate = L[n];
      }
      free(L);
    }
    p->dt = P->T / 40;
    if (rate > 0 && 0.2 / rate < p->dt) p->dt = 0.2 / rate;
  }
  for (size_t i = 0; i < p->nc; ++i) p->hlast[i] = p->dt;
  *out = p;
  return SK_OK;
}

/* -------------------------------------------------------------- diffusion */

/* Sets negative entries of x (n entries, weights vol) to 0 and rescales so
 * that sum vol x is unchanged; returns the clipped amount. */
static double clip_negative(double *x, const double *vol, size_t n) {
  int any = 0;
  for (size_t i = 0; i < n; ++i)
    if (x[i] < 0) any = 1;
  if (!any) return 0;
  double before = 0, neg = 0, after = 0;
  for (size_t i = 0; i < n; ++i) before += vol[i] * x[i];
  for (size_t i = 0; i < n; ++i)
    if (x[i] < 0) {
      neg -= vol[i] * x[i];
      x[i] = 0;
    }
  for (size_t i = 0; i < n; ++i) after += vol[i] * x[i];
  if (after > 0 && before > 0) {
    double s = before / after;
    for (size_t i = 0; i < n; ++i) x[i] *= s;
  }
  return neg;
}

/* theta-scheme (theta = 1/2 Crank–Nicolson, 1 backward Euler) for one mass
 * on the radial grid; returns the number that crossed r = rmax. */
static double radial_theta(const sk_pde *p, double *x, double *cp, double *dp, double D,
                           double tau, double theta) {
  size_t N = p->nc;
  const double *A = p->area, *V = p->vol;
  double h = p->h;
  double xN = x[N - 1];
  /* forward sweep of the Thomas algorithm; (L x)_i as in docs/pde.md */
  double cprev = 0, dprev = 0;
  for (size_t i = 0; i < N; ++i) {
    double al = D * A[i] / h;                                     /* to i-1 */
    double ar = i + 1 < N ? D * A[i + 1] / h : 2 * D * A[N] / h;  /* to i+1 or the wall */
    double lx = -(al + ar) * x[i];
    if (i > 0) lx += al * x[i - 1];
    if (i + 1 < N) lx += ar * x[i + 1];
    double rhs = V[i] / tau * x[i] + (1 - theta) * lx;
    double a = -theta * al, b = V[i] / tau + theta * (al + ar), c = i + 1 < N ? -theta * ar : 0;
    double den = b - a * cprev;
    cprev = c / den;
    dprev = (rhs - a * dprev) / den;
    cp[i] = cprev;
    dp[i] = dprev;
  }
  x[N - 1] = dp[N - 1];
  for (size_t i = N - 1; i-- > 0;) x[i] = dp[i] - cp[i] * x[i + 1];
  return tau * 2 * D * A[N] / h * (theta * x[N - 1] + (1 - theta) * xN);
}

static void diffuse(sk_pde *p, double tau) {
  size_t M = (size_t)p->M, nc = p->nc;
  int first = p->geo == GEO_RADIAL && !p->started;
  p->started = 1;
#pragma omp parallel num_threads(p->nthreads)
  {
    int tid = omp_get_thread_num();
    double *x = p->col[tid];
#pragma omp for schedule(dynamic, 1)
    for (size_t n = 0; n < M; ++n) {
      double D = p->dif[n];
      int any = 0;
      for (size_t i = 0; i < nc; ++i) {
        x[i] = p->f[i * M + n];
        if (x[i] != 0) any = 1;
      }
      if (!any) continue;
      if (p->geo == GEO_RADIAL) {
        double out = 0;
        if (first) { /* backward-Euler start (damps rough data; docs/pde.md) */
          out += radial_theta(p, x, x + nc, x + 2 * nc, D, 0.5 * tau, 1.0);
          out += radial_theta(p, x, x + nc, x + 2 * nc, D, 0.5 * tau, 1.0);
        } else {
          out += radial_theta(p, x, x + nc, x + 2 * nc, D, tau, 0.5);
        }
        p->outnum[n] += out;
      } else {
        fftw_complex *X = p->spec[tid];
        fftw_execute_dft_r2c(p->fwd, x, X);
        long long N = p->N, Nh = N / 2 + 1;
        double *ef[3];
        double c = 4 * D * tau / (p->h * p->h);
        double *heap = x + nc; /* 3 N doubles after the column */
        for (int k = 0; k < p->d; ++k) {
          ef[k] = heap + k * N;
          for (long long j = 0; j < N; ++j) {
            double s = sin(M_PI * (double)j / (double)N);
            ef[k][j] = exp(-c * s * s);
          }
        }
        double scale = 1.0 / (double)nc;
        size_t q = 0;
        if (p->d == 1) {
          for (long long a = 0; a < Nh; ++a, ++q) {
            double g = ef[0][a] * scale;
            X[q][0] *= g, X[q][1] *= g;
          }
        } else if (p->d == 2) {
          for (long long a = 0; a < N; ++a)
            for (long long b = 0; b < Nh; ++b, ++q) {
              double g = ef[0][a] * ef[1][b] * scale;
              X[q][0] *= g, X[q][1] *= g;
            }
        } else {
          for (long long a = 0; a < N; ++a)
            for (long long b = 0; b < N; ++b) {
              double gab = ef[0][a] * ef[1][b] * scale;
              for (long long cc = 0; cc < Nh; ++cc, ++q) {
                double g = gab * ef[2][cc];
                X[q][0] *= g, X[q][1] *= g;
              }
            }
        }
        fftw_execute_dft_c2r(p->inv, X, x);
      }
      p->clipped_t[n] += clip_negative(x, p->vol, nc);
      for (size_t i = 0; i < nc; ++i) p->f[i * M + n] = x[i];
    }
  }
}

/* ------------------------------------------------------------ coagulation */

/* Dormand–Prince 5(4) tableau. */
static const double DP_A[6][5] = {
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784}};
static const double DP_B[6] = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784,
                               11.0 / 84};
/* 5th-order minus embedded 4th-order weights (stages 1..7) */
static const double DP_E[7] = {71.0 / 57600,      0,           -71.0 / 16695, 71.0 / 1920,
                               -17253.0 / 339200, 22.0 / 525, -1.0 / 40};

/* Dormand–Prince 5(4) over [0, dt] for one cell, with local error control
 * (max norm, atol + rtol |y|) and positivity (a step giving any
 * f_n < -1e-2 atol is rejected); 0 or SK_ENUMERIC. */
static int coag_cell(sk_pde *p, int tid, size_t cell, double dt) {
  size_t M = (size_t)p->M;
  double *y = p->f + cell * M;
  int any = 0;
  for (size_t n = 0; n < M; ++n)
    if (y[n] != 0) {
      any = 1;
      break;
    }
  if (!any) return 0;
  double *k[7], *yt = p->scr[tid] + 7 * M, *yn = yt + M;
  for (int s = 0; s < 7; ++s) k[s] = p->scr[tid] + (size_t)s * M;
  sk_coag_ws *ws = p->ws[tid];
  const sk_coag *c = p->coag;
  double rtol = p->o.rtol, atol = p->atol_abs, negtol = -1e-2 * atol;
  double r[7];
  double t = 0, h = p->hlast[cell];
  if (h > dt) h = dt;
  sk_coag_rhs(c, ws, y, k[0], &r[0]);
  long long nrhs = 1, nrej = 0;
  double hprop = h;
  int rc = 0;
  /* A cell whose whole change over the step is below atol (dilute cells far
   * from the data) takes one Euler step: its local error is at most
   * atol * dt * (loss rate) / 2 < atol. Positivity is checked as below. */
  double kmax = 0, mn0 = 0;
  for (size_t n = 0; n < M; ++n) kmax = fmax(kmax, fabs(k[0][n]));
  if (dt * kmax <= atol) {
    for (size_t n = 0; n < M; ++n) {
      yn[n] = y[n] + dt * k[0][n];
      if (yn[n] < mn0) mn0 = yn[n];
    }
    if (mn0 >= negtol) {
      memcpy(y, yn, M * sizeof *y);
      p->tail[cell] += dt * r[0];
      if (mn0 < p->minf_t[tid]) p->minf_t[tid] = mn0;
      p->rhs_t[tid] += 1;
      p->euler_t[tid] += 1;
      return 0;
    }
  }
  /* Mild coagulation: one Heun step over dt (2 evaluations), accepted when
   * the Heun–Euler 2(1) error estimate dt/2 |k2 - k1| (an estimate of the
   * Euler error, so conservative for Heun) meets the same tolerance. */
  /* p->tier[cell] remembers which path this cell took last time (0 Heun,
   * 1 Bogacki–Shampine, 2 Dormand–Prince), so that a cell does not retry
   * cheaper methods it failed with; see the updates below. */
  int tier = p->tier[cell];
  double enh = 0;
  if (h >= dt && tier == 0) {
    for (size_t n = 0; n < M; ++n) yt[n] = y[n] + dt * k[0][n];
    sk_coag_rhs(c, ws, yt, k[1], &r[1]);
    double en = 0, mn1 = 0;
    for (size_t n = 0; n < M; ++n) {
      yn[n] = y[n] + 0.5 * dt * (k[0][n] + k[1][n]);
      if (yn[n] < mn1) mn1 = yn[n];
      double q = 0.5 * dt * fabs(k[1][n] - k[0][n]) /
                 (atol + rtol * fmax(fabs(y[n]), fabs(yn[n])));
      if (q > en) en = q;
    }
    nrhs++;
    if (en <= 1 && mn1 >= negtol) {
      memcpy(y, yn, M * sizeof *y);
      p->tail[cell] += 0.5 * dt * (r[0] + r[1]);
      if (mn1 < p->minf_t[tid]) p->minf_t[tid] = mn1;
      p->rhs_t[tid] += nrhs;
      p->heun_t[tid] += 1;
      return 0;
    }
    enh = en;
  }
  /* Moderate coagulation: one Bogacki–Shampine 3(2) step over dt (3 more
   * evaluations), accepted on its embedded error estimate; tried when the
   * Heun estimate was within 1e4 of the tolerance, or first when the cell
   * took this path last time. */
  if (h >= dt && tier <= 1 && enh <= 1e4) {
    for (size_t n = 0; n < M; ++n) yt[n] = y[n] + 0.5 * dt * k[0][n];
    sk_coag_rhs(c, ws, yt, k[1], &r[1]);
    for (size_t n = 0; n < M; ++n) yt[n] = y[n] + 0.75 * dt * k[1][n];
    sk_coag_rhs(c, ws, yt, k[2], &r[2]);
    double mn3 = 0;
    for (size_t n = 0; n < M; ++n) {
      yn[n] = y[n] + dt * (2.0 / 9 * k[0][n] + 1.0 / 3 * k[1][n] + 4.0 / 9 * k[2][n]);
      if (yn[n] < mn3) mn3 = yn[n];
    }
    sk_coag_rhs(c, ws, yn, k[3], &r[3]);
    nrhs += 3;
    double e3 = 0;
    for (size_t n = 0; n < M; ++n) {
      double e = dt * (-5.0 / 72 * k[0][n] + 1.0 / 12 * k[1][n] + 1.0 / 9 * k[2][n] -
                       1.0 / 8 * k[3][n]);
      double q = fabs(e) / (atol + rtol * fmax(fabs(y[n]), fabs(yn[n])));
      if (q > e3) e3 = q;
    }
    if (e3 <= 1 && mn3 >= negtol) {
      memcpy(y, yn, M * sizeof *y);
      p->tail[cell] += dt * (2.0 / 9 * r[0] + 1.0 / 3 * r[1] + 4.0 / 9 * r[2]);
      if (mn3 < p->minf_t[tid]) p->minf_t[tid] = mn3;
      p->rhs_t[tid] += nrhs;
      p->bs3_t[tid] += 1;
      /* a very small estimate: Heun will do next time */
      p->tier[cell] = e3 < 1e-3 ? 0 : 1;
      return 0;
    }
  }
  long long nacc = 0;
  double en_acc = 0, h_acc = 0;
  while (t < dt) {
    int last = 0;
    if (t + h >= dt * (1 - 1e-12)) {
      h = dt - t;
      last = 1;
    }
    for (int s = 1; s <= 5; ++s) {
      for (size_t n = 0; n < M; ++n) {
        double a = 0;
        for (int q = 0; q < s; ++q) a += DP_A[s - 1][q] * k[q][n];
        yt[n] = y[n] + h * a;
      }
      sk_coag_rhs(c, ws, yt, k[s], &r[s]);
    }
    double mn = 0;
    for (size_t n = 0; n < M; ++n) {
      double a = 0;
      for (int q = 0; q < 6; ++q) a += DP_B[q] * k[q][n];
      yn[n] = y[n] + h * a;
      if (yn[n] < mn) mn = yn[n];
    }
    sk_coag_rhs(c, ws, yn, k[6], &r[6]);
    nrhs += 6;
    double en = 0;
    for (size_t n = 0; n < M; ++n) {
      double e = 0;
      for (int q = 0; q < 7; ++q) e += DP_E[q] * k[q][n];
      e *= h;
      double sc = atol + rtol * fmax(fabs(y[n]), fabs(yn[n]));
      double qq = fabs(e) / sc;
      if (qq > en) en = qq;
    }
    double fac = en > 0 ? 0.9 * pow(en, -0.2) : 5;
    if (fac > 5) fac = 5;
    if (fac < 0.2) fac = 0.2;
    if (en <= 1 && mn >= negtol) {
      double a = 0;
      for (int q = 0; q < 6; ++q) a += DP_B[q] * r[q];
      p->tail[cell] += h * a;
      memcpy(y, yn, M * sizeof *y);
      double *tmp = k[0];
      k[0] = k[6];
      k[6] = tmp;
      r[0] = r[6];
      if (mn < p->minf_t[tid]) p->minf_t[tid] = mn;
      ++nacc;
      en_acc = en;
      h_acc = h;
      t = last ? dt : t + h;
      if (!last || fac < 1) hprop = h * fac;
      h *= fac;
    } else {
      ++nrej;
      if (mn < negtol && fac > 0.5) fac = 0.5;
      h *= fac;
      if (h < 1e-14 * dt) {
        rc = SK_ENUMERIC;
        break;
      }
    }
  }
  p->hlast[cell] = hprop < dt ? hprop : dt;
  /* one full-size step with a tiny estimate: Bogacki–Shampine will do next time */
  p->tier[cell] = (nacc == 1 && nrej == 0 && h_acc == dt && en_acc < 1e-4) ? 1 : 2;
  p->rhs_t[tid] += nrhs;
  p->rej_t[tid] += nrej;
  return rc;
}

static int coagulate(sk_pde *p, double dt) {
  int bad = 0;
#pragma omp parallel num_threads(p->nthreads)
  {
    int tid = omp_get_thread_num();
#pragma omp for schedule(dynamic, 8)
    for (size_t i = 0; i < p->nc; ++i) {
      if (coag_cell(p, tid, i, dt)) {
#pragma omp atomic write
        bad = 1;
      }
    }
  }
  return bad ? SK_ENUMERIC : SK_OK;
}

int sk_pde_advance(sk_pde *p, double t1, sk_error *err) {
  if (!(t1 >= p->t)) return sk_error_set(err, SK_EINVAL, "pde: time %g is before the current time %g", t1, p->t);
  if (t1 == p->t) return SK_OK;
  double span = t1 - p->t;
  long long n = (long long)ceil(span / p->dt * (1 - 1e-12));
  if (n < 1) n = 1;
  double tau = span / (double)n;
  p->tau_last = tau;
  /* Strang: D(tau/2) [C(tau) D(tau)]... C(tau) D(tau/2), half steps merged */
  diffuse(p, 0.5 * tau);
  for (long long k = 0; k < n; ++k) {
    if (p->o.coagulation && coagulate(p, tau))
      return sk_error_set(err, SK_ENUMERIC,
                          "pde: the coagulation step could not meet rtol = %g, atol = %g at t = %g "
                          "(step below 1e-14 dt)",
                          p->o.rtol, p->o.atol, p->t + (double)k * tau);
    diffuse(p, k + 1 < n ? tau : 0.5 * tau);
    p->steps++;
    if (p->o.progress) p->o.progress(p->t + (double)(k + 1) * tau, p->o.progress_ctx);
  }
  p->t = t1;
  return SK_OK;
}

/* ---------------------------------------------------------------- getters */

double sk_pde_time(const sk_pde *p) { return p->t; }
long long sk_pde_nmax(const sk_pde *p) { return p->M; }
const sk_coag *sk_pde_coag(const sk_pde *p) { return p->coag; }
const char *sk_pde_geometry_name(const sk_pde *p) {
  return p->geo == GEO_RADIAL ? "radial" : p->geo == GEO_TORUS ? "torus" : "whole-space";
}
int sk_pde_dim(const sk_pde *p) { return p->d; }
long long sk_pde_cells_per_axis(const sk_pde *p) { return p->N; }
size_t sk_pde_ncells(const sk_pde *p) { return p->nc; }
const double *sk_pde_volumes(const sk_pde *p) { return p->vol; }
double sk_pde_extent(const sk_pde *p) { return p->extent; }

double sk_pde_integral(const sk_pde *p, long long n) {
  if (n < 1 || n > p->M) return 0;
  size_t M = (size_t)p->M;
  double s = 0;
  for (size_t i = 0; i < p->nc; ++i) s += p->vol[i] * p->f[i * M + (size_t)n - 1];
  return s;
}

static double moment(const sk_pde *p, int k) {
  size_t M = (size_t)p->M;
  double s = 0;
  for (size_t i = 0; i < p->nc; ++i) {
    const double *y = p->f + i * M;
    double c = 0;
    for (size_t n = 0; n < M; ++n) {
      double w = k == 0 ? 1.0 : k == 1 ? (double)(n + 1) : (double)(n + 1) * (double)(n + 1);
      c += w * y[n];
    }
    s += p->vol[i] * c;
  }
  return s;
}
double sk_pde_M0(const sk_pde *p) { return moment(p, 0); }
double sk_pde_M1(const sk_pde *p) { return moment(p, 1); }
double sk_pde_M2(const sk_pde *p) { return moment(p, 2); }
double sk_pde_tail_mass(const sk_pde *p) {
  double s = 0;
  for (size_t i = 0; i < p->nc; ++i) s += p->vol[i] * p->tail[i];
  return s;
}
double sk_pde_outflow(const sk_pde *p) {
  double s = 0;
  for (long long n = 0; n < p->M; ++n) s += (double)(n + 1) * p->outnum[n];
  return s;
}
double sk_pde_outflow_number(const sk_pde *p, long long n) {
  return n >= 1 && n <= p->M ? p->outnum[n - 1] : 0;
}

int sk_pde_density(const sk_pde *p, long long n, double *out) {
  if (n < 1 || n > p->M) return SK_EINVAL;
  size_t M = (size_t)p->M;
  for (size_t i = 0; i < p->nc; ++i) out[i] = p->f[i * M + (size_t)n - 1];
  return SK_OK;
}
void sk_pde_tail_density(const sk_pde *p, double *out) {
  memcpy(out, p->tail, p->nc * sizeof *out);
}

/* Weight of cell i for J_k: radial: int_cell J dV (exact for shells, 4-point
 * Gauss–Legendre for Gaussians); box: J(centre) h^d. */
static double obs_weight(const sk_pde *p, const sk_observe *obs, size_t k, size_t i) {
  if (p->geo == GEO_RADIAL) {
    double a = (double)i * p->h, b = a + p->h, om = sphere_area(p->d);
    if (sk_observe_kind(obs, k) == SK_OBS_SHELL) {
      double s0, s1;
      sk_observe_params(obs, k, &s0, &s1);
      double lo = fmax(a, s0), hi = fmin(b, s1);
      return hi > lo ? om * (pow(hi, p->d) - pow(lo, p->d)) / p->d : 0;
    }
    double s = 0;
    for (int q = 0; q < 4; ++q) {
      double r = a + 0.5 * p->h * (1 + GL4_X[q]);
      s += GL4_W[q] * 0.5 * p->h * om * pow(r, p->d - 1) * sk_observe_eval_r(obs, k, r);
    }
    return s;
  }
  double x[3];
  sk_pde_cell_center(p, i, x);
  return p->vol[i] * sk_observe_eval(obs, k, x);
}

double sk_pde_observe(const sk_pde *p, const sk_observe *obs, size_t k, long long n) {
  if (n < 1 || n > p->M) return 0;
  size_t M = (size_t)p->M;
  double s = 0;
  for (size_t i = 0; i < p->nc; ++i) {
    double y = p->f[i * M + (size_t)n - 1];
    if (y != 0) s += obs_weight(p, obs, k, i) * y;
  }
  return s;
}

void sk_pde_get_stats(const sk_pde *p, sk_pde_stats *s) {
  memset(s, 0, sizeof *s);
  s->steps = p->steps;
  s->dt_last = p->tau_last > 0 ? p->tau_last : p->dt;
  for (int t = 0; t < p->nthreads; ++t) {
    s->coag_rhs += p->rhs_t[t];
    s->coag_rejected += p->rej_t[t];
    s->coag_euler += p->euler_t[t];
    s->coag_heun += p->heun_t[t];
    s->coag_bs3 += p->bs3_t[t];
    if (p->minf_t[t] < s->min_f) s->min_f = p->minf_t[t];
  }
  for (long long n = 0; n < p->M; ++n) s->clipped += p->clipped_t[n];
  if (p->geo == GEO_WHOLE) {
    size_t M = (size_t)p->M;
    double bm = 0;
    for (size_t i = 0; i < p->nc; ++i) {
      size_t rem = i;
      int edge = 0;
      for (int k = 0; k < p->d; ++k) {
        size_t ik = rem % (size_t)p->N;
        rem /= (size_t)p->N;
        if (ik == 0 || ik + 1 == (size_t)p->N) edge = 1;
      }
      if (!edge) continue;
      double c = 0;
      for (size_t n = 0; n < M; ++n) c += (double)(n + 1) * p->f[i * M + n];
      bm += p->vol[i] * c;
    }
    s->boundary_mass = bm;
  }
}
