/* smolkin — the microscopic model P_N (SPEC §2, survey Section 1.3) and its
 * engines.
 *
 * N particles, i.i.d. initially with density Z^-1 h_n(x); eps from
 * N eps^(d-2) = Z (d >= 3) or eps = exp(-N/Z) (d = 2). Particle i is a
 * Brownian motion with generator dif(m_i) Laplacian; each unordered pair of
 * living particles reacts at rate
 *   alpha(m_i,m_j) eps^(-2+d(1-b)) s^-2 V((x_i-x_j)/(s eps^b))   [x |log eps|^-1 in d = 2]
 * (b = [particles] range_exponent, s = r_n + r_m with radius_law = power,
 * r_n = n^chi, s = 1 otherwise). Coagulation: i survives with probability
 * m_i/(m_i+m_j), keeps its position and takes the summed mass (and its new
 * diffusion rate); annihilation: both are removed.
 *
 * The model (state, rates, survivor rule, observables) lives in
 * sk_particles; an ENGINE advances it in time through a small vtable
 * (sk_particles_engine), so other engines (event-driven) plug in beside the
 * reference Brownian-dynamics engine "bd".
 *
 * Life cycle: sk_particles_create(model) -> sk_particles_sample(replica) or
 * sk_particles_set_state -> sk_particles_advance(t)* -> getters ->
 * sk_particles_free. One sk_particles runs one replica at a time;
 * sk_particles_run drives replicas and observables for the CLI.
 */
#ifndef SMOLKIN_PARTICLES_H
#define SMOLKIN_PARTICLES_H

#include <stddef.h>
#include <stdint.h>

#include "smolkin/error.h"
#include "smolkin/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_particles sk_particles;

/* An engine: advances the state of ps to time t (>= the current time). */
typedef struct sk_particles_engine {
  const char *name;
  int (*create)(sk_particles *ps, void **state, sk_error *err);
  int (*advance)(sk_particles *ps, void *state, double t, sk_error *err);
  void (*free)(void *state);
} sk_particles_engine;

/* The engine called name ("bd"), or NULL. */
const sk_particles_engine *sk_particles_engine_find(const char *name);

/* Builds the system for the model (keys of [model] [diffusion]
 * [interaction] [initial] [run] [particles]); the engine is
 * [particles] engine. SK_EINVAL (message naming the key) for models the
 * particle system cannot run: radial geometry, d < 2, p < 0 (dif growing
 * with mass: the fixed-step engine's dt would not bound later steps),
 * an interaction range that does not fit in the torus, N beyond 2^31. */
int sk_particles_create(const sk_model *m, sk_particles **ps, sk_error *err);
void sk_particles_free(sk_particles *ps);

/* Draws the i.i.d. initial state of replica r (time 0, step 0). */
int sk_particles_sample(sk_particles *ps, uint64_t replica, sk_error *err);
/* Sets an explicit state (tests): n particles, positions x[i*d + k],
 * masses >= 1; ids 0..n-1; time 0; replica r for the random streams.
 * n must not exceed the model's N. */
int sk_particles_set_state(sk_particles *ps, size_t n, const double *x, const long long *mass,
                           uint64_t replica, sk_error *err);
/* Advances to time t with the engine. SK_EINTERNAL if an invariant breaks
 * (mass not conserved). */
int sk_particles_advance(sk_particles *ps, double t, sk_error *err);
/* Number of worker threads for the engine (0: OpenMP's default). Results do
 * not depend on it. */
void sk_particles_set_threads(sk_particles *ps, int threads);

/* Constants. */
int sk_particles_dim(const sk_particles *ps);
long long sk_particles_N(const sk_particles *ps);
double sk_particles_epsilon(const sk_particles *ps);
double sk_particles_dt(const sk_particles *ps);
/* Largest interaction range s eps^b among pairs of masses present now. */
double sk_particles_range(const sk_particles *ps);
const char *sk_particles_engine_name(const sk_particles *ps);
/* The pair rate for masses m1, m2 at displacement dx (d numbers), per unit
 * time (0 out of range). */
