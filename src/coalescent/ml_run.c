/* Replicas of the Marcus–Lushnikov process and their statistics.
 *
 * Replica r uses the Philox stream (seed, r). Replicas run in batches (OpenMP
 * over the replicas of a batch); each replica writes its values into its own
 * slot, and the slots are folded into the running means and variances
 * (Welford) in replica order, so the results are bitwise identical whatever
 * the number of threads or the batch size.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "coalescent/cl_internal.h"
#include "coalescent/cl_stats.h"
#include "smolkin/util.h"

void sk_ml_results_free(sk_ml_results *r) {
  if (!r) return;
  free(r->t);
  free(r->M0);
  free(r->M1);
  free(r->M2);
  free(r->tail_mass);
  free(r->max_mass);
  free(r->f);
  free(r->masses);
  free(r->spec_mean);
  free(r->spec_se);
  free(r);
}

static int check_opts(const sk_ml_run_opts *o, sk_error *err) {
  if (o->replicas < 1)
    return sk_error_set(err, SK_EINVAL, "replicas = %lld: expected at least 1", o->replicas);
  if (o->ntimes < 1 || !o->times) return sk_error_set(err, SK_EINVAL, "no report times");
  for (size_t i = 0; i < o->ntimes; ++i) {
    if (!(o->times[i] >= 0) || !isfinite(o->times[i]))
      return sk_error_set(err, SK_EINVAL, "report time %g: expected a finite time >= 0",
                          o->times[i]);
    if (i > 0 && !(o->times[i] > o->times[i - 1]))
      return sk_error_set(err, SK_EINVAL, "report times must increase (%g after %g)",
                          o->times[i], o->times[i - 1]);
  }
  for (size_t k = 0; k < o->nmasses; ++k)
    if (o->masses[k] < 1 || o->masses[k] > o->cfg.hist_max)
      return sk_error_set(err, SK_EINVAL,
                          "reported mass %llu: expected 1 <= mass <= hist_max = %llu",
                          (unsigned long long)o->masses[k], (unsigned long long)o->cfg.hist_max);
  return SK_OK;
}

int sk_ml_run(const sk_ml_kernel *k, const sk_ml_run_opts *o, sk_ml_results **out,
              sk_error *err) {
  *out = NULL;
  int rc = check_opts(o, err);
  if (rc) return rc;
  double t0 = sk_wtime();
  const size_t nt = o->ntimes, nm = o->nmasses;
  const long long R = o->replicas;

  /* A first process: validates the configuration, gives hist_max. */
  sk_ml *first = NULL;
  if ((rc = sk_ml_create(k, &o->cfg, o->seed, 0, &first, err))) return rc;
  const uint64_t hmax = sk_ml_hist_max(first);
  const size_t nspec = o->spectrum ? (size_t)hmax : 0;
  /* values per time: M0 M1 M2 tail max f[nm] spectrum[nspec] */
  const size_t nq = 5 + nm + nspec, stride = nt * nq;

  int nthreads = omp_get_max_threads();
  if (nthreads < 1) nthreads = 1;
  if ((long long)nthreads > R) nthreads = (int)R;
  /* Replicas per batch: enough to keep the threads busy between folds (one
   * parallel region per batch), few enough that their values take <= 16 MB.
   * The batch size changes neither the results nor their order. */
  long long B = (long long)((16u << 20) / (stride * sizeof(double) + 16));
  if (B < 2 * (long long)nthreads) B = 2 * (long long)nthreads;
  if (B > R) B = R;

  sk_ml_results *r = calloc(1, sizeof *r);
  sk_ml **mls = calloc((size_t)nthreads, sizeof *mls);
  double *slot = malloc((size_t)B * stride * sizeof *slot);
  double *evs = malloc((size_t)B * 2 * sizeof *evs);
  int *rcs = calloc((size_t)B, sizeof *rcs);
  sk_error *errs = calloc((size_t)B, sizeof *errs);
  cl_welford *acc = calloc(stride, sizeof *acc);
  if (!r || !mls || !slot || !evs || !rcs || !errs || !acc) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto fail;
  }
  mls[0] = first;
  first = NULL;
  r->ntimes = nt;
  r->nmasses = nm;
  r->replicas = R;
  r->hist_max = hmax;
  r->volume = sk_ml_volume(mls[0]);
  r->sampler = sk_ml_sampler_name(mls[0]);
  r->t = malloc(nt * sizeof *r->t);
  r->M0 = malloc(nt * sizeof *r->M0);
  r->M1 = malloc(nt * sizeof *r->M1);
  r->M2 = malloc(nt * sizeof *r->M2);
  r->tail_mass = malloc(nt * sizeof *r->tail_mass);
  r->max_mass = malloc(nt * sizeof *r->max_mass);
  r->f = malloc((nt * nm + 1) * sizeof *r->f);
  r->masses = malloc((nm + 1) * sizeof *r->masses);
  if (nspec) {
    r->spec_mean = malloc(nt * nspec * sizeof *r->spec_mean);
    r->spec_se = malloc(nt * nspec * sizeof *r->spec_se);
  }
  if (!r->t || !r->M0 || !r->M1 || !r->M2 || !r->tail_mass || !r->max_mass || !r->f ||
      !r->masses || (nspec && (!r->spec_mean || !r->spec_se))) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto fail;
  }
  memcpy(r->t, o->times, nt * sizeof *r->t);
  if (nm) memcpy(r->masses, o->masses, nm * sizeof *r->masses);

  cl_welford ev_acc = {0, 0, 0}, prop_acc = {0, 0, 0};
  for (long long r0 = 0; r0 < R; r0 += B) {
    long long nb = R - r0 < B ? R - r0 : B;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (long long q = 0; q < nb; ++q) {
      int tid = omp_get_thread_num();
      uint64_t rep = (uint64_t)(r0 + q);
      sk_error *e = &errs[q];
      int lrc;
      if (!mls[tid])
        lrc = sk_ml_create(k, &o->cfg, o->seed, rep, &mls[tid], e);
      else
        lrc = sk_ml_reset(mls[tid], o->seed, rep, e);
      sk_ml *s = mls[tid];
      double *v = slot + (size_t)q * stride;
      for (size_t i = 0; i < nt && !lrc; ++i) {
        lrc = sk_ml_advance(s, o->times[i], e);
        if (lrc) break;
        const double V = sk_ml_volume(s);
        double *x = v + i * nq;
        x[0] = (double)sk_ml_particles(s) / V;
        x[1] = (double)sk_ml_total_mass(s) / V;
        x[2] = (double)sk_ml_sum_squares(s) / V;
        x[3] = (double)sk_ml_tail_mass(s) / V;
        x[4] = (double)sk_ml_max_mass(s) / V;
        for (size_t m = 0; m < nm; ++m) x[5 + m] = (double)sk_ml_count(s, o->masses[m]) / V;
        for (size_t m = 0; m < nspec; ++m) x[5 + nm + m] = (double)sk_ml_count(s, m + 1) / V;
      }
      if (!lrc) {
        evs[2 * q] = (double)sk_ml_events(s);
        evs[2 * q + 1] = (double)sk_ml_proposals(s);
      }
      rcs[q] = lrc;
    }
    for (long long q = 0; q < nb; ++q)
      if (rcs[q]) {
        rc = rcs[q];
        *err = errs[q];
        sk_error_prefix(err, "replica %lld: ", r0 + q);
        goto fail;
      }
    for (long long q = 0; q < nb; ++q) {
      const double *v = slot + (size_t)q * stride;
      for (size_t j = 0; j < stride; ++j) cl_welford_add(&acc[j], v[j]);
      cl_welford_add(&ev_acc, evs[2 * q]);
      cl_welford_add(&prop_acc, evs[2 * q + 1]);
    }
    if (o->progress) o->progress(o->progress_ctx, (double)(r0 + nb) / (double)R);
  }
  for (size_t i = 0; i < nt; ++i) {
    const cl_welford *a = acc + i * nq;
    r->M0[i] = cl_welford_stat(&a[0]);
    r->M1[i] = cl_welford_stat(&a[1]);
    r->M2[i] = cl_welford_stat(&a[2]);
    r->tail_mass[i] = cl_welford_stat(&a[3]);
    r->max_mass[i] = cl_welford_stat(&a[4]);
    for (size_t m = 0; m < nm; ++m) {
      sk_ml_stat st = cl_welford_stat(&a[5 + m]);
      r->f[i * nm + m] = st;
    }
    for (size_t m = 0; m < nspec; ++m) {
      sk_ml_stat st = cl_welford_stat(&a[5 + nm + m]);
      r->spec_mean[i * nspec + m] = st.mean;
      r->spec_se[i * nspec + m] = st.se;
    }
  }
  r->events = ev_acc.mean;
  r->proposals = prop_acc.mean;
  for (int i = 0; i < nthreads; ++i) sk_ml_free(mls[i]);
  free(mls);
  free(slot);
  free(evs);
  free(rcs);
  free(errs);
  free(acc);
  r->wall_s = sk_wtime() - t0;
  *out = r;
  return SK_OK;

fail:
  sk_ml_free(first);
  if (mls)
    for (int i = 0; i < nthreads; ++i) sk_ml_free(mls[i]);
  free(mls);
  free(slot);
  free(evs);
  free(rcs);
  free(errs);
  free(acc);
  sk_ml_results_free(r);
  return rc;
}
