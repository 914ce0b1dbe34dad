/* The coagulation operator (include/smolkin/coag.h) against an independent
 * brute-force evaluation of its definition,
 *   C(f)_n = 1/2 sum_{m<n} K(m,n-m) f_m f_{n-m} - f_n sum_{m<=M} K(n,m) f_m,
 *   tail  = 1/2 sum_{n,m<=M, n+m>M} (n+m) K(n,m) f_n f_m,
 * on every path (direct, FFT, stored matrix, low rank), plus the mass
 * balance, the Jacobian, kernel tables and thread safety / determinism. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coag/coag_internal.h"
#include "smolkin/coag.h"
#include "testutil.h"

/* --------------------------------------------------------- references */

typedef double (*kfn)(long long n, long long m, void *ctx);

static double k_const(long long n, long long m, void *c) { (void)n; (void)m; return *(double *)c; }
static double k_add(long long n, long long m, void *c) { return *(double *)c * (double)(n + m); }
static double k_mult(long long n, long long m, void *c) { return *(double *)c * (double)n * (double)m; }
/* Brownian kernel (n^1/3 + m^1/3)(n^-1/3 + m^-1/3): separable rank 3 */
static double k_brown(long long n, long long m, void *c) {
  (void)c;
  double a = cbrt((double)n), b = cbrt((double)m);
  return (a + b) * (1 / a + 1 / b);
}
/* sqrt(n + m): smooth, not of finite separable rank */
static double k_sqrt(long long n, long long m, void *c) { (void)c; return sqrt((double)(n + m)); }

/* long double brute force of the definition */
static void brute(kfn K, void *ctx, long long M, const double *f, double *df, double *tail) {
  for (long long s = 1; s <= M; ++s) {
    long double g = 0, L = 0;
    for (long long m = 1; m < s; ++m) g += (long double)K(m, s - m, ctx) * f[m - 1] * f[s - m - 1];
    for (long long m = 1; m <= M; ++m) L += (long double)K(s, m, ctx) * f[m - 1];
    df[s - 1] = (double)(0.5L * g - (long double)f[s - 1] * L);
  }
  long double t = 0;
  for (long long n = 1; n <= M; ++n)
    for (long long m = M - n + 1; m <= M; ++m)
      t += (long double)(n + m) * K(n, m, ctx) * f[n - 1] * f[m - 1];
  *tail = (double)(0.5L * t);
}

static void brute_jvp(kfn K, void *ctx, long long M, const double *f, const double *v, double *jv,
                      double *dtail) {
  for (long long s = 1; s <= M; ++s) {
    long double g = 0, Lf = 0, Kv = 0;
    for (long long m = 1; m < s; ++m) g += (long double)K(m, s - m, ctx) * f[s - m - 1] * v[m - 1];
    for (long long m = 1; m <= M; ++m) {
      Lf += (long double)K(s, m, ctx) * f[m - 1];
      Kv += (long double)K(s, m, ctx) * v[m - 1];
    }
    jv[s - 1] = (double)(g - v[s - 1] * Lf - f[s - 1] * Kv);
  }
  long double t = 0;
  for (long long n = 1; n <= M; ++n)
    for (long long m = M - n + 1; m <= M; ++m)
      t += (long double)(n + m) * K(n, m, ctx) * f[n - 1] * v[m - 1];
  *dtail = (double)t;
}

/* a deterministic, non-monotone test distribution with a long tail */
static void test_f(long long M, double decay, double *f) {
  for (long long n = 1; n <= M; ++n)
    f[n - 1] = exp(-decay * (double)n) * (1.0 + 0.5 * sin(1.7 * (double)n)) / pow((double)n, 1.5);
}

/* The scale of the error of entry s: max|f| * sum_m K(s,m) |f_m| (the size of
 * the loss term of a mass as large as the largest) plus the largest term. */
static double *entry_scales(kfn K, void *ctx, long long M, const double *f, const double *v) {
  double *sc = malloc(sizeof(double) * (size_t)M), fm = 0, big = 0;
  for (long long n = 0; n < M; ++n) fm = fmax(fm, fmax(fabs(f[n]), fabs(v[n])));
  for (long long n = 1; n <= M; ++n)
    for (long long m = 1; m <= M; ++m) big = fmax(big, K(n, m, ctx) * fm * fm);
  for (long long s = 1; s <= M; ++s) {
    double a = 0;
    for (long long m = 1; m <= M; ++m) a += K(s, m, ctx) * fmax(fabs(f[m - 1]), fabs(v[m - 1]));
    sc[s - 1] = fm * a + big;
  }
  return sc;
}

