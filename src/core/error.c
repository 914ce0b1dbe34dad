#include "smolkin/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sk_error_set(sk_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

int sk_error_prefix(sk_error *err, const char *fmt, ...) {
  if (!err) return SK_OK;
  char pre[SK_ERROR_MSG_MAX], old[SK_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pre, sizeof pre, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%s%s", pre, old);
  return err->code;
}

void sk_error_clear(sk_error *err) {
  if (err) {
    err->code = SK_OK;
    err->msg[0] = '\0';
  }
}

const char *sk_strerror(int code) {
  switch (code) {
    case SK_OK: return "success";
    case SK_EINVAL: return "invalid input";
    case SK_ENOMEM: return "out of memory";
    case SK_EIO: return "input/output error";
    case SK_ENUMERIC: return "numerical failure";
    case SK_ERANGE: return "outside the supported range";
    case SK_EINTERNAL: return "internal error";
    default: return "unknown error";
  }
}
