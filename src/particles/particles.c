/* The microscopic model P_N: constants, rates, initial sampling, state
 * getters and the mass bookkeeping. Engines (bd.c) move the state. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "particles/particles_internal.h"
#include "smolkin/rng.h"

static const sk_particles_engine *const engines[] = {&sk_particles_engine_bd};

const sk_particles_engine *sk_particles_engine_find(const char *name) {
  for (size_t i = 0; i < sizeof engines / sizeof *engines; ++i)
    if (strcmp(engines[i]->name, name) == 0) return engines[i];
  return NULL;
}

double sk_p_rate(const sk_particles *ps, int64_t m1, int64_t m2, double r2, const double *dx) {
  double s = sk_p_scale(ps, m1, m2);
  double R = s * ps->epsb;
  if (r2 > R * R) return 0.0;
  double v;
  if (ps->vball)
    v = 1.0;
  else if (ps->vradial)
    v = sk_kernel_radial_r2(ps->V, r2 / (R * R));
  else {
    double y[SK_MAX_DIM];
    for (int k = 0; k < ps->d; ++k) y[k] = dx[k] / R;
    v = sk_kernel_eval(ps->V, y);
  }
  return sk_model_alpha(ps->m, m1, m2) * ps->rate_pref * v / (s * s);
}

double sk_particles_pair_rate(const sk_particles *ps, long long m1, long long m2,
                              const double *dx) {
  double r2 = 0;
  for (int k = 0; k < ps->d; ++k) r2 += dx[k] * dx[k];
  return sk_p_rate(ps, m1, m2, r2, dx);
}

double sk_particles_pair_range(const sk_particles *ps, long long m1, long long m2) {
  return sk_p_scale(ps, m1, m2) * ps->epsb;
}

int sk_particles_create(const sk_model *m, sk_particles **out, sk_error *err) {
  *out = NULL;
  const sk_params *p = sk_model_params(m);
  if (p->geometry == SK_GEOM_RADIAL)
    return sk_model_key_error(m, "model.geometry", err,
                              "the particle system needs explicit positions (accepted: "
                              "whole-space, torus)");
  if (p->dim < 2)
    return sk_model_key_error(m, "model.dim", err,
                              "the particle system is defined for d >= 2 (accepted: 2..%d)",
                              SK_MAX_DIM);
  if (p->p < 0)
    return sk_model_key_error(m, "diffusion.p", err,
                              "dif(n) would grow with the mass, and the fixed time step of the "
                              "bd engine is set by max dif at t = 0 (accepted: p >= 0)");
  if (p->N > (1LL << 31))
    return sk_model_key_error(m, "run.N", err, "too many particles (accepted: 1..2^31)");
  int rc = sk_model_check_initial(m, err);
  if (rc) return rc;
  const char *ename = sk_model_get_string(m, "particles.engine");
  const sk_particles_engine *eng = sk_particles_engine_find(ename);
  if (!eng)
    return sk_model_key_error(m, "particles.engine", err, "unknown engine (accepted: bd)");

  sk_particles *ps = calloc(1, sizeof *ps);
  if (!ps) return sk_error_set(err, SK_ENOMEM, "out of memory");
  ps->m = m;
  ps->V = sk_model_kernel(m);
  ps->d = p->dim;
  ps->torus = p->geometry == SK_GEOM_TORUS;
  ps->box = p->box;
  ps->Z = p->Z;
  ps->N = p->N;
  ps->seed = p->seed;
  ps->annihilation = sk_model_get_enum(m, "particles.reaction") == 1;
  ps->b = sk_model_get_double(m, "particles.range_exponent");
  ps->radius_power = sk_model_get_enum(m, "particles.radius_law") == 1;
  ps->chi = sk_model_get_double(m, "particles.chi");
  ps->dt_factor = sk_model_get_double(m, "particles.dt_factor");
  ps->vball = sk_kernel_kind(ps->V) == SK_V_BALL;
  ps->vradial = sk_kernel_is_radial(ps->V);
  double N = (double)p->N;
  int d = p->dim;
  if (d >= 3)
    ps->eps = pow(p->Z / N, 1.0 / (d - 2));
  else
    ps->eps = exp(-N / p->Z);
  if (!(ps->eps > 0) || !isfinite(ps->eps)) {
    sk_particles_free(ps);
    return sk_model_key_error(m, "run.N", err,
                              "eps = exp(-N/Z) underflows in d = 2 (accepted: N/Z < 700)");
  }
  ps->epsb = pow(ps->eps, ps->b);
  ps->rate_pref = pow(ps->eps, -2.0 + d * (1.0 - ps->b));
  if (d == 2) ps->rate_pref /= fabs(log(ps->eps));
  for (int n = 0; n < SK_PTAB; ++n) {
    ps->sqrtdif[n] = n ? sqrt(sk_model_dif(m, n)) : 0.0;
    ps->radius[n] = n ? pow((double)n, ps->chi) : 0.0;
  }
  ps->maxdif = sk_model_dif(m, 1); /* p >= 0: dif is largest at mass 1 */
  ps->dt = ps->dt_factor * ps->eps * ps->eps / ps->maxdif;
  if (!(ps->dt > 0)) {
    sk_particles_free(ps);
    return sk_model_key_error(m, "run.N", err,
                              "the time step dt = c eps^2 / max dif underflows (eps = %g)", ps->eps);
  }
  long long mmax = p->mass == SK_MASS_WEIGHTS ? (long long)p->nweights : 1;
  if (ps->torus && 2 * sk_particles_pair_range(ps, mmax, mmax) >= ps->box) {
    double R = sk_particles_pair_range(ps, mmax, mmax);
    sk_particles_free(ps);
    return sk_model_key_error(m, "run.N", err,
                              "the interaction range %g is not below half the torus side %g "
                              "(accepted: a larger N or box)",
                              R, p->box);
  }
  ps->cap = (size_t)p->N;
  ps->x = malloc(ps->cap * (size_t)d * sizeof *ps->x);
  ps->mass = malloc(ps->cap * sizeof *ps->mass);
  ps->id = malloc(ps->cap * sizeof *ps->id);
  if (!ps->x || !ps->mass || !ps->id) {
    sk_particles_free(ps);
    return sk_error_set(err, SK_ENOMEM, "out of memory for %lld particles", p->N);
  }
  ps->eng = eng;
  if ((rc = eng->create(ps, &ps->es, err))) {
    sk_particles_free(ps);
    return rc;
  }
  *out = ps;
  return SK_OK;
}

