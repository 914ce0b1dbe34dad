/* The coagulation operator C(f) of (2.1)/(1.2): construction, the direct and
 * FFT paths, the Jacobian-vector product. See docs/ode.md for the method
 * and its accuracy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coag/coag_internal.h"

/* Direct path limits for automatic choice (docs/bench-ode.md). */
#define AUTO_CLASSICAL_DIRECT_MAX 128
#define AUTO_MATRIX_DIRECT_MAX 2048
/* The stored matrix is refused beyond this (8 GiB would be 32768). */
#define MATRIX_DIRECT_MAX 16384

void sk_coag_opts_init(sk_coag_opts *o) {
  memset(o, 0, sizeof *o);
  o->path = SK_COAG_PATH_AUTO;
  o->lowrank_tol = 1e-10;
  o->lowrank_rank = 64;
}

const char *sk_coag_kind_name(sk_coag_kind kind) {
  switch (kind) {
    case SK_COAG_CONSTANT: return "constant";
    case SK_COAG_ADDITIVE: return "additive";
    case SK_COAG_MULTIPLICATIVE: return "multiplicative";
    case SK_COAG_RECIPE: return "recipe";
    case SK_COAG_TABLE: return "table";
  }
  return "?";
}

double sk_coag_moment(const double *x, long long M, int p) {
  /* Neumaier's compensated summation, fixed order */
  double s = 0, comp = 0;
  for (long long n = 1; n <= M; ++n) {
    double t = x[n - 1];
    if (p == 1) t *= (double)n;
    else if (p == 2) t *= (double)n * (double)n;
    double u = s + t;
    if (fabs(s) >= fabs(t))
      comp += (s - u) + t;
    else
      comp += (t - u) + s;
    s = u;
  }
  return s + comp;
}

static long long pow2_at_least(long long n) {
  long long L = 1;
  while (L < n) L *= 2;
  return L;
}

static sk_coag *coag_new(sk_coag_kind kind, double scale, long long nmax, sk_error *err) {
  if (nmax < 1 || nmax > (1LL << 30)) {
    sk_error_set(err, SK_EINVAL, "nmax = %lld: out of range (accepted: 1 .. 2^30)", nmax);
    return NULL;
  }
  if (!(scale > 0) || !isfinite(scale)) {
    sk_error_set(err, SK_EINVAL, "scale = %g: out of range (accepted: a number in (0, inf))", scale);
    return NULL;
  }
  sk_coag *c = calloc(1, sizeof *c);
  if (!c) {
    sk_error_set(err, SK_ENOMEM, "out of memory");
    return NULL;
  }
  c->kind = kind;
  c->scale = scale;
  c->M = nmax;
  c->Lmax = pow2_at_least(2 * nmax);
  if (c->Lmax < 128) c->Lmax = 128;
  return c;
}

void sk_coag_free(sk_coag *c) {
  if (!c) return;
  free(c->K);
  free(c->u);
  free(c->v);
  free(c->w);
  free(c);
}

int sk_coag_create_classical_opts(sk_coag_kind kind, double scale, long long nmax,
                                  const sk_coag_opts *opts, sk_coag **out, sk_error *err) {
  *out = NULL;
  if (!sk_coag_is_classical(kind))
    return sk_error_set(err, SK_EINVAL,
                        "kernel '%s' is not a classical kernel (accepted: constant, additive, "
                        "multiplicative)",
                        sk_coag_kind_name(kind));
  sk_coag_opts o;
  if (opts)
    o = *opts;
  else
    sk_coag_opts_init(&o);
  if (o.path == SK_COAG_PATH_LOWRANK)
    return sk_error_set(err, SK_ERANGE,
                        "the low-rank path is for recipe/table kernels; the %s kernel has rank <= 2 "
                        "and its fft path is exact (accepted: auto, direct, fft)",
                        sk_coag_kind_name(kind));
  sk_coag *c = coag_new(kind, scale, nmax, err);
  if (!c) return err ? err->code : SK_ENOMEM;
  if (o.path == SK_COAG_PATH_AUTO)
    c->path = nmax <= AUTO_CLASSICAL_DIRECT_MAX ? SK_COAG_PATH_DIRECT : SK_COAG_PATH_FFT;
  else
    c->path = o.path;
  *out = c;
  return SK_OK;
}

