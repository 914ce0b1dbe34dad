/* Benchmark of the Marcus–Lushnikov process and Kingman's coalescent.
 *
 *   bench_coalescent [N] [reps] [Nbig]     (defaults 1e7, 3, 1e8; Nbig = 0 skips)
 *
 * For each kernel and sampler: one replica from N monomers to a time T,
 * best of reps runs (each a fresh replica): coagulations per second of wall
 * time and of the thread's CPU time (the machine may be shared), proposals
 * per coagulation, bytes held. Then one run from Nbig monomers per classical
 * kernel, each in a child process so that its peak resident set size is its
 * own. Single-threaded so far (one replica is sequential); last, the
 * throughput of `smolkin coalescent`'s replica loop (sk_ml_run: replicas
 * over OpenMP threads, OMP_NUM_THREADS, default all cores): 4 replicas per
 * thread from N monomers, coagulations of all replicas per second of wall
 * time.
 * Figures and the command are recorded in docs/bench-coalescent.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <omp.h>

#include "smolkin/coalescent.h"
#include "smolkin/util.h"
#include "bench_util.h"

typedef struct {
  sk_coag_kind kind;
  sk_ml_sampler sampler;
  double T;
  const char *note;
} bcase;

static int one(const bcase *c, double N, int reps, int child) {
  sk_ml_kernel *k;
  sk_error err;
  if (sk_ml_kernel_create_classical(c->kind, 1.0, &k, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  sk_ml_config cfg = {.N = (uint64_t)N, .hist_max = 256, .sampler = c->sampler};
  sk_ml *s;
  double w0 = sk_wtime();
  if (sk_ml_create(k, &cfg, 1, 0, &s, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  double setup = sk_wtime() - w0;
  double best_w = 1e300, best_c = 1e300;
  uint64_t ev = 0, prop = 0;
  for (int r = 0; r < reps; ++r) {
    if (r) sk_ml_reset(s, 1, (uint64_t)r, &err);
    double t0 = sk_wtime(), c0 = bench_cpu_thread();
    if (sk_ml_advance(s, c->T, &err)) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    double w = sk_wtime() - t0, cp = bench_cpu_thread() - c0;
    if (w < best_w) best_w = w;
    if (cp < best_c) best_c = cp;
    ev = sk_ml_events(s);
    prop = sk_ml_proposals(s);
  }
  char la[128];
  bench_loadavg(la, sizeof la);
  printf("%-15s %-8s N=%-7.0e T=%-4g %-12s events %10llu  prop/event %.3f  wall %7.3f s  "
         "%7.2e ev/s  cpu %7.3f s  %7.2e ev/s(cpu)  %6.0f MB",
         sk_ml_kernel_name(k), sk_ml_sampler_name(s), N, c->T, c->note, (unsigned long long)ev,
         (double)prop / (double)ev, best_w, (double)ev / best_w, best_c, (double)ev / best_c,
         (double)sk_ml_bytes(s) / 1e6);
  if (child) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  setup %.2f s  peak RSS %.0f MB  max mass %llu", setup, ru.ru_maxrss / 1024.0,
           (unsigned long long)sk_ml_max_mass(s));
  }
  printf("  [load %s]\n", la);
  fflush(stdout);
  sk_ml_free(s);
  sk_ml_kernel_free(k);
  return 0;
}

int main(int argc, char **argv) {
  double N = argc > 1 ? atof(argv[1]) : 1e7;
  int reps = argc > 2 ? atoi(argv[2]) : 3;
  double Nbig = argc > 3 ? atof(argv[3]) : 1e8;
  const bcase cases[] = {
      {SK_COAG_CONSTANT, SK_ML_SAMPLER_AUTO, 2, "(M0 -> 1/2)"},
      {SK_COAG_ADDITIVE, SK_ML_SAMPLER_AUTO, 1, "(M0 -> 1/e)"},
      {SK_COAG_MULTIPLICATIVE, SK_ML_SAMPLER_AUTO, 0.9, "(pre-gel)"},
      {SK_COAG_MULTIPLICATIVE, SK_ML_SAMPLER_AUTO, 2, "(post-gel)"},
      {SK_COAG_CONSTANT, SK_ML_SAMPLER_GENERAL, 2, "(M0 -> 1/2)"},
      {SK_COAG_ADDITIVE, SK_ML_SAMPLER_GENERAL, 1, "(M0 -> 1/e)"},
      {SK_COAG_MULTIPLICATIVE, SK_ML_SAMPLER_GENERAL, 0.9, "(pre-gel)"},
  };
  printf("# Marcus-Lushnikov: one replica per run, single thread, best of %d\n", reps);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i)
    if (one(&cases[i], N, reps, 0)) return 1;

  /* Kingman from 1e6 blocks */
  {
    const double times[] = {0.001, 0.01, 0.1, 1};
    uint64_t b[4];
    sk_error err;
    double best = 1e300;
    for (int r = 0; r < reps; ++r) {
      double t0 = sk_wtime();
      if (sk_kingman_sample(1000000, times, 4, 1, (uint64_t)r, b, &err)) return 1;
      double w = sk_wtime() - t0;
      if (w < best) best = w;
    }
    printf("kingman n = 1e6 to t = 1: %.2f ms per replica (%.2e coagulations/s)\n", best * 1e3,
           (1e6 - (double)b[3]) / best);
  }

  /* replicas in parallel: what `smolkin coalescent --replicas R` delivers */
  {
    int nth = omp_get_max_threads();
    const bcase par[] = {
        {SK_COAG_CONSTANT, SK_ML_SAMPLER_AUTO, 2, "(M0 -> 1/2)"},
        {SK_COAG_ADDITIVE, SK_ML_SAMPLER_AUTO, 1, "(M0 -> 1/e)"},
        {SK_COAG_MULTIPLICATIVE, SK_ML_SAMPLER_AUTO, 0.9, "(pre-gel)"},
        {SK_COAG_MULTIPLICATIVE, SK_ML_SAMPLER_AUTO, 2, "(post-gel)"},
    };
    printf("# N = %.0e, %d replicas over %d OpenMP threads (sk_ml_run, as smolkin coalescent)\n", N,
           4 * nth, nth);
    for (size_t i = 0; i < sizeof par / sizeof *par; ++i) {
      sk_ml_kernel *k;
      sk_error err;
      if (sk_ml_kernel_create_classical(par[i].kind, 1.0, &k, &err)) return 1;
      sk_ml_run_opts o;
      memset(&o, 0, sizeof o);
      o.cfg.N = (uint64_t)N;
      o.cfg.hist_max = 256;
      o.cfg.sampler = par[i].sampler;
      o.times = &par[i].T;
      o.ntimes = 1;
      o.replicas = 4 * nth;
      o.seed = 1;
      sk_ml_results *r;
      if (sk_ml_run(k, &o, &r, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
      }
      char la[128];
      bench_loadavg(la, sizeof la);
      printf("%-15s N=%.0e T=%-4g %-12s %lld replicas, events/replica %.0f, wall %.3f s: "
             "%.2e ev/s in all  [load %s]\n",
             sk_coag_kind_name(par[i].kind), N, par[i].T, par[i].note, o.replicas, r->events,
             r->wall_s, r->events * (double)o.replicas / r->wall_s, la);
      sk_ml_results_free(r);
      sk_ml_kernel_free(k);
    }
  }

  if (Nbig > 0) {
    printf("# N = %.0e, one run per kernel in its own process (peak RSS its own)\n", Nbig);
    const bcase big[] = {
        {SK_COAG_CONSTANT, SK_ML_SAMPLER_AUTO, 2, "(M0 -> 1/2)"},
        {SK_COAG_ADDITIVE, SK_ML_SAMPLER_AUTO, 1, "(M0 -> 1/e)"},
        {SK_COAG_MULTIPLICATIVE, SK_ML_SAMPLER_AUTO, 2, "(post-gel)"},
    };
    for (size_t i = 0; i < sizeof big / sizeof *big; ++i) {
      fflush(stdout);
      pid_t pid = fork();
      if (pid == 0) _exit(one(&big[i], Nbig, 1, 1));
      int st;
      waitpid(pid, &st, 0);
      if (!WIFEXITED(st) || WEXITSTATUS(st)) return 1;
    }
  }
  return 0;
}
