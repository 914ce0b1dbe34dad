/* Workspaces, FFTW plans and the (cross-)convolution kernel shared by the
 * FFT and low-rank paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coag/coag_internal.h"

/* FFTs shorter than this are not worth it: supports up to FFT_MIN/2 are
 * summed directly (measured crossover, docs/bench-ode.md). */
#define FFT_MINLOG 7
/* Threaded FFTs only from this length on (thread start-up dominates below). */
#define FFT_THREADS_MINLOG 17

static int fftw_ready = 0;

void sk_coag_fftw_init(void) {
  /* fftw_make_planner_thread_safe serialises FFTW's planner for every caller
   * in the process (the PDE allocates workspaces from several threads). */
#pragma omp critical(sk_fftw_planner)
  {
    if (!fftw_ready) {
      fftw_init_threads();
      fftw_make_planner_thread_safe();
      fftw_ready = 1;
    }
  }
}

void sk_coag_ws_free(sk_coag_ws *ws) {
  if (!ws) return;
#pragma omp critical(sk_fftw_planner)
  {
    for (int k = 0; k < SK_COAG_MAXLOG; ++k) {
      if (ws->fwd[k]) fftw_destroy_plan(ws->fwd[k]);
      if (ws->inv[k]) fftw_destroy_plan(ws->inv[k]);
    }
  }
  fftw_free(ws->a);
  fftw_free(ws->b);
  fftw_free(ws->A);
  fftw_free(ws->B);
  fftw_free(ws->C);
  free(ws->tmp);
  free(ws);
}

int sk_coag_ws_alloc_threads(const sk_coag *c, int nthreads, sk_coag_ws **out, sk_error *err) {
  *out = NULL;
  if (nthreads < 1) nthreads = 1;
  sk_coag_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return sk_error_set(err, SK_ENOMEM, "out of memory");
  ws->c = c;
  ws->nthreads = nthreads;
  long long M = c->M;
  /* real buffers hold indices 0..L (the wrapped entry L is moved there) */
  long long L = c->Lmax;
  ws->a = fftw_malloc(sizeof(double) * (size_t)(L + 2));
  ws->b = fftw_malloc(sizeof(double) * (size_t)(L + 2));
  ws->tmp = malloc(sizeof(double) * (size_t)(2 * M + 2));
  int use_fft = c->path == SK_COAG_PATH_FFT || c->path == SK_COAG_PATH_LOWRANK;
  if (use_fft) {
    ws->A = fftw_malloc(sizeof(fftw_complex) * (size_t)(L / 2 + 1));
    ws->B = fftw_malloc(sizeof(fftw_complex) * (size_t)(L / 2 + 1));
    ws->C = fftw_malloc(sizeof(fftw_complex) * (size_t)(L / 2 + 1));
  }
  if (!ws->a || !ws->b || !ws->tmp || (use_fft && (!ws->A || !ws->B || !ws->C))) {
    sk_coag_ws_free(ws);
    return sk_error_set(err, SK_ENOMEM, "out of memory (coagulation workspace, nmax = %lld)", M);
  }
  ws->minlog = FFT_MINLOG;
  ws->maxlog = 0;
  while ((1LL << ws->maxlog) < L) ws->maxlog++;
  if (use_fft) {
    sk_coag_fftw_init();
    int bad = 0;
#pragma omp critical(sk_fftw_planner)
    {
      for (int k = ws->minlog; k <= ws->maxlog; ++k) {
        int n = 1 << k;
        fftw_plan_with_nthreads(k >= FFT_THREADS_MINLOG ? nthreads : 1);
        ws->fwd[k] = fftw_plan_dft_r2c_1d(n, ws->a, ws->A, FFTW_ESTIMATE);
        ws->inv[k] = fftw_plan_dft_c2r_1d(n, ws->C, ws->a, FFTW_ESTIMATE);
        if (!ws->fwd[k] || !ws->inv[k]) bad = 1;
      }
      fftw_plan_with_nthreads(1);
    }
    if (bad) {
      sk_coag_ws_free(ws);
      return sk_error_set(err, SK_EINTERNAL, "FFTW could not make a plan");
    }
  }
  *out = ws;
  return SK_OK;
}

int sk_coag_ws_alloc(const sk_coag *c, sk_coag_ws **ws, sk_error *err) {
  return sk_coag_ws_alloc_threads(c, 1, ws, err);
}

/* log2 of the FFT length for a support of n masses (linear convolution up
 * to index 2n; index 2n = L wraps onto 0, which is otherwise zero). */
static int fft_log(const sk_coag_ws *ws, long long n) {
  int k = ws->minlog;
  while ((1LL << k) < 2 * n) ++k;
  return k;
}

/* x (API-indexed, x[n-1] = x_n), n <= nsup, optionally times w[n-1],
 * zero-padded -> spectrum X. */
