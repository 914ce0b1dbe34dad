/* Benchmark of the Smoluchowski ODE: additive kernel K = n + m from unit
 * masses, nmax = 2^20, to t = 10 (issue 3: goal <= 60 s on 2 cores and
 * < 1 GB). The tail closure is Flory's (post_gel = flory), exact for this
 * kernel, so f_1..f_nmax can be compared with the closed forms at every
 * time although most of the mass is beyond nmax by t = 10.
 *
 *   bench_ode [nmax=1048576] [T=10] [rtol=1e-6] [threads=2] [post_gel=flory|stockmayer]
 *             [atol=1e-12] [linsol=auto|exact|gmres]
 *
 * Prints wall time, peak RSS (getrusage), solver counts, and the relative
 * errors of f_1, f_2, f_10 and of the particle number M0 + N_tail against
 * the exact solutions at t = 1, 2, 3, 4, 5, 6, 8, 10 (those <= T). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "smolkin/ode.h"
#include "smolkin/ode_exact.h"
#include "smolkin/util.h"

int main(int argc, char **argv) {
  long long M = argc > 1 ? atoll(argv[1]) : 1048576;
  double T = argc > 2 ? atof(argv[2]) : 10;
  double rtol = argc > 3 ? atof(argv[3]) : 1e-6;
  int threads = argc > 4 ? atoi(argv[4]) : 2;
  int flory = !(argc > 5 && strcmp(argv[5], "stockmayer") == 0);
  double atol = argc > 6 ? atof(argv[6]) : 1e-12;
  int linsol = SK_ODE_LINSOL_AUTO;
  if (argc > 7 && strcmp(argv[7], "exact") == 0) linsol = SK_ODE_LINSOL_EXACT;
  if (argc > 7 && strcmp(argv[7], "gmres") == 0) linsol = SK_ODE_LINSOL_GMRES;
  sk_error err = {0};
  double t0 = sk_wtime();
  sk_coag *c;
  if (sk_coag_create_classical(SK_COAG_ADDITIVE, 1, M, &c, &err)) {
    fprintf(stderr, "bench_ode: %s\n", err.msg);
    return 1;
  }
  double *f0 = calloc((size_t)M, sizeof *f0);
  f0[0] = 1;
  sk_ode_opts o;
  sk_ode_opts_init(&o);
  o.rtol = rtol;
  o.post_gel = flory ? SK_ODE_FLORY : SK_ODE_STOCKMAYER;
  o.threads = threads;
  o.atol = atol;
  o.linsol = linsol;
  sk_ode *e;
  if (sk_ode_create(c, f0, &o, &e, &err)) {
    fprintf(stderr, "bench_ode: %s\n", err.msg);
    return 1;
  }
  free(f0);
  printf("additive kernel, nmax = %lld, t = 0..%g, rtol %g, atol %g, tail %s, sums %s, "
         "Newton systems %s, %d FFT threads\n",
         M, T, rtol, o.atol, sk_ode_postgel_name(o.post_gel), sk_coag_path_name(c),
         sk_ode_linsol_name(e), threads);
  const double ts[8] = {1, 2, 3, 4, 5, 6, 8, 10};
  int rc = 0;
  for (int i = 0; i < 8 && ts[i] <= T; ++i) {
    if ((rc = sk_ode_advance(e, ts[i], &err))) {
      fprintf(stderr, "bench_ode: %s\n", err.msg);
      break;
    }
    double t = ts[i], worst = 0;
    const long long ns[3] = {1, 2, 10};
    printf("t = %-3g", t);
    for (int q = 0; q < 3; ++q) {
      double r = fabs(sk_ode_f_at(e, ns[q]) / sk_ode_exact_f(SK_COAG_ADDITIVE, 1, 1, ns[q], t) - 1);
      printf("  f_%lld rel.err %.1e", ns[q], r);
      worst = fmax(worst, r);
    }
    double N = sk_ode_tail_number(e);
    if (isfinite(N))
      printf("  M0+N_tail rel.err %.1e",
             fabs((sk_ode_moment(e, 0) + N) / sk_ode_exact_moment(SK_COAG_ADDITIVE, 1, 1, 0, t) - 1));
    sk_ode_stats st;
    sk_ode_get_stats(e, &st);
    printf("  tail mass %.4f  mass defect %.1e  | %.1f s, %ld steps, %ld newton fails, "
           "active nmax %lld\n",
           sk_ode_tail_mass(e), sk_ode_mass_defect(e), sk_wtime() - t0, st.steps, st.newton_fails,
           st.active_nmax);
    fflush(stdout);
  }
  double wall = sk_wtime() - t0;
  sk_ode_stats st;
  sk_ode_get_stats(e, &st);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("wall %.2f s, peak RSS %.1f MB; steps %ld, rhs %ld, jvp %ld, newton %ld, linear "
         "solves/iterations %ld, Jacobian setups %ld, error-test fails %ld, newton fails %ld\n",
         wall, ru.ru_maxrss / 1024.0, st.steps, st.rhs_evals, st.jvp_evals, st.newton_iters,
         st.lin_iters, st.prec_setups, st.err_test_fails, st.newton_fails);
  sk_ode_free(e);
  sk_coag_free(c);
  return rc ? 1 : 0;
}
