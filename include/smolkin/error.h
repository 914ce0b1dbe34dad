/* smolkin — status codes and error messages.
 *
 * Every library function that can fail returns an int status (SK_OK = 0 or a
 * negative SK_E* code) and, when given a non-NULL sk_error, fills a message a
 * caller can print. The library never calls exit() and never prints.
 */
#ifndef SMOLKIN_ERROR_H
#define SMOLKIN_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  SK_OK = 0,
  SK_EINVAL = -1,    /* bad input from the user (model value, flag, file contents) */
  SK_ENOMEM = -2,    /* allocation failed */
  SK_EIO = -3,       /* file could not be read or written */
  SK_ENUMERIC = -4,  /* a numerical method failed (no convergence, step too small) */
  SK_ERANGE = -5,    /* a request outside what the method supports */
  SK_EINTERNAL = -6  /* a bug: an invariant was violated */
};

#define SK_ERROR_MSG_MAX 1024

typedef struct sk_error {
  int code;
  char msg[SK_ERROR_MSG_MAX];
} sk_error;

/* Records code and a printf-style message in err (if non-NULL); returns code. */
int sk_error_set(sk_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes an existing message with more context ("while reading X: ..."). */
int sk_error_prefix(sk_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sk_error_clear(sk_error *err);
const char *sk_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