static void check_against_brute(sk_coag *c, kfn K, void *ctx, const double *f, double rtol,
                                double atol_rel) {
  long long M = sk_coag_nmax(c);
  double *df = malloc(sizeof(double) * (size_t)M), *ref = malloc(sizeof(double) * (size_t)M);
  double *v = malloc(sizeof(double) * (size_t)M), *jv = malloc(sizeof(double) * (size_t)M);
  for (long long n = 0; n < M; ++n)
    v[n] = f[n] * cos(0.3 * (double)n) + 1e-3 * f[0] / (double)(n + 1) * (n < M / 2);
  double *sc = entry_scales(K, ctx, M, f, v);
  double tsc = 0; /* scale of the tail / mass flux: sum_s s * sc_s */
  for (long long n = 1; n <= M; ++n) tsc += (double)n * sc[n - 1];
  sk_coag_ws *ws;
  sk_error err;
  assert_int_equal(sk_coag_ws_alloc(c, &ws, &err), SK_OK);
  double tail, rtail;
  sk_coag_rhs(c, ws, f, df, &tail);
  brute(K, ctx, M, f, ref, &rtail);
  for (long long n = 0; n < M; ++n) assert_close(df[n], ref[n], rtol, atol_rel * sc[n]);
  assert_close(tail, rtail, rtol, atol_rel * tsc);
  /* mass balance: sum n C(f)_n + tail = 0 up to rounding */
  long double mb = tail;
  for (long long n = 1; n <= M; ++n) mb += (long double)n * df[n - 1];
  if (!(fabsl(mb) <= (rtol + atol_rel) * tsc)) fail_msg("mass balance %Lg > %g", mb, (rtol + atol_rel) * tsc);
  /* the Jacobian */
  double dt, rdt;
  sk_coag_jvp(c, ws, f, v, jv, &dt);
  brute_jvp(K, ctx, M, f, v, ref, &rdt);
  for (long long n = 0; n < M; ++n) assert_close(jv[n], ref[n], rtol, 4 * atol_rel * sc[n]);
  assert_close(dt, rdt, rtol, 4 * atol_rel * tsc);
  /* loss rates */
  double *L = malloc(sizeof(double) * (size_t)M);
  sk_coag_loss_rates(c, ws, f, L);
  for (long long n = 1; n <= M; ++n) {
    long double s = 0, a = 0;
    for (long long m = 1; m <= M; ++m) {
      s += (long double)K(n, m, ctx) * f[m - 1];
      a += (long double)K(n, m, ctx) * fabs(f[m - 1]);
    }
    assert_close(L[n - 1], (double)s, rtol, 1e-15 * (double)a);
  }
  free(L);
  free(v);
  free(jv);
  free(sc);
  sk_coag_ws_free(ws);
  free(df);
  free(ref);
}

/* --------------------------------------------------------- classical */

static void classical_case(sk_coag_kind kind, kfn K, double scale, long long M, sk_coag_path path,
                           double decay, double rtol, double atol_rel) {
  sk_coag *c;
  sk_error err;
  sk_coag_opts o;
  sk_coag_opts_init(&o);
  o.path = path;
  assert_int_equal(sk_coag_create_classical_opts(kind, scale, M, &o, &c, &err), SK_OK);
  assert_int_equal(sk_coag_get_path(c), path);
  double *f = malloc(sizeof(double) * (size_t)M);
  test_f(M, decay, f);
  check_against_brute(c, K, &scale, f, rtol, atol_rel);
  /* the kernel as used */
  if (M >= 5) assert_close(sk_coag_kernel(c, 3, 5), K(3, 5, &scale), 1e-15, 0);
  assert_true(isnan(sk_coag_kernel(c, 0, 1)));
  assert_true(isnan(sk_coag_kernel(c, 1, M + 1)));
  assert_true(sk_coag_approx_error(c) == 0);
  free(f);
  sk_coag_free(c);
}

