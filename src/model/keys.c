#include <stdio.h>
#include <string.h>

#include "model/keys_internal.h"

static const sk_keygroup *const groups[] = {
    &sk_keys_core, &sk_keys_observe, &sk_keys_beta,
    &sk_keys_coag, &sk_keys_pde,     &sk_keys_particles,
    &sk_keys_coalescent,
};

size_t sk_keys_count(void) {
  size_t n = 0;
  for (size_t g = 0; g < SK_ARRAY_LEN(groups); ++g) n += groups[g]->count;
  return n;
}

const sk_keydef *sk_keys_get(size_t i) {
  for (size_t g = 0; g < SK_ARRAY_LEN(groups); ++g) {
    if (i < groups[g]->count) return &groups[g]->keys[i];
    i -= groups[g]->count;
  }
  return NULL;
}

long sk_keys_find(const char *section, const char *name) {
  size_t n = sk_keys_count();
  for (size_t i = 0; i < n; ++i) {
    const sk_keydef *k = sk_keys_get(i);
    if (strcmp(k->section, section) == 0 && strcmp(k->name, name) == 0) return (long)i;
  }
  return -1;
}

static void fmt_num(char *b, size_t n, double v) {
  if (v == SK_INF)
    snprintf(b, n, "inf");
  else if (v == -SK_INF)
    snprintf(b, n, "-inf");
  else
    snprintf(b, n, "%g", v);
}

static void describe_range(const sk_keydef *k, char *buf, size_t n, const char *what) {
  char lo[32], hi[32];
  fmt_num(lo, sizeof lo, k->min);
  fmt_num(hi, sizeof hi, k->max);
  snprintf(buf, n, "%s in %c%s, %s%c", what, (k->flags & SK_KEYF_MIN_OPEN) || k->min == -SK_INF ? '(' : '[',
           lo, hi, (k->flags & SK_KEYF_MAX_OPEN) || k->max == SK_INF ? ')' : ']');
}

void sk_keys_describe(const sk_keydef *k, char *buf, size_t n) {
  switch (k->type) {
    case SK_KEY_INT: describe_range(k, buf, n, "an integer"); break;
    case SK_KEY_U64: snprintf(buf, n, "an integer in [0, 18446744073709551615]"); break;
    case SK_KEY_DOUBLE: describe_range(k, buf, n, "a number"); break;
    case SK_KEY_BOOL: snprintf(buf, n, "true or false"); break;
    case SK_KEY_ENUM: {
      snprintf(buf, n, "one of: ");
      size_t len = strlen(buf);
      for (const char *c = k->choices; *c && len + 3 < n; ++c) {
        if (*c == '|') {
          buf[len++] = ',';
          buf[len++] = ' ';
        } else {
          buf[len++] = *c;
        }
      }
      buf[len] = '\0';
      break;
    }
    case SK_KEY_STRING: snprintf(buf, n, "text"); break;
    case SK_KEY_PATH: snprintf(buf, n, "a file name (relative to the model file)"); break;
    case SK_KEY_LIST: {
      char r[128];
      describe_range(k, r, sizeof r, (k->flags & SK_KEYF_INTEGERS) ? "integers" : "numbers");
      snprintf(buf, n, "a comma-separated list of %s%s%s%s", r,
               (k->flags & SK_KEYF_NONEMPTY) ? ", at least one" : "",
               (k->flags & SK_KEYF_INCREASING) ? ", strictly increasing" : "",
               (k->flags & SK_KEYF_SUMPOS) ? ", not all zero" : "");
      break;
    }
  }
}
