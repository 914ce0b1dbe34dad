/* Exact Newton systems for the classical kernels (see ode_lin.h and
 * docs/ode.md section 3, "linear solver").
 *
 * With z_n = w_n x_n (w_n = n for K = s n m, else 1), the f-rows of
 * I - gamma J read
 *
 *   a_n x_n - gamma c_n sum_{i<n} g_{n-i} z_i + (gamma U W^T x)_n + (C t)_n = b_n
 *
 *   a_n = 1 + gamma l_n    l_n: loss rate of mass n (with the Flory sink)
 *   c_n, g, w:             K = s:       s,   f,    1
 *                          K = s(n+m):  s n, f,    1
 *                          K = s n m:   s,   n f,  n
 *   U W^T x = f_n (K x)_n  (rank 1: s f V0 | s n f V1; rank 2: s n f V0 + s f V1)
 *   C t:                   the tail components' columns, in the span of U.
 *
 * T (the first two terms) is lower triangular: forward substitution where
 * the convolution sums over earlier masses are accumulated block by block
 * ("online convolution", divide and conquer: the left half of every block
 * is convolved with g by FFT into the right half's accumulators before the
 * right half is solved), O(M log^2 M). Base blocks of SK_LIN_BASE masses
 * are summed directly. Then A = T + gamma U W^T by Sherman-Morrison-
 * Woodbury (T^{-1} U is cached per gamma), and the tail by its Schur
 * complement. */
#include "ode/ode_lin.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coag/coag_internal.h"

#ifndef SK_LIN_BASE
#define SK_LIN_BASE 64
#endif
#ifndef SK_LIN_RADIX
#define SK_LIN_RADIX 8
#endif
#define SK_LIN_MAXLOG 40
#define SK_LIN_MAXDEPTH 40
#define SK_LIN_THREADS_MINLOG 17

/* One level of the block recursion: blocks of S masses split into K
 * children of h = S / K; the child j receives the convolution of every
 * earlier child i with the lag window [(j-i-1) h, (j-i+1) h) of g, through
 * cyclic FFTs of length 2h (the spectra of the windows, Gd, are made at
 * setup; those of the children, Z, as they are solved). */
typedef struct {
  long long S, h, stride; /* stride: complex entries per spectrum (>= h + 1, aligned) */
  int K, lg;              /* children; log2(2h) */
  fftw_complex *Gd;       /* K - 1 windows, scaled by 1/(2h) */
  fftw_complex *Z;        /* K - 1 children */
} lin_level;

struct sk_ode_lin {
  sk_coag_kind kind;
  double s;
  long long M, P; /* masses; P = power of two >= M */
  int flory, has_N, nt, r;
  int ndepth;                 /* levels of the block recursion */
  lin_level lv[SK_LIN_MAXDEPTH];
  long long base;             /* block size below the last level */
  fftw_plan fwd[SK_LIN_MAXLOG], inv[SK_LIN_MAXLOG]; /* r2c buf->spec, c2r spec->buf, by log2 length */
  double *buf;                /* 2 h_max reals */
  fftw_complex *spec;         /* h_max + 1 */
  double *g;                      /* g[k] = g_k (lag k), g[0] = 0, 0 beyond M - 1 */
  double *loss, *cc;              /* l_n, c_n (without gamma) */
  double *acc, *z;                /* P */
  double *u[2];                   /* U's columns (without gamma) */
  double *row[2];                 /* d(dG/dt)/dx, d(dN/dt)/dx */
  double Jtt[2][2];               /* d(dG/dt, dN/dt)/d(G, N) */
  int Ec[2];                      /* column of the tail component t = U column Ec[t] (-1: none) */
  /* per-gamma cache */
  int cache_ok;
  double gam;
  double *Zc[2];      /* A^{-1} gamma u_k */
  double RZ[2][2];    /* R Zc (rows: tail components) */
  double Sinv[2][2];  /* Schur complement inverse */
  double *x0;         /* M */
  long solves, builds;
};

static int w_is_n(const sk_ode_lin *L) { return L->kind == SK_COAG_MULTIPLICATIVE; }

void sk_ode_lin_free(sk_ode_lin *L) {
  if (!L) return;
#pragma omp critical(sk_fftw_planner)
  {
    for (int k = 0; k < SK_LIN_MAXLOG; ++k) {
      if (L->fwd[k]) fftw_destroy_plan(L->fwd[k]);
      if (L->inv[k]) fftw_destroy_plan(L->inv[k]);
    }
  }
  for (int d = 0; d < L->ndepth; ++d) {
    fftw_free(L->lv[d].Gd);
    fftw_free(L->lv[d].Z);
  }
  fftw_free(L->buf);
  fftw_free(L->spec);
  free(L->g);
  free(L->loss);
  free(L->cc);
  free(L->acc);
  free(L->z);
  for (int k = 0; k < 2; ++k) {
    free(L->u[k]);
    free(L->row[k]);
    free(L->Zc[k]);
  }
  free(L->x0);
  free(L);
}