static void test_classical_direct(void **state) {
  (void)state;
  /* direct sums are exact up to rounding relative to each term */
  classical_case(SK_COAG_CONSTANT, k_const, 1.0, 40, SK_COAG_PATH_DIRECT, 0.02, 1e-13, 1e-16);
  classical_case(SK_COAG_ADDITIVE, k_add, 0.5, 40, SK_COAG_PATH_DIRECT, 0.02, 1e-13, 1e-16);
  classical_case(SK_COAG_MULTIPLICATIVE, k_mult, 2.0, 40, SK_COAG_PATH_DIRECT, 0.1, 1e-13, 1e-16);
  classical_case(SK_COAG_ADDITIVE, k_add, 1.0, 1, SK_COAG_PATH_DIRECT, 0.1, 1e-15, 1e-16);
}

static void test_classical_fft(void **state) {
  (void)state;
  /* FFT: absolute error ~ 1e-16 x the largest term, per entry (docs/ode.md);
   * M = 300 uses an FFT of length 1024 */
  classical_case(SK_COAG_CONSTANT, k_const, 1.0, 300, SK_COAG_PATH_FFT, 0.01, 1e-12, 2e-14);
  classical_case(SK_COAG_ADDITIVE, k_add, 1.0, 300, SK_COAG_PATH_FFT, 0.01, 1e-12, 2e-14);
  classical_case(SK_COAG_MULTIPLICATIVE, k_mult, 1.0, 300, SK_COAG_PATH_FFT, 0.05, 1e-12, 2e-14);
  /* a support that ends early: masses beyond it are exactly untouched */
  classical_case(SK_COAG_ADDITIVE, k_add, 1.0, 300, SK_COAG_PATH_FFT, 1.0, 1e-12, 2e-14);
}

static void test_auto_path(void **state) {
  (void)state;
  sk_coag *c;
  sk_error err;
  assert_int_equal(sk_coag_create_classical(SK_COAG_ADDITIVE, 1, 32, &c, &err), SK_OK);
  assert_string_equal(sk_coag_path_name(c), "direct");
  assert_int_equal(sk_coag_get_kind(c), SK_COAG_ADDITIVE);
  assert_int_equal(sk_coag_nmax(c), 32);
  sk_coag_free(c);
  assert_int_equal(sk_coag_create_classical(SK_COAG_ADDITIVE, 1, 1024, &c, &err), SK_OK);
  assert_string_equal(sk_coag_path_name(c), "fft");
  sk_coag_free(c);
  /* bad requests */
  assert_int_equal(sk_coag_create_classical(SK_COAG_TABLE, 1, 10, &c, &err), SK_EINVAL);
  assert_int_equal(sk_coag_create_classical(SK_COAG_ADDITIVE, -1, 10, &c, &err), SK_EINVAL);
  assert_int_equal(sk_coag_create_classical(SK_COAG_ADDITIVE, 1, 0, &c, &err), SK_EINVAL);
  sk_coag_opts o;
  sk_coag_opts_init(&o);
  o.path = SK_COAG_PATH_LOWRANK;
  assert_int_equal(sk_coag_create_classical_opts(SK_COAG_ADDITIVE, 1, 10, &o, &c, &err), SK_ERANGE);
  assert_null(c);
  sk_coag_free(NULL);
  sk_coag_ws_free(NULL);
}

/* Monodisperse data on a long range: the FFT path must not smear round-off
 * over masses that cannot have been reached (support tracking). */
