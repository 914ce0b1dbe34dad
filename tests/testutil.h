/* Shared helpers for the cmocka tests. */
#ifndef SK_TESTUTIL_H
#define SK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the above first */
#include <cmocka.h>

/* Double-precision closeness: |a-b| <= atol + rtol*|b| (cmocka's float
 * assertion compares as float). Prints both values on failure. */
#define assert_close(a, b, rtol, atol) \
  sk_assert_close_impl((double)(a), (double)(b), (rtol), (atol), #a, #b, __FILE__, __LINE__)
void sk_assert_close_impl(double a, double b, double rtol, double atol, const char *ea,
                          const char *eb, const char *file, int line);

/* |x - ref| <= k * se, for statistical tests. */
#define assert_within_se(x, ref, se, k) \
  sk_assert_within_se_impl((double)(x), (double)(ref), (double)(se), (k), #x, __FILE__, __LINE__)
void sk_assert_within_se_impl(double x, double ref, double se, double k, const char *ex,
                              const char *file, int line);

/* Path of a file under the source tree (tests/data/..., examples/...). */
const char *sk_test_source_path(const char *rel);
/* A fresh temporary directory for this test (removed by the OS tmp policy). */
const char *sk_test_tmpdir(void);
/* Writes text to a new file in the test tmpdir and returns its path. */
const char *sk_test_write_file(const char *name, const char *text);

/* A finalized model from "section.key=value" assignments, the list ending in
 * NULL; fails the test (printing the message) on any error. */
struct sk_model;
struct sk_model *sk_test_model(const char *const *kv);
/* The same with the assignments as arguments: sk_test_model_args("a=1", "b=2", NULL). */
struct sk_model *sk_test_model_args(const char *first, ...);

#endif