int sk_coag_create_classical(sk_coag_kind kind, double scale, long long nmax, sk_coag **c,
                             sk_error *err) {
  return sk_coag_create_classical_opts(kind, scale, nmax, NULL, c, err);
}

int sk_coag_create_function(sk_coag_kind kind, sk_coag_kernel_fn fn, void *ctx, long long nmax,
                            const sk_coag_opts *opts, sk_coag **out, sk_error *err) {
  *out = NULL;
  sk_coag_opts o;
  if (opts)
    o = *opts;
  else
    sk_coag_opts_init(&o);
  if (o.path == SK_COAG_PATH_FFT)
    return sk_error_set(err, SK_ERANGE,
                        "the fft path is exact only for the classical kernels; a %s kernel uses "
                        "direct or lowrank (accepted: auto, direct, lowrank)",
                        sk_coag_kind_name(kind));
  sk_coag *c = coag_new(kind, 1.0, nmax, err);
  if (!c) return err ? err->code : SK_ENOMEM;
  if (o.path == SK_COAG_PATH_AUTO)
    c->path = nmax <= AUTO_MATRIX_DIRECT_MAX ? SK_COAG_PATH_DIRECT : SK_COAG_PATH_LOWRANK;
  else
    c->path = o.path;
  long long M = nmax;
  int rc = SK_OK;
  if (c->path == SK_COAG_PATH_DIRECT) {
    if (M > MATRIX_DIRECT_MAX) {
      sk_coag_free(c);
      return sk_error_set(err, SK_ERANGE,
                          "nmax = %lld is too large for the direct path of a %s kernel (an "
                          "nmax x nmax matrix; accepted: nmax <= %d, or method = lowrank)",
                          M, sk_coag_kind_name(kind), MATRIX_DIRECT_MAX);
    }
    c->K = malloc(sizeof(double) * (size_t)M * (size_t)M);
    if (!c->K) {
      sk_coag_free(c);
      return sk_error_set(err, SK_ENOMEM, "out of memory (%lld x %lld kernel matrix)", M, M);
    }
    for (long long n = 1; n <= M; ++n)
      for (long long m = n; m <= M; ++m) {
        double k = fn(n, m, ctx);
        if (!(k >= 0) || !isfinite(k)) {
          sk_coag_free(c);
          return sk_error_set(err, SK_EINVAL, "K(%lld, %lld) = %g: not a finite number >= 0", n,
                              m, k);
        }
        c->K[(n - 1) * M + (m - 1)] = k;
        c->K[(m - 1) * M + (n - 1)] = k;
      }
  } else {
    rc = sk_coag_build_lowrank(c, fn, ctx, &o, err);
    if (rc) {
      sk_coag_free(c);
      return rc;
    }
  }
  *out = c;
  return SK_OK;
}

sk_coag_kind sk_coag_get_kind(const sk_coag *c) { return c->kind; }
long long sk_coag_nmax(const sk_coag *c) { return c->M; }
double sk_coag_approx_error(const sk_coag *c) { return c->approx_err; }
double sk_coag_approx_error_frobenius(const sk_coag *c) { return c->approx_err_fro; }
int sk_coag_rank(const sk_coag *c) { return c->rank; }
double sk_coag_scale(const sk_coag *c) { return c->scale; }
sk_coag_path sk_coag_get_path(const sk_coag *c) { return c->path; }

