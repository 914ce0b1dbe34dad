/* smolkin — the random counterparts of the Smoluchowski ODE (2.1) (survey,
 * Section 2.1; SPEC §5): the Marcus–Lushnikov process and Kingman's
 * coalescent.
 *
 * Marcus–Lushnikov (ML): particles with integer masses; every unordered pair
 * {i, j} merges at rate K(m_i, m_j) / V into one particle of mass m_i + m_j.
 * With N monomers and V = N (the default), N^-1 x (number of particles of
 * mass n) converges to the solution f(n, t) of (2.1) with f(n, 0) = delta_n1
 * (Norris 1999). The simulation is exact in distribution: proposals arrive as
 * a Poisson process of a majorant rate and are accepted with probability
 * K / K^ (thinning); there is no time step. The classical kernels use O(1)
 * samplers (constant: a uniform pair; additive: one size-biased and one
 * uniform particle; multiplicative: two size-biased particles), other kernels
 * a majorant K^(g, h) >= K over mass groups 2^g <= m < 2^(g+1).
 * See docs/coalescent.md for the method and its validation.
 *
 * Kingman's coalescent: n blocks, every pair merges at rate 1.
 *
 * Randomness: Philox keyed by (seed, replica); results do not depend on the
 * number of threads (replicas are combined in replica order).
 */
#ifndef SMOLKIN_COALESCENT_H
#define SMOLKIN_COALESCENT_H

#include <stddef.h>
#include <stdint.h>

#include "smolkin/coag.h"
#include "smolkin/error.h"
#include "smolkin/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest total mass (and number of particles): masses and particle
 * indices are stored as 32-bit integers. */
#define SK_ML_MASS_MAX 2147483647ull

/* ------------------------------------------------------------- kernels */

typedef struct sk_ml_kernel sk_ml_kernel;

/* K(n, m) for 1 <= n, m <= nmax. */
typedef double (*sk_ml_kernel_fn)(void *ctx, uint64_t n, uint64_t m);
/* An upper bound of K(n, m) over n_lo <= n <= n_hi, m_lo <= m <= m_hi (all
 * within 1..nmax). It must be sound: the simulation checks every evaluated
 * K against it and stops with SK_EINTERNAL if it is ever exceeded. */
typedef double (*sk_ml_bound_fn)(void *ctx, uint64_t n_lo, uint64_t n_hi, uint64_t m_lo,
                                 uint64_t m_hi);

/* K = scale, scale (n + m) or scale n m (kind SK_COAG_CONSTANT, _ADDITIVE,
 * _MULTIPLICATIVE; other kinds give SK_EINVAL). Defined for every mass. */
int sk_ml_kernel_create_classical(sk_coag_kind kind, double scale, sk_ml_kernel **k,
                                  sk_error *err);
/* A kernel given by a function and a sound bound over rectangles of masses.
 * Particles heavier than nmax do not coagulate (K = 0 for them): they keep
 * their mass and are reported in the tail (see sk_ml_config.hist_max). ctx
 * must outlive the kernel. Always simulated with the general sampler. */
int sk_ml_kernel_create_custom(sk_ml_kernel_fn K, sk_ml_bound_fn bound, void *ctx,
                               uint64_t nmax, const char *name, sk_ml_kernel **k,
                               sk_error *err);
/* From the model's [coagulation] section: kernel = constant | additive |
 * multiplicative (times scale) | recipe (beta(n, m) of the model) | table
 * (the file [coagulation] table). recipe and table are defined for masses up
 * to [coagulation] nmax; heavier particles do not coagulate (as the mass that
 * leaves the ODE's tracked range). The model must outlive the kernel. */
int sk_ml_kernel_create_from_model(const sk_model *m, sk_ml_kernel **k, sk_error *err);
void sk_ml_kernel_free(sk_ml_kernel *k);

/* K(n, m) as simulated (0 when n or m exceeds the kernel's nmax). */
double sk_ml_kernel_eval(const sk_ml_kernel *k, uint64_t n, uint64_t m);
/* Largest mass that coagulates (SK_ML_MASS_MAX for the classical kernels). */
uint64_t sk_ml_kernel_nmax(const sk_ml_kernel *k);
/* "constant", "additive", "multiplicative", or the custom kernel's name. */
const char *sk_ml_kernel_name(const sk_ml_kernel *k);
/* SK_COAG_CONSTANT/_ADDITIVE/_MULTIPLICATIVE, or -1 for a custom kernel. */
int sk_ml_kernel_kind(const sk_ml_kernel *k);
double sk_ml_kernel_scale(const sk_ml_kernel *k);

/* ---------------------------------------------- one Marcus–Lushnikov run */

typedef enum {
  SK_ML_SAMPLER_AUTO = 0, /* O(1) samplers for the classical kernels, else general */
  SK_ML_SAMPLER_GENERAL   /* the group-pair majorant for every kernel */
} sk_ml_sampler;

typedef struct sk_ml_config {
  uint64_t N;         /* initial number of particles, 1..SK_ML_MASS_MAX */
  double volume;      /* V: pairs merge at rate K / V (0 means V = N) */
  /* Initial masses: init_counts[i] particles of mass i + 1, i < ninit, summing
   * to N; NULL means N monomers. The total mass must be <= SK_ML_MASS_MAX. */
  const uint64_t *init_counts;
  size_t ninit;
  /* Counts by mass are kept for masses 1..hist_max (>= 1); heavier particles
   * form the tail (their number and total mass are kept exactly). */
  uint64_t hist_max;
  sk_ml_sampler sampler;
} sk_ml_config;

typedef struct sk_ml sk_ml;

/* A process at time 0 whose randomness is the Philox stream (seed, replica). */
int sk_ml_create(const sk_ml_kernel *k, const sk_ml_config *cfg, uint64_t seed,
                 uint64_t replica, sk_ml **ml, sk_error *err);
