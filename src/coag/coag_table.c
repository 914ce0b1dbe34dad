/* Kernel tables: the file format of [coagulation] table.
 *
 *   # comments start with '#', anywhere on a line; blank lines are skipped
 *   K(1,1) K(1,2) ... K(1,N)      <- row n = the n-th data line
 *   K(2,1) K(2,2) ... K(2,N)         numbers separated by blanks and/or commas
 *   ...
 *
 * N data lines of N numbers each (a square table), every number finite and
 * >= 0, symmetric (|K(n,m) - K(m,n)| <= 1e-12 max(K(n,m), K(m,n))), and
 * N >= nmax (rows and columns beyond nmax are checked, then ignored).
 * Every error names FILE:LINE and is SK_EINVAL. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coag/coag_internal.h"

typedef struct {
  const double *K;
  long long N;
} table_ctx;

static double table_fn(long long n, long long m, void *ctx) {
  const table_ctx *t = ctx;
  return t->K[(n - 1) * t->N + (m - 1)];
}

int sk_coag_create_table(const char *path, long long nmax, const sk_coag_opts *opts, sk_coag **out,
                         sk_error *err) {
  *out = NULL;
  FILE *fp = fopen(path, "r");
  if (!fp) return sk_error_set(err, SK_EINVAL, "%s: cannot open kernel table: %s", path, strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long lineno = 0;
  double *K = NULL;   /* rows as read, N x N once N is known */
  long *lines = NULL; /* line number of each row */
  long long N = -1, nrows = 0;
  int rc = SK_OK;
  while ((len = getline(&line, &cap, fp)) != -1) {
    ++lineno;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    /* parse numbers */
    char *p = line;
    long long cnt = 0;
    double *rowbuf = NULL;
    size_t rcap = 0;
    for (;;) {
      while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' || *p == '\n') ++p;
      if (!*p) break;
      char *end;
      errno = 0;
      double x = strtod(p, &end);
      if (end == p) {
        char tok[32];
        size_t tl = strcspn(p, " \t,\r\n");
        snprintf(tok, sizeof tok, "%.*s", (int)(tl < 31 ? tl : 31), p);
        free(rowbuf);
        rc = sk_error_set(err, SK_EINVAL, "%s:%ld: '%s' is not a number (accepted: numbers separated by blanks or commas, '#' comments)", path, lineno, tok);
        goto done;
      }
      if (*end && !strchr(" \t,\r\n", *end)) {
        size_t tl = strcspn(p, " \t,\r\n");
        free(rowbuf);
        rc = sk_error_set(err, SK_EINVAL, "%s:%ld: '%.*s' is not a number", path, lineno,
                          (int)(tl < 31 ? tl : 31), p);
        goto done;
      }
      if (!isfinite(x) || x < 0) {
        free(rowbuf);
        rc = sk_error_set(err, SK_EINVAL, "%s:%ld: entry %lld = %g (accepted: finite numbers >= 0)",
                          path, lineno, cnt + 1, x);
        goto done;
      }
      if ((size_t)cnt == rcap) {
        rcap = rcap ? 2 * rcap : 64;
        double *nb = realloc(rowbuf, rcap * sizeof *nb);
        if (!nb) {
          free(rowbuf);
          rc = sk_error_set(err, SK_ENOMEM, "out of memory reading %s", path);
          goto done;
        }
        rowbuf = nb;
      }
      rowbuf[cnt++] = x;
      p = end;
    }
    if (cnt == 0) {
      free(rowbuf);
      continue;
    }
    if (N < 0) {
      N = cnt;
      K = malloc(sizeof(double) * (size_t)N * (size_t)N);
      lines = malloc(sizeof(long) * (size_t)N);
      if (!K || !lines) {
        free(rowbuf);
        rc = sk_error_set(err, SK_ENOMEM, "out of memory reading %s (%lld x %lld table)", path, N, N);
        goto done;
      }
    }
    if (cnt != N) {
      free(rowbuf);
      rc = sk_error_set(err, SK_EINVAL,
                        "%s:%ld: row %lld has %lld entries but the first row has %lld (accepted: a "
                        "square table, N rows of N entries)",
                        path, lineno, nrows + 1, cnt, N);
      goto done;
    }
    if (nrows == N) {
      free(rowbuf);
      rc = sk_error_set(err, SK_EINVAL,
                        "%s:%ld: more than %lld rows (accepted: a square table, N rows of N entries)",
                        path, lineno, N);
      goto done;
    }
    memcpy(K + nrows * N, rowbuf, sizeof(double) * (size_t)N);
    lines[nrows] = lineno;
    ++nrows;
    free(rowbuf);
  }
  if (N < 0) {
    rc = sk_error_set(err, SK_EINVAL, "%s: no data (accepted: a square table of K(n,m), see docs/ode.md)", path);
    goto done;
  }
  if (nrows != N) {
    rc = sk_error_set(err, SK_EINVAL,
                      "%s:%ld: the table ends after %lld rows but rows have %lld entries (accepted: "
                      "a square table)",
                      path, lineno, nrows, N);
    goto done;
  }
  for (long long n = 0; n < N; ++n)
    for (long long m = n + 1; m < N; ++m) {
      double a = K[n * N + m], b = K[m * N + n];
      if (fabs(a - b) > 1e-12 * fmax(a, b)) {
        rc = sk_error_set(err, SK_EINVAL,
                          "%s:%ld: K(%lld,%lld) = %.17g but K(%lld,%lld) = %.17g (line %ld): the "
                          "kernel must be symmetric",
                          path, lines[n], n + 1, m + 1, a, m + 1, n + 1, b, lines[m]);
        goto done;
      }
      double s = 0.5 * (a + b);
      K[n * N + m] = K[m * N + n] = s;
    }
  if (N < nmax) {
    rc = sk_error_set(err, SK_EINVAL,
                      "%s: the table has %lld rows but nmax = %lld (accepted: nmax <= %lld, or a "
                      "larger table)",
                      path, N, nmax, N);
    goto done;
  }
  table_ctx t = {K, N};
  rc = sk_coag_create_function(SK_COAG_TABLE, table_fn, &t, nmax, opts, out, err);
done:
  free(line);
  free(K);
  free(lines);
  fclose(fp);
  return rc;
}