int sk_ode_lin_create(sk_coag_kind kind, double s, long long M, int flory, int has_N, int threads,
                      sk_ode_lin **out, sk_error *err) {
  *out = NULL;
  if (!sk_coag_is_classical(kind) || M < 1)
    return sk_error_set(err, SK_EINTERNAL, "exact Newton solver: classical kernels only");
  sk_ode_lin *L = calloc(1, sizeof *L);
  if (!L) return sk_error_set(err, SK_ENOMEM, "out of memory");
  L->kind = kind;
  L->s = s;
  L->M = M;
  L->flory = flory;
  L->has_N = has_N;
  L->nt = has_N ? 2 : 1;
  L->r = kind == SK_COAG_ADDITIVE ? 2 : 1;
  long long P = 1;
  int lg = 0;
  while (P < M) {
    P *= 2;
    ++lg;
  }
  L->P = P;
  size_t nP = (size_t)P;
  /* the levels: K = min(SK_LIN_RADIX, S / SK_LIN_BASE) children per block */
  long long S = P, hmax = 1;
  while (S > SK_LIN_BASE && L->ndepth < SK_LIN_MAXDEPTH) {
    lin_level *v = &L->lv[L->ndepth++];
    long long K = S / SK_LIN_BASE < SK_LIN_RADIX ? S / SK_LIN_BASE : SK_LIN_RADIX;
    v->S = S;
    v->K = (int)K;
    v->h = S / K;
    v->stride = (v->h + 1 + 3) / 4 * 4;
    v->lg = 0;
    while ((1LL << v->lg) < 2 * v->h) v->lg++;
    if (v->h > hmax) hmax = v->h;
    S = v->h;
  }
  L->base = S;
  L->buf = fftw_malloc(sizeof(double) * (size_t)(2 * hmax + 2));
  L->spec = fftw_malloc(sizeof(fftw_complex) * (size_t)(hmax + 4));
  L->g = calloc(nP + 1, sizeof(double));
  L->loss = malloc(sizeof(double) * nP);
  L->cc = malloc(sizeof(double) * nP);
  L->acc = malloc(sizeof(double) * nP);
  L->z = malloc(sizeof(double) * nP);
  L->x0 = malloc(sizeof(double) * nP);
  int bad = !L->buf || !L->spec || !L->g || !L->loss || !L->cc || !L->acc || !L->z || !L->x0;
  for (int k = 0; k < 2 && !bad; ++k) {
    L->u[k] = calloc(nP, sizeof(double));
    L->row[k] = calloc(nP, sizeof(double));
    L->Zc[k] = calloc(nP, sizeof(double));
    bad = !L->u[k] || !L->row[k] || !L->Zc[k];
  }
  if (bad) {
    sk_ode_lin_free(L);
    return sk_error_set(err, SK_ENOMEM, "out of memory (Newton solver, nmax = %lld)", M);
  }
  for (int d = 0; d < L->ndepth && !bad; ++d) {
    lin_level *v = &L->lv[d];
    size_t nc = (size_t)((v->K - 1) * v->stride);
    v->Gd = fftw_malloc(sizeof(fftw_complex) * nc);
    v->Z = fftw_malloc(sizeof(fftw_complex) * nc);
    bad = !v->Gd || !v->Z;
  }
  if (bad) {
    sk_ode_lin_free(L);
    return sk_error_set(err, SK_ENOMEM, "out of memory (Newton solver, nmax = %lld)", M);
  }
  if (L->ndepth > 0) {
    sk_coag_fftw_init();
#pragma omp critical(sk_fftw_planner)
    {
      for (int d = 0; d < L->ndepth; ++d) {
        int k = L->lv[d].lg;
        if (L->fwd[k]) continue;
        int n = 1 << k;
        fftw_plan_with_nthreads(k >= SK_LIN_THREADS_MINLOG && threads > 1 ? threads : 1);
        L->fwd[k] = fftw_plan_dft_r2c_1d(n, L->buf, L->spec, FFTW_ESTIMATE);
        L->inv[k] = fftw_plan_dft_c2r_1d(n, L->spec, L->buf, FFTW_ESTIMATE);
        if (!L->fwd[k] || !L->inv[k]) bad = 1;
      }
      fftw_plan_with_nthreads(1);
    }
    if (bad) {
      sk_ode_lin_free(L);
      return sk_error_set(err, SK_EINTERNAL, "FFTW could not make a plan (Newton solver)");
    }
  }
  *out = L;
  return SK_OK;
}

