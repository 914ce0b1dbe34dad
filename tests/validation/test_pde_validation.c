/* Validation of the coagulation–diffusion solver (include/smolkin/pde.h):
 *  1. spatially uniform data on the torus against the exact ODE solutions
 *     (Ziff–Ernst–Hendriks closed forms, include/smolkin/ode_exact.h);
 *  2. pure diffusion against the heat kernel (exact Gaussian / periodised
 *     Gaussian cell averages); measured order in space;
 *  3. order in time of the split scheme with coagulation (Richardson-type
 *     self-convergence: errors against a run with dt/16);
 *  4. radial (d = 3) against the 3-D Cartesian solver for the same radial
 *     problem;
 *  5. M1 + tail + outflow conserved;
 *  6. the weak form (1.10) residual for a smooth J, shrinking with h.
 * Deterministic (no randomness). The figures are printed (docs/pde.md). */
// ctest: TIMEOUT 600
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smolkin/ode_exact.h"
#include "smolkin/pde.h"
#include "testutil.h"

/* a finalized model from "section.key=value", ..., NULL */
#define model(...) sk_test_model_args(__VA_ARGS__)

static sk_pde *make(const sk_model *m, long long cells, double dt, int coag) {
  sk_pde_opts o;
  sk_pde_opts_from_model(m, &o);
  if (cells) o.cells = cells;
  if (dt > 0) o.dt = dt;
  o.coagulation = coag;
  sk_pde *p;
  sk_error err;
  int rc = sk_pde_alloc(m, &o, &p, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(rc, 0);
  return p;
}

static void advance(sk_pde *p, double t) {
  sk_error err;
  int rc = sk_pde_advance(p, t, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(rc, 0);
}

/* 1. Uniform data on the torus: f_n(x, t) = ODE solution for every x. */
static void test_uniform_torus_vs_exact_ode(void **state) {
  (void)state;
  const char *kinds[2] = {"constant", "additive"};
  const sk_coag_kind kk[2] = {SK_COAG_CONSTANT, SK_COAG_ADDITIVE};
  for (int dim = 1; dim <= 3; dim += 2)
    for (int k = 0; k < 2; ++k) {
      char kern[64], dimb[32];
      snprintf(kern, sizeof kern, "coagulation.kernel=%s", kinds[k]);
      snprintf(dimb, sizeof dimb, "model.dim=%d", dim);
      sk_model *m = model("model.geometry=torus", dimb, kern, "coagulation.scale=1.3",
                          "coagulation.nmax=400", "pde.rtol=1e-9", "initial.Z=0.7", "run.T=1", "run.times=0.5,1",
                          NULL);
      sk_pde *p = make(m, dim == 1 ? 8 : 4, 0, 1);
      double worst = 0;
      for (int it = 1; it <= 2; ++it) {
        double t = 0.5 * it;
        advance(p, t);
        for (long long n = 1; n <= 12; ++n) {
          double ex = sk_ode_exact_f(kk[k], 1.3, 0.7, n, t);
          double got = sk_pde_integral(p, n);
          worst = fmax(worst, fabs(got / ex - 1));
          assert_close(got, ex, 1e-6, 0);
        }
        double M0 = sk_pde_M0(p), ex0 = sk_ode_exact_moment(kk[k], 1.3, 0.7, 0, t);
        worst = fmax(worst, fabs(M0 / ex0 - 1));
        assert_close(M0, ex0, 1e-6, 0);
        /* the conservation bound (rounding of the FFT sums accumulates) */
        assert_close(sk_pde_M1(p) + sk_pde_tail_mass(p), 0.7, 1e-10, 0);
      }
      printf("uniform torus d=%d %-8s: max rel. error of f_1..f_12, M0 at t=0.5,1: %.2e\n", dim,
             kinds[k], worst);
      sk_pde_free(p);
      sk_model_free(m);
    }
}

/* Cell average of the periodised 1-D Gaussian of variance s2 centred at c on
 * [0,L), over [a, a+h] (exact: error functions). */
static double per_gauss_avg(double a, double h, double c, double s2, double L) {
  double s = 0, sd = sqrt(2 * s2);
  for (int k = -6; k <= 6; ++k) {
    double lo = (a - c - k * L) / sd, hi = (a + h - c - k * L) / sd;
    s += 0.5 * (erf(hi) - erf(lo));
  }
  return s / h;
}

/* 2a. Heat kernel on the 1-D torus: max error of cell averages ~ h^2. */
static void test_heat_kernel_torus_order(void **state) {
  (void)state;
  const double D0 = 0.7, sig = 0.08, T = 0.01, L = 1;
  double errs[4];
  int Ns[4] = {32, 64, 128, 256};
  printf("heat kernel, 1-D torus, sigma = %g, dif = %g, t = %g:\n", sig, D0, T);
  for (int q = 0; q < 4; ++q) {
    sk_model *m = model("model.geometry=torus", "model.dim=1", "diffusion.D0=0.7",
                        "initial.space=gaussian", "initial.sigma=0.08", "coagulation.nmax=1",
                        "coagulation.kernel=constant", "run.T=0.01", "run.times=0.01", NULL);
    sk_pde *p = make(m, Ns[q], 0.01, 0);
    advance(p, T);
    double *f = malloc((size_t)Ns[q] * sizeof *f);
    sk_pde_density(p, 1, f);
    double h = L / Ns[q], e = 0;
    for (int i = 0; i < Ns[q]; ++i) {
      double ex = per_gauss_avg(i * h, h, 0.5, sig * sig + 2 * D0 * T, L);
      e = fmax(e, fabs(f[i] - ex));
    }
    errs[q] = e;
    printf("  N = %4d  max |f - exact| = %.3e%s", Ns[q], e, q ? "" : "\n");
    if (q) printf("   order %.3f\n", log2(errs[q - 1] / e));
    free(f);
    sk_pde_free(p);
    sk_model_free(m);
  }
  for (int q = 1; q < 4; ++q) assert_true(log2(errs[q - 1] / errs[q]) > 1.9);
}

/* Exact radial heat kernel cell averages in d = 3: f(r) = (2 pi s2)^(-3/2)
 * exp(-r^2/(2 s2)), averaged with weight r^2 (16-point composite Simpson). */
static double rad_avg(double a, double h, double s2) {
  int K = 64;
  double s = 0, w = 0;
  for (int j = 0; j <= K; ++j) {
    double r = a + h * j / K, c = (j == 0 || j == K) ? 1 : (j % 2 ? 4 : 2);
    s += c * r * r * exp(-0.5 * r * r / s2);
    w += c * r * r;
  }
  return s / w * pow(2 * M_PI * s2, -1.5);
}

/* 2b. Radial d = 3 heat kernel: order in space (dt tiny) and in time (CN). */
static void test_heat_kernel_radial_order(void **state) {
  (void)state;
  const double sig = 0.5, D0 = 1, T = 0.25;
  sk_model *m = model("model.geometry=radial", "model.dim=3", "initial.space=gaussian",
                      "initial.sigma=0.5", "coagulation.nmax=1", "coagulation.kernel=constant",
                      "pde.rmax=6", "run.T=0.25", "run.times=0.25", NULL);
  double s2 = sig * sig + 2 * D0 * T;
  printf("heat kernel, radial d = 3, sigma = %g, rmax = 6, t = %g:\n", sig, T);
  /* space: dt = T/256 (time error far below) */
  int Ns[4] = {24, 48, 96, 192};
  double es[4];
  for (int q = 0; q < 4; ++q) {
    sk_pde *p = make(m, Ns[q], T / 256, 0);
    advance(p, T);
    double *f = malloc((size_t)Ns[q] * sizeof *f);
    sk_pde_density(p, 1, f);
    double h = 6.0 / Ns[q], e = 0;
    for (int i = 0; i < Ns[q]; ++i) e = fmax(e, fabs(f[i] - rad_avg(i * h, h, s2)));
    es[q] = e;
    printf("  space: N = %4d  max error %.3e", Ns[q], e);
    if (q) printf("   order %.3f", log2(es[q - 1] / e));
    printf("   outflow %.2e\n", sk_pde_outflow(p));
    free(f);
    sk_pde_free(p);
  }
  for (int q = 1; q < 4; ++q) assert_true(log2(es[q - 1] / es[q]) > 1.9);
  /* time: N = 192 fixed, errors against dt = T/1024 on the same grid */
  sk_pde *ref = make(m, 192, T / 1024, 0);
  advance(ref, T);
  double fr[192], f[192], et[4];
  sk_pde_density(ref, 1, fr);
  double dts[4] = {T / 8, T / 16, T / 32, T / 64};
  for (int q = 0; q < 4; ++q) {
    sk_pde *p = make(m, 192, dts[q], 0);
    advance(p, T);
    sk_pde_density(p, 1, f);
    double e = 0;
    for (int i = 0; i < 192; ++i) e = fmax(e, fabs(f[i] - fr[i]));
    et[q] = e;
    printf("  time:  dt = T/%-3d max |f - f(dt = T/1024)| = %.3e", (int)lround(T / dts[q]), e);
    if (q) printf("   order %.3f", log2(et[q - 1] / e));
    printf("\n");
    sk_pde_free(p);
  }
  for (int q = 2; q < 4; ++q) assert_true(log2(et[q - 1] / et[q]) > 1.9);
  sk_pde_free(ref);
  sk_model_free(m);
}



/* 2c. Radial grids in d = 1, 2, 5 (any d >= 1): pure diffusion of a Gaussian
 * keeps the mass and moves the second moment exactly as the heat equation
 * does, int |x|^2 f = Z d (sigma^2 + 2 dif t) (exact); the FV solution
 * converges to it at order 2. */
static void test_radial_any_dimension(void **state) {
  (void)state;
  const int dims[3] = {1, 2, 5};
  for (int q = 0; q < 3; ++q) {
    char db[32];
    snprintf(db, sizeof db, "model.dim=%d", dims[q]);
    sk_model *m = model("model.geometry=radial", db, "initial.space=gaussian", "initial.sigma=0.4",
                        "initial.Z=2", "diffusion.D0=0.5", "coagulation.kernel=constant",
                        "coagulation.nmax=1", "pde.rmax=8", "run.T=0.3", "run.times=0.3", NULL);
    double e[2], mass = 0;
    for (int k = 0; k < 2; ++k) {
      long long N = 100 << k;
      sk_pde *p = make(m, N, 0.3 / 64, 0);
      advance(p, 0.3);
      const double *vol = sk_pde_volumes(p);
      double *f = malloc((size_t)N * sizeof *f), m2 = 0;
      sk_pde_density(p, 1, f);
      for (long long i = 0; i < N; ++i) {
        double r;
        sk_pde_cell_center(p, (size_t)i, &r);
        /* exact cell integral of r^2 against the piecewise-constant f */
        double a = (double)i * 8.0 / N, b = a + 8.0 / N;
        m2 += f[i] * vol[i] * (pow(b, dims[q] + 2) - pow(a, dims[q] + 2)) /
              (pow(b, dims[q]) - pow(a, dims[q])) * dims[q] / (dims[q] + 2);
      }
      double ex = 2 * dims[q] * (0.16 + 2 * 0.5 * 0.3);
      e[k] = fabs(m2 / ex - 1);
      mass = sk_pde_integral(p, 1);
      printf("radial d = %d, N = %3lld: int f = %.12f (Z = 2), int |x|^2 f rel. error %.3e\n",
             dims[q], N, mass, e[k]);
      free(f);
      sk_pde_free(p);
    }
    assert_close(mass, 2, 1e-9, 0);
    assert_true(e[1] < 1e-3 && log2(e[0] / e[1]) > 1.8);
    sk_model_free(m);
  }
}

/* max over cells and masses 1..K of |a - b| */
static double maxdiff(const sk_pde *a, const sk_pde *b, int K) {
  size_t nc = sk_pde_ncells(a);
  double *x = malloc(nc * sizeof *x), *y = malloc(nc * sizeof *y), e = 0;
  for (int n = 1; n <= K; ++n) {
    sk_pde_density(a, n, x);
    sk_pde_density(b, n, y);
    for (size_t i = 0; i < nc; ++i) e = fmax(e, fabs(x[i] - y[i]));
  }
  free(x);
  free(y);
  return e;
}

/* 3. Order in time of the whole scheme (Strang splitting with coagulation):
 * 1-D torus and radial d = 3, errors against dt = T/1024 on the same grid. */
static void test_time_order_with_coagulation(void **state) {
  (void)state;
  for (int g = 0; g < 2; ++g) {
    sk_model *m =
        g == 0 ? model("model.geometry=torus", "model.dim=1", "diffusion.D0=0.05", "diffusion.p=1",
                       "initial.space=gaussian", "initial.sigma=0.1", "coagulation.kernel=constant",
                       "coagulation.scale=2", "coagulation.nmax=16", "pde.rtol=1e-12",
                       "run.T=0.5", "run.times=0.5", NULL)
               : model("model.geometry=radial", "model.dim=3", "diffusion.D0=0.2", "diffusion.p=1",
                       "initial.space=gaussian", "initial.sigma=0.3", "coagulation.kernel=additive",
                       "coagulation.scale=1", "coagulation.nmax=16", "pde.rtol=1e-12", "pde.rmax=4",
                       "run.T=0.5", "run.times=0.5", NULL);
    long long N = g == 0 ? 128 : 96;
    const double T = 0.5;
    sk_pde *ref = make(m, N, T / 1024, 1);
    advance(ref, T);
    double e[4];
    printf("time order with coagulation, %s (N = %lld, masses 1..16, t = %g):\n",
           g == 0 ? "1-D torus, constant kernel" : "radial d = 3, additive kernel", N, T);
    for (int q = 0; q < 4; ++q) {
      double dt = T / (8 << q);
      sk_pde *p = make(m, N, dt, 1);
      advance(p, T);
      e[q] = maxdiff(p, ref, 16);
      printf("  dt = T/%-3d max |f - f(T/1024)| = %.3e", 8 << q, e[q]);
      if (q) printf("   order %.3f", log2(e[q - 1] / e[q]));
      printf("\n");
      sk_pde_free(p);
    }
    for (int q = 2; q < 4; ++q) assert_true(log2(e[q - 1] / e[q]) > 1.9);
    sk_pde_free(ref);
    sk_model_free(m);
  }
}

/* 4. The same radially symmetric problem (d = 3, Gaussian data, constant
 * kernel, dif(n) = 0.1 n^-1/2) on the radial grid (512 cells) and on the
 * 3-D whole-space box (side 4.8 = 9.6 sigma) with 32^3 and 64^3 cells. The
 * Cartesian error is O(h^2) with a large constant for f_3 (~ f_1^3 is
 * sensitive to the cell averaging of the peak: 3.7e-3 at 64^3, 1.6e-3 at
 * 96^3), so the test checks (a) that the Cartesian solutions converge to
 * the radial one at order ~2 and (b) that their h -> 0 extrapolate
 * (4 X_64 - X_32)/3 agrees with the radial solution to 1e-3. */
static void test_radial_vs_cartesian(void **state) {
  (void)state;
  sk_model *mr = model("model.geometry=radial", "model.dim=3", "diffusion.D0=0.1",
                       "diffusion.p=0.5", "initial.space=gaussian", "initial.sigma=0.5",
                       "coagulation.kernel=constant", "coagulation.scale=4", "coagulation.nmax=8",
                       "observe.gauss_sigma=0.3,1", "run.T=0.2", "run.times=0.2", NULL);
  sk_model *mc = model("model.geometry=whole-space", "model.dim=3", "diffusion.D0=0.1",
                       "diffusion.p=0.5", "initial.space=gaussian", "initial.sigma=0.5",
                       "coagulation.kernel=constant", "coagulation.scale=4", "coagulation.nmax=8",
                       "observe.gauss_sigma=0.3,1", "pde.box=4.8", "run.T=0.2", "run.times=0.2",
                       NULL);
  sk_pde *pr = make(mr, 512, 0.01, 1);
  sk_pde *p32 = make(mc, 32, 0.01, 1);
  sk_pde *p64 = make(mc, 64, 0.01, 1);
  advance(pr, 0.2);
  advance(p32, 0.2);
  advance(p64, 0.2);
  sk_observe *or, *oc;
  sk_error err;
  assert_int_equal(sk_observe_create(mr, &or, &err), 0);
  assert_int_equal(sk_observe_create(mc, &oc, &err), 0);
  printf("radial (512 cells) vs 3-D box (side 4.8; 32^3, 64^3, extrapolated) at t = 0.2:\n");
  double worst = 0, worst64 = 0;
  /* quantities: int f_n, int J_k f_n for n = 1..4, then M0 */
  for (int q = 0; q < 13; ++q) {
    int n = q % 4 + 1, kind = q / 4; /* 0: int f_n, 1, 2: gauss 0.3, 1; 3: M0 */
    double r, a, b;
    char name[48];
    if (kind == 0) {
      r = sk_pde_integral(pr, n), a = sk_pde_integral(p32, n), b = sk_pde_integral(p64, n);
      snprintf(name, sizeof name, "int f_%d", n);
    } else if (kind < 3) {
      r = sk_pde_observe(pr, or, kind - 1, n), a = sk_pde_observe(p32, oc, kind - 1, n);
      b = sk_pde_observe(p64, oc, kind - 1, n);
      snprintf(name, sizeof name, "int %s f_%d", sk_observe_name(or, kind - 1), n);
    } else {
      r = sk_pde_M0(pr), a = sk_pde_M0(p32), b = sk_pde_M0(p64);
      snprintf(name, sizeof name, "M0");
    }
    double ex = (4 * b - a) / 3, e32 = fabs(a / r - 1), e64 = fabs(b / r - 1);
    double eex = fabs(ex / r - 1);
    printf("  %-18s radial %.9f  rel. diff 32^3 %.2e  64^3 %.2e (order %.2f)  extrapolated %.2e\n",
           name, r, e32, e64, log2(e32 / e64), eex);
    worst = fmax(worst, eex);
    worst64 = fmax(worst64, e64);
    assert_true(eex < 1e-3);
    if (e64 > 1e-5) assert_true(log2(e32 / e64) > 1.7);
  }
  sk_pde_stats st;
  sk_pde_get_stats(p64, &st);
  printf("  worst: extrapolated %.2e, 64^3 %.2e; box: mass in outermost cells %.2e; radial "
         "outflow %.2e\n",
         worst, worst64, st.boundary_mass, sk_pde_outflow(pr));
  sk_observe_free(or);
  sk_observe_free(oc);
  sk_pde_free(pr);
  sk_pde_free(p32);
  sk_pde_free(p64);
  sk_model_free(mr);
  sk_model_free(mc);
}

/* 5. M1 + tail + outflow = M1(0): a radial grid cut short (much outflow),
 * a small nmax (much tail), three kernels. */
static void test_conservation(void **state) {
  (void)state;
  const char *kinds[3] = {"constant", "additive", "multiplicative"};
  for (int k = 0; k < 3; ++k) {
    char kern[64];
    snprintf(kern, sizeof kern, "coagulation.kernel=%s", kinds[k]);
    sk_model *m = model("model.geometry=radial", "model.dim=3", "diffusion.D0=0.3",
                        "diffusion.p=0.333", "initial.space=gaussian", "initial.sigma=0.3", kern,
                        "coagulation.scale=3", "coagulation.nmax=10", "pde.rmax=1.2",
                        "initial.mass=weights", "initial.weights=1,0.5,0.25", "run.T=1",
                        "run.times=1", NULL);
    sk_pde *p = make(m, 200, 0, 1);
    double M10 = sk_pde_M1(p);
    advance(p, 1);
    double M1 = sk_pde_M1(p), tail = sk_pde_tail_mass(p), out = sk_pde_outflow(p);
    double dev = fabs(M1 + tail + out - M10) / M10;
    printf("conservation, radial d=3, %-14s: M1 %.6f tail %.6f outflow %.6f  |M1+tail+out-M1(0)|/M1(0) = %.1e\n",
           kinds[k], M1, tail, out, dev);
    assert_true(tail > 1e-3 && out > 1e-3);
    assert_true(dev < 1e-10);
    sk_pde_free(p);
    sk_model_free(m);
  }
}

/* 6. The weak form (1.10) for J(r) = exp(-r^2/(2 s^2)):
 *   R_n(t) = <J, f_n(t)> - <J, h_n> - int_0^t [dif(n) <Lap J, f_n> + <J, C(f)_n>] ds
 * with <.,.> the midpoint rule on the cells and the time integral by
 * Simpson's rule on 64 intervals; R should be O(h^2) (dt ~ h). */
static double weak_residual(const sk_model *m, long long N) {
  const double T = 0.4, s = 0.4;
  const int K = 64, nm = 3;
  sk_pde *p = make(m, N, T / (double)N, 1);
  size_t nc = sk_pde_ncells(p);
  long long M = sk_pde_nmax(p);
  const double *vol = sk_pde_volumes(p);
  double *J = malloc(nc * sizeof *J), *LJ = malloc(nc * sizeof *LJ);
  double *f = malloc(nc * (size_t)M * sizeof *f), *col = malloc(nc * sizeof *col);
  double *df = malloc((size_t)M * sizeof *df);
  sk_coag_ws *ws;
  sk_error err;
  assert_int_equal(sk_coag_ws_alloc(sk_pde_coag(p), &ws, &err), 0);
  for (size_t i = 0; i < nc; ++i) {
    double r;
    sk_pde_cell_center(p, i, &r);
    J[i] = exp(-0.5 * r * r / (s * s));
    LJ[i] = (r * r / pow(s, 4) - 3 / (s * s)) * J[i];
  }
  double J0[3], integ[3] = {0, 0, 0}, worst = 0;
  for (int k = 0; k <= K; ++k) {
    double t = T * k / K;
    advance(p, t);
    for (long long n = 1; n <= M; ++n) {
      sk_pde_density(p, n, col);
      for (size_t i = 0; i < nc; ++i) f[i * (size_t)M + (size_t)n - 1] = col[i];
    }
    double g[3] = {0, 0, 0}, jf[3] = {0, 0, 0};
    for (size_t i = 0; i < nc; ++i) {
      double tr;
      sk_coag_rhs(sk_pde_coag(p), ws, f + i * (size_t)M, df, &tr);
      for (int n = 0; n < nm; ++n) {
        double fn = f[i * (size_t)M + (size_t)n];
        g[n] += vol[i] * (0.2 * pow(n + 1, -1.0) * LJ[i] * fn + J[i] * df[n]);
        jf[n] += vol[i] * J[i] * fn;
      }
    }
    double w = (k == 0 || k == K) ? 1 : (k % 2 ? 4 : 2);
    for (int n = 0; n < nm; ++n) {
      if (k == 0) J0[n] = jf[n];
      integ[n] += w * g[n] * T / K / 3;
    }
    if (k == K)
      for (int n = 0; n < nm; ++n) worst = fmax(worst, fabs(jf[n] - J0[n] - integ[n]) / J0[0]);
  }
  sk_coag_ws_free(ws);
  free(J);
  free(LJ);
  free(f);
  free(col);
  free(df);
  sk_pde_free(p);
  return worst;
}

static void test_weak_form(void **state) {
  (void)state;
  sk_model *m = model("model.geometry=radial", "model.dim=3", "diffusion.D0=0.2",
                      "diffusion.p=1", "initial.space=gaussian", "initial.sigma=0.3",
                      "coagulation.kernel=additive", "coagulation.scale=2", "coagulation.nmax=24",
                      "pde.rtol=1e-11", "pde.rmax=4", "run.T=0.4", "run.times=0.4", NULL);
  long long Ns[3] = {50, 100, 200};
  double r[3];
  printf("weak form (1.10), radial d = 3, J = exp(-r^2/(2 0.4^2)), t = 0.4, masses 1..3:\n");
  for (int q = 0; q < 3; ++q) {
    r[q] = weak_residual(m, Ns[q]);
    printf("  N = %3lld (dt = T/N)  max_n |R_n| / <J, h_1> = %.3e", Ns[q], r[q]);
    if (q) printf("   ratio %.2f (order %.2f)", r[q - 1] / r[q], log2(r[q - 1] / r[q]));
    printf("\n");
  }
  assert_true(r[2] < 1e-3);
  for (int q = 1; q < 3; ++q) assert_true(log2(r[q - 1] / r[q]) > 1.8);
  sk_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_uniform_torus_vs_exact_ode),
      cmocka_unit_test(test_heat_kernel_torus_order),
      cmocka_unit_test(test_heat_kernel_radial_order),
      cmocka_unit_test(test_radial_any_dimension),
      cmocka_unit_test(test_time_order_with_coagulation),
      cmocka_unit_test(test_radial_vs_cartesian),
      cmocka_unit_test(test_conservation),
      cmocka_unit_test(test_weak_form),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
