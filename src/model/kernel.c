/* The interaction kernel V (see include/smolkin/kernel.h for the forms). */
#include "smolkin/kernel.h"

#include <errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sk_kernel {
  sk_vkind kind;
  int dim;
  double w;          /* gauss width */
  double inv2w2;     /* 1/(2 w^2) */
  double ia2[3];     /* agauss: 1/a^2, 1/b^2, 1/c^2 */
  double *tr, *tv;   /* table knots */
  size_t nt;
  double *grid;      /* grid node values, n^3 */
  size_t gn;
  double integral, sup;
};

static const char *const names[] = {"ball", "bump", "gauss", "table", "agauss", "grid"};

double sk_unit_ball_volume(int d) { return pow(M_PI, 0.5 * d) / tgamma(0.5 * d + 1.0); }
double sk_unit_sphere_area(int d) { return d * sk_unit_ball_volume(d); }

/* --------------------------------------------------------------- files */

/* Reads whitespace/comma separated numbers, skipping '#' and ';' comments;
 * records the line of each number. */
typedef struct {
  double *v;
  long *line;
  size_t n, cap;
} numbuf;

static int read_numbers(const char *path, numbuf *nb, sk_error *err) {
  memset(nb, 0, sizeof *nb); /* callers free nb->v and nb->line on every path */
  FILE *f = fopen(path, "r");
  if (!f) return sk_error_set(err, SK_EINVAL, "cannot open '%s': %s", path, strerror(errno));
  char buf[8192];
  long line = 0;
  memset(nb, 0, sizeof *nb);
  while (fgets(buf, sizeof buf, f)) {
    ++line;
    size_t len = strlen(buf);
    if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
      fclose(f);
      return sk_error_set(err, SK_EINVAL, "%s:%ld: line longer than %zu characters", path, line,
                          sizeof buf - 2);
    }
    char *hash = strpbrk(buf, "#;");
    if (hash) *hash = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t\r\n,", &save); tok; tok = strtok_r(NULL, " \t\r\n,", &save)) {
      char *end;
      errno = 0;
      double x = strtod(tok, &end);
      if (*end != '\0' || !isfinite(x)) {
        fclose(f);
        return sk_error_set(err, SK_EINVAL, "%s:%ld: '%s' is not a number", path, line, tok);
      }
      if (nb->n == nb->cap) {
        size_t nc = nb->cap ? 2 * nb->cap : 256;
        double *nv = realloc(nb->v, nc * sizeof *nv);
        long *nl = nv ? realloc(nb->line, nc * sizeof *nl) : NULL;
        if (!nv || !nl) {
          if (nv) nb->v = nv;
          fclose(f);
          return sk_error_set(err, SK_ENOMEM, "out of memory reading %s", path);
        }
        nb->v = nv;
        nb->line = nl;
        nb->cap = nc;
      }
      nb->v[nb->n] = x;
      nb->line[nb->n] = line;
      nb->n++;
    }
  }
  fclose(f);
  return SK_OK;
}

static int load_table(sk_kernel *k, const char *path, sk_error *err) {
  numbuf nb;
  int rc = read_numbers(path, &nb, err);
  if (rc) goto done;
  if (nb.n % 2 != 0) {
    rc = sk_error_set(err, SK_EINVAL, "%s:%ld: odd count of numbers (accepted: pairs 'r V(r)')",
                      path, nb.line[nb.n - 1]);
    goto done;
  }
  size_t n = nb.n / 2;
  if (n < 2) {
    rc = sk_error_set(err, SK_EINVAL, "%s: %zu point(s) (accepted: at least two 'r V(r)' lines)",
                      path, n);
    goto done;
  }
  k->tr = malloc(n * sizeof *k->tr);
  k->tv = malloc(n * sizeof *k->tv);
  if (!k->tr || !k->tv) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; ++i) {
    double r = nb.v[2 * i], v = nb.v[2 * i + 1];
    long ln = nb.line[2 * i];
    if (i == 0 && r != 0) {
      rc = sk_error_set(err, SK_EINVAL, "%s:%ld: first radius is %g (accepted: the table starts at r = 0)", path, ln, r);
      goto done;
    }
    if (i > 0 && !(r > k->tr[i - 1])) {
      rc = sk_error_set(err, SK_EINVAL, "%s:%ld: radius %g is not larger than the one before (accepted: strictly increasing r)", path, ln, r);
      goto done;
    }
    if (r > 1) {
      rc = sk_error_set(err, SK_EINVAL, "%s:%ld: radius %g > 1 (accepted: V is supported in the unit ball, r in [0, 1])", path, ln, r);
      goto done;
    }
    if (v < 0) {
      rc = sk_error_set(err, SK_EINVAL, "%s:%ld: V = %g < 0 (accepted: V >= 0)", path, ln, v);
      goto done;
    }
    k->tr[i] = r;
    k->tv[i] = v;
  }
  if (k->tr[n - 1] != 1) {
    rc = sk_error_set(err, SK_EINVAL, "%s:%ld: last radius is %g (accepted: the table ends at r = 1)",
                      path, nb.line[nb.n - 1], k->tr[n - 1]);
    goto done;
  }
  k->nt = n;