double sk_particles_pair_rate(const sk_particles *ps, long long m1, long long m2,
                              const double *dx);
/* Interaction range of a pair of masses m1, m2. */
double sk_particles_pair_range(const sk_particles *ps, long long m1, long long m2);

/* State. Particles are stored in an engine-chosen order; index 0..alive-1. */
double sk_particles_time(const sk_particles *ps);
size_t sk_particles_alive(const sk_particles *ps);
/* Coordinate k of particle i, its mass and its id (0..N-1, fixed for life). */
double sk_particles_x(const sk_particles *ps, size_t i, int k);
long long sk_particles_mass(const sk_particles *ps, size_t i);
long long sk_particles_id(const sk_particles *ps, size_t i);
/* Initial total mass, total mass alive now, mass removed by annihilation. */
long long sk_particles_initial_mass(const sk_particles *ps);
long long sk_particles_total_mass(const sk_particles *ps);
long long sk_particles_removed_mass(const sk_particles *ps);
/* Checks alive mass + removed mass = initial mass (SK_EINTERNAL otherwise). */
int sk_particles_check_mass(const sk_particles *ps, sk_error *err);

/* Counters since the last sample/set_state. */
typedef struct sk_particles_counters {
  long long steps;        /* time steps (bd) */
  long long particle_steps; /* sum over steps of the particles moved */
  long long pair_checks;  /* pairs whose distance was computed */
  long long pairs_in_range;
  long long reactions;    /* coagulations or annihilations */
  long long conflicts;    /* reactions dropped: a partner already reacted this step */
  long long rebuilds;     /* bd: cell sorts + pair-list builds */
} sk_particles_counters;
void sk_particles_get_counters(const sk_particles *ps, sk_particles_counters *c);

/* ---------------------------------------------- replicas and observables */

typedef struct sk_pstat {
  double mean, se; /* se: standard error over replicas (NaN with one replica) */
} sk_pstat;

typedef struct sk_particles_run_opts {
  long long replicas; /* >= 1 */
  int threads;        /* 0: OpenMP default */
  int snapshots;      /* keep replica 0's positions at every time */
  void (*progress)(void *ctx, double fraction);
  void *progress_ctx;
} sk_particles_run_opts;

typedef struct sk_particles_snapshot {
  size_t n;       /* particles alive */
  long long step; /* engine steps taken */
  double *x;      /* n*d positions, sorted by id */
  int64_t *id, *mass;
} sk_particles_snapshot;

typedef struct sk_particles_results {
  long long N, replicas;
  int dim;
  double epsilon, dt, Z;
  const char *engine;
  size_t ntimes;
  double *t;
  sk_pstat *alive_fraction; /* [ntimes]  alive / N */
  sk_pstat *total_mass;     /* [ntimes]  alive mass / N */
  sk_pstat *removed_mass;   /* [ntimes]  annihilated mass / N */
  size_t nmasses;           /* masses 1..nmasses, and those of [observe] masses */
  long long *masses;
  sk_pstat *by_mass;        /* [ntimes][nmasses]  (Z/N) count of mass n */
  sk_pstat *heavier;        /* [ntimes]  (Z/N) count of masses not in the list */
  size_t nobs;              /* [observe] functions */
  char **obs_names;
  size_t nobs_masses;
  long long *obs_masses;
  sk_pstat *observe;        /* [ntimes][nobs][nobs_masses]  (Z/N) sum J(x_i) 1{m_i = n} */
  sk_particles_snapshot *snap; /* [ntimes] when snapshots were asked for */
  sk_particles_counters counters; /* summed over replicas */
  double wall_s;
} sk_particles_results;

int sk_particles_run(const sk_model *m, const sk_particles_run_opts *o,
                     sk_particles_results **res, sk_error *err);
void sk_particles_results_free(sk_particles_results *r);

#ifdef __cplusplus
}
#endif
#endif
