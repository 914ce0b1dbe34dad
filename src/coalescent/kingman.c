/* Kingman's coalescent: the block-counting process from n blocks, every pair
 * of blocks merging at rate 1, so k blocks become k - 1 after an Exp(k(k-1)/2)
 * holding time. Simulated exactly, one holding time per coagulation (O(n)
 * per replica), and its mean from Tavaré's formula. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "coalescent/cl_random.h"
#include "coalescent/cl_stats.h"
#include "smolkin/coalescent.h"
#include "smolkin/util.h"

/* E[A_n(t)] = sum_{k=1}^{n} e^{-k(k-1)t/2} (2k-1) n_[k] / n_(k) with
 * n_[k] = n(n-1)...(n-k+1), n_(k) = n(n+1)...(n+k-1) (Tavaré 1984);
 * every term is positive. The ratio r_k = n_[k]/n_(k) obeys r_1 = 1,
 * r_{k+1} = r_k (n-k)/(n+k), and tends to 1 as n -> infinity (term by term),
 * which gives the mean "from infinity". Once k^2 t > 2 the terms decrease
 * (their ratio is (2k+1)/(2k-1) (n-k)/(n+k) e^{-kt} < 1), so the sum stops
 * when they fall below 1e-17 of the sum. */
double sk_kingman_mean(uint64_t n, double t) {
  if (!(t >= 0)) return NAN;
  if (n == 0 && t == 0) return INFINITY;
  double sum = 0, r = 1.0;
  for (uint64_t k = 1; n == 0 || k <= n; ++k) {
    double kd = (double)k;
    double term = (2 * kd - 1) * r * exp(-kd * (kd - 1) * t / 2);
    sum += term;
    if (kd * kd * t > 2 && term < 1e-17 * sum) break;
    if (n > 0) r *= ((double)n - kd) / ((double)n + kd);
  }
  return sum;
}

int sk_kingman_sample(uint64_t n, const double *times, size_t ntimes, uint64_t seed,
                      uint64_t replica, uint64_t *blocks, sk_error *err) {
  if (n < 1) return sk_error_set(err, SK_EINVAL, "Kingman's coalescent needs n >= 1 blocks");
  for (size_t i = 0; i < ntimes; ++i)
    if (!(times[i] >= 0) || !isfinite(times[i]) || (i > 0 && !(times[i] > times[i - 1])))
      return sk_error_set(err, SK_EINVAL, "report times must be finite, >= 0 and increasing");
  cl_stream s;
  cl_stream_init(&s, seed, replica, CL_DOM_KINGMAN);
  uint64_t k = n;
  /* time of the next coagulation */
  double next = k > 1 ? cl_exp(&s) / ((double)k * (double)(k - 1) / 2) : INFINITY;
  for (size_t i = 0; i < ntimes; ++i) {
    while (next <= times[i]) {
      --k;
      next = k > 1 ? next + cl_exp(&s) / ((double)k * (double)(k - 1) / 2) : INFINITY;
    }
    blocks[i] = k;
  }
  return SK_OK;
}

void sk_kingman_results_free(sk_kingman_results *r) {
  if (!r) return;
  free(r->t);
  free(r->blocks);
  free(r->exact);
  free(r);
}

int sk_kingman_run(uint64_t n, const double *times, size_t ntimes, long long replicas,
                   uint64_t seed, sk_progress_fn progress, void *progress_ctx,
                   sk_kingman_results **out, sk_error *err) {
  *out = NULL;
  if (replicas < 1) return sk_error_set(err, SK_EINVAL, "replicas = %lld: expected at least 1", replicas);
  if (ntimes < 1) return sk_error_set(err, SK_EINVAL, "no report times");
  double t0 = sk_wtime();
  int nthreads = omp_get_max_threads();
  if (nthreads < 1) nthreads = 1;
  if ((long long)nthreads > replicas) nthreads = (int)replicas;
  /* batches of replicas: slots folded in replica order after each batch */
  long long B = (long long)((16u << 20) / (ntimes * sizeof(uint64_t) + 16));
  if (B < 2 * (long long)nthreads) B = 2 * (long long)nthreads;
  if (B > replicas) B = replicas;
  sk_kingman_results *r = calloc(1, sizeof *r);
  uint64_t *slot = malloc((size_t)B * ntimes * sizeof *slot);
  int *rcs = calloc((size_t)B, sizeof *rcs);
  sk_error *errs = calloc((size_t)B, sizeof *errs);
  cl_welford *acc = calloc(ntimes, sizeof *acc);
  int rc = SK_OK;
  if (r) {
    r->t = malloc(ntimes * sizeof *r->t);
    r->blocks = malloc(ntimes * sizeof *r->blocks);
    r->exact = malloc(ntimes * sizeof *r->exact);
  }
  if (!r || !slot || !rcs || !errs || !acc || !r->t || !r->blocks || !r->exact) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto done;
  }
  r->ntimes = ntimes;
  r->replicas = replicas;
  r->n = n;
  memcpy(r->t, times, ntimes * sizeof *r->t);
  for (long long r0 = 0; r0 < replicas; r0 += B) {
    long long nb = replicas - r0 < B ? replicas - r0 : B;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (long long q = 0; q < nb; ++q)
      rcs[q] = sk_kingman_sample(n, times, ntimes, seed, (uint64_t)(r0 + q), slot + q * ntimes,
                                 &errs[q]);
    for (long long q = 0; q < nb; ++q) {
      if (rcs[q]) {
        rc = rcs[q];
        *err = errs[q];
        goto done;
      }
      for (size_t i = 0; i < ntimes; ++i) cl_welford_add(&acc[i], (double)slot[q * ntimes + i]);
    }
    if (progress) progress(progress_ctx, (double)(r0 + nb) / (double)replicas);
  }
  for (size_t i = 0; i < ntimes; ++i) {
    r->blocks[i] = cl_welford_stat(&acc[i]);
    r->exact[i] = sk_kingman_mean(n, times[i]);
  }
  r->wall_s = sk_wtime() - t0;
done:
  free(slot);
  free(rcs);
  free(errs);
  free(acc);
  if (rc) {
    sk_kingman_results_free(r);
    return rc;
  }
  *out = r;
  return SK_OK;
}