void sk_particles_free(sk_particles *ps) {
  if (!ps) return;
  if (ps->eng && ps->es) ps->eng->free(ps->es);
  free(ps->x);
  free(ps->mass);
  free(ps->id);
  free(ps);
}

static void reset(sk_particles *ps, uint64_t replica) {
  ps->replica = replica;
  ps->t = 0;
  ps->step = 0;
  ps->removed = 0;
  memset(&ps->cnt, 0, sizeof ps->cnt);
  ps->mass0 = 0;
  ps->maxmass = 1;
  for (size_t i = 0; i < ps->n; ++i) {
    ps->mass0 += ps->mass[i];
    if (ps->mass[i] > ps->maxmass) ps->maxmass = ps->mass[i];
  }
}

static double wrap(double x, double L) {
  double y = fmod(x, L);
  if (y < 0) y += L;
  if (y >= L) y = 0; /* -tiny + L rounds to L */
  return y;
}

int sk_particles_sample(sk_particles *ps, uint64_t replica, sk_error *err) {
  (void)err;
  const sk_params *p = sk_model_params(ps->m);
  int d = ps->d;
  size_t nw = p->mass == SK_MASS_WEIGHTS ? p->nweights : 0;
  for (size_t i = 0; i < ps->cap; ++i) {
    sk_rng r;
    sk_rng_init(&r, ps->seed, (uint64_t)i, replica, SK_PDOM_INIT);
    int64_t mass = 1;
    if (nw > 1) {
      double u = sk_rng_uniform(&r), c = 0;
      mass = (int64_t)nw;
      for (size_t k = 0; k < nw; ++k) {
        c += p->weights[k];
        if (u < c) {
          mass = (int64_t)k + 1;
          break;
        }
      }
    }
    double y[SK_MAX_DIM];
    switch (p->space) {
    case SK_SPACE_UNIFORM:
      for (int k = 0; k < d; ++k) y[k] = ps->box * sk_rng_uniform(&r);
      break;
    case SK_SPACE_GAUSSIAN:
      for (int k = 0; k < d; ++k) y[k] = p->center[k] + p->sigma * sk_rng_normal(&r);
      break;
    case SK_SPACE_BALL: {
      double s = 0;
      for (int k = 0; k < d; ++k) {
        y[k] = sk_rng_normal(&r);
        s += y[k] * y[k];
      }
      double rad = p->radius * pow(sk_rng_uniform(&r), 1.0 / d) / sqrt(s);
      for (int k = 0; k < d; ++k) y[k] = p->center[k] + rad * y[k];
      break;
    }
    }
    for (int k = 0; k < d; ++k) ps->x[(size_t)k * ps->cap + i] = ps->torus ? wrap(y[k], ps->box) : y[k];
    ps->mass[i] = mass;
    ps->id[i] = (int64_t)i;
  }
  ps->n = ps->cap;
  reset(ps, replica);
  return SK_OK;
}

