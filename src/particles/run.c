/* Replicas and observables of the particle system at the [run] times:
 * alive fraction, (Z/N) counts by mass, (Z/N) sum_i J(x_i) 1{m_i = n} for
 * the [observe] functions, total and annihilated mass; means and standard
 * errors over replicas (summed in replica order, so thread counts do not
 * change a bit). */
#include <math.h>
#include <stdlib.h>
#include <omp.h>
#include <string.h>

#include "particles/particles_internal.h"
#include "smolkin/observe.h"
#include "smolkin/util.h"

static int cmp_ll(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

void sk_particles_results_free(sk_particles_results *r) {
  if (!r) return;
  free(r->t);
  free(r->alive_fraction);
  free(r->total_mass);
  free(r->removed_mass);
  free(r->masses);
  free(r->by_mass);
  free(r->heavier);
  if (r->obs_names)
    for (size_t k = 0; k < r->nobs; ++k) free(r->obs_names[k]);
  free(r->obs_names);
  free(r->obs_masses);
  free(r->observe);
  if (r->snap)
    for (size_t i = 0; i < r->ntimes; ++i) {
      free(r->snap[i].x);
      free(r->snap[i].id);
      free(r->snap[i].mass);
    }
  free(r->snap);
  free(r);
}

static long long find_mass(const long long *ms, size_t n, long long m) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (ms[mid] < m)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && ms[lo] == m ? (long long)lo : -1;
}

static void stats(const double *v, size_t R, size_t stride, sk_pstat *out) {
  double s = 0;
  for (size_t r = 0; r < R; ++r) s += v[r * stride];
  double mean = s / (double)R, q = 0;
  for (size_t r = 0; r < R; ++r) q += (v[r * stride] - mean) * (v[r * stride] - mean);
  out->mean = mean;
  out->se = R > 1 ? sqrt(q / (double)(R - 1) / (double)R) : NAN;
}

typedef struct {
  const sk_particles *ps;
  size_t i;
} idx_t;
static int idx_cmp(const void *a, const void *b) {
  const idx_t *x = a, *y = b;
  long long p = sk_particles_id(x->ps, x->i), q = sk_particles_id(y->ps, y->i);
  return (p > q) - (p < q);
}

typedef struct {
  const sk_particles_run_opts *o;
  double rep, R, T;
} tick_info;
static void tick(void *ctx, double t) {
  tick_info *ti = ctx;
  ti->o->progress(ti->o->progress_ctx, (ti->rep + t / ti->T) / ti->R);
}

/* One replica: sample, advance through the times, record the observables
 * in v[ti * nq + ...] (and the snapshots when snap != NULL). */
static int one_replica(sk_particles *ps, const sk_observe *obs, const sk_particles_results *r,
                       uint64_t rep, double *vals, size_t nq, sk_particles_counters *cnt,
                       sk_particles_snapshot *snap, sk_error *err) {
  const sk_params *p = sk_model_params(ps->m);
  double N = (double)p->N, zn = p->Z / N;
  int d = p->dim;
  size_t nm = r->nmasses, nom = r->nobs_masses;
  int rc;
  if ((rc = sk_particles_sample(ps, rep, err))) return rc;
  for (size_t ti = 0; ti < r->ntimes; ++ti) {
    if ((rc = sk_particles_advance(ps, p->times[ti], err))) return rc;
    double *v = vals + ti * nq;
    memset(v, 0, nq * sizeof *v);
    size_t n = sk_particles_alive(ps);
    v[0] = (double)n / N;
    v[1] = (double)sk_particles_total_mass(ps) / N;
    v[2] = (double)sk_particles_removed_mass(ps) / N;
    double *bm = v + 4, *ob = v + 4 + nm;
    double heavier = 0;
    for (size_t i = 0; i < n; ++i) {
      long long mi = sk_particles_mass(ps, i);
      long long q = find_mass(r->masses, nm, mi);
      if (q >= 0)
        bm[q] += zn;
      else
        heavier += zn;
      if (r->nobs && nom) {
        long long qo = -1; /* [observe] masses in the user's order */
        for (size_t z = 0; z < nom && qo < 0; ++z)
          if (r->obs_masses[z] == mi) qo = (long long)z;
        if (qo >= 0) {
          double x[SK_MAX_DIM];
          for (int k = 0; k < d; ++k) x[k] = sk_particles_x(ps, i, k);
          for (size_t f = 0; f < r->nobs; ++f)
            ob[f * nom + (size_t)qo] += zn * sk_observe_eval(obs, f, x);
        }
      }
    }
    v[3] = heavier;
    if (snap) {
      sk_particles_snapshot *s = &snap[ti];
      s->n = n;
      s->step = ps->step;
      s->x = malloc((n ? n : 1) * (size_t)d * sizeof *s->x);
      s->id = malloc((n ? n : 1) * sizeof *s->id);
      s->mass = malloc((n ? n : 1) * sizeof *s->mass);
      idx_t *ix = malloc((n ? n : 1) * sizeof *ix);
      if (!s->x || !s->id || !s->mass || !ix) {
        free(ix);
        return sk_error_set(err, SK_ENOMEM, "out of memory for the snapshots");
      }
      for (size_t i = 0; i < n; ++i) ix[i] = (idx_t){ps, i};
      qsort(ix, n, sizeof *ix, idx_cmp);
      for (size_t i = 0; i < n; ++i) {
        for (int k = 0; k < d; ++k) s->x[i * (size_t)d + k] = sk_particles_x(ps, ix[i].i, k);
        s->id[i] = sk_particles_id(ps, ix[i].i);
        s->mass[i] = sk_particles_mass(ps, ix[i].i);
      }
      free(ix);
    }
  }
  sk_particles_get_counters(ps, cnt);
  return SK_OK;
}

