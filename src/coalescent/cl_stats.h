/* Private to src/coalescent: running mean and variance (Welford), folded in a
 * fixed order so that results are reproducible bit for bit. */
#ifndef SK_CL_STATS_H
#define SK_CL_STATS_H

#include <math.h>

#include "smolkin/coalescent.h"

typedef struct cl_welford {
  double mean, m2;
  long long k;
} cl_welford;

static inline void cl_welford_add(cl_welford *w, double x) {
  w->k++;
  double d = x - w->mean;
  w->mean += d / (double)w->k;
  w->m2 += d * (x - w->mean);
}

/* Mean and standard error of the mean; se = NaN for a single sample. */
static inline sk_ml_stat cl_welford_stat(const cl_welford *w) {
  sk_ml_stat s;
  s.mean = w->mean;
  s.se = w->k >= 2 ? sqrt((w->m2 > 0 ? w->m2 : 0.0) / (double)(w->k - 1) / (double)w->k) : NAN;
  return s;
}

#endif
