/* Core utilities: counter-based RNG, JSON writer, output directory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smolkin/json.h"
#include "smolkin/output.h"
#include "smolkin/rng.h"
#include "testutil.h"

static void test_rng_reproducible(void **state) {
  (void)state;
  sk_rng a, b;
  sk_rng_init(&a, 42, 7, 100, 0);
  sk_rng_init(&b, 42, 7, 100, 0);
  for (int i = 0; i < 1000; ++i) assert_true(sk_rng_u64(&a) == sk_rng_u64(&b));
  /* different stream, counter or domain -> different numbers */
  sk_rng_init(&a, 42, 7, 100, 0);
  sk_rng c, d, e;
  sk_rng_init(&c, 42, 8, 100, 0);
  sk_rng_init(&d, 42, 7, 101, 0);
  sk_rng_init(&e, 42, 7, 100, 1);
  uint64_t x = sk_rng_u64(&a);
  assert_true(x != sk_rng_u64(&c));
  assert_true(x != sk_rng_u64(&d));
  assert_true(x != sk_rng_u64(&e));
  /* Known-answer: Random123's philox4x64-10 with key (1,2), counter 0 (first word). */
  uint64_t ctr[4] = {0, 0, 0, 0}, out[4];
  sk_philox4x64(1, 2, ctr, out);
  assert_true(out[0] == 5115512112439138398ull);
}

/* Moments of uniforms and normals: n = 1e6 samples; tolerance 5 standard
 * errors (false-failure rate ~ 6e-7 per check). */
static void test_rng_moments(void **state) {
  (void)state;
  sk_rng r;
  sk_rng_init(&r, 1, 0, 0, 0);
  const int n = 1000000;
  double su = 0, sn = 0, sn2 = 0, se = 0;
  long below[7] = {0};
  for (int i = 0; i < n; ++i) {
    double u = sk_rng_uniform(&r);
    assert_true(u >= 0 && u < 1);
    su += u;
    double z = sk_rng_normal(&r);
    sn += z;
    sn2 += z * z;
    se += sk_rng_exp(&r);
    below[sk_rng_below(&r, 7)]++;
  }
  assert_within_se(su / n, 0.5, sqrt(1.0 / 12 / n), 5);
  assert_within_se(sn / n, 0.0, sqrt(1.0 / n), 5);
  assert_within_se(sn2 / n, 1.0, sqrt(2.0 / n), 5);
  assert_within_se(se / n, 1.0, sqrt(1.0 / n), 5);
  for (int k = 0; k < 7; ++k)
    assert_within_se((double)below[k] / n, 1.0 / 7, sqrt((1.0 / 7) * (6.0 / 7) / n), 5);
}

static void test_json(void **state) {
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  sk_json j;
  sk_json_init(&j, f, 0);
  sk_json_begin_object(&j, NULL);
  sk_json_double(&j, "a", 0.1);
  sk_json_begin_array(&j, "b");
  sk_json_int(&j, NULL, 1);
  sk_json_double(&j, NULL, NAN);
  sk_json_string(&j, NULL, "q\"\n");
  sk_json_end_array(&j);
  sk_json_begin_object(&j, "c");
  sk_json_end_object(&j);
  sk_json_end_object(&j);
  sk_json_finish(&j);
  fclose(f);
  assert_string_equal(buf, "{\"a\":0.10000000000000001,\"b\":[1,null,\"q\\\"\\n\"],\"c\":{}}\n");
  free(buf);
}

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static void test_output_commit_abort(void **state) {
  (void)state;
  char dir[600], p[700];
  snprintf(dir, sizeof dir, "%s/out/sub", sk_test_tmpdir());
  sk_run_info ri = {.command = "test", .cmdline = "test x", .model = NULL, .seed = 3};
  sk_out *o;
  sk_error err;
  assert_int_equal(sk_out_open(dir, &ri, &o, &err), SK_OK);
  FILE *f = sk_out_csv(o, "a.csv", &err);
  assert_non_null(f);
  fprintf(f, "x,y\n1,2\n");
  hid_t h = sk_out_h5(o, "a.h5", &err);
  assert_true(h >= 0);
  double data[6] = {1, 2, 3, 4, 5, 6};
  size_t dims[2] = {2, 3};
  assert_int_equal(sk_h5_write_doubles(h, "/results/f", 2, dims, data, &err), SK_OK);
  snprintf(p, sizeof p, "%s/a.csv", dir);
  assert_false(exists(p));
  sk_out_free(o); /* not committed: partial files removed */
  assert_false(exists(p));
  snprintf(p, sizeof p, "%s/a.csv.partial", dir);
  assert_false(exists(p));

  assert_int_equal(sk_out_open(dir, &ri, &o, &err), SK_OK);
  f = sk_out_csv(o, "a.csv", &err);
  fprintf(f, "x,y\n1,2\n");
  h = sk_out_h5(o, "a.h5", &err);
  assert_int_equal(sk_h5_write_doubles(h, "/results/f", 2, dims, data, &err), SK_OK);
  assert_int_equal(sk_out_commit(o, &err), SK_OK);
  sk_out_free(o);
  snprintf(p, sizeof p, "%s/a.csv", dir);
  assert_true(exists(p));
  FILE *in = fopen(p, "r");
  char line[256];
  assert_non_null(fgets(line, sizeof line, in));
  assert_non_null(strstr(line, "# smolkin"));
  int seen_seed = 0;
  while (fgets(line, sizeof line, in)) seen_seed |= strstr(line, "# seed: 3") != NULL;
  fclose(in);
  assert_true(seen_seed);
  snprintf(p, sizeof p, "%s/a.h5", dir);
  hid_t fh = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
  assert_true(fh >= 0);
  double back[6];
  hid_t ds = H5Dopen2(fh, "/results/f", H5P_DEFAULT);
  assert_true(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0);
  assert_close(back[5], 6, 0, 0);
  H5Dclose(ds);
  assert_true(H5Aexists_by_name(fh, "/parameters", "seed", H5P_DEFAULT) > 0);
  H5Fclose(fh);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rng_reproducible),
      cmocka_unit_test(test_rng_moments),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_output_commit_abort),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