const char *sk_coag_path_name(const sk_coag *c) {
  switch (c->path) {
    case SK_COAG_PATH_DIRECT: return "direct";
    case SK_COAG_PATH_FFT: return "fft";
    case SK_COAG_PATH_LOWRANK: return "lowrank";
    default: return "auto";
  }
}

double sk_coag_kernel(const sk_coag *c, long long n, long long m) {
  if (n < 1 || m < 1 || n > c->M || m > c->M) return NAN;
  if (sk_coag_is_classical(c->kind)) return sk_coag_classical(c->kind, c->scale, (double)n, (double)m);
  if (c->K) return c->K[(n - 1) * c->M + (m - 1)];
  double s = 0;
  for (int r = 0; r < c->rank; ++r)
    s += c->u[(size_t)r * c->M + n - 1] * c->v[(size_t)r * c->M + m - 1] +
         c->v[(size_t)r * c->M + n - 1] * c->u[(size_t)r * c->M + m - 1];
  return 0.5 * s;
}

/* ---------------------------------------------------------- supports */

/* Last index n with x_n != 0 (exact paths). */
static long long last_nonzero(const double *x, long long M) {
  long long n = M;
  while (n > 0 && x[n - 1] == 0) --n;
  return n;
}

/* Last index n with |x_n w_n| > rel * max |x w| (FFT paths); w_n = 1,
 * n, w[n-1], n^2 for wkind = 0, 1, 2, 3. */
static long long support(const double *x, const double *w, int wkind, long long M, double rel) {
  double mx = 0;
  for (long long n = 1; n <= M; ++n) {
    double a = fabs(x[n - 1]);
    if (wkind == 1) a *= (double)n;
    else if (wkind == 2) a *= w[n - 1];
    else if (wkind == 3) a *= (double)n * (double)n;
    if (a > mx) mx = a;
  }
  if (mx == 0) return 0;
  double thr = rel * mx;
  long long n = M;
  while (n > 0) {
    double a = fabs(x[n - 1]);
    if (wkind == 1) a *= (double)n;
    else if (wkind == 2) a *= w[n - 1];
    else if (wkind == 3) a *= (double)n * (double)n;
    if (a > thr) break;
    --n;
  }
  return n;
}

/* ---------------------------------------------------- classical kernels */

/* Exponential tilt of the FFT autoconvolution (classical right-hand side):
 * sum_m g_m g_{s-m} = e^{-k (s-2)} sum_m (g_m e^{k (m-1)}) (g_{s-m} e^{k (s-m-1)}).
 * The FFT's rounding error is ~1e-16 of the largest terms of the sequence
 * it convolves; for a distribution decaying like e^{-k n} the tilted
 * sequence is flat, and after the untilt the error at mass s decays like
 * the values themselves instead of sitting at 1e-16 max g (docs/ode.md,
 * "accuracy of the fast path"). k is the largest rate for which the tilted
 * sequence stays below max |g| at sampled masses past the maximum (at most
 * 4096 samples). */
static double tilt_rate(const double *g, long long nsup) {
  double gmax = 0;
  long long nm = 1;
  for (long long n = 1; n <= nsup; ++n)
    if (fabs(g[n - 1]) > gmax) {
      gmax = fabs(g[n - 1]);
      nm = n;
    }
  if (gmax == 0 || nsup - nm < 2) return 0;
  long long stride = (nsup - nm) / 4096 + 1;
  double k = INFINITY;
  for (long long n = nsup; n > nm; n -= stride) {
    double a = fabs(g[n - 1]);
    if (a == 0) continue;
    double r = log(gmax / a) / (double)(n - nm);
    if (r < k) k = r;
  }
  /* The chord slope above is the rate of the exponential factor only at
   * the far end: for g_n ~ n^{-p} e^{-a n} it is a + p ln(nsup) / nsup,
   * and the tilted sequence then climbs back to ~max |g| over the last
   * ~nsup / (p ln nsup) masses, whose squared norm multiplies the FFT's
   * rounding error at all the other masses (measured: K = n + m at t = 4.5,
   * nmax 65536, a mass-balance error of 6e-8 against 4e-11 untilted). The
   * local log-slope over the second half of the decay, a + p ln 2 / (its
   * length), is the rate the tilt is for: the smaller of the two. */
  long long n2 = nsup, n1 = nm + (nsup - nm) / 2;
  if (n1 > nm && n1 < n2 && g[n1 - 1] != 0 && g[n2 - 1] != 0) {
    double kl = log(fabs(g[n1 - 1]) / fabs(g[n2 - 1])) / (double)(n2 - n1);
    if (kl < k) k = kl;
  }
  /* e^{k (2 nsup)} must stay far from overflow; k > 0 only */
  if (!(k > 0) || !isfinite(k)) return 0;
  if (k * (double)(2 * nsup) > 600) k = 600 / (double)(2 * nsup);
  return k;
}