static void test_fft_no_noise_floor(void **state) {
  (void)state;
  long long M = 4096;
  sk_coag *c;
  sk_error err;
  assert_int_equal(sk_coag_create_classical(SK_COAG_ADDITIVE, 1, M, &c, &err), SK_OK);
  sk_coag_ws *ws;
  assert_int_equal(sk_coag_ws_alloc(c, &ws, &err), SK_OK);
  double *f = calloc((size_t)M, sizeof *f), *df = malloc(sizeof(double) * (size_t)M);
  for (long long n = 1; n <= 200; ++n) f[n - 1] = exp(-0.5 * (double)n);
  double tail;
  sk_coag_rhs(c, ws, f, df, &tail);
  /* beyond twice the support nothing is produced, not even round-off: the
   * only change is the (exact) loss of what is there */
  /* the support: the last n with n^2 |f_n| above SK_COAG_SUPPORT_REL of
   * its largest value (the weight of the mass flux, coag.c) */
  long long nsup = 0;
  double wmax = 0;
  for (long long n = 1; n <= M; ++n) wmax = fmax(wmax, (double)n * (double)n * fabs(f[n - 1]));
  for (long long n = 1; n <= M; ++n)
    if ((double)n * (double)n * fabs(f[n - 1]) > SK_COAG_SUPPORT_REL * wmax) nsup = n;
  assert_true(nsup > 40 && nsup < 150);
  double *L = malloc(sizeof(double) * (size_t)M);
  sk_coag_loss_rates(c, ws, f, L);
  for (long long n = 2 * nsup + 1; n <= M; ++n) assert_true(df[n - 1] == -f[n - 1] * L[n - 1]);
  for (long long n = 201; n <= M; ++n) assert_true(df[n - 1] == 0);
  free(L);
  assert_true(tail == 0);
  /* and small masses are exact (direct sums for n <= SK_COAG_NDIRECT) */
  for (long long s = 1; s <= SK_COAG_NDIRECT; ++s) {
    long double g = 0, L = 0;
    for (long long m = 1; m < s; ++m) g += (long double)(s) * f[m - 1] * f[s - m - 1];
    for (long long m = 1; m <= M; ++m) L += (long double)(s + m) * f[m - 1];
    assert_close(df[s - 1], (double)(0.5L * g - f[s - 1] * L), 1e-13, 0);
  }
  free(f);
  free(df);
  sk_coag_ws_free(ws);
  sk_coag_free(c);
}

/* ----------------------------------------------------- general kernels */

static void test_matrix_direct(void **state) {
  (void)state;
  long long M = 60;
  sk_coag *c;
  sk_error err;
  sk_coag_opts o;
  sk_coag_opts_init(&o);
  o.path = SK_COAG_PATH_DIRECT;
  assert_int_equal(sk_coag_create_function(SK_COAG_TABLE, k_sqrt, NULL, M, &o, &c, &err), SK_OK);
  assert_string_equal(sk_coag_path_name(c), "direct");
  assert_int_equal(sk_coag_get_kind(c), SK_COAG_TABLE);
  double *f = malloc(sizeof(double) * (size_t)M);
  test_f(M, 0.01, f);
  check_against_brute(c, k_sqrt, NULL, f, 1e-13, 1e-16);
  /* holes and a shorter support (the sums skip f_n = 0 and stop at the last
   * nonzero mass; pairs over unordered (n, m), m >= n) */
  f[4] = 0;
  f[10] = 0;
  for (long long n = 38; n <= M; ++n) f[n - 1] = 0;
  check_against_brute(c, k_sqrt, NULL, f, 1e-13, 1e-16);
  test_f(M, 0.01, f);
  assert_close(sk_coag_kernel(c, 7, 9), 4.0, 1e-15, 0);
  free(f);
  sk_coag_free(c);
  /* fft is refused for a general kernel */
  o.path = SK_COAG_PATH_FFT;
  assert_int_equal(sk_coag_create_function(SK_COAG_TABLE, k_sqrt, NULL, M, &o, &c, &err), SK_ERANGE);
}

static void test_lowrank_exact_rank(void **state) {
  (void)state;
  /* the Brownian kernel has separable rank 3: ACA finds it to rounding */
  long long M = 300;
  sk_coag *c;
  sk_error err;
  sk_coag_opts o;
  sk_coag_opts_init(&o);
  o.path = SK_COAG_PATH_LOWRANK;
  assert_int_equal(sk_coag_create_function(SK_COAG_RECIPE, k_brown, NULL, M, &o, &c, &err), SK_OK);
  assert_true(sk_coag_rank(c) >= 3 && sk_coag_rank(c) <= 4);
  assert_true(sk_coag_approx_error(c) < 1e-12);
  double *f = malloc(sizeof(double) * (size_t)M);
  test_f(M, 0.01, f);
  check_against_brute(c, k_brown, NULL, f, 1e-11, 1e-14);
  free(f);
  sk_coag_free(c);
}