done:
  free(nb.v);
  free(nb.line);
  return rc;
}

static int load_grid(sk_kernel *k, const char *path, sk_error *err) {
  numbuf nb;
  int rc = read_numbers(path, &nb, err);
  if (rc) goto done;
  if (nb.n < 1 || nb.v[0] != floor(nb.v[0]) || nb.v[0] < 2 || nb.v[0] > 1024) {
    rc = sk_error_set(err, SK_EINVAL, "%s:%ld: first number must be the grid size n (accepted: an integer in [2, 1024])",
                      path, nb.n ? nb.line[0] : 1L);
    goto done;
  }
  size_t n = (size_t)nb.v[0];
  if (nb.n - 1 != n * n * n) {
    rc = sk_error_set(err, SK_EINVAL, "%s: %zu values after n = %zu (accepted: exactly n^3 = %zu node values)",
                      path, nb.n - 1, n, n * n * n);
    goto done;
  }
  k->grid = malloc(n * n * n * sizeof *k->grid);
  if (!k->grid) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n * n * n; ++i) {
    double v = nb.v[i + 1];
    if (v < 0) {
      rc = sk_error_set(err, SK_EINVAL, "%s:%ld: V = %g < 0 (accepted: V >= 0)", path, nb.line[i + 1], v);
      goto done;
    }
    k->grid[i] = v;
  }
  k->gn = n;
done:
  free(nb.v);
  free(nb.line);
  return rc;
}

/* ---------------------------------------------------------- evaluation */

static double table_eval(const sk_kernel *k, double r) {
  if (r > 1) return 0.0;
  size_t lo = 0, hi = k->nt - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (k->tr[mid] <= r) lo = mid;
    else hi = mid;
  }
  double t = (r - k->tr[lo]) / (k->tr[hi] - k->tr[lo]);
  return k->tv[lo] + t * (k->tv[hi] - k->tv[lo]);
}

static double grid_eval(const sk_kernel *k, const double *x) {
  size_t n = k->gn;
  double h = 2.0 / (double)(n - 1);
  size_t i0[3];
  double t[3];
  for (int a = 0; a < 3; ++a) {
    double s = (x[a] + 1.0) / h;
    if (s < 0) s = 0;
    double fl = floor(s);
    if (fl > (double)(n - 2)) fl = (double)(n - 2);
    i0[a] = (size_t)fl;
    t[a] = s - fl;
    if (t[a] > 1) t[a] = 1;
  }
  double v = 0;
  for (int c = 0; c < 8; ++c) {
    size_t ix = i0[0] + (c >> 2 & 1), iy = i0[1] + (c >> 1 & 1), iz = i0[2] + (c & 1);
    double w = ((c >> 2 & 1) ? t[0] : 1 - t[0]) * ((c >> 1 & 1) ? t[1] : 1 - t[1]) *
               ((c & 1) ? t[2] : 1 - t[2]);
    v += w * k->grid[(ix * n + iy) * n + iz];
  }
  return v;
}

double sk_kernel_radial_r2(const sk_kernel *k, double r2) {
  if (r2 > 1.0) return 0.0;
  switch (k->kind) {
    case SK_V_BALL: return 1.0;
    case SK_V_BUMP: return r2 < 1.0 ? exp(1.0 - 1.0 / (1.0 - r2)) : 0.0;
    case SK_V_GAUSS: return exp(-r2 * k->inv2w2);
    case SK_V_TABLE: return table_eval(k, sqrt(r2));
    default: return 0.0;
  }
}

double sk_kernel_radial(const sk_kernel *k, double r) {
  if (r < 0) r = -r;
  if (r > 1.0) return 0.0;
  if (k->kind == SK_V_TABLE) return table_eval(k, r);
  return sk_kernel_radial_r2(k, r * r);
}