/* x[i] = y[i] * e^{sign k i}, i = 0..n-1 (recurrence, exact every 256). */
static void tilt(double *x, const double *y, long long n, double k) {
  double r = exp(k), e = 1;
  for (long long i = 0; i < n; ++i) {
    if ((i & 255) == 0) e = exp(k * (double)i);
    x[i] = y[i] * e;
    e *= r;
  }
}


/* Rate at which the pairs (i, j), i, j <= M, i + j > M carry mass out of
 * 1..M, 1/2 sum (i + j) K(i, j) f_i f_j, and its derivative in the
 * direction v, from the suffix sums S_k(m) = sum_{i=m+1}^{M} i^k f_i in
 * O(M): for the partner j of f_i the pairs leaving are i > M - j, so
 *   rate = 1/2 s sum_j f_j R_j,  derivative = s sum_j v_j R_j,
 *   R_j = S1 + j S0 (K = s), S2 + 2 j S1 + j^2 S0 (K = s (n + m)),
 *         j (S2 + j S1) (K = s n m),  at m = M - j.
 * Exact sums (compensated), where the FFT's out-of-range products carried
 * its rounding error, ~1e-16 of the largest terms times s^2 ~ M^2, into the
 * tail (a mass defect growing like M^2.5: 4e-5 at M = 2^20). */
static void classical_tail(sk_coag_kind k, double sc, const double *f, const double *v,
                           long long M, double *rate, double *drate) {
  double S0 = 0, S1 = 0, S2 = 0;
  double r = 0, rc = 0, d = 0, dc = 0;
  for (long long j = 1; j <= M; ++j) {
    long long m = M - j; /* add i = m + 1 to the suffix */
    double fi = f[m], di = (double)(m + 1), dj = (double)j;
    S0 += fi;
    S1 += di * fi;
    S2 += di * di * fi;
    double R = sk_coag_leave_weight(k, dj, S0, S1, S2);
    double t = f[j - 1] * R, u = r + t;
    rc += fabs(r) >= fabs(t) ? (r - u) + t : (t - u) + r;
    r = u;
    if (v) {
      t = v[j - 1] * R;
      u = d + t;
      dc += fabs(d) >= fabs(t) ? (d - u) + t : (t - u) + d;
      d = u;
    }
  }
  if (rate) *rate = 0.5 * sc * (r + rc);
  if (drate) *drate = sc * (d + dc);
}

/* Classical kernels: gain_s = 1/2 scale w_s (g*g)_s with
 *   constant:       g = f,      w_s = 1
 *   additive:       g = f,      w_s = s
 *   multiplicative: g = n f_n,  w_s = 1
 * loss rates: scale * (M0 | n M0 + M1 | n M1). */
