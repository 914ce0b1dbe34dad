/* Internal state of the particle system, shared by the model code
 * (particles.c) and the engines (bd.c). */
#ifndef SK_PARTICLES_INTERNAL_H
#define SK_PARTICLES_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "smolkin/kernel.h"
#include "smolkin/particles.h"

/* Philox domains (ctr[3]) of the independent uses of (seed, stream, counter). */
enum { SK_PDOM_INIT = 0x5001, SK_PDOM_MOVE = 0x5002, SK_PDOM_PAIR = 0x5003 };

#define SK_PTAB 4096 /* masses with tabulated dif / radius */
/* Below this many particles a step runs on one thread (sk_particles_run
 * then runs replicas in parallel instead). */
#define SK_P_PAR_MIN 4096

struct sk_particles {
  const sk_model *m;
  const sk_kernel *V;
  int d, torus, annihilation, radius_power, vball, vradial;
  double box, Z, eps, epsb, b, chi;
  double rate_pref;  /* eps^(-2+d(1-b)) [x |log eps|^-1 in d = 2] */
  double dt, dt_factor, maxdif;
  long long N;
  uint64_t seed, replica;
  int threads;
  /* state: structure of arrays, capacity N */
  size_t n, cap;
  double *x; /* x[k * cap + i] */
  int64_t *mass, *id;
  double t;
  long long step;
  long long mass0, removed;
  int64_t maxmass;
  sk_particles_counters cnt;
  double sqrtdif[SK_PTAB]; /* sqrt(dif(n)) */
  double radius[SK_PTAB];  /* r_n = n^chi */
  const sk_particles_engine *eng;
  void *es;
  int bd_rebuild_every_step; /* benchmarks: cell lists without the Verlet list */
  /* progress within a replica: called by engines now and then with the time */
  void (*tick)(void *ctx, double t);
  void *tick_ctx;
};

static inline double sk_p_sqrtdif(const sk_particles *ps, int64_t n) {
  return n < SK_PTAB ? ps->sqrtdif[n] : sqrt(sk_model_dif(ps->m, n));
}
static inline double sk_p_radius(const sk_particles *ps, int64_t n) {
  return n < SK_PTAB ? ps->radius[n] : pow((double)n, ps->chi);
}
/* s = r_n + r_m (radius law) or 1. */
static inline double sk_p_scale(const sk_particles *ps, int64_t m1, int64_t m2) {
  return ps->radius_power ? sk_p_radius(ps, m1) + sk_p_radius(ps, m2) : 1.0;
}
/* Pair rate at squared distance r2 and displacement dx (for non-radial V). */
double sk_p_rate(const sk_particles *ps, int64_t m1, int64_t m2, double r2, const double *dx);

extern const sk_particles_engine sk_particles_engine_bd;

#endif