int sk_particles_set_state(sk_particles *ps, size_t n, const double *x, const long long *mass,
                           uint64_t replica, sk_error *err) {
  if (n > ps->cap)
    return sk_error_set(err, SK_EINVAL, "%zu particles given, the system holds %zu", n, ps->cap);
  for (size_t i = 0; i < n; ++i) {
    if (mass[i] < 1) return sk_error_set(err, SK_EINVAL, "mass %lld of particle %zu is < 1", mass[i], i);
    for (int k = 0; k < ps->d; ++k) {
      double v = x[i * (size_t)ps->d + k];
      if (!isfinite(v)) return sk_error_set(err, SK_EINVAL, "position of particle %zu is not finite", i);
      ps->x[(size_t)k * ps->cap + i] = ps->torus ? wrap(v, ps->box) : v;
    }
    ps->mass[i] = mass[i];
    ps->id[i] = (int64_t)i;
  }
  ps->n = n;
  reset(ps, replica);
  return SK_OK;
}

int sk_particles_advance(sk_particles *ps, double t, sk_error *err) {
  if (!(t >= ps->t))
    return sk_error_set(err, SK_EINVAL, "cannot advance to t = %g from t = %g", t, ps->t);
  int rc = ps->eng->advance(ps, ps->es, t, err);
  if (rc) return rc;
  return sk_particles_check_mass(ps, err);
}

void sk_particles_set_threads(sk_particles *ps, int threads) { ps->threads = threads; }
int sk_particles_dim(const sk_particles *ps) { return ps->d; }
long long sk_particles_N(const sk_particles *ps) { return ps->N; }
double sk_particles_epsilon(const sk_particles *ps) { return ps->eps; }
double sk_particles_dt(const sk_particles *ps) { return ps->dt; }
double sk_particles_range(const sk_particles *ps) {
  return sk_particles_pair_range(ps, ps->maxmass, ps->maxmass);
}
const char *sk_particles_engine_name(const sk_particles *ps) { return ps->eng->name; }
double sk_particles_time(const sk_particles *ps) { return ps->t; }
size_t sk_particles_alive(const sk_particles *ps) { return ps->n; }
double sk_particles_x(const sk_particles *ps, size_t i, int k) {
  return ps->x[(size_t)k * ps->cap + i];
}
long long sk_particles_mass(const sk_particles *ps, size_t i) { return ps->mass[i]; }
long long sk_particles_id(const sk_particles *ps, size_t i) { return ps->id[i]; }
long long sk_particles_initial_mass(const sk_particles *ps) { return ps->mass0; }
long long sk_particles_total_mass(const sk_particles *ps) {
  long long s = 0;
  for (size_t i = 0; i < ps->n; ++i) s += ps->mass[i];
  return s;
}
long long sk_particles_removed_mass(const sk_particles *ps) { return ps->removed; }

int sk_particles_check_mass(const sk_particles *ps, sk_error *err) {
  long long alive = sk_particles_total_mass(ps);
  if (alive + ps->removed != ps->mass0)
    return sk_error_set(err, SK_EINTERNAL,
                        "mass is not conserved at t = %.17g: alive %lld + annihilated %lld != "
                        "initial %lld",
                        ps->t, alive, ps->removed, ps->mass0);
  if (!ps->annihilation && ps->removed != 0)
    return sk_error_set(err, SK_EINTERNAL, "coagulation removed mass %lld", ps->removed);
  return SK_OK;
}

void sk_particles_get_counters(const sk_particles *ps, sk_particles_counters *c) { *c = ps->cnt; }