long sk_ode_lin_solves(const sk_ode_lin *L) { return L->solves; }
long sk_ode_lin_builds(const sk_ode_lin *L) { return L->builds; }

void sk_ode_lin_setup(sk_ode_lin *L, const double *y) {
  long long M = L->M, P = L->P;
  double s = L->s;
  const double *f = y;
  double G = y[M], N = L->has_N ? y[M + 1] : 0;
  double M0 = sk_coag_moment(f, M, 0), M1 = sk_coag_moment(f, M, 1), M2 = sk_coag_moment(f, M, 2);
  sk_coag_kind k = L->kind;
  int fl = L->flory;
  /* loss rates, gain factors, lagged sequence */
  for (long long p = 0; p < M; ++p) {
    double n = (double)(p + 1);
    switch (k) {
      case SK_COAG_CONSTANT:
        L->loss[p] = s * (M0 + (fl ? N : 0));
        L->cc[p] = s;
        L->g[p + 1] = f[p];
        break;
      case SK_COAG_ADDITIVE:
        L->loss[p] = s * (n * M0 + M1 + (fl ? n * N + G : 0));
        L->cc[p] = s * n;
        L->g[p + 1] = f[p];
        break;
      default:
        L->loss[p] = s * n * (M1 + (fl ? G : 0));
        L->cc[p] = s;
        L->g[p + 1] = n * f[p];
        break;
    }
    if (!(L->loss[p] >= 0)) L->loss[p] = 0;
  }
  L->g[0] = 0;
  for (long long p = M; p < P; ++p) {
    L->loss[p] = 0;
    L->cc[p] = 0;
  }
  /* lags run to P - 1 < 2M; g_k for k >= M never meets an unknown in range */
  for (long long q = M + 1; q <= P; ++q) L->g[q] = 0;
  /* spectra of the lag windows g[(d-1) h .. (d+1) h), d = 1..K-1 (g has
   * P + 1 entries and (d+1) h <= S <= P) */
  for (int dd = 0; dd < L->ndepth; ++dd) {
    lin_level *v = &L->lv[dd];
    long long n2 = 2 * v->h;
    double sc = 1.0 / (double)n2;
    for (int d = 1; d < v->K; ++d) {
      fftw_complex *Gw = v->Gd + (size_t)(d - 1) * (size_t)v->stride;
      memcpy(L->buf, L->g + (d - 1) * v->h, sizeof(double) * (size_t)n2);
      fftw_execute_dft_r2c(L->fwd[v->lg], L->buf, Gw);
      double *Gr = (double *)Gw;
      for (long long k = 0; k < 2 * (v->h + 1); ++k) Gr[k] *= sc;
    }
  }
  /* rank part U W^T */
  for (long long p = 0; p < M; ++p) {
    double n = (double)(p + 1);
    if (k == SK_COAG_CONSTANT) {
      L->u[0][p] = s * f[p];
    } else if (k == SK_COAG_ADDITIVE) {
      L->u[0][p] = s * n * f[p];
      L->u[1][p] = s * f[p];
    } else {
      L->u[0][p] = s * n * f[p];
    }
  }
  /* tail rows: suffix sums S_k(m) = sum_{i=m+1}^{M} i^k f_i; x_j meets
   * partners i > M - j (pairs that leave the range) */
  double S0 = 0, S1 = 0, S2 = 0; /* at m = M */
  for (long long j = 1; j <= M; ++j) {
    long long m = M - j;
    /* grow the suffix to m: add i = m + 1 */
    double fi = f[m], di = (double)(m + 1);
    S0 += fi;
    S1 += di * fi;
    S2 += di * di * fi;
    double dj = (double)j;
    double rg = s * sk_coag_leave_weight(k, dj, S0, S1, S2);
    if (fl) {
      if (k == SK_COAG_CONSTANT) rg += s * dj * N;
      else if (k == SK_COAG_ADDITIVE) rg += s * dj * (dj * N + G);
      else rg += s * dj * dj * G;
    }
    L->row[0][j - 1] = rg;
    if (L->has_N) L->row[1][j - 1] = k == SK_COAG_CONSTANT ? s * S0 : s * (S1 + dj * S0);
  }
  memset(L->Jtt, 0, sizeof L->Jtt);
  L->Ec[0] = L->Ec[1] = -1;
  if (fl) {
    if (k == SK_COAG_CONSTANT) {
      L->Jtt[0][1] = s * M1;
      L->Jtt[1][1] = -s * N;
      L->Ec[1] = 0;
    } else if (k == SK_COAG_ADDITIVE) {
      L->Jtt[0][0] = s * M1;
      L->Jtt[0][1] = s * M2;
      L->Jtt[1][0] = -s * N;
      L->Jtt[1][1] = -s * G;
      L->Ec[0] = 1;
      L->Ec[1] = 0;
    } else {
      L->Jtt[0][0] = s * M2;
      L->Ec[0] = 0;
    }
  }
  L->cache_ok = 0;
}

