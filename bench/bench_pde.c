/* Benchmark of the coagulation–diffusion solver (include/smolkin/pde.h).
 *
 *   bench_pde [radial|torus|torus128|evals|all] [dt] [Tstop | Z]
 *                                  (default: all = evals radial torus; Tstop ends a
 *                                   torus/torus128 run early, for extrapolations;
 *                                   Z replaces the radial cloud's Z = 1)
 *
 * radial    3-D radial grid, 4096 cells x 1024 masses to T = 10: Gaussian cloud
 *           (sigma = 1, Z = 1) of monomers, dif(n) = n^(-1/3) (Stokes–Einstein),
 *           beta(n,m) from the recipe (ball kernel, alpha = 10), low-rank sums,
 *           rmax automatic, splitting step dt = 0.25 (or the 2nd argument).
 * torus     periodic 3-D box (side 1), 64^3 cells x 32 masses to T = 1: Gaussian
 *           blob (sigma = 0.1, Z = 0.1), dif(n) = 0.01 n^(-1/3), recipe beta
 *           (ball, alpha = 10), dt = T/40 (or the 2nd argument).
 * torus128  the same with 128^3 cells x 64 masses (the 10-minute goal).
 * evals     cost of one evaluation of C(f) for the nmax used above (the
 *           extrapolation of torus -> torus128 in docs/bench-pde.md uses it).
 * Threads: OMP_NUM_THREADS. Prints wall and process CPU seconds and the load.
 * Figures and commands are recorded in docs/bench-pde.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "smolkin/pde.h"
#include "smolkin/util.h"
#include "bench_util.h"

static sk_model *model(const char **a) {
  sk_model *m;
  sk_error e;
  if (sk_model_create(&m, &e)) return NULL;
  for (; *a; ++a)
    if (sk_model_set_assignment(m, *a, "bench", &e)) {
      fprintf(stderr, "%s\n", e.msg);
      exit(1);
    }
  if (sk_model_finalize(m, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    exit(1);
  }
  return m;
}

static void run(const char *name, const char **keys, double T, int nrep) {
  sk_model *m = model(keys);
  sk_pde_opts o;
  sk_pde_opts_from_model(m, &o);
  sk_pde *p;
  sk_error e;
  char l0[128], l1[128];
  bench_loadavg(l0, sizeof l0);
  double w0 = sk_wtime(), c0 = bench_cpu_process();
  if (sk_pde_alloc(m, &o, &p, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    exit(1);
  }
  double M10 = sk_pde_M1(p);
  double wa = sk_wtime() - w0;
  printf("%s: %s d = %d, %zu cells, nmax = %lld, %s sums (rank %d), threads %d, extent %g\n", name,
         sk_pde_geometry_name(p), sk_pde_dim(p), sk_pde_ncells(p), sk_pde_nmax(p),
         sk_coag_path_name(sk_pde_coag(p)), sk_coag_rank(sk_pde_coag(p)), omp_get_max_threads(),
         sk_pde_extent(p));
  printf("  setup %.2f s\n", wa);
  for (int k = 1; k <= nrep; ++k) {
    double t = T * k / nrep;
    if (sk_pde_advance(p, t, &e)) {
      fprintf(stderr, "%s\n", e.msg);
      exit(1);
    }
    sk_pde_stats st;
    sk_pde_get_stats(p, &st);
    printf("  t = %-6g wall %8.2f s  cpu %8.2f s  M0 %.6f M1 %.6f tail %.3e outflow %.3e  steps "
           "%lld, C evals %lld (cell steps: euler %lld, heun %lld, bs3 %lld; rejected %lld)\n",
           t, sk_wtime() - w0, bench_cpu_process() - c0, sk_pde_M0(p), sk_pde_M1(p), sk_pde_tail_mass(p),
           sk_pde_outflow(p), st.steps, st.coag_rhs, st.coag_euler, st.coag_heun, st.coag_bs3,
           st.coag_rejected);
    fflush(stdout);
  }
  bench_loadavg(l1, sizeof l1);
  double bal = fabs(sk_pde_M1(p) + sk_pde_tail_mass(p) + sk_pde_outflow(p) - M10) / M10;
  printf("  total wall %.2f s, cpu %.2f s; |M1 + tail + outflow - M1(0)|/M1(0) = %.1e\n",
         sk_wtime() - w0, bench_cpu_process() - c0, bal);
  printf("  load before: %s | after: %s\n", l0, l1);
  sk_pde_free(p);
  sk_model_free(m);
}

static void evals(void) {
  const long long nm[3] = {32, 64, 1024};
  for (int q = 0; q < 3; ++q) {
    char buf[64];
    snprintf(buf, sizeof buf, "coagulation.nmax=%lld", nm[q]);
    const char *keys[] = {"model.geometry=radial", "model.dim=3", "diffusion.p=0.333333333333333",
                          "initial.space=gaussian", buf,
                          nm[q] > 256 ? "coagulation.method=lowrank" : "coagulation.method=auto",
                          "pde.cells=4", NULL};
    sk_model *m = model(keys);
    sk_pde *p;
    sk_error e;
    if (sk_pde_alloc(m, NULL, &p, &e)) {
      fprintf(stderr, "%s\n", e.msg);
      exit(1);
    }
    const sk_coag *c = sk_pde_coag(p);
    sk_coag_ws *ws;
    sk_coag_ws_alloc(c, &ws, &e);
    double *f = malloc((size_t)nm[q] * sizeof *f), *df = malloc((size_t)nm[q] * sizeof *df), tr;
    for (long long n = 0; n < nm[q]; ++n) f[n] = exp(-0.01 * (double)n);
    int R = nm[q] > 256 ? 2000 : 200000;
    double c0 = bench_cpu_process();
    for (int i = 0; i < R; ++i) sk_coag_rhs(c, ws, f, df, &tr);
    printf("evals: nmax = %4lld (%s, rank %d): %.3f us per evaluation of C(f) (cpu, 1 thread)\n",
           nm[q], sk_coag_path_name(c), sk_coag_rank(c), (bench_cpu_process() - c0) / R * 1e6);
    free(f);
    free(df);
    sk_coag_ws_free(ws);
    sk_pde_free(p);
    sk_model_free(m);
  }
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "all";
  char dtb[64] = "pde.dt=0";
  int all = strcmp(what, "all") == 0;
  if (all || strcmp(what, "evals") == 0) evals();
  if (all || strcmp(what, "radial") == 0) {
    snprintf(dtb, sizeof dtb, "pde.dt=%s", argc > 2 ? argv[2] : "0.25");
    char zb[64];
    snprintf(zb, sizeof zb, "initial.Z=%s", argc > 3 ? argv[3] : "1");
    const char *keys[] = {"model.geometry=radial", "model.dim=3", "diffusion.D0=1",
                          "diffusion.p=0.333333333333333", "interaction.kernel=ball",
                          "interaction.alpha=10", "initial.space=gaussian", "initial.sigma=1",
                          zb, "coagulation.kernel=recipe", "coagulation.nmax=1024",
                          "coagulation.method=lowrank", "pde.cells=4096", dtb, "run.T=10",
                          "run.times=10", NULL};
    run("radial", keys, 10, 4);
  }
  for (int big = 0; big < 2; ++big) {
    if (!(big == 0 && (all || strcmp(what, "torus") == 0)) &&
        !(big == 1 && strcmp(what, "torus128") == 0))
      continue;
    snprintf(dtb, sizeof dtb, "pde.dt=%s", argc > 2 ? argv[2] : "0.025");
    const char *keys[] = {"model.geometry=torus", "model.dim=3", "model.box=1", "diffusion.D0=0.01",
                          "diffusion.p=0.333333333333333", "interaction.kernel=ball",
                          "interaction.alpha=10", "initial.space=gaussian", "initial.sigma=0.1",
                          "initial.Z=0.1", "coagulation.kernel=recipe",
                          big ? "coagulation.nmax=64" : "coagulation.nmax=32",
                          big ? "pde.cells=128" : "pde.cells=64", dtb, "run.T=1", "run.times=1",
                          NULL};
    double Tstop = argc > 3 ? atof(argv[3]) : 1;
    if (!(Tstop > 0 && Tstop <= 1)) Tstop = 1;
    run(big ? "torus128" : "torus", keys, Tstop, Tstop < 1 ? 2 : 4);
  }
  return 0;
}
