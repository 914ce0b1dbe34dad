/* Unit tests of the particle system: pair search (cell lists + Verlet list)
 * against a brute-force search, the normal sampler and the initial sampler
 * (moments), the rates of every variant, the survivor rule (binomial test),
 * mass conservation, and bitwise reproducibility for 1, 2 and 3 threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "particles/particles_internal.h"
#include "particles/pnormal.h"
#include "smolkin/particles.h"
#include "smolkin/rng.h"
#include "testutil.h"

static sk_model *model(const char *const *kv) { return sk_test_model(kv); }

/* Pairs within the interaction range, by brute force (minimum image on the torus). */
static long long brute_pairs(const sk_particles *ps, int torus, double L) {
  size_t n = sk_particles_alive(ps);
  int d = sk_particles_dim(ps);
  long long cnt = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      double dx[SK_MAX_DIM];
      for (int k = 0; k < d; ++k) {
        double v = sk_particles_x(ps, j, k) - sk_particles_x(ps, i, k);
        if (torus) v -= L * round(v / L);
        dx[k] = v;
      }
      if (sk_particles_pair_rate(ps, sk_particles_mass(ps, i), sk_particles_mass(ps, j), dx) > 0)
        cnt++;
    }
  return cnt;
}

/* Every step, the engine's count of pairs in range equals the brute-force
 * count at the positions the step starts from (alpha tiny: no reactions). */
static void check_pair_search(const char *const *kv, int torus, int steps, int threads) {
  sk_model *m = model(kv);
  sk_particles *ps = NULL;
  sk_error e = {0};
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  sk_particles_set_threads(ps, threads);
  assert_int_equal(sk_particles_sample(ps, 3, &e), SK_OK);
  double dt = sk_particles_dt(ps);
  long long total = 0;
  for (int s = 0; s < steps; ++s) {
    long long want = brute_pairs(ps, torus, sk_model_params(m)->box);
    sk_particles_counters c0, c1;
    sk_particles_get_counters(ps, &c0);
    /* big steps so that the Verlet list is rebuilt now and then */
    assert_int_equal(sk_particles_advance(ps, sk_particles_time(ps) + dt, &e), SK_OK);
    sk_particles_get_counters(ps, &c1);
    assert_int_equal(c1.pairs_in_range - c0.pairs_in_range, want);
    total += want;
  }
  assert_true(total > 0); /* the test saw pairs in range */
  sk_particles_free(ps);
  sk_model_free(m);
}

static void test_pairs_torus3(void **state) {
  (void)state;
  /* eps = Z/N = 0.05; dt_factor = 1: moves of ~eps per step */
  const char *kv[] = {"model.geometry=torus", "initial.space=uniform", "run.N=1500", "initial.Z=75",
                      "interaction.alpha=1e-12", "particles.dt_factor=1", NULL};
  check_pair_search(kv, 1, 15, 1);
  check_pair_search(kv, 1, 6, 2);
}

static void test_pairs_torus3_few_cells(void **state) {
  (void)state;
  /* eps = 0.3: fewer than 3 cells per axis (the generic path) */
  const char *kv[] = {"model.geometry=torus", "initial.space=uniform", "run.N=40", "initial.Z=12",
                      "interaction.alpha=1e-12", "particles.dt_factor=1", NULL};
  check_pair_search(kv, 1, 30, 1);
}

static void test_pairs_whole_space(void **state) {
  (void)state;
  const char *kv[] = {"model.geometry=whole-space", "initial.space=gaussian", "initial.sigma=1",
                      "run.N=1000", "initial.Z=100", "interaction.alpha=1e-12",
                      "particles.dt_factor=1", NULL};
  check_pair_search(kv, 0, 12, 1);
}

static void test_pairs_d2_d4_radius(void **state) {
  (void)state;
  const char *kv2[] = {"model.dim=2", "model.geometry=torus", "initial.space=uniform", "run.N=800",
                       "initial.Z=320", "interaction.alpha=1e-12", "particles.dt_factor=1", NULL};
  check_pair_search(kv2, 1, 10, 1);
  const char *kv4[] = {"model.dim=4", "model.geometry=torus", "initial.space=uniform", "run.N=800",
                       "initial.Z=8", "interaction.alpha=1e-12", "particles.dt_factor=1", NULL};
  check_pair_search(kv4, 1, 10, 1);
  /* mass-dependent ranges (radius law), masses 1..3, bump kernel */
  const char *kvr[] = {"model.geometry=torus", "initial.space=uniform", "run.N=1000", "initial.Z=30",
                       "initial.mass=weights", "initial.weights=1,1,1", "particles.radius_law=power",
                       "particles.chi=0.5", "interaction.kernel=bump", "interaction.alpha=1e-12",
                       "particles.dt_factor=1", NULL};
  check_pair_search(kvr, 1, 10, 1);
}