double sk_kernel_eval(const sk_kernel *k, const double *x) {
  double r2 = 0;
  for (int i = 0; i < k->dim; ++i) r2 += x[i] * x[i];
  if (r2 > 1.0) return 0.0;
  switch (k->kind) {
    case SK_V_AGAUSS:
      return exp(-0.5 * (x[0] * x[0] * k->ia2[0] + x[1] * x[1] * k->ia2[1] + x[2] * x[2] * k->ia2[2]));
    case SK_V_GRID: return grid_eval(k, x);
    default: return sk_kernel_radial_r2(k, r2);
  }
}

/* ----------------------------------------------------------- integrals */

static double bump_integrand(double r, void *p) {
  int d = *(int *)p;
  if (r >= 1.0) return 0.0;
  return exp(1.0 - 1.0 / (1.0 - r * r)) * pow(r, d - 1);
}

/* Angular quadrature on S^2: Gauss-Legendre in cos(theta) x trapezoid in phi. */
static double sphere_quad(const sk_kernel *k, double (*radial_part)(const sk_kernel *, const double *),
                          size_t nmu, size_t nphi) {
  gsl_integration_glfixed_table *gl = gsl_integration_glfixed_table_alloc(nmu);
  if (!gl) return NAN;
  double s = 0;
  for (size_t i = 0; i < nmu; ++i) {
    double mu, wmu;
    gsl_integration_glfixed_point(-1, 1, i, &mu, &wmu, gl);
    double st = sqrt(1 - mu * mu);
    double sp = 0;
    for (size_t j = 0; j < nphi; ++j) {
      double phi = 2 * M_PI * (double)j / (double)nphi;
      double om[3] = {st * cos(phi), st * sin(phi), mu};
      sp += radial_part(k, om);
    }
    s += wmu * sp * (2 * M_PI / (double)nphi);
  }
  gsl_integration_glfixed_table_free(gl);
  return s;
}

/* agauss: int_0^1 r^2 exp(-q r^2/2) dr in closed form (incomplete gamma). */
static double agauss_radial(const sk_kernel *k, const double *om) {
  double q = om[0] * om[0] * k->ia2[0] + om[1] * om[1] * k->ia2[1] + om[2] * om[2] * k->ia2[2];
  double a = 0.5 * q;
  return 0.5 * pow(a, -1.5) * gsl_sf_gamma(1.5) * gsl_sf_gamma_inc_P(1.5, a);
}

/* grid: composite Gauss-Legendre in r on [0,1] (the interpolant is only
 * piecewise smooth, so this is accurate to the grid's own resolution). */
static double grid_radial(const sk_kernel *k, const double *om) {
  static const double xg[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
                               0.8611363115940526};
  static const double wg[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
                               0.3478548451374538};
  size_t panels = 4 * k->gn;
  double h = 1.0 / (double)panels, s = 0;
  for (size_t p = 0; p < panels; ++p) {
    for (int g = 0; g < 4; ++g) {
      double r = h * ((double)p + 0.5 * (1 + xg[g]));
      double x[3] = {r * om[0], r * om[1], r * om[2]};
      s += 0.5 * h * wg[g] * r * r * grid_eval(k, x);
    }
  }
  return s;
}

static int compute_integral(sk_kernel *k, sk_error *err) {
  int d = k->dim;
  double S = sk_unit_sphere_area(d);
  switch (k->kind) {
    case SK_V_BALL: k->integral = sk_unit_ball_volume(d); break;
    case SK_V_GAUSS: {
      double a = k->inv2w2; /* int_0^1 e^{-a r^2} r^{d-1} dr = gamma(d/2, a) / (2 a^{d/2}) */
      double half = 0.5 * d;
      k->integral = S * 0.5 * pow(a, -half) * gsl_sf_gamma(half) * gsl_sf_gamma_inc_P(half, a);
      break;
    }
    case SK_V_BUMP: {
      gsl_integration_cquad_workspace *w = gsl_integration_cquad_workspace_alloc(200);
      if (!w) return sk_error_set(err, SK_ENOMEM, "out of memory");
      gsl_function F = {bump_integrand, &d};
      double res, abserr;
      size_t nev;
      int st = gsl_integration_cquad(&F, 0, 1, 0, 1e-14, w, &res, &abserr, &nev);
      gsl_integration_cquad_workspace_free(w);
      if (st) return sk_error_set(err, SK_ENUMERIC, "integral of the bump kernel did not converge");
      k->integral = S * res;
      break;
    }
    case SK_V_TABLE: {
      double s = 0;
      for (size_t i = 0; i + 1 < k->nt; ++i) {
        double a = k->tr[i], b = k->tr[i + 1], va = k->tv[i], vb = k->tv[i + 1];
        double slope = (vb - va) / (b - a);
        double I0 = (pow(b, d) - pow(a, d)) / d, I1 = (pow(b, d + 1) - pow(a, d + 1)) / (d + 1);
        s += (va - slope * a) * I0 + slope * I1;
      }
      k->integral = S * s;
      break;
    }
    case SK_V_AGAUSS: k->integral = sphere_quad(k, agauss_radial, 96, 192); break;
    case SK_V_GRID: k->integral = sphere_quad(k, grid_radial, 64, 128); break;
  }
  if (!isfinite(k->integral))
    return sk_error_set(err, SK_ENUMERIC, "integral of the %s kernel failed", names[k->kind]);
  return SK_OK;
}