/* ------------------------------------------------ triangular solve */

/* Masses [l, r) (positions p = n - 1): forward substitution; each new
 * z_p is pushed into the accumulators of the rest of the block (a
 * contiguous axpy). */
static void tri_base(sk_ode_lin *L, double gam, const double *b, double *x, long long l,
                     long long r) {
  const double *g = L->g;
  double *z = L->z, *acc = L->acc;
  int wn = w_is_n(L);
  long long M = L->M;
  for (long long p = l; p < r; ++p) {
    if (p >= M) {
      z[p] = 0;
      continue;
    }
    double xp = (b[p] + gam * L->cc[p] * acc[p]) / (1 + gam * L->loss[p]);
    x[p] = xp;
    double zp = wn ? (double)(p + 1) * xp : xp;
    z[p] = zp;
    if (zp != 0) {
      double *ap = acc + p;
      long long kmax = r - p;
#pragma omp simd
      for (long long k = 1; k < kmax; ++k) ap[k] += g[k] * zp;
    }
  }
}

/* Block [l, l + S_d) at level d: children in order; before child j is
 * solved, the convolutions of the earlier children with their lag windows
 * are summed in the frequency domain and added to its accumulators. */
static void tri_rec(sk_ode_lin *L, double gam, const double *b, double *x, int d, long long l) {
  if (d == L->ndepth) {
    tri_base(L, gam, b, x, l, l + L->base);
    return;
  }
  const lin_level *v = &L->lv[d];
  long long h = v->h, M = L->M, nk = h + 1;
  for (int j = 0; j < v->K; ++j) {
    long long lj = l + (long long)j * h;
    if (lj >= M) {
      /* nothing in range from here on: later levels never read these */
      memset(L->z + lj, 0, sizeof(double) * (size_t)(l + v->S - lj));
      break;
    }
    if (j > 0) {
      double *C = (double *)L->spec;
      memset(C, 0, sizeof(double) * (size_t)(2 * nk));
      for (int i = 0; i < j; ++i) {
        const double *Zi = (const double *)(v->Z + (size_t)i * (size_t)v->stride);
        const double *Gw = (const double *)(v->Gd + (size_t)(j - i - 1) * (size_t)v->stride);
#pragma omp simd
        for (long long k = 0; k < nk; ++k) {
          double ar = Zi[2 * k], ai = Zi[2 * k + 1], br = Gw[2 * k], bi = Gw[2 * k + 1];
          C[2 * k] += ar * br - ai * bi;
          C[2 * k + 1] += ar * bi + ai * br;
        }
      }
      fftw_execute_dft_c2r(L->inv[v->lg], L->spec, L->buf);
      long long hi = lj + h < M ? lj + h : M;
      double *ac = L->acc;
      const double *ao = L->buf + h - lj;
#pragma omp simd
      for (long long p = lj; p < hi; ++p) ac[p] += ao[p];
    }
    tri_rec(L, gam, b, x, d + 1, lj);
    if (j < v->K - 1) {
      memcpy(L->buf, L->z + lj, sizeof(double) * (size_t)h);
      memset(L->buf + h, 0, sizeof(double) * (size_t)h);
      fftw_execute_dft_r2c(L->fwd[v->lg], L->buf, v->Z + (size_t)j * (size_t)v->stride);
    }
  }
}

/* x = T^{-1} b (masses only). */
static void tri_solve(sk_ode_lin *L, double gam, const double *b, double *x) {
  memset(L->acc, 0, sizeof(double) * (size_t)L->P);
  tri_rec(L, gam, b, x, 0, 0);
}

/* ------------------------------------------------------ full solve */