static void test_lowrank_approx(void **state) {
  (void)state;
  /* sqrt(n+m) is not of finite rank: the reported error is the true largest
   * relative entry error (every entry is checked for M <= 2048), and the
   * operator agrees with the exact one within that error */
  long long M = 500;
  sk_coag *c;
  sk_error err;
  sk_coag_opts o;
  sk_coag_opts_init(&o);
  o.path = SK_COAG_PATH_LOWRANK;
  o.lowrank_tol = 1e-9;
  assert_int_equal(sk_coag_create_function(SK_COAG_TABLE, k_sqrt, NULL, M, &o, &c, &err), SK_OK);
  double e = sk_coag_approx_error(c);
  assert_true(e <= 1e-9);
  assert_true(sk_coag_rank(c) >= 4 && sk_coag_rank(c) <= 40);
  double emax = 0;
  for (long long n = 1; n <= M; ++n)
    for (long long m = 1; m <= M; ++m)
      emax = fmax(emax, fabs(sk_coag_kernel(c, n, m) - k_sqrt(n, m, NULL)) / k_sqrt(n, m, NULL));
  assert_close(emax, e, 1e-6, 0);
  assert_true(sk_coag_approx_error_frobenius(c) <= e);
  double *f = malloc(sizeof(double) * (size_t)M);
  test_f(M, 0.01, f);
  /* entrywise relative error e on K: rtol ~ e on each sum of positive terms */
  check_against_brute(c, k_sqrt, NULL, f, 4 * e + 1e-12, 1e-14 + 4 * e);
  free(f);
  sk_coag_free(c);
  /* a low rank limit that cannot reach the tolerance: the achieved error is reported */
  o.lowrank_rank = 2;
  assert_int_equal(sk_coag_create_function(SK_COAG_TABLE, k_sqrt, NULL, M, &o, &c, &err), SK_OK);
  assert_int_equal(sk_coag_rank(c), 2);
  assert_true(sk_coag_approx_error(c) > 1e-6);
  sk_coag_free(c);
}

/* --------------------------------------------------------------- tables */

