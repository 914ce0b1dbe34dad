#include "smolkin/json.h"

#include <inttypes.h>
#include <math.h>

void sk_json_init(sk_json *j, FILE *f, int pretty) {
  j->f = f;
  j->depth = 0;
  j->count[0] = 0;
  j->pretty = pretty;
}

static void write_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
    switch (*p) {
      case '"': fputs("\\\"", f); break;
      case '\\': fputs("\\\\", f); break;
      case '\n': fputs("\\n", f); break;
      case '\r': fputs("\\r", f); break;
      case '\t': fputs("\\t", f); break;
      default:
        if (*p < 0x20)
          fprintf(f, "\\u%04x", *p);
        else
          fputc(*p, f);
    }
  }
  fputc('"', f);
}

static void indent(sk_json *j) {
  if (!j->pretty) return;
  fputc('\n', j->f);
  for (int i = 0; i < j->depth; ++i) fputs("  ", j->f);
}

static void prefix(sk_json *j, const char *key) {
  if (j->count[j->depth]++ > 0) fputc(',', j->f);
  if (j->depth > 0) indent(j);
  if (key) {
    write_string(j->f, key);
    fputs(j->pretty ? ": " : ":", j->f);
  }
}

void sk_json_begin_object(sk_json *j, const char *key) {
  prefix(j, key);
  fputc('{', j->f);
  if (j->depth + 1 < SK_JSON_MAX_DEPTH) j->depth++;
  j->count[j->depth] = 0;
}

void sk_json_end_object(sk_json *j) {
  int had = j->count[j->depth] > 0;
  if (j->depth > 0) j->depth--;
  if (had) indent(j);
  fputc('}', j->f);
}

void sk_json_begin_array(sk_json *j, const char *key) {
  prefix(j, key);
  fputc('[', j->f);
  if (j->depth + 1 < SK_JSON_MAX_DEPTH) j->depth++;
  j->count[j->depth] = 0;
}

void sk_json_end_array(sk_json *j) {
  int had = j->count[j->depth] > 0;
  if (j->depth > 0) j->depth--;
  if (had) indent(j);
  fputc(']', j->f);
}

void sk_json_double(sk_json *j, const char *key, double v) {
  prefix(j, key);
  if (isfinite(v))
    fprintf(j->f, "%.17g", v);
  else
    fputs("null", j->f);
}

void sk_json_int(sk_json *j, const char *key, int64_t v) {
  prefix(j, key);
  fprintf(j->f, "%" PRId64, v);
}

void sk_json_uint(sk_json *j, const char *key, uint64_t v) {
  prefix(j, key);
  fprintf(j->f, "%" PRIu64, v);
}

void sk_json_string(sk_json *j, const char *key, const char *s) {
  prefix(j, key);
  if (s)
    write_string(j->f, s);
  else
    fputs("null", j->f);
}

void sk_json_bool(sk_json *j, const char *key, int v) {
  prefix(j, key);
  fputs(v ? "true" : "false", j->f);
}

void sk_json_null(sk_json *j, const char *key) {
  prefix(j, key);
  fputs("null", j->f);
}

void sk_json_finish(sk_json *j) {
  fputc('\n', j->f);
  fflush(j->f);
}