static void classical_rhs(const sk_coag *c, sk_coag_ws *ws, const double *f, double *df,
                          double *tail_rate) {
  long long M = c->M;
  double sc = c->scale;
  sk_coag_kind k = c->kind;
  double M0 = sk_coag_moment(f, M, 0), M1 = sk_coag_moment(f, M, 1);
  ws->mom[0] = M0;
  ws->mom[1] = M1;
  const double *g = f;
  if (k == SK_COAG_MULTIPLICATIVE) {
    double *gm = ws->b;
    for (long long n = 1; n <= M; ++n) gm[n - 1] = (double)n * f[n - 1];
    g = gm;
  }
  /* the cut weighs g_n by n^2: the mass flux a dropped partner n would
   * carry is ~ n^2 g_n (K = n + m: n (n M0 + M1) f_n); unweighted, the cut
   * at 1e-18 of max g dropped a mass flux of 3e-9 of the total at nmax =
   * 2^17, t = 3.96 (a mass defect growing with nmax) */
  long long nsup = c->path == SK_COAG_PATH_FFT ? support(g, NULL, 3, M, SK_COAG_SUPPORT_REL)
                                               : last_nonzero(g, M);
  double *conv = ws->a;
  if (c->path == SK_COAG_PATH_FFT) {
    double k = tilt_rate(g, nsup);
    long long nc = nsup >= SK_COAG_SPLIT_MIN ? SK_COAG_SPLIT : 0;
    if (k > 0) {
      double *gt = ws->tmp;
      tilt(gt, g, nsup, k);
      sk_coag_autoconvolve_split(ws, gt, nsup, nc, conv);
      /* conv[s] *= e^{-k (s-2)}, s = 2..2 nsup */
      tilt(conv + 2, conv + 2, 2 * nsup - 1, -k);
    } else {
      sk_coag_autoconvolve_split(ws, g, nsup, nc, conv);
    }
  } else {
    conv[0] = conv[1] = 0;
    /* exact: symmetric direct sums (the FFT routine's direct branch) */
    for (long long s = 2; s <= 2 * nsup; ++s) {
      long long lo = s - nsup > 1 ? s - nsup : 1;
      long long hi = s - 1 < nsup ? s - 1 : nsup;
      double acc = 0;
      for (long long m = lo; m <= hi && m < s - m; ++m) acc += g[m - 1] * g[s - m - 1];
      acc *= 2;
      if (s % 2 == 0 && s / 2 >= lo && s / 2 <= hi) acc += g[s / 2 - 1] * g[s / 2 - 1];
      conv[s] = acc;
    }
  }
  long long smax = 2 * nsup;
  for (long long n = 1; n <= M; ++n) {
    double gain = 0;
    if (n <= smax) {
      gain = 0.5 * sc * conv[n];
      if (k == SK_COAG_ADDITIVE) gain *= (double)n;
    }
    double L = k == SK_COAG_CONSTANT   ? sc * M0
               : k == SK_COAG_ADDITIVE ? sc * ((double)n * M0 + M1)
                                       : sc * (double)n * M1;
    df[n - 1] = gain - f[n - 1] * L;
  }
  double tail = 0;
  if (c->path == SK_COAG_PATH_FFT) {
    classical_tail(k, sc, f, NULL, M, &tail, NULL);
  } else {
    for (long long s = M + 1; s <= smax; ++s) {
      double t = (double)s * conv[s];
      if (k == SK_COAG_ADDITIVE) t *= (double)s;
      tail += t;
    }
    tail *= 0.5 * sc;
  }
  *tail_rate = tail < 0 ? 0 : tail;
}

