/* Low-rank factorisation of a symmetric kernel K(n, m), n, m = 1..M, by
 * adaptive cross approximation (ACA) with partial pivoting, applied to the
 * diagonally scaled kernel A(n,m) = K(n,m) / (d_n d_m), d_n = sqrt K(n,n),
 * so that the absolute accuracy of ACA becomes a relative accuracy on K.
 * Only O(R M) kernel values are needed. The result is checked against the
 * exact kernel (every entry when M <= 2048, else a fixed sample of rows and
 * columns) and ranks are added until the largest relative entry error is at
 * most the tolerance, or the rank limit is reached (the achieved error is
 * always reported). See docs/ode.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coag/coag_internal.h"

#define FULL_CHECK_MAX 2048
#define SAMPLE_ROWS 96
#define SAMPLE_COLS 2048

typedef struct {
  sk_coag_kernel_fn fn;
  void *ctx;
  const double *d;
} scaled;

static double aval(const scaled *s, long long n, long long m) {
  return s->fn(n, m, s->ctx) / (s->d[n - 1] * s->d[m - 1]);
}

/* Sorted, distinct indices in 1..M: a log-spaced and a linear-spaced set. */
static long long sample_indices(long long M, long long want, long long *idx) {
  if (M <= want) {
    for (long long i = 0; i < M; ++i) idx[i] = i + 1;
    return M;
  }
  long long k = 0, half = want / 2;
  for (long long i = 0; i < half; ++i) idx[k++] = (long long)llround(pow((double)M, (double)i / (double)(half - 1)));
  for (long long i = 0; i < want - half; ++i)
    idx[k++] = 1 + (long long)((double)(M - 1) * (double)i / (double)(want - half - 1));
  /* sort + unique */
  for (long long i = 1; i < k; ++i) {
    long long x = idx[i], j = i - 1;
    while (j >= 0 && idx[j] > x) {
      idx[j + 1] = idx[j];
      --j;
    }
    idx[j + 1] = x;
  }
  long long u = 0;
  for (long long i = 0; i < k; ++i)
    if (u == 0 || idx[i] != idx[u - 1]) idx[u++] = idx[i];
  return u;
}

/* max relative entry error and relative Frobenius error of the (unscaled,
 * symmetrised) approximation on the sample rows x cols. */
static void check_error(const sk_coag_kernel_fn fn, void *ctx, long long M, const double *d,
                        int R, const double *U, const double *V, const long long *rows,
                        long long nr, const long long *cols, long long nc, double kmax,
                        double *maxrel, double *fro) {
  double emax = 0, e2 = 0, k2 = 0;
  for (long long i = 0; i < nr; ++i) {
    long long n = rows[i];
    for (long long j = 0; j < nc; ++j) {
      long long m = cols[j];
      double k = fn(n, m, ctx), a = 0;
      for (int r = 0; r < R; ++r)
        a += U[(size_t)r * M + n - 1] * V[(size_t)r * M + m - 1] +
             V[(size_t)r * M + n - 1] * U[(size_t)r * M + m - 1];
      a *= 0.5 * d[n - 1] * d[m - 1];
      double e = fabs(a - k);
      /* relative to the entry; entries that vanish count relative to max K */
      double rel = k > 0 ? e / k : e / kmax;
      if (rel > emax || isnan(rel)) emax = rel;
      e2 += e * e;
      k2 += k * k;
    }
  }
  *maxrel = emax;
  *fro = k2 > 0 ? sqrt(e2 / k2) : 0;
}