static void forward(sk_coag_ws *ws, int lg, const double *x, const double *w, long long nsup,
                    fftw_complex *X) {
  long long L = 1LL << lg;
  double *a = ws->a;
  a[0] = 0;
  if (w)
    for (long long n = 1; n <= nsup; ++n) a[n] = x[n - 1] * w[n - 1];
  else
    memcpy(a + 1, x, sizeof(double) * (size_t)nsup);
  memset(a + nsup + 1, 0, sizeof(double) * (size_t)(L - nsup - 1));
  fftw_execute_dft_r2c(ws->fwd[lg], a, X);
}

/* X -> ws->a[0..2 nsup] (index = mass), scaled; X is destroyed. */
static void inverse(sk_coag_ws *ws, int lg, fftw_complex *X, long long nsup) {
  long long L = 1LL << lg;
  double *a = ws->a;
  fftw_execute_dft_c2r(ws->inv[lg], X, a);
  double s = 1.0 / (double)L;
  for (long long i = 0; i < L; ++i) a[i] *= s;
  if (2 * nsup == L) a[L] = a[0];
  a[0] = 0;
  a[1] = 0;
}

static void direct_conv(const double *x, const double *y, long long nsup, int sym, long long smin,
                        long long smax, double *out) {
  for (long long s = smin; s <= smax; ++s) {
    long long lo = s - nsup > 1 ? s - nsup : 1;
    long long hi = s - 1 < nsup ? s - 1 : nsup;
    double acc = 0;
    if (sym) {
      /* pairs (m, s-m) and (s-m, m) together; the middle once */
      long long mid = s / 2;
      for (long long m = lo; m <= hi && m < s - m; ++m) acc += x[m - 1] * x[s - m - 1];
      acc *= 2;
      if (s % 2 == 0 && mid >= lo && mid <= hi) acc += x[mid - 1] * x[mid - 1];
    } else {
      for (long long m = lo; m <= hi; ++m) acc += x[m - 1] * y[s - m - 1];
    }
    out[s] = acc;
  }
}

void sk_coag_convolve(sk_coag_ws *ws, const double *x, const double *y, long long nsup, int sym,
                      double *out) {
  /* out == ws->a is the usual case; small supports are summed directly */
  out[0] = out[1] = 0;
  if (nsup <= 0) return;
  if (nsup <= (1LL << (FFT_MINLOG - 1)) || !ws->A) {
    direct_conv(x, y, nsup, sym, 2, 2 * nsup, out);
    return;
  }
  int lg = fft_log(ws, nsup);
  long long L = 1LL << lg;
  forward(ws, lg, x, NULL, nsup, ws->A);
  if (sym) {
    for (long long k = 0; k <= L / 2; ++k) {
      double re = ws->A[k][0], im = ws->A[k][1];
      ws->C[k][0] = re * re - im * im;
      ws->C[k][1] = 2 * re * im;
    }
  } else {
    forward(ws, lg, y, NULL, nsup, ws->B);
    for (long long k = 0; k <= L / 2; ++k) {
      double ar = ws->A[k][0], ai = ws->A[k][1], br = ws->B[k][0], bi = ws->B[k][1];
      ws->C[k][0] = ar * br - ai * bi;
      ws->C[k][1] = ar * bi + ai * br;
    }
  }
  inverse(ws, lg, ws->C, nsup);
  if (out != ws->a) memcpy(out, ws->a, sizeof(double) * (size_t)(2 * nsup + 1));
  /* small masses exactly */
  long long sd = SK_COAG_NDIRECT < 2 * nsup ? SK_COAG_NDIRECT : 2 * nsup;
  direct_conv(x, y, nsup, sym, 2, sd, out);
}

/* out[s] = (x * x)_s like sk_coag_convolve(ws, x, x, nsup, 1, out), with
 * x split at mass nc: x = A + B (A: masses <= nc). A * A is summed directly
 * (s <= 2 nc) and 2 A * B + B * B by one FFT product, B (2A + B), whose
 * rounding error is ~1e-16 |A| |B| instead of ~1e-16 |x|^2: for a
 * distribution decaying with n (f_n ~ n^{-3/2} for K = n + m), smaller by
 * ~max B / max A at the large masses, where the values are small
 * (docs/ode.md section 4). One more forward FFT than the plain product. */
void sk_coag_autoconvolve_split(sk_coag_ws *ws, const double *x, long long nsup, long long nc,
                                double *out) {
  if (nc < 1 || 2 * nc >= nsup || nsup <= (1LL << (FFT_MINLOG - 1)) || !ws->A) {
    sk_coag_convolve(ws, x, x, nsup, 1, out);
    return;
  }
  int lg = fft_log(ws, nsup);
  long long L = 1LL << lg;
  forward(ws, lg, x, NULL, nc, ws->A);
  double *a = ws->a;
  memset(a, 0, sizeof(double) * (size_t)(nc + 1));
  memcpy(a + nc + 1, x + nc, sizeof(double) * (size_t)(nsup - nc));
  memset(a + nsup + 1, 0, sizeof(double) * (size_t)(L - nsup - 1));
  fftw_execute_dft_r2c(ws->fwd[lg], a, ws->B);
  for (long long k = 0; k <= L / 2; ++k) {
    double ar = 2 * ws->A[k][0] + ws->B[k][0], ai = 2 * ws->A[k][1] + ws->B[k][1];
    double br = ws->B[k][0], bi = ws->B[k][1];
    ws->C[k][0] = ar * br - ai * bi;
    ws->C[k][1] = ar * bi + ai * br;
  }
  inverse(ws, lg, ws->C, nsup);
  if (out != ws->a) memcpy(out, ws->a, sizeof(double) * (size_t)(2 * nsup + 1));
  /* A * A (masses 2..2 nc) and the small masses exactly */
  double *aa = ws->tmp + ws->c->M; /* 2 nc + 1 <= M + 2 doubles */
  direct_conv(x, x, nc, 1, 2, 2 * nc, aa);
  for (long long s = 2; s <= 2 * nc; ++s) out[s] += aa[s];
  long long sd = SK_COAG_NDIRECT < 2 * nsup ? SK_COAG_NDIRECT : 2 * nsup;
  direct_conv(x, x, nsup, 1, 2, sd, out);
}