/* Ziggurat normals: mean 0, variance 1, fourth moment 3, tail mass. */
static void test_normals(void **state) {
  (void)state;
  sk_zig_init();
  const long n = 1000000;
  double s1 = 0, s2 = 0, s4 = 0, tail = 0;
  for (long i = 0; i < n / 4; ++i) {
    sk_pstream st;
    sk_pstream_init(&st, 11, (uint64_t)i, 5, 0, SK_PDOM_MOVE);
    for (int k = 0; k < 4; ++k) {
      double z = sk_pstream_normal(&st);
      s1 += z;
      s2 += z * z;
      s4 += z * z * z * z;
      tail += fabs(z) > 3.0;
    }
  }
  double N = (double)n;
  /* se: 1/sqrt(n), sqrt(2/n), sqrt(96/n); 5 se each: false failure ~ 1e-6 */
  assert_within_se(s1 / N, 0.0, 1.0 / sqrt(N), 5);
  assert_within_se(s2 / N, 1.0, sqrt(2.0 / N), 5);
  assert_within_se(s4 / N, 3.0, sqrt(96.0 / N), 5);
  double p3 = erfc(3.0 / sqrt(2.0)); /* P(|Z| > 3) = 0.0026998 */
  assert_within_se(tail / N, p3, sqrt(p3 * (1 - p3) / N), 5);
}

/* Initial sampler: uniform on the torus, a ball, masses from the weights. */
static void test_initial_sampler(void **state) {
  (void)state;
  const char *kv[] = {"model.geometry=torus", "initial.space=uniform", "run.N=20000",
                      "initial.Z=2000", "initial.mass=weights", "initial.weights=3,1", NULL};
  sk_model *m = model(kv);
  sk_particles *ps = NULL;
  sk_error e = {0};
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  assert_int_equal(sk_particles_sample(ps, 0, &e), SK_OK);
  double n = 20000, sx = 0, sxx = 0, m2 = 0;
  for (size_t i = 0; i < 20000; ++i) {
    double x = sk_particles_x(ps, i, 1);
    assert_true(x >= 0 && x < 1);
    sx += x;
    sxx += x * x;
    m2 += sk_particles_mass(ps, i) == 2;
  }
  assert_within_se(sx / n, 0.5, sqrt(1.0 / 12 / n), 5);
  assert_within_se(sxx / n - (sx / n) * (sx / n), 1.0 / 12, sqrt(1.0 / 180 / n), 5);
  assert_within_se(m2 / n, 0.25, sqrt(0.25 * 0.75 / n), 5);
  assert_int_equal(sk_particles_initial_mass(ps), sk_particles_total_mass(ps));
  sk_particles_free(ps);
  sk_model_free(m);
  /* ball of radius 0.5 in d = 3 around (1,2,3): E|x-c|^2 = 3/5 r^2, Var = r^4 (3/7 - 9/25) */
  const char *kb[] = {"model.geometry=whole-space", "initial.space=ball", "initial.radius=0.5",
                      "initial.center=1,2,3", "run.N=20000", "initial.Z=2000", NULL};
  m = model(kb);
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  assert_int_equal(sk_particles_sample(ps, 0, &e), SK_OK);
  double s = 0;
  for (size_t i = 0; i < 20000; ++i) {
    double r2 = 0;
    for (int k = 0; k < 3; ++k) {
      double v = sk_particles_x(ps, i, k) - (k + 1);
      r2 += v * v;
    }
    assert_true(r2 <= 0.25 * (1 + 1e-12));
    s += r2;
  }
  double var = 0.0625 * (3.0 / 7 - 9.0 / 25);
  assert_within_se(s / n, 0.6 * 0.25, sqrt(var / n), 5);
  sk_particles_free(ps);
  sk_model_free(m);
}

