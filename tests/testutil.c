#include "testutil.h"

#include "smolkin/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_assert_close_impl(double a, double b, double rtol, double atol, const char *ea,
                          const char *eb, const char *file, int line) {
  double tol = atol + rtol * fabs(b);
  if (!(fabs(a - b) <= tol)) {
    print_error("%s:%d: %s = %.17g not close to %s = %.17g (|diff| = %.3g, rel = %.3g, tol = %.3g)\n",
                file, line, ea, a, eb, b, fabs(a - b), b != 0 ? fabs(a - b) / fabs(b) : NAN, tol);
    _fail(file, line);
  }
}

void sk_assert_within_se_impl(double x, double ref, double se, double k, const char *ex,
                              const char *file, int line) {
  if (!(fabs(x - ref) <= k * se)) {
    print_error("%s:%d: %s = %.10g differs from %.10g by %.2f standard errors (se = %.3g, allowed %.1f)\n",
                file, line, ex, x, ref, se > 0 ? fabs(x - ref) / se : INFINITY, se, k);
    _fail(file, line);
  }
}

const char *sk_test_source_path(const char *rel) {
  static char buf[8][4096];
  static int k = 0;
  const char *src = getenv("SK_SOURCE_DIR");
  char *b = buf[k++ % 8];
  snprintf(b, sizeof buf[0], "%s/%s", src ? src : ".", rel);
  return b;
}

const char *sk_test_tmpdir(void) {
  static char dir[512] = "";
  if (!dir[0]) {
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/smolkin-test-XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(dir)) {
      perror("mkdtemp");
      abort();
    }
  }
  return dir;
}

const char *sk_test_write_file(const char *name, const char *text) {
  static char buf[8][4096];
  static int k = 0;
  char *b = buf[k++ % 8];
  snprintf(b, sizeof buf[0], "%s/%s", sk_test_tmpdir(), name);
  FILE *f = fopen(b, "w");
  if (!f) {
    perror(b);
    abort();
  }
  fputs(text, f);
  fclose(f);
  return b;
}

sk_model *sk_test_model(const char *const *kv) {
  sk_model *m = NULL;
  sk_error e = {0};
  assert_int_equal(sk_model_create(&m, &e), SK_OK);
  for (; *kv; ++kv) {
    if (sk_model_set_assignment(m, *kv, "test", &e)) {
      print_error("%s: %s\n", *kv, e.msg);
      fail();
    }
  }
  if (sk_model_finalize(m, &e)) {
    print_error("finalize: %s\n", e.msg);
    fail();
  }
  return m;
}

sk_model *sk_test_model_args(const char *first, ...) {
  const char *kv[64];
  size_t n = 0;
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *)) {
    assert_true(n + 1 < sizeof kv / sizeof *kv);
    kv[n++] = a;
  }
  va_end(ap);
  kv[n] = NULL;
  return sk_test_model(kv);
}