static void test_table_file(void **state) {
  (void)state;
  /* the additive kernel, 6 x 6, with comments, commas and blank lines */
  char buf[4096];
  size_t len = (size_t)snprintf(buf, sizeof buf, "# K(n,m) = n + m\n\n");
  for (int n = 1; n <= 6; ++n) {
    for (int m = 1; m <= 6; ++m) len += (size_t)snprintf(buf + len, sizeof buf - len, "%d%s", n + m, m < 6 ? (n % 2 ? ", " : " ") : "");
    len += (size_t)snprintf(buf + len, sizeof buf - len, "   # row %d\n", n);
  }
  const char *path = sk_test_write_file("add6.txt", buf);
  sk_coag *c;
  sk_error err;
  assert_int_equal(sk_coag_create_table(path, 5, NULL, &c, &err), SK_OK);
  assert_int_equal(sk_coag_nmax(c), 5);
  assert_close(sk_coag_kernel(c, 2, 5), 7, 0, 0);
  double one = 1.0;
  double f[5] = {1, 0.5, 0.25, 0.125, 0.0625};
  check_against_brute(c, k_add, &one, f, 1e-14, 1e-16);
  sk_coag_free(c);
  /* nmax beyond the table */
  assert_int_equal(sk_coag_create_table(path, 7, NULL, &c, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "has 6 rows but nmax = 7"));

  struct {
    const char *text, *want;
  } bad[] = {
      {"1 2\n3 1\n", "bad.txt:1: K(1,2) = 2 but K(2,1) = 3 (line 2): the kernel must be symmetric"},
      {"1 2\n2\n", "bad.txt:2: row 2 has 1 entries but the first row has 2"},
      {"1 -2\n-2 1\n", "bad.txt:1: entry 2 = -2 (accepted: finite numbers >= 0)"},
      {"# c\n1 x\n", "bad.txt:2: 'x' is not a number"},
      {"1 2q\n", "bad.txt:1: '2q' is not a number"},
      {"1 2\n2 1\n1 1\n", "bad.txt:3: more than 2 rows"},
      {"1 2 3\n2 1 1\n", "bad.txt:2: the table ends after 2 rows but rows have 3 entries"},
      {"# only comments\n\n", "bad.txt: no data"},
      {"1 inf\ninf 1\n", "bad.txt:1: entry 2 = inf"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
    const char *p = sk_test_write_file("bad.txt", bad[i].text);
    c = (sk_coag *)1;
    assert_int_equal(sk_coag_create_table(p, 1, NULL, &c, &err), SK_EINVAL);
    assert_null(c);
    if (!strstr(err.msg, bad[i].want)) fail_msg("message '%s' lacks '%s'", err.msg, bad[i].want);
  }
  assert_int_equal(sk_coag_create_table("/nonexistent/k.txt", 1, NULL, &c, &err), SK_EINVAL);
  assert_non_null(strstr(err.msg, "cannot open kernel table"));
}

/* ----------------------------------------------- threads and determinism */

static void test_threads_bitwise(void **state) {
  (void)state;
  /* M = 2^17: FFT length 2^18, above the threaded-FFT threshold */
  long long M = 1 << 17;
  sk_coag *c;
  sk_error err;
  assert_int_equal(sk_coag_create_classical(SK_COAG_ADDITIVE, 1, M, &c, &err), SK_OK);
  double *f = malloc(sizeof(double) * (size_t)M);
  double *d1 = malloc(sizeof(double) * (size_t)M), *d2 = malloc(sizeof(double) * (size_t)M);
  for (long long n = 1; n <= M; ++n) f[n - 1] = pow((double)n, -1.5) * exp(-(double)n / 5e4);
  sk_coag_ws *w1, *w2;
  assert_int_equal(sk_coag_ws_alloc_threads(c, 1, &w1, &err), SK_OK);
  assert_int_equal(sk_coag_ws_alloc_threads(c, 2, &w2, &err), SK_OK);
  double t1, t2;
  sk_coag_rhs(c, w1, f, d1, &t1);
  sk_coag_rhs(c, w2, f, d2, &t2);
  assert_memory_equal(d1, d2, sizeof(double) * (size_t)M);
  assert_memory_equal(&t1, &t2, sizeof t1);
  sk_coag_ws_free(w1);
  sk_coag_ws_free(w2);
  free(f);
  free(d1);
  free(d2);
  sk_coag_free(c);
}

static void test_parallel_workspaces(void **state) {
  (void)state;
  /* one shared operator, a workspace per thread (allocated inside the
   * parallel region), many cells: same bits as a serial loop */
  long long M = 256;
  int cells = 64;
  sk_coag *c;
  sk_error err;
  assert_int_equal(sk_coag_create_classical(SK_COAG_MULTIPLICATIVE, 1, M, &c, &err), SK_OK);
  double *f = malloc(sizeof(double) * (size_t)(M * cells));
  double *ds = malloc(sizeof(double) * (size_t)(M * cells)), *dp = malloc(sizeof(double) * (size_t)(M * cells));
  double ts[64], tp[64];
  for (int k = 0; k < cells; ++k) test_f(M, 0.01 + 0.01 * k, f + (size_t)k * M);
  sk_coag_ws *ws;
  assert_int_equal(sk_coag_ws_alloc(c, &ws, &err), SK_OK);
  for (int k = 0; k < cells; ++k) sk_coag_rhs(c, ws, f + (size_t)k * M, ds + (size_t)k * M, &ts[k]);
  sk_coag_ws_free(ws);
  int bad = 0;
#pragma omp parallel num_threads(2)
  {
    sk_coag_ws *w;
    sk_error e;
    if (sk_coag_ws_alloc(c, &w, &e) != SK_OK) {
#pragma omp atomic
      bad++;
    } else {
#pragma omp for schedule(static)
      for (int k = 0; k < cells; ++k) sk_coag_rhs(c, w, f + (size_t)k * M, dp + (size_t)k * M, &tp[k]);
      sk_coag_ws_free(w);
    }
  }
  assert_int_equal(bad, 0);
  assert_memory_equal(ds, dp, sizeof(double) * (size_t)(M * cells));
  assert_memory_equal(ts, tp, sizeof(double) * (size_t)cells);
  free(f);
  free(ds);
  free(dp);
  sk_coag_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classical_direct),   cmocka_unit_test(test_classical_fft),
      cmocka_unit_test(test_auto_path),          cmocka_unit_test(test_fft_no_noise_floor),
      cmocka_unit_test(test_matrix_direct),      cmocka_unit_test(test_lowrank_exact_rank),
      cmocka_unit_test(test_lowrank_approx),     cmocka_unit_test(test_table_file),
      cmocka_unit_test(test_threads_bitwise),    cmocka_unit_test(test_parallel_workspaces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