/* Rates of each variant against the formulas of SPEC §2. */
static void test_rates(void **state) {
  (void)state;
  sk_error e = {0};
  sk_particles *ps = NULL;
  double dx[3] = {0, 0, 0};
  /* d = 3: alpha eps^-2 V, eps = Z/N = 0.01 */
  const char *k3[] = {"model.geometry=torus", "initial.space=uniform", "run.N=100", NULL};
  sk_model *m = model(k3);
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  assert_close(sk_particles_epsilon(ps), 0.01, 1e-15, 0);
  dx[0] = 0.0099;
  assert_close(sk_particles_pair_rate(ps, 1, 1, dx), 10 * 1e4, 1e-13, 0);
  dx[0] = 0.0101;
  assert_true(sk_particles_pair_rate(ps, 1, 1, dx) == 0);
  assert_close(sk_particles_dt(ps), 0.01 * 1e-4, 1e-13, 0); /* default dt_factor 0.01 */
  sk_particles_free(ps);
  sk_model_free(m);
  /* d = 2: eps = exp(-N/Z), rate alpha eps^-2 / |log eps| */
  const char *k2[] = {"model.dim=2", "model.geometry=torus", "initial.space=uniform", "run.N=30",
                      "initial.Z=10", NULL};
  m = model(k2);
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  double eps = exp(-3.0);
  assert_close(sk_particles_epsilon(ps), eps, 1e-14, 0);
  dx[0] = 0.5 * eps;
  assert_close(sk_particles_pair_rate(ps, 1, 1, dx), 10 / (eps * eps) / 3.0, 1e-13, 0);
  sk_particles_free(ps);
  sk_model_free(m);
  /* range exponent b = 0.5: alpha eps^(-2 + 3/2) V(dx / eps^0.5), eps = 1e-4 */
  const char *kb[] = {"model.geometry=torus", "initial.space=uniform", "run.N=10000",
                      "particles.range_exponent=0.5", NULL};
  m = model(kb);
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  dx[0] = 0.0099;
  assert_close(sk_particles_pair_rate(ps, 1, 1, dx), 10 * pow(1e-4, -0.5), 1e-12, 0);
  dx[0] = 0.0101;
  assert_true(sk_particles_pair_rate(ps, 1, 1, dx) == 0);
  sk_particles_free(ps);
  sk_model_free(m);
  /* radius law r_n = n^(1/3), bump kernel: alpha eps^-2 s^-2 V(dx/(s eps)), s = r_n + r_m */
  const char *kr[] = {"model.geometry=torus", "initial.space=uniform", "run.N=100",
                      "particles.radius_law=power", "particles.chi=0.3333333333333333",
                      "interaction.kernel=bump", NULL};
  m = model(kr);
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  double s = 1 + cbrt(8.0);
  dx[0] = 0.01;
  double y = 0.01 / (s * 0.01);
  double want = 10 * 1e4 / (s * s) * exp(1 - 1 / (1 - y * y));
  assert_close(sk_particles_pair_rate(ps, 1, 8, dx), want, 1e-12, 0);
  assert_close(sk_particles_pair_range(ps, 1, 8), s * 0.01, 1e-14, 0);
  sk_particles_free(ps);
  sk_model_free(m);
}

/* Bad models: radial geometry, d = 1, p < 0. */
static void test_bad_models(void **state) {
  (void)state;
  sk_error e = {0};
  sk_particles *ps = NULL;
  const char *k1[] = {"model.geometry=radial", "initial.space=gaussian", NULL};
  sk_model *m = model(k1);
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_EINVAL);
  assert_non_null(strstr(e.msg, "geometry"));
  sk_model_free(m);
  const char *k2[] = {"model.geometry=torus", "initial.space=uniform", "diffusion.p=-0.5", NULL};
  m = model(k2);
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_EINVAL);
  assert_non_null(strstr(e.msg, "p"));
  sk_model_free(m);
  const char *k3[] = {"model.geometry=torus", "initial.space=uniform", "run.N=2", NULL};
  m = model(k3); /* eps = 1/2: the range does not fit below half the box */
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_EINVAL);
  sk_model_free(m);
  assert_null(ps);
}

/* Survivor rule: masses 1 and 3 on top of each other react in the first
 * step (alpha dt eps^-2 = 20); the mass-1 particle survives with
 * probability 1/4. Binomial test at 5 se (false failure ~ 6e-7). Mass is
 * conserved exactly and the survivor keeps its own position. */
static void test_survivor_rule(void **state) {
  (void)state;
  const char *kv[] = {"model.geometry=whole-space", "initial.space=gaussian", "run.N=2",
                      "initial.Z=2", "interaction.alpha=1e4", "particles.dt_factor=0.002",
                      "diffusion.p=0.5", NULL};
  sk_model *m = model(kv);
  sk_particles *ps = NULL;
  sk_error e = {0};
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  double x[6] = {0.1, 0.2, 0.3, 0.1, 0.2, 0.3};
  long long ms[2] = {1, 3};
  const int R = 20000;
  int light = 0;
  for (int r = 0; r < R; ++r) {
    x[3] = 0.1 + 1e-3 * (r % 7); /* within range eps = 1 */
    assert_int_equal(sk_particles_set_state(ps, 2, x, ms, (uint64_t)r, &e), SK_OK);
    double dt = sk_particles_dt(ps);
    assert_int_equal(sk_particles_advance(ps, dt, &e), SK_OK);
    assert_int_equal(sk_particles_alive(ps), 1);
    assert_int_equal(sk_particles_mass(ps, 0), 4);
    assert_int_equal(sk_particles_total_mass(ps), 4);
    long long id = sk_particles_id(ps, 0);
    light += id == 0;
  }
  double f = (double)light / R;
  print_message("survivor rule: the mass-1 particle survived in %.4f of %d trials (expected 0.25, "
                "z = %.2f)\n", f, R, (f - 0.25) / sqrt(0.25 * 0.75 / R));
  assert_within_se(f, 0.25, sqrt(0.25 * 0.75 / R), 5);
  sk_particles_free(ps);
  sk_model_free(m);
}