int sk_coag_build_lowrank(sk_coag *c, sk_coag_kernel_fn fn, void *ctx, const sk_coag_opts *o,
                          sk_error *err) {
  long long M = c->M;
  int Rmax = o->lowrank_rank > 0 ? o->lowrank_rank : 64;
  if (Rmax > M) Rmax = (int)M;
  double tol = o->lowrank_tol > 0 ? o->lowrank_tol : 1e-10;
  double *d = malloc(sizeof(double) * (size_t)M);
  double *U = malloc(sizeof(double) * (size_t)M * (size_t)Rmax);
  double *V = malloc(sizeof(double) * (size_t)M * (size_t)Rmax);
  double *row = malloc(sizeof(double) * (size_t)M);
  char *used = calloc((size_t)M, 1);
  long long *rows = malloc(sizeof(long long) * (size_t)(M < FULL_CHECK_MAX ? M : FULL_CHECK_MAX));
  long long *cols = malloc(sizeof(long long) * (size_t)(M < SAMPLE_COLS ? M : SAMPLE_COLS));
  int rc = SK_OK;
  if (!d || !U || !V || !row || !used || !rows || !cols) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory (low-rank kernel, nmax = %lld)", M);
    goto done;
  }
  double kmax = 0;
  for (long long n = 1; n <= M; ++n) {
    double k = fn(n, n, ctx);
    if (!(k >= 0) || !isfinite(k)) {
      rc = sk_error_set(err, SK_EINVAL, "K(%lld, %lld) = %g: not a finite number >= 0", n, n, k);
      goto done;
    }
    d[n - 1] = k > 0 ? sqrt(k) : 1.0;
    if (k > kmax) kmax = k;
  }
  scaled sc = {fn, ctx, d};
  long long nr = sample_indices(M, SAMPLE_ROWS, rows);
  long long ncl = sample_indices(M, SAMPLE_COLS, cols);
  for (long long j = 0; j < ncl; ++j) {
    double k = fn(rows[0], cols[j], ctx);
    if (k > kmax) kmax = k;
  }
  if (kmax == 0) kmax = 1;

  int R = 0;
  double S2 = 0; /* ||sum u_r v_r^T||_F^2 of the scaled approximation */
  long long piv = 1;
  double err_max = INFINITY, err_fro = INFINITY;
  int tries = 0;
  while (R < Rmax) {
    /* residual row piv */
    for (long long m = 1; m <= M; ++m) {
      double a = aval(&sc, piv, m);
      if (!isfinite(a)) {
        rc = sk_error_set(err, SK_EINVAL, "K(%lld, %lld) is not finite", piv, m);
        goto done;
      }
      for (int r = 0; r < R; ++r) a -= U[(size_t)r * M + piv - 1] * V[(size_t)r * M + m - 1];
      row[m - 1] = a;
    }
    used[piv - 1] = 1;
    long long j = 1;
    for (long long m = 2; m <= M; ++m)
      if (fabs(row[m - 1]) > fabs(row[j - 1])) j = m;
    double pv = row[j - 1];
    if (pv == 0 || fabs(pv) < 1e-300) {
      /* this row is already reproduced: try an unused row */
      long long next = 0;
      for (long long n = 1; n <= M; ++n)
        if (!used[n - 1]) {
          next = n;
          break;
        }
      if (!next || ++tries > 8) break;
      piv = next;
      continue;
    }
    double *v = V + (size_t)R * M, *u = U + (size_t)R * M;
    for (long long m = 0; m < M; ++m) v[m] = row[m] / pv;
    /* residual column j (= row j by symmetry) */
    for (long long n = 1; n <= M; ++n) {
      double a = aval(&sc, j, n);
      for (int r = 0; r < R; ++r) a -= V[(size_t)r * M + j - 1] * U[(size_t)r * M + n - 1];
      u[n - 1] = a;
    }
    double uu = 0, vv = 0;
    for (long long n = 0; n < M; ++n) {
      uu += u[n] * u[n];
      vv += v[n] * v[n];
    }
    for (int r = 0; r < R; ++r) {
      double a = 0, b = 0;
      for (long long n = 0; n < M; ++n) {
        a += U[(size_t)r * M + n] * u[n];
        b += V[(size_t)r * M + n] * v[n];
      }
      S2 += 2 * a * b;
    }
    S2 += uu * vv;
    ++R;
    /* next pivot: largest |u| among unused rows */
    long long best = 0;
    for (long long n = 1; n <= M; ++n)
      if (!used[n - 1] && (!best || fabs(u[n - 1]) > fabs(u[best - 1]))) best = n;
    if (sqrt(uu * vv) <= 0.1 * tol * sqrt(fabs(S2)) || !best || R == Rmax) {
      check_error(fn, ctx, M, d, R, U, V, rows, nr, cols, ncl, kmax, &err_max, &err_fro);
      if (err_max <= tol || !best) break;
    }
    if (!best) break;
    piv = best;
  }
  if (R > 0 && !isfinite(err_max))
    check_error(fn, ctx, M, d, R, U, V, rows, nr, cols, ncl, kmax, &err_max, &err_fro);
  /* final error over every entry when that is affordable */
  if (M <= FULL_CHECK_MAX) {
    long long *all = malloc(sizeof(long long) * (size_t)M);
    if (!all) {
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
      goto done;
    }
    for (long long n = 0; n < M; ++n) all[n] = n + 1;
    check_error(fn, ctx, M, d, R, U, V, all, M, all, M, kmax, &err_max, &err_fro);
    free(all);
  }
  if (R == 0) err_max = err_fro = kmax > 0 ? 1 : 0;
  /* unscale and store */
  c->rank = R;
  c->u = malloc(sizeof(double) * (size_t)M * (size_t)(R > 0 ? R : 1));
  c->v = malloc(sizeof(double) * (size_t)M * (size_t)(R > 0 ? R : 1));
  c->w = calloc((size_t)M, sizeof(double));
  if (!c->u || !c->v || !c->w) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto done;
  }
  for (int r = 0; r < R; ++r)
    for (long long n = 0; n < M; ++n) {
      double a = U[(size_t)r * M + n] * d[n], b = V[(size_t)r * M + n] * d[n];
      c->u[(size_t)r * M + n] = a;
      c->v[(size_t)r * M + n] = b;
      if (fabs(a) > c->w[n]) c->w[n] = fabs(a);
      if (fabs(b) > c->w[n]) c->w[n] = fabs(b);
    }
  c->approx_err = err_max;
  c->approx_err_fro = err_fro;
done:
  free(d);
  free(U);
  free(V);
  free(row);
  free(used);
  free(rows);
  free(cols);
  return rc;
}