/* Back to time 0 with the stream (seed, replica), reusing the memory. */
int sk_ml_reset(sk_ml *ml, uint64_t seed, uint64_t replica, sk_error *err);
void sk_ml_free(sk_ml *ml);
/* Runs the process up to time t (>= the current time). */
int sk_ml_advance(sk_ml *ml, double t, sk_error *err);

double sk_ml_time(const sk_ml *ml);
double sk_ml_volume(const sk_ml *ml);
uint64_t sk_ml_particles(const sk_ml *ml);  /* number of particles */
uint64_t sk_ml_total_mass(const sk_ml *ml); /* conserved */
uint64_t sk_ml_sum_squares(const sk_ml *ml); /* sum of m_i^2 (exact) */
uint64_t sk_ml_max_mass(const sk_ml *ml);
uint64_t sk_ml_count(const sk_ml *ml, uint64_t mass); /* 1 <= mass <= hist_max */
uint64_t sk_ml_hist_max(const sk_ml *ml);
uint64_t sk_ml_tail_count(const sk_ml *ml); /* particles heavier than hist_max */
uint64_t sk_ml_tail_mass(const sk_ml *ml);  /* their total mass */
uint64_t sk_ml_events(const sk_ml *ml);     /* coagulations so far */
uint64_t sk_ml_proposals(const sk_ml *ml);  /* proposals (accepted or not) so far */
/* "constant", "additive", "multiplicative" or "general". */
const char *sk_ml_sampler_name(const sk_ml *ml);
/* Bytes held by the process (particle arrays, histogram). */
size_t sk_ml_bytes(const sk_ml *ml);
/* Checks every invariant (histogram, moments, group arrays) in O(N);
 * SK_EINTERNAL with a message if one fails. For tests. */
int sk_ml_check(const sk_ml *ml, sk_error *err);

/* ------------------------------------------- replicas and their statistics */

/* A mean over replicas and its standard error (sample standard deviation
 * over sqrt(R)); se is NaN when R = 1. */
typedef struct sk_ml_stat {
  double mean, se;
} sk_ml_stat;

typedef void (*sk_progress_fn)(void *ctx, double fraction_done);

typedef struct sk_ml_run_opts {
  sk_ml_config cfg;
  const double *times; /* increasing, >= 0 */
  size_t ntimes;
  const uint64_t *masses; /* f(n, t) reported for these masses (each <= cfg.hist_max) */
  size_t nmasses;
  int spectrum;           /* also the mean spectrum counts/V for masses 1..hist_max */
  long long replicas;     /* >= 1 */
  uint64_t seed;
  sk_progress_fn progress; /* called from the calling thread; may be NULL */
  void *progress_ctx;
} sk_ml_run_opts;

/* All values are per unit volume (counts / V), per report time. */
typedef struct sk_ml_results {
  size_t ntimes, nmasses;
  long long replicas;
  uint64_t hist_max;
  double volume;
  double *t;             /* [ntimes] */
  sk_ml_stat *M0;        /* number of particles / V */
  sk_ml_stat *M1;        /* total mass / V (constant) */
  sk_ml_stat *M2;        /* sum m^2 / V */
  sk_ml_stat *tail_mass; /* mass in particles heavier than hist_max / V */
  sk_ml_stat *max_mass;  /* largest mass / V (the giant's share past gelation) */
  sk_ml_stat *f;         /* [ntimes * nmasses]: count of mass masses[k] / V */
  uint64_t *masses;      /* [nmasses] */
  double *spec_mean;     /* [ntimes * hist_max] or NULL: mass n at [i*hist_max + n-1] */
  double *spec_se;
  double events;         /* mean coagulations per replica (up to the last time) */
  double proposals;      /* mean proposals per replica */
  double wall_s;         /* wall-clock seconds of the whole run */
  const char *sampler;   /* sampler used */
} sk_ml_results;

/* Runs opts->replicas independent replicas (OpenMP over replicas; combined
 * in replica order, so results do not depend on the thread count). */
int sk_ml_run(const sk_ml_kernel *k, const sk_ml_run_opts *opts, sk_ml_results **res,
              sk_error *err);
void sk_ml_results_free(sk_ml_results *r);

/* ----------------------------------------------------- Kingman's coalescent */

/* E[A_n(t)], the mean number of blocks at time t from n blocks (pair rate 1):
 *   sum_{k=1}^{n} e^{-k(k-1)t/2} (2k-1) n_[k] / n_(k)
 * (Tavaré, Theor. Pop. Biol. 26 (1984); falling over rising factorials).
 * n = 0 means "from infinity": sum_{k>=1} (2k-1) e^{-k(k-1)t/2} (t > 0). */
double sk_kingman_mean(uint64_t n, double t);
/* One replica from n blocks: the block counts at the given increasing times
 * (stream (seed, replica)). O(n) per replica. */
int sk_kingman_sample(uint64_t n, const double *times, size_t ntimes, uint64_t seed,
                      uint64_t replica, uint64_t *blocks, sk_error *err);

typedef struct sk_kingman_results {
  size_t ntimes;
  long long replicas;
  uint64_t n;
  double *t;           /* [ntimes] */
  sk_ml_stat *blocks;  /* mean block count and its standard error */
  double *exact;       /* sk_kingman_mean(n, t) */
  double wall_s;
} sk_kingman_results;

int sk_kingman_run(uint64_t n, const double *times, size_t ntimes, long long replicas,
                   uint64_t seed, sk_progress_fn progress, void *progress_ctx,
                   sk_kingman_results **res, sk_error *err);
void sk_kingman_results_free(sk_kingman_results *r);

#ifdef __cplusplus
}
#endif
#endif
