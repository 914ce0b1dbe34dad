// ctest: TIMEOUT 600
/* Kingman's coalescent from n = 1e6 blocks against
 *   E A_n(t) = sum_{k=1}^{n} e^{-k(k-1)t/2} (2k-1) n_[k]/n_(k)   (Tavaré 1984)
 * and against the mean from infinity, E A(t) = sum_k (2k-1) e^{-k(k-1)t/2},
 * at the times where E A(t) - E A_n(t) (from the two formulas) is below a
 * tenth of the standard error, so that the two references cannot be told
 * apart by the simulation.
 * Statistics: R = 400 replicas; thresholds are the Student-t quantile (399
 * degrees of freedom) at the two-sided level 1e-3 / (number of comparisons),
 * >= 4, so the file fails by chance with probability <= 1e-3.
 */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>

#include "smolkin/coalescent.h"
#include "smolkin/util.h"
#include "testutil.h"

static void test_kingman_large_n(void **state) {
  (void)state;
  const double times[] = {0.001, 0.01, 0.1, 1, 5};
  const size_t nt = sizeof times / sizeof *times;
  const uint64_t n = 1000000;
  const long long R = 400;
  const double alpha = 1e-3 / (2.0 * nt);
  double c = gsl_cdf_tdist_Qinv(alpha / 2, (double)(R - 1));
  if (c < 4) c = 4;
  sk_kingman_results *r;
  sk_error err;
  double t0 = sk_wtime();
  assert_int_equal(sk_kingman_run(n, times, nt, R, 20240611, NULL, NULL, &r, &err), SK_OK);
  printf("Kingman from n = %llu, R = %lld (%.1f s), threshold %.2f\n", (unsigned long long)n, R,
         sk_wtime() - t0, c);
  printf("%8s %14s %10s %14s %8s %14s %10s %8s\n", "t", "mean", "se", "E A_n(t)", "z", "E A(t)",
         "diff/se", "z(inf)");
  for (size_t i = 0; i < nt; ++i) {
    double m = r->blocks[i].mean, se = r->blocks[i].se;
    double en = sk_kingman_mean(n, times[i]), einf = sk_kingman_mean(0, times[i]);
    assert_close(r->exact[i], en, 0, 0);
    double z = (m - en) / se, zi = (m - einf) / se, resol = (einf - en) / se;
    printf("%8.3g %14.6f %10.4f %14.6f %+8.2f %14.6f %10.3f %+8.2f\n", times[i], m, se, en, z, einf,
           resol, zi);
    if (!(fabs(z) <= c)) fail_msg("t = %g: z = %.2f against Tavare's mean", times[i], z);
    if (resol < 0.1) {
      if (!(fabs(zi) <= c)) fail_msg("t = %g: z = %.2f against the mean from infinity", times[i], zi);
    }
  }
  sk_kingman_results_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_kingman_large_n)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