static void classical_jvp(const sk_coag *c, sk_coag_ws *ws, const double *f, const double *v,
                          double *jv, double *dtail) {
  long long M = c->M;
  double sc = c->scale;
  sk_coag_kind k = c->kind;
  double M0 = sk_coag_moment(f, M, 0), M1 = sk_coag_moment(f, M, 1);
  double V0 = sk_coag_moment(v, M, 0), V1 = sk_coag_moment(v, M, 1);
  ws->mom[0] = M0;
  ws->mom[1] = M1;
  ws->mom[2] = V0;
  ws->mom[3] = V1;
  const double *gf = f, *gv = v;
  double *x = ws->tmp, *y = ws->tmp + M;
  if (k == SK_COAG_MULTIPLICATIVE) {
    for (long long n = 1; n <= M; ++n) {
      x[n - 1] = (double)n * f[n - 1];
      y[n - 1] = (double)n * v[n - 1];
    }
    gf = x;
    gv = y;
  }
  long long nsup;
  if (c->path == SK_COAG_PATH_FFT) {
    long long a = support(gf, NULL, 3, M, SK_COAG_SUPPORT_REL);
    long long b = support(gv, NULL, 3, M, SK_COAG_SUPPORT_REL);
    nsup = a > b ? a : b;
  } else {
    long long a = last_nonzero(gf, M), b = last_nonzero(gv, M);
    nsup = a > b ? a : b;
  }
  double *conv = ws->a;
  if (c->path == SK_COAG_PATH_FFT) {
    /* a tilt both factors allow (each stays below its own maximum) */
    double k = fmin(tilt_rate(gf, nsup), tilt_rate(gv, nsup));
    if (k > 0) {
      double *xt = ws->b, *yt = ws->b + M;
      tilt(xt, gf, nsup, k);
      tilt(yt, gv, nsup, k);
      sk_coag_convolve(ws, xt, yt, nsup, 0, conv);
      tilt(conv + 2, conv + 2, 2 * nsup - 1, -k);
    } else {
      sk_coag_convolve(ws, gf, gv, nsup, 0, conv);
    }
  } else {
    conv[0] = conv[1] = 0;
    for (long long s = 2; s <= 2 * nsup; ++s) {
      long long lo = s - nsup > 1 ? s - nsup : 1;
      long long hi = s - 1 < nsup ? s - 1 : nsup;
      double acc = 0;
      for (long long m = lo; m <= hi; ++m) acc += gf[m - 1] * gv[s - m - 1];
      conv[s] = acc;
    }
  }
  long long smax = 2 * nsup;
  for (long long n = 1; n <= M; ++n) {
    double gain = 0;
    if (n <= smax) {
      gain = sc * conv[n];
      if (k == SK_COAG_ADDITIVE) gain *= (double)n;
    }
    double dn = (double)n;
    double L = k == SK_COAG_CONSTANT ? sc * M0 : k == SK_COAG_ADDITIVE ? sc * (dn * M0 + M1) : sc * dn * M1;
    double Kv = k == SK_COAG_CONSTANT ? sc * V0 : k == SK_COAG_ADDITIVE ? sc * (dn * V0 + V1) : sc * dn * V1;
    jv[n - 1] = gain - v[n - 1] * L - f[n - 1] * Kv;
  }
  double tail = 0;
  if (c->path == SK_COAG_PATH_FFT) {
    classical_tail(k, sc, f, v, M, NULL, &tail);
  } else {
    for (long long s = M + 1; s <= smax; ++s) {
      double t = (double)s * conv[s];
      if (k == SK_COAG_ADDITIVE) t *= (double)s;
      tail += t;
    }
    tail *= sc;
  }
  *dtail = tail;
}

/* ------------------------------------------------- stored-matrix kernels */