/* Low-rank gain: out[s] = sum_r ((p_r f) * (q_r g))_s + ((q_r f) * (p_r g))_s
 * over ranks (the symmetrised product used by both rhs (g = f) and jvp).
 * When f == g only one product per rank is formed (and doubled). */
void sk_coag_lowrank_conv(sk_coag_ws *ws, const double *f, const double *g, long long nsup,
                          double *out) {
  const sk_coag *c = ws->c;
  long long M = c->M;
  int R = c->rank;
  int same = f == g;
  out[0] = out[1] = 0;
  if (nsup <= 0) return;
  double *x = ws->tmp, *y = ws->tmp + M; /* 2M + 2 doubles */
  if (nsup <= (1LL << (FFT_MINLOG - 1))) {
    for (long long s = 2; s <= 2 * nsup; ++s) out[s] = 0;
    for (int r = 0; r < R; ++r) {
      const double *p = c->u + (size_t)r * M, *q = c->v + (size_t)r * M;
      for (long long s = 2; s <= 2 * nsup; ++s) {
        long long lo = s - nsup > 1 ? s - nsup : 1;
        long long hi = s - 1 < nsup ? s - 1 : nsup;
        double acc = 0;
        for (long long m = lo; m <= hi; ++m)
          acc += p[m - 1] * f[m - 1] * q[s - m - 1] * g[s - m - 1] +
                 q[m - 1] * f[m - 1] * p[s - m - 1] * g[s - m - 1];
        out[s] += acc;
      }
    }
    return;
  }
  int lg = fft_log(ws, nsup);
  long long L = 1LL << lg;
  for (long long k = 0; k <= L / 2; ++k) ws->C[k][0] = ws->C[k][1] = 0;
  for (int r = 0; r < R; ++r) {
    const double *p = c->u + (size_t)r * M, *q = c->v + (size_t)r * M;
    for (long long n = 0; n < nsup; ++n) {
      x[n] = p[n] * f[n];
      y[n] = q[n] * g[n];
    }
    forward(ws, lg, x, NULL, nsup, ws->A);
    forward(ws, lg, y, NULL, nsup, ws->B);
    double fac = same ? 2.0 : 1.0;
    for (long long k = 0; k <= L / 2; ++k) {
      double ar = ws->A[k][0], ai = ws->A[k][1], br = ws->B[k][0], bi = ws->B[k][1];
      ws->C[k][0] += fac * (ar * br - ai * bi);
      ws->C[k][1] += fac * (ar * bi + ai * br);
    }
    if (!same) {
      for (long long n = 0; n < nsup; ++n) {
        x[n] = q[n] * f[n];
        y[n] = p[n] * g[n];
      }
      forward(ws, lg, x, NULL, nsup, ws->A);
      forward(ws, lg, y, NULL, nsup, ws->B);
      for (long long k = 0; k <= L / 2; ++k) {
        double ar = ws->A[k][0], ai = ws->A[k][1], br = ws->B[k][0], bi = ws->B[k][1];
        ws->C[k][0] += ar * br - ai * bi;
        ws->C[k][1] += ar * bi + ai * br;
      }
    }
  }
  inverse(ws, lg, ws->C, nsup);
  if (out != ws->a) memcpy(out, ws->a, sizeof(double) * (size_t)(2 * nsup + 1));
  /* small masses exactly */
  long long sd = SK_COAG_NDIRECT < 2 * nsup ? SK_COAG_NDIRECT : 2 * nsup;
  for (long long s = 2; s <= sd; ++s) out[s] = 0;
  for (int r = 0; r < R; ++r) {
    const double *p = c->u + (size_t)r * M, *q = c->v + (size_t)r * M;
    for (long long s = 2; s <= sd; ++s) {
      long long lo = s - nsup > 1 ? s - nsup : 1;
      long long hi = s - 1 < nsup ? s - 1 : nsup;
      double acc = 0;
      for (long long m = lo; m <= hi; ++m)
        acc += p[m - 1] * f[m - 1] * q[s - m - 1] * g[s - m - 1] +
               q[m - 1] * f[m - 1] * p[s - m - 1] * g[s - m - 1];
      out[s] += acc;
    }
  }
}