/* ------------------------------------------------------------- create */

int sk_kernel_create(const sk_kernel_spec *spec, sk_kernel **out, sk_error *err) {
  *out = NULL;
  if (spec->dim < 1 || spec->dim > SK_MAX_DIM)
    return sk_error_set(err, SK_EINVAL, "kernel dimension %d outside [1, %d]", spec->dim, SK_MAX_DIM);
  if ((spec->kind == SK_V_AGAUSS || spec->kind == SK_V_GRID) && spec->dim != 3)
    return sk_error_set(err, SK_EINVAL, "the %s kernel is defined in d = 3 only (d = %d)",
                        names[spec->kind], spec->dim);
  sk_kernel *k = calloc(1, sizeof *k);
  if (!k) return sk_error_set(err, SK_ENOMEM, "out of memory");
  k->kind = spec->kind;
  k->dim = spec->dim;
  k->w = spec->gauss_width > 0 ? spec->gauss_width : 0.3;
  k->inv2w2 = 1.0 / (2 * k->w * k->w);
  int rc = SK_OK;
  switch (spec->kind) {
    case SK_V_AGAUSS:
      for (int i = 0; i < 3; ++i) {
        if (!(spec->axes[i] > 0)) {
          rc = sk_error_set(err, SK_EINVAL, "agauss axes must be > 0");
          goto fail;
        }
        k->ia2[i] = 1.0 / (spec->axes[i] * spec->axes[i]);
      }
      break;
    case SK_V_TABLE:
      if (!spec->path) {
        rc = sk_error_set(err, SK_EINVAL, "the table kernel needs a file");
        goto fail;
      }
      if ((rc = load_table(k, spec->path, err))) goto fail;
      break;
    case SK_V_GRID:
      if (!spec->path) {
        rc = sk_error_set(err, SK_EINVAL, "the grid kernel needs a file");
        goto fail;
      }
      if ((rc = load_grid(k, spec->path, err))) goto fail;
      break;
    default: break;
  }
  k->sup = 1.0;
  if (k->kind == SK_V_TABLE) {
    k->sup = 0;
    for (size_t i = 0; i < k->nt; ++i) k->sup = fmax(k->sup, k->tv[i]);
  } else if (k->kind == SK_V_GRID) {
    k->sup = 0;
    for (size_t i = 0; i < k->gn * k->gn * k->gn; ++i) k->sup = fmax(k->sup, k->grid[i]);
  }
  if ((rc = compute_integral(k, err))) goto fail;
  if (!(k->integral > 0)) {
    rc = sk_error_set(err, SK_EINVAL, "the %s kernel has zero integral (accepted: V not identically 0)",
                      names[k->kind]);
    goto fail;
  }
  *out = k;
  return SK_OK;
fail:
  sk_kernel_free(k);
  return rc;
}

void sk_kernel_free(sk_kernel *k) {
  if (!k) return;
  free(k->tr);
  free(k->tv);
  free(k->grid);
  free(k);
}

sk_vkind sk_kernel_kind(const sk_kernel *k) { return k->kind; }
const char *sk_kernel_name(const sk_kernel *k) { return names[k->kind]; }
int sk_kernel_dim(const sk_kernel *k) { return k->dim; }
int sk_kernel_is_radial(const sk_kernel *k) {
  return k->kind != SK_V_AGAUSS && k->kind != SK_V_GRID;
}
double sk_kernel_integral(const sk_kernel *k) { return k->integral; }
double sk_kernel_sup(const sk_kernel *k) { return k->sup; }
size_t sk_kernel_breakpoints(const sk_kernel *k, const double **r) {
  if (k->kind == SK_V_TABLE && k->nt > 2) {
    *r = k->tr + 1;
    return k->nt - 2;
  }
  *r = NULL;
  return 0;
}
int sk_kernel_grid_shape(const sk_kernel *k, size_t *n, const double **values) {
  if (k->kind != SK_V_GRID) return SK_EINVAL;
  *n = k->gn;
  *values = k->grid;
  return SK_OK;
}