/* The direct sums dominate the PDE (one evaluation per cell and stage):
 * an AVX2 clone is chosen at load time where the CPU has it (GCC function
 * multiversioning); the SIMD loops' sums are then grouped 4 by 4 instead of
 * 2 by 2, so results differ in the last bits between such machines (not
 * between thread counts). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define SK_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SK_SIMD_CLONES
#endif

SK_SIMD_CLONES
static void matrix_rhs(const sk_coag *c, sk_coag_ws *ws, const double *f, double *df,
                       double *tail_rate) {
  long long M = c->M;
  const double *K = c->K;
  long long nz = last_nonzero(f, M);
  double *gain = ws->tmp;
  memset(gain, 0, sizeof(double) * (size_t)(M + 1));
  double tail = 0;
  for (long long n = 1; n <= M; ++n) {
    const double *row = K + (n - 1) * M;
    double fn = f[n - 1];
    if (fn == 0) {
      df[n - 1] = 0;
      continue;
    }
    double L = 0;
#pragma omp simd reduction(+ : L)
    for (long long m = 1; m <= nz; ++m) L += row[m - 1] * f[m - 1];
    df[n - 1] = -fn * L;
    /* unordered pairs {n, m}, m >= n, once: K f_n f_m to mass n + m (half
     * of it for m = n), the pairs with n + m > M to the tail */
    if (n <= nz) {
      long long mlim = M - n < nz ? M - n : nz;
      if (n <= mlim) gain[2 * n] += 0.5 * fn * row[n - 1] * fn;
      double *gp = gain + n; /* gain[n + m] */
#pragma omp simd
      for (long long m = n + 1; m <= mlim; ++m) gp[m] += fn * row[m - 1] * f[m - 1];
      long long m0 = M - n + 1 > n ? M - n + 1 : n;
      double t = 0;
      for (long long m = m0; m <= nz; ++m)
        t += (m == n ? 0.5 : 1.0) * (double)(n + m) * row[m - 1] * f[m - 1];
      tail += fn * t;
    }
  }
  for (long long n = 1; n <= M; ++n) df[n - 1] += gain[n];
  *tail_rate = tail < 0 ? 0 : tail;
}

static void matrix_jvp(const sk_coag *c, sk_coag_ws *ws, const double *f, const double *v,
                       double *jv, double *dtail) {
  long long M = c->M;
  const double *K = c->K;
  long long a = last_nonzero(f, M), b = last_nonzero(v, M);
  long long nz = a > b ? a : b;
  double *gain = ws->tmp;
  memset(gain, 0, sizeof(double) * (size_t)(M + 1));
  double tail = 0;
  for (long long n = 1; n <= M; ++n) {
    const double *row = K + (n - 1) * M;
    double fn = f[n - 1], vn = v[n - 1];
    double Lf = 0, Lv = 0;
    for (long long m = 1; m <= nz; ++m) {
      Lf += row[m - 1] * f[m - 1];
      Lv += row[m - 1] * v[m - 1];
    }
    jv[n - 1] = -vn * Lf - fn * Lv;
    if (fn == 0 && vn == 0) continue;
    /* d/dv of 1/2 sum K f_n f_m over ordered pairs: 1/2 K (v_n f_m + f_n v_m) */
    double hf = 0.5 * fn, hv = 0.5 * vn;
    long long mlim = M - n < nz ? M - n : nz;
    double *gp = gain + n;
    for (long long m = 1; m <= mlim; ++m) gp[m] += row[m - 1] * (hv * f[m - 1] + hf * v[m - 1]);
    double t = 0;
    for (long long m = M - n + 1; m <= nz; ++m)
      t += (double)(n + m) * row[m - 1] * (hv * f[m - 1] + hf * v[m - 1]);
    tail += t;
  }
  for (long long n = 1; n <= M; ++n) jv[n - 1] += gain[n];
  *dtail = tail;
}

/* ------------------------------------------------------ low-rank kernels */

static long long lowrank_support(const sk_coag *c, const double *f) {
  return support(f, c->w, 2, c->M, SK_COAG_SUPPORT_REL);
}

/* L_n = 1/2 sum_r (u_r(n) <v_r, f> + v_r(n) <u_r, f>) */
static void lowrank_loss(const sk_coag *c, const double *f, double *L) {
  long long M = c->M;
  for (long long n = 0; n < M; ++n) L[n] = 0;
  for (int r = 0; r < c->rank; ++r) {
    const double *u = c->u + (size_t)r * M, *v = c->v + (size_t)r * M;
    double uf = 0, vf = 0;
    for (long long n = 0; n < M; ++n) {
      uf += u[n] * f[n];
      vf += v[n] * f[n];
    }
    for (long long n = 0; n < M; ++n) L[n] += 0.5 * (u[n] * vf + v[n] * uf);
  }
}

