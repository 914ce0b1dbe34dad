/* Benchmark of the bd engine: particle-steps per second (each step with its
 * pair checks through the cell lists) for N particles on the unit torus in
 * d = 3 (the torus test's model: ball kernel, alpha = 10, annihilation,
 * eps = 1/N), with 1 and 2 threads.
 *   bench_particles [N] [steps] [cells]   (defaults 100000, 200)
 * With a third argument "cells" the cell sort and the pair search run every
 * step (plain cell lists, no Verlet list), for comparison.
 * Prints one line per thread count; see docs/bench-particles.md. */
#include <stdio.h>
#include <stdlib.h>

#include "smolkin/model.h"
#include "smolkin/particles.h"
#include "particles/particles_internal.h"
#include "smolkin/util.h"

static int set(sk_model *m, const char *k, const char *v, sk_error *e) {
  return sk_model_set(m, k, v, "bench", e);
}

int main(int argc, char **argv) {
  const char *N = argc > 1 ? argv[1] : "100000";
  long steps = argc > 2 ? atol(argv[2]) : 200;
  int every = argc > 3;
  sk_error e = {0};
  sk_model *m = NULL;
  if (sk_model_create(&m, &e) || set(m, "model.geometry", "torus", &e) ||
      set(m, "initial.space", "uniform", &e) || set(m, "particles.reaction", "annihilation", &e) ||
      set(m, "run.N", N, &e) || set(m, "run.T", "1", &e) || set(m, "run.times", "1", &e) ||
      sk_model_finalize(m, &e)) {
    fprintf(stderr, "bench_particles: %s\n", e.msg);
    return 1;
  }
  for (int th = 1; th <= 2; ++th) {
    sk_particles *ps = NULL;
    if (sk_particles_create(m, &ps, &e) || sk_particles_sample(ps, 0, &e)) {
      fprintf(stderr, "bench_particles: %s\n", e.msg);
      return 1;
    }
    sk_particles_set_threads(ps, th);
    ps->bd_rebuild_every_step = every;
    double dt = sk_particles_dt(ps);
    /* warm up: the first step builds the cell lists and the pair list */
    double tw = sk_wtime();
    if (sk_particles_advance(ps, dt, &e)) {
      fprintf(stderr, "bench_particles: %s\n", e.msg);
      return 1;
    }
    tw = sk_wtime() - tw;
    if (sk_particles_advance(ps, 5 * dt, &e)) {
      fprintf(stderr, "bench_particles: %s\n", e.msg);
      return 1;
    }
    sk_particles_counters c0, c1;
    sk_particles_get_counters(ps, &c0);
    double t0 = sk_wtime();
    if (sk_particles_advance(ps, (5.0 + (double)steps) * dt, &e)) {
      fprintf(stderr, "bench_particles: %s\n", e.msg);
      return 1;
    }
    double w = sk_wtime() - t0;
    sk_particles_get_counters(ps, &c1);
    double ps_steps = (double)(c1.particle_steps - c0.particle_steps);
    double checks = (double)(c1.pair_checks - c0.pair_checks);
    printf("%sN = %s, d = 3 torus, threads %d: %ld steps in %.3f s: %.4g particle-steps/s, "
           "%.3g pair checks per particle-step, %lld pair-list builds; first step (cell sort + "
           "pair list) %.3f s\n",
           every ? "[cell lists every step] " : "", N, th, (long)(c1.steps - c0.steps), w, ps_steps / w, checks / ps_steps,
           c1.rebuilds - c0.rebuilds, tw);
    sk_particles_free(ps);
  }
  sk_model_free(m);
  return 0;
}