int sk_particles_run(const sk_model *m, const sk_particles_run_opts *o,
                     sk_particles_results **out, sk_error *err) {
  *out = NULL;
  const sk_params *p = sk_model_params(m);
  sk_particles *ps = NULL;
  sk_observe *obs = NULL;
  double *vals = NULL;
  sk_particles_results *r = calloc(1, sizeof *r);
  if (!r) return sk_error_set(err, SK_ENOMEM, "out of memory");
  int rc = sk_particles_create(m, &ps, err);
  if (rc) goto fail;
  if ((rc = sk_observe_create(m, &obs, err))) goto fail;
  long long R = o->replicas < 1 ? 1 : o->replicas;
  size_t nt = p->ntimes;
  r->N = p->N;
  r->replicas = R;
  r->dim = p->dim;
  r->epsilon = sk_particles_epsilon(ps);
  r->dt = sk_particles_dt(ps);
  r->Z = p->Z;
  r->engine = sk_particles_engine_name(ps);
  r->ntimes = nt;
  /* masses reported: 1..max(10, initial max) and the [observe] masses */
  size_t nom;
  const long long *om = sk_observe_masses(obs, &nom);
  long long k0 = sk_model_max_initial_mass(m);
  if (p->mass == SK_MASS_MONO) k0 = 1;
  if (k0 < 10) k0 = 10;
  r->masses = malloc(((size_t)k0 + nom) * sizeof *r->masses);
  r->obs_masses = malloc((nom ? nom : 1) * sizeof *r->obs_masses);
  r->nobs = sk_observe_count(obs);
  r->obs_names = calloc(r->nobs ? r->nobs : 1, sizeof *r->obs_names);
  r->t = malloc(nt * sizeof *r->t);
  if (!r->masses || !r->obs_masses || !r->obs_names || !r->t) goto nomem;
  size_t nm = 0;
  for (long long k = 1; k <= k0; ++k) r->masses[nm++] = k;
  for (size_t q = 0; q < nom; ++q) {
    r->obs_masses[q] = om[q];
    if (om[q] > k0) r->masses[nm++] = om[q];
  }
  qsort(r->masses, nm, sizeof *r->masses, cmp_ll);
  size_t w = 0;
  for (size_t q = 0; q < nm; ++q)
    if (w == 0 || r->masses[q] != r->masses[w - 1]) r->masses[w++] = r->masses[q];
  nm = w;
  r->nmasses = nm;
  r->nobs_masses = nom;
  for (size_t k = 0; k < r->nobs; ++k)
    if (!(r->obs_names[k] = strdup(sk_observe_name(obs, k)))) goto nomem;
  memcpy(r->t, p->times, nt * sizeof *r->t);
  /* per replica and time: alive, total, removed, heavier, by_mass[nm], observe[nobs*nom] */
  size_t nq = 4 + nm + r->nobs * nom;
  size_t stride = nt * nq;
  vals = calloc((size_t)R * stride, sizeof *vals);
  r->alive_fraction = malloc(nt * sizeof *r->alive_fraction);
  r->total_mass = malloc(nt * sizeof *r->total_mass);
  r->removed_mass = malloc(nt * sizeof *r->removed_mass);
  r->heavier = malloc(nt * sizeof *r->heavier);
  r->by_mass = malloc(nt * nm * sizeof *r->by_mass);
  size_t nobsv = nt * r->nobs * nom;
  r->observe = malloc((nobsv > 0 ? nobsv : 1) * sizeof *r->observe);
  if (!vals || !r->alive_fraction || !r->total_mass || !r->removed_mass || !r->heavier ||
      !r->by_mass || !r->observe)
    goto nomem;
  if (o->snapshots) {
    r->snap = calloc(nt, sizeof *r->snap);
    if (!r->snap) goto nomem;
  }
  double t0 = sk_wtime();
  int nth = o->threads > 0 ? o->threads : omp_get_max_threads();
  sk_particles_counters *cnt = calloc((size_t)R, sizeof *cnt);
  if (!cnt) goto nomem;
  if (nth > 1 && R > 1 && p->N < SK_P_PAR_MIN) {
    /* small systems: replicas in parallel, one system per thread, each on
     * one thread; every replica writes only its own row */
    if (nth > R) nth = (int)R;
    sk_particles **pss = calloc((size_t)nth, sizeof *pss);
    sk_error *errs = calloc((size_t)nth, sizeof *errs);
    int *rcs = calloc((size_t)R, sizeof *rcs);
    if (!pss || !errs || !rcs) {
      free(pss);
      free(errs);
      free(rcs);
      free(cnt);
      goto nomem;
    }
    pss[0] = ps;
    sk_particles_set_threads(ps, 1);
    for (int q = 1; q < nth && !rc; ++q) {
      rc = sk_particles_create(m, &pss[q], err);
      if (!rc) sk_particles_set_threads(pss[q], 1);
    }
    long long done = 0;
    if (!rc) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
      for (long long rep = 0; rep < R; ++rep) {
        int tid = omp_get_thread_num();
        rcs[rep] = one_replica(pss[tid], obs, r, (uint64_t)rep, vals + (size_t)rep * stride, nq,
                               &cnt[rep], NULL, &errs[tid]);
        if (rcs[rep]) {
          char msg[SK_ERROR_MSG_MAX];
          memcpy(msg, errs[tid].msg, sizeof msg);
          sk_error_set(&errs[tid], rcs[rep], "replica %lld: %s", rep, msg);
          rcs[rep] = -1000 - tid; /* which thread's message */
        }
        long long dn;
#pragma omp atomic capture
        dn = ++done;
        if (tid == 0 && o->progress) o->progress(o->progress_ctx, (double)dn / (double)R);
      }
      for (long long rep = 0; rep < R && !rc; ++rep)
        if (rcs[rep]) {
          const sk_error *e = &errs[-1000 - rcs[rep]];
          rc = sk_error_set(err, e->code, "%s", e->msg);
        }
    }
    for (int q = 1; q < nth; ++q) sk_particles_free(pss[q]);
    free(pss);
    free(errs);
    free(rcs);
    if (!rc && r->snap) { /* replica 0 again, for its snapshots (same numbers) */
      sk_particles_counters c0;
      double *v0 = malloc(stride * sizeof *v0);
      if (!v0) rc = sk_error_set(err, SK_ENOMEM, "out of memory");
      else rc = one_replica(ps, obs, r, 0, v0, nq, &c0, r->snap, err);
      free(v0);
    }
  } else {
    sk_particles_set_threads(ps, o->threads);
    tick_info ti = {o, 0, (double)R, p->T};
    if (o->progress) {
      ps->tick = tick;
      ps->tick_ctx = &ti;
    }
    for (long long rep = 0; rep < R && !rc; ++rep) {
      ti.rep = (double)rep;
      rc = one_replica(ps, obs, r, (uint64_t)rep, vals + (size_t)rep * stride, nq, &cnt[rep],
                       rep == 0 ? r->snap : NULL, err);
      if (o->progress) o->progress(o->progress_ctx, (double)(rep + 1) / (double)R);
    }
    ps->tick = NULL;
  }
  for (long long rep = 0; rep < R; ++rep) {
    r->counters.steps += cnt[rep].steps;
    r->counters.particle_steps += cnt[rep].particle_steps;
    r->counters.pair_checks += cnt[rep].pair_checks;
    r->counters.pairs_in_range += cnt[rep].pairs_in_range;
    r->counters.reactions += cnt[rep].reactions;
    r->counters.conflicts += cnt[rep].conflicts;
    r->counters.rebuilds += cnt[rep].rebuilds;
  }
  free(cnt);
  if (rc) goto fail;
  r->wall_s = sk_wtime() - t0;
  for (size_t ti = 0; ti < nt; ++ti) {
    const double *v = vals + ti * nq;
    stats(v + 0, (size_t)R, stride, &r->alive_fraction[ti]);
    stats(v + 1, (size_t)R, stride, &r->total_mass[ti]);
    stats(v + 2, (size_t)R, stride, &r->removed_mass[ti]);
    stats(v + 3, (size_t)R, stride, &r->heavier[ti]);
    for (size_t q = 0; q < nm; ++q) stats(v + 4 + q, (size_t)R, stride, &r->by_mass[ti * nm + q]);
    for (size_t q = 0; q < r->nobs * nom; ++q)
      stats(v + 4 + nm + q, (size_t)R, stride, &r->observe[ti * r->nobs * nom + q]);
  }
  free(vals);
  sk_observe_free(obs);
  sk_particles_free(ps);
  *out = r;
  return SK_OK;
nomem:
  rc = sk_error_set(err, SK_ENOMEM, "out of memory");
fail:
  free(vals);
  sk_observe_free(obs);
  sk_particles_free(ps);
  sk_particles_results_free(r);
  return rc;
}