static void lowrank_rhs(const sk_coag *c, sk_coag_ws *ws, const double *f, double *df,
                        double *tail_rate) {
  long long M = c->M;
  long long nsup = lowrank_support(c, f);
  lowrank_loss(c, f, df); /* df = L for now */
  for (long long n = 0; n < M; ++n) df[n] = -f[n] * df[n];
  double *conv = ws->a;
  sk_coag_lowrank_conv(ws, f, f, nsup, conv);
  long long smax = 2 * nsup;
  for (long long s = 1; s <= M && s <= smax; ++s) df[s - 1] += 0.25 * conv[s];
  double tail = 0;
  for (long long s = M + 1; s <= smax; ++s) tail += (double)s * conv[s];
  tail *= 0.25;
  *tail_rate = tail < 0 ? 0 : tail;
}

static void lowrank_jvp(const sk_coag *c, sk_coag_ws *ws, const double *f, const double *v,
                        double *jv, double *dtail) {
  long long M = c->M;
  long long a = lowrank_support(c, f), b = lowrank_support(c, v);
  long long nsup = a > b ? a : b;
  double *L = ws->tmp; /* M doubles; reused below only after use */
  lowrank_loss(c, f, L);
  for (long long n = 0; n < M; ++n) jv[n] = -v[n] * L[n];
  lowrank_loss(c, v, L);
  for (long long n = 0; n < M; ++n) jv[n] -= f[n] * L[n];
  double *conv = ws->a;
  sk_coag_lowrank_conv(ws, f, v, nsup, conv);
  long long smax = 2 * nsup;
  for (long long s = 1; s <= M && s <= smax; ++s) jv[s - 1] += 0.5 * conv[s];
  double tail = 0;
  for (long long s = M + 1; s <= smax; ++s) tail += (double)s * conv[s];
  *dtail = 0.5 * tail;
}

/* ------------------------------------------------------------- dispatch */

void sk_coag_rhs(const sk_coag *c, sk_coag_ws *ws, const double *f, double *df,
                 double *tail_rate) {
  if (sk_coag_is_classical(c->kind))
    classical_rhs(c, ws, f, df, tail_rate);
  else if (c->K)
    matrix_rhs(c, ws, f, df, tail_rate);
  else
    lowrank_rhs(c, ws, f, df, tail_rate);
}

void sk_coag_jvp(const sk_coag *c, sk_coag_ws *ws, const double *f, const double *v, double *jv,
                 double *dtail) {
  if (sk_coag_is_classical(c->kind))
    classical_jvp(c, ws, f, v, jv, dtail);
  else if (c->K)
    matrix_jvp(c, ws, f, v, jv, dtail);
  else
    lowrank_jvp(c, ws, f, v, jv, dtail);
}

void sk_coag_loss_rates(const sk_coag *c, sk_coag_ws *ws, const double *f, double *L) {
  (void)ws;
  long long M = c->M;
  if (sk_coag_is_classical(c->kind)) {
    double sc = c->scale, M0 = sk_coag_moment(f, M, 0), M1 = sk_coag_moment(f, M, 1);
    for (long long n = 1; n <= M; ++n) {
      double dn = (double)n;
      L[n - 1] = c->kind == SK_COAG_CONSTANT   ? sc * M0
                 : c->kind == SK_COAG_ADDITIVE ? sc * (dn * M0 + M1)
                                               : sc * dn * M1;
    }
  } else if (c->K) {
    long long nz = last_nonzero(f, M);
    for (long long n = 1; n <= M; ++n) {
      const double *row = c->K + (n - 1) * M;
      double s = 0;
      for (long long m = 1; m <= nz; ++m) s += row[m - 1] * f[m - 1];
      L[n - 1] = s;
    }
  } else {
    lowrank_loss(c, f, L);
  }
}