static double dot(const double *a, const double *b, long long n) {
  double s = 0;
  for (long long i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

/* W_k^T x: V0 = sum x_n or V1 = sum n x_n */
static double wdot(const sk_ode_lin *L, int k, const double *x) {
  long long M = L->M;
  int v1 = L->kind == SK_COAG_MULTIPLICATIVE || (L->kind == SK_COAG_ADDITIVE && k == 1);
  double s = 0;
  if (v1)
    for (long long p = 0; p < M; ++p) s += (double)(p + 1) * x[p];
  else
    for (long long p = 0; p < M; ++p) s += x[p];
  return s;
}

static int inv_small(int n, double a[2][2], double out[2][2]) {
  if (n == 1) {
    if (!(a[0][0] != 0) || !isfinite(a[0][0])) return 1;
    out[0][0] = 1 / a[0][0];
    return 0;
  }
  double det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
  double scale = fabs(a[0][0] * a[1][1]) + fabs(a[0][1] * a[1][0]);
  if (!(fabs(det) > 1e-300) || !(fabs(det) > 1e-14 * scale) || !isfinite(det)) return 1;
  out[0][0] = a[1][1] / det;
  out[0][1] = -a[0][1] / det;
  out[1][0] = -a[1][0] / det;
  out[1][1] = a[0][0] / det;
  return 0;
}

static int build_cache(sk_ode_lin *L, double gam) {
  long long M = L->M;
  int r = L->r, nt = L->nt;
  double *Y[2] = {L->Zc[0], L->Zc[1]};
  for (int k = 0; k < r; ++k) {
    double *rhs = L->x0;
    for (long long p = 0; p < M; ++p) rhs[p] = gam * L->u[k][p];
    tri_solve(L, gam, rhs, Y[k]);
  }
  /* capacitance I + W^T Y and Zc = Y (I + W^T Y)^{-1} */
  double cap[2][2] = {{0}}, ci[2][2];
  for (int i = 0; i < r; ++i)
    for (int k = 0; k < r; ++k) cap[i][k] = (i == k) + wdot(L, i, Y[k]);
  if (inv_small(r, cap, ci)) return 1;
  if (r == 1) {
    for (long long p = 0; p < M; ++p) Y[0][p] *= ci[0][0];
  } else {
    for (long long p = 0; p < M; ++p) {
      double y0 = Y[0][p], y1 = Y[1][p];
      Y[0][p] = y0 * ci[0][0] + y1 * ci[1][0];
      Y[1][p] = y0 * ci[0][1] + y1 * ci[1][1];
    }
  }
  /* tail: R = -gamma rows; Schur S = (I - gamma Jtt) - R Zc Ec */
  double Sm[2][2];
  for (int t = 0; t < nt; ++t)
    for (int k = 0; k < r; ++k) L->RZ[t][k] = -gam * dot(L->row[t], L->Zc[k], M);
  for (int t = 0; t < nt; ++t)
    for (int q = 0; q < nt; ++q) {
      double v = (t == q) - gam * L->Jtt[t][q];
      if (L->Ec[q] >= 0) v -= L->RZ[t][L->Ec[q]];
      Sm[t][q] = v;
    }
  if (inv_small(nt, Sm, L->Sinv)) return 1;
  L->gam = gam;
  L->cache_ok = 1;
  return 0;
}

int sk_ode_lin_prepare(sk_ode_lin *L, double gam) {
  if (L->cache_ok && gam == L->gam) return 0;
  L->builds++;
  return build_cache(L, gam);
}

int sk_ode_lin_solve(sk_ode_lin *L, double gam, const double *b, double *x) {
  long long M = L->M;
  int r = L->r, nt = L->nt;
  L->solves++;
  if (sk_ode_lin_prepare(L, gam)) return 1;
  /* x = A^{-1} b_f = T^{-1} b - Zc (W^T T^{-1} b) */
  tri_solve(L, gam, b, x);
  double v[2] = {0, 0};
  for (int k = 0; k < r; ++k) v[k] = wdot(L, k, x);
  for (int k = 0; k < r; ++k)
    for (long long p = 0; p < M; ++p) x[p] -= L->Zc[k][p] * v[k];
  /* tail: t = S^{-1} (b_t - R x) ; x -= Zc Ec t */
  double rt[2], t[2] = {0, 0};
  for (int q = 0; q < nt; ++q) rt[q] = b[M + q] + gam * dot(L->row[q], x, M);
  for (int q = 0; q < nt; ++q)
    for (int k = 0; k < nt; ++k) t[q] += L->Sinv[q][k] * rt[k];
  for (int q = 0; q < nt; ++q) {
    x[M + q] = t[q];
    int e = L->Ec[q];
    if (e >= 0 && t[q] != 0)
      for (long long p = 0; p < M; ++p) x[p] -= L->Zc[e][p] * t[q];
  }
  for (long long p = 0; p < M + nt; ++p)
    if (!isfinite(x[p])) return 1;
  return 0;
}