/* Bitwise identical runs for 1, 2 and 3 threads, with reactions and
 * conflicts in many steps (coagulation, masses 1..3, N above the engine's
 * parallel threshold). */
static void test_threads_bitwise(void **state) {
  (void)state;
  const char *kv[] = {"model.geometry=torus", "initial.space=uniform", "run.N=9000", "initial.Z=400",
                      "initial.mass=weights", "initial.weights=1,1,1", "particles.dt_factor=0.05",
                      "run.T=2e-3", "run.times=5e-4,1e-3,2e-3", "observe.gauss_sigma=0.1,0.3",
                      "run.seed=77", NULL};
  sk_model *m = model(kv);
  sk_particles_results *res[3] = {NULL, NULL, NULL};
  sk_error e = {0};
  for (int t = 0; t < 3; ++t) {
    sk_particles_run_opts o = {.replicas = 2, .threads = t + 1, .snapshots = 1};
    assert_int_equal(sk_particles_run(m, &o, &res[t], &e), SK_OK);
  }
  const sk_particles_results *a = res[0];
  assert_true(a->counters.reactions > 100);
  assert_true(a->counters.conflicts > 0);
  for (int t = 1; t < 3; ++t) {
    const sk_particles_results *b = res[t];
    size_t nt = a->ntimes;
    assert_memory_equal(a->alive_fraction, b->alive_fraction, nt * sizeof *a->alive_fraction);
    assert_memory_equal(a->by_mass, b->by_mass, nt * a->nmasses * sizeof *a->by_mass);
    assert_memory_equal(a->observe, b->observe,
                        nt * a->nobs * a->nobs_masses * sizeof *a->observe);
    assert_int_equal(a->counters.reactions, b->counters.reactions);
    assert_int_equal(a->counters.conflicts, b->counters.conflicts);
    for (size_t i = 0; i < nt; ++i) {
      assert_int_equal(a->snap[i].n, b->snap[i].n);
      assert_memory_equal(a->snap[i].x, b->snap[i].x, a->snap[i].n * 3 * sizeof(double));
      assert_memory_equal(a->snap[i].mass, b->snap[i].mass, a->snap[i].n * sizeof(int64_t));
    }
  }
  for (int t = 0; t < 3; ++t) sk_particles_results_free(res[t]);
  sk_model_free(m);
}

/* Annihilation: alive mass + annihilated mass = initial mass at every time. */
static void test_mass_accounting(void **state) {
  (void)state;
  const char *kv[] = {"model.geometry=torus", "initial.space=uniform", "run.N=2000", "initial.Z=200",
                      "initial.mass=weights", "initial.weights=1,1", "particles.reaction=annihilation",
                      "particles.dt_factor=0.05", "run.T=1e-3", "run.times=2e-4,1e-3", NULL};
  sk_model *m = model(kv);
  sk_particles *ps = NULL;
  sk_error e = {0};
  assert_int_equal(sk_particles_create(m, &ps, &e), SK_OK);
  assert_int_equal(sk_particles_sample(ps, 0, &e), SK_OK);
  long long m0 = sk_particles_initial_mass(ps);
  assert_int_equal(sk_particles_advance(ps, 2e-4, &e), SK_OK);
  assert_int_equal(sk_particles_advance(ps, 1e-3, &e), SK_OK);
  assert_true(sk_particles_removed_mass(ps) > 0);
  assert_int_equal(sk_particles_total_mass(ps) + sk_particles_removed_mass(ps), m0);
  assert_int_equal(sk_particles_check_mass(ps, &e), SK_OK);
  assert_int_equal(sk_particles_advance(ps, 1e-4, &e), SK_EINVAL); /* backwards */
  sk_particles_free(ps);
  sk_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pairs_torus3),      cmocka_unit_test(test_pairs_torus3_few_cells),
      cmocka_unit_test(test_pairs_whole_space), cmocka_unit_test(test_pairs_d2_d4_radius),
      cmocka_unit_test(test_normals),           cmocka_unit_test(test_initial_sampler),
      cmocka_unit_test(test_rates),             cmocka_unit_test(test_bad_models),
      cmocka_unit_test(test_survivor_rule),     cmocka_unit_test(test_threads_bitwise),
      cmocka_unit_test(test_mass_accounting),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
