/* smolkin — a small streaming JSON writer for the one-object summaries
 * printed by `--json`. Commas and nesting are handled by the writer.
 * Doubles are printed with 17 significant digits (round-trip exact);
 * non-finite doubles are written as null.
 */
#ifndef SMOLKIN_JSON_H
#define SMOLKIN_JSON_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SK_JSON_MAX_DEPTH 32

typedef struct sk_json {
  FILE *f;
  int depth;
  int count[SK_JSON_MAX_DEPTH]; /* items written at each level */
  int pretty;
} sk_json;

void sk_json_init(sk_json *j, FILE *f, int pretty);
/* key is NULL inside arrays (and for the top-level value). */
void sk_json_begin_object(sk_json *j, const char *key);
void sk_json_end_object(sk_json *j);
void sk_json_begin_array(sk_json *j, const char *key);
void sk_json_end_array(sk_json *j);
void sk_json_double(sk_json *j, const char *key, double v);
void sk_json_int(sk_json *j, const char *key, int64_t v);
void sk_json_uint(sk_json *j, const char *key, uint64_t v);
void sk_json_string(sk_json *j, const char *key, const char *s);
void sk_json_bool(sk_json *j, const char *key, int v);
void sk_json_null(sk_json *j, const char *key);
/* Ends the top-level value with a newline and flushes. */
void sk_json_finish(sk_json *j);

#ifdef __cplusplus
}
#endif
#endif
