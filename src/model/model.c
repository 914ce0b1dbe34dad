/* The model: values for every key of the table, validated as they are set,
 * then cross-checked and frozen by sk_model_finalize. */
#include "smolkin/model.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/keys_internal.h"
#include "smolkin/kernel.h"

typedef struct sk_value {
  int set;
  char *text;   /* trimmed text as given */
  char origin[320];
  long line;    /* line in the model file, 0 if not from the file */
  double d;
  long long i;
  uint64_t u;
  int b;
  int e;
  double *list;
  size_t nlist;
  char *path;   /* resolved path for SK_KEY_PATH */
} sk_value;

struct sk_model {
  size_t nkeys;
  sk_value *vals;
  char *path;
  sk_params params;
  double *weights;
  sk_kernel *kernel;
  char *text;
  uint64_t hash;
  int finalized;
};

/* ------------------------------------------------------------- helpers */

static char *sk_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') ++s;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    s[--n] = '\0';
  return s;
}

static int parse_double(const char *s, double *out) {
  if (!*s) return 0;
  errno = 0;
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !isfinite(v)) return 0;
  *out = v;
  return 1;
}

static int in_range(const sk_keydef *k, double v) {
  if (k->flags & SK_KEYF_MIN_OPEN ? !(v > k->min) : !(v >= k->min)) return 0;
  if (k->flags & SK_KEYF_MAX_OPEN ? !(v < k->max) : !(v <= k->max)) return 0;
  return 1;
}

static void free_value(sk_value *v) {
  free(v->text);
  free(v->list);
  free(v->path);
  memset(v, 0, sizeof *v);
}

/* Parses text for key k into a fresh value; on failure writes what is wrong
 * into why and returns 0. */
static int parse_value(const sk_keydef *k, const char *text, const char *basedir, sk_value *v,
                       char *why, size_t nwhy) {
  memset(v, 0, sizeof *v);
  v->text = sk_strdup(text);
  if (!v->text) {
    snprintf(why, nwhy, "out of memory");
    return 0;
  }
  switch (k->type) {
    case SK_KEY_INT: {
      double d;
      if (!parse_double(text, &d) || d != floor(d) || fabs(d) > 9.0e15) {
        snprintf(why, nwhy, "not an integer");
        return 0;
      }
      if (!in_range(k, d)) {
        snprintf(why, nwhy, "out of range");
        return 0;
      }
      v->i = (long long)d;
      v->d = d;
      return 1;
    }
    case SK_KEY_U64: {
      if (!*text || text[0] == '-') {
        snprintf(why, nwhy, "not a non-negative integer");
        return 0;
      }
      errno = 0;
      char *end;
      unsigned long long u = strtoull(text, &end, 0);
      if (*end != '\0' || errno == ERANGE) {
        snprintf(why, nwhy, "not a non-negative 64-bit integer");
        return 0;
      }
      v->u = (uint64_t)u;
      v->d = (double)u;
      return 1;
    }
    case SK_KEY_DOUBLE: {
      double d;
      if (!parse_double(text, &d)) {
        snprintf(why, nwhy, "not a number");
        return 0;
      }
      if (!in_range(k, d)) {
        snprintf(why, nwhy, "out of range");
        return 0;
      }
      v->d = d;
      return 1;
    }
    case SK_KEY_BOOL: {
      static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
      for (int i = 0; i < 4; ++i) {
        if (strcmp(text, yes[i]) == 0) return (v->b = 1, 1);
        if (strcmp(text, no[i]) == 0) return (v->b = 0, 1);
      }
      snprintf(why, nwhy, "not a boolean");
      return 0;
    }
    case SK_KEY_ENUM: {
      int idx = 0;
      const char *c = k->choices;
      size_t tl = strlen(text);
      while (*c) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == tl && strncmp(c, text, len) == 0) {
          v->e = idx;
          return 1;
        }
        ++idx;
        if (!bar) break;
        c = bar + 1;
      }
      snprintf(why, nwhy, "not an accepted choice");
      return 0;
    }
    case SK_KEY_STRING:
      if ((k->flags & SK_KEYF_NONEMPTY) && !*text) {
        snprintf(why, nwhy, "empty");
        return 0;
      }
      return 1;
    case SK_KEY_PATH: {
      if (!*text) {
        if (k->flags & SK_KEYF_NONEMPTY) {
          snprintf(why, nwhy, "empty file name");
          return 0;
        }
        return 1;
      }
      if (text[0] != '/' && basedir && *basedir) {
        size_t n = strlen(basedir) + strlen(text) + 2;
        v->path = malloc(n);
        if (v->path) snprintf(v->path, n, "%s/%s", basedir, text);
      } else {
        v->path = sk_strdup(text);
      }
      if (!v->path) {
        snprintf(why, nwhy, "out of memory");
        return 0;
      }
      return 1;
    }
    case SK_KEY_LIST: {
      size_t cap = 8, n = 0;
      double *list = malloc(cap * sizeof *list);
      char *copy = sk_strdup(text);
      if (!list || !copy) {
        free(list);
        free(copy);
        snprintf(why, nwhy, "out of memory");
        return 0;
      }
      char *save = NULL;
      int ok = 1;
      for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *t = trim(tok);
        double d;
        if (!parse_double(t, &d)) {
          snprintf(why, nwhy, "element %zu ('%s') is not a number", n + 1, t);
          ok = 0;
          break;
        }
        if (!in_range(k, d)) {
          snprintf(why, nwhy, "element %zu (%s) is out of range", n + 1, t);
          ok = 0;
          break;
        }
        if ((k->flags & SK_KEYF_INTEGERS) && d != floor(d)) {
          snprintf(why, nwhy, "element %zu (%s) is not an integer", n + 1, t);
          ok = 0;
          break;
        }
        if ((k->flags & SK_KEYF_INCREASING) && n > 0 && !(d > list[n - 1])) {
          snprintf(why, nwhy, "element %zu (%s) is not larger than the one before", n + 1, t);
          ok = 0;
          break;
        }
        if (n == cap) {
          double *nl = realloc(list, 2 * cap * sizeof *list);
          if (!nl) {
            snprintf(why, nwhy, "out of memory");
            ok = 0;
            break;
          }
          list = nl;
          cap *= 2;
        }
        list[n++] = d;
      }
      if (ok && n == 0 && *trim(copy) != '\0') {
        snprintf(why, nwhy, "no numbers");
        ok = 0;
      }
      /* "1,,2" leaves an empty token that strtok_r skips: reject it. */
      if (ok) {
        const char *p = text;
        int empty_tok = 0, seen = 0;
        for (; *p; ++p) {
          if (*p == ',') {
            if (!seen) empty_tok = 1;
            seen = 0;
          } else if (*p != ' ' && *p != '\t') {
            seen = 1;
          }
        }
        if (n > 0 && (!seen || empty_tok)) {
          snprintf(why, nwhy, "empty element in the list");
          ok = 0;
        }
      }
      free(copy);
      if (ok && n == 0 && (k->flags & SK_KEYF_NONEMPTY)) {
        snprintf(why, nwhy, "empty list");
        ok = 0;
      }
      if (ok && (k->flags & SK_KEYF_SUMPOS)) {
        double s = 0;
        for (size_t i = 0; i < n; ++i) s += list[i];
        if (!(s > 0)) {
          snprintf(why, nwhy, "all elements are zero");
          ok = 0;
        }
      }
      if (!ok) {
        free(list);
        return 0;
      }
      v->list = list;
      v->nlist = n;
      return 1;
    }
  }
  snprintf(why, nwhy, "unknown key type");
  return 0;
}

static int value_error(sk_error *err, const char *origin, const sk_keydef *k, const char *text,
                       const char *why) {
  char acc[512];
  sk_keys_describe(k, acc, sizeof acc);
  return sk_error_set(err, SK_EINVAL, "%s: [%s] %s = %s: %s (accepted: %s)", origin, k->section,
                      k->name, text, why, acc);
}

static int assign(sk_model *m, size_t idx, const char *text, const char *origin, long line,
                  const char *basedir, sk_error *err) {
  const sk_keydef *k = sk_keys_get(idx);
  char why[256];
  sk_value v;
  if (!parse_value(k, text, basedir, &v, why, sizeof why)) {
    free_value(&v);
    return value_error(err, origin, k, text, why);
  }
  v.set = 1;
  v.line = line;
  snprintf(v.origin, sizeof v.origin, "%s", origin);
  free_value(&m->vals[idx]);
  m->vals[idx] = v;
  m->finalized = 0;
  return SK_OK;
}

/* --------------------------------------------------------- create/free */

int sk_model_create(sk_model **out, sk_error *err) {
  *out = NULL;
  sk_model *m = calloc(1, sizeof *m);
  if (!m) return sk_error_set(err, SK_ENOMEM, "out of memory");
  m->nkeys = sk_keys_count();
  m->vals = calloc(m->nkeys, sizeof *m->vals);
  if (!m->vals) {
    free(m);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < m->nkeys; ++i) {
    const sk_keydef *k = sk_keys_get(i);
    char why[256];
    unsigned saved = k->flags;
    (void)saved;
    /* Defaults may be empty for optional keys even when NONEMPTY applies to
     * values that are given. */
    if (k->def[0] == '\0') {
      m->vals[i].text = sk_strdup("");
      snprintf(m->vals[i].origin, sizeof m->vals[i].origin, "default");
      continue;
    }
    if (!parse_value(k, k->def, NULL, &m->vals[i], why, sizeof why)) {
      sk_error_set(err, SK_EINTERNAL, "default of [%s] %s = '%s' is invalid: %s", k->section,
                   k->name, k->def, why);
      sk_model_free(m);
      return SK_EINTERNAL;
    }
    snprintf(m->vals[i].origin, sizeof m->vals[i].origin, "default");
  }
  *out = m;
  return SK_OK;
}

void sk_model_free(sk_model *m) {
  if (!m) return;
  for (size_t i = 0; i < m->nkeys; ++i) free_value(&m->vals[i]);
  free(m->vals);
  free(m->path);
  free(m->weights);
  sk_kernel_free(m->kernel);
  free(m->text);
  free(m);
}

/* ---------------------------------------------------------- file reading */

typedef struct {
  FILE *f;
  long line;        /* line number of the line most recently started */
  int at_line_start;
} reader_ctx;

typedef struct {
  sk_model *m;
  const char *path;
  char basedir[4096];
  reader_ctx *rd;
  sk_error *err;
  int failed;
  long *first_line; /* per key: line where the file set it (duplicate check) */
} load_ctx;

static char *line_reader(char *str, int num, void *stream) {
  reader_ctx *rc = stream;
  char *r = fgets(str, num, rc->f);
  if (!r) return NULL;
  if (rc->at_line_start) rc->line++;
  size_t n = strlen(r);
  rc->at_line_start = n > 0 && r[n - 1] == '\n';
  return r;
}

static int load_handler(void *user, const char *section, const char *name, const char *value) {
  load_ctx *c = user;
  if (c->failed) return 0;
  long line = c->rd->line;
  char origin[300];
  snprintf(origin, sizeof origin, "%s:%ld", c->path, line);
  if (!section[0]) {
    sk_error_set(c->err, SK_EINVAL, "%s: %s = %s: key outside any [section] (start with e.g. [model])",
                 origin, name, value);
    c->failed = 1;
    return 0;
  }
  long idx = sk_keys_find(section, name);
  if (idx < 0) {
    /* Unknown section or unknown key: list what is accepted. */
    char acc[1024] = "";
    size_t len = 0, n = sk_keys_count();
    int section_known = 0;
    for (size_t i = 0; i < n; ++i)
      if (strcmp(sk_keys_get(i)->section, section) == 0) section_known = 1;
    for (size_t i = 0; i < n && len + 40 < sizeof acc; ++i) {
      const sk_keydef *k = sk_keys_get(i);
      if (section_known) {
        if (strcmp(k->section, section) == 0)
          len += (size_t)snprintf(acc + len, sizeof acc - len, "%s%s", len ? ", " : "", k->name);
      } else if (i == 0 || strcmp(sk_keys_get(i - 1)->section, k->section) != 0) {
        len += (size_t)snprintf(acc + len, sizeof acc - len, "%s[%s]", len ? ", " : "", k->section);
      }
    }
    if (section_known)
      sk_error_set(c->err, SK_EINVAL, "%s: [%s] %s = %s: unknown key (accepted keys in [%s]: %s)",
                   origin, section, name, value, section, acc);
    else
      sk_error_set(c->err, SK_EINVAL, "%s: [%s] %s = %s: unknown section [%s] (accepted sections: %s)",
                   origin, section, name, value, section, acc);
    c->failed = 1;
    return 0;
  }
  if (c->first_line[idx]) {
    sk_error_set(c->err, SK_EINVAL, "%s: [%s] %s = %s: key given twice (first at line %ld)", origin,
                 section, name, value, c->first_line[idx]);
    c->failed = 1;
    return 0;
  }
  c->first_line[idx] = line;
  char *v = sk_strdup(value);
  if (!v) {
    sk_error_set(c->err, SK_ENOMEM, "out of memory");
    c->failed = 1;
    return 0;
  }
  int rc = assign(c->m, (size_t)idx, trim(v), origin, line, c->basedir, c->err);
  free(v);
  if (rc) {
    c->failed = 1;
    return 0;
  }
  return 1;
}

int sk_model_load(sk_model *m, const char *path, sk_error *err) {
  FILE *f = fopen(path, "r");
  if (!f)
    return sk_error_set(err, SK_EINVAL, "%s: cannot open model file: %s", path, strerror(errno));
  /* Parse into a scratch copy so that a failed load leaves m untouched. */
  sk_model *tmp;
  int rc = sk_model_create(&tmp, err);
  if (rc) {
    fclose(f);
    return rc;
  }
  for (size_t i = 0; i < m->nkeys; ++i) {
    if (!m->vals[i].set) continue;
    free_value(&tmp->vals[i]);
    sk_value *s = &m->vals[i], *d = &tmp->vals[i];
    *d = *s;
    d->text = sk_strdup(s->text);
    d->path = s->path ? sk_strdup(s->path) : NULL;
    d->list = NULL;
    if (s->nlist) {
      d->list = malloc(s->nlist * sizeof *d->list);
      if (d->list) memcpy(d->list, s->list, s->nlist * sizeof *d->list);
    }
  }
  load_ctx c = {.m = tmp, .path = path, .err = err};
  snprintf(c.basedir, sizeof c.basedir, "%s", path);
  char *slash = strrchr(c.basedir, '/');
  if (slash)
    *slash = '\0';
  else
    c.basedir[0] = '\0';
  reader_ctx rd = {.f = f, .line = 0, .at_line_start = 1};
  c.rd = &rd;
  c.first_line = calloc(m->nkeys, sizeof *c.first_line);
  if (!c.first_line) {
    fclose(f);
    sk_model_free(tmp);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  /* Debian's libinih exposes its options at run time: allow '#' and ';'
   * inline comments, long lines, no continuation lines, stop at the first
   * error. */
  ini_inline_comment_prefixes = ";#";
  ini_allow_inline_comments = true;
  ini_allow_multiline = false;
  ini_use_stack = false;
  ini_allow_realloc = true;
  ini_stop_on_first_error = true;
  int r = ini_parse_stream(line_reader, &rd, load_handler, &c);
  fclose(f);
  free(c.first_line);
  if (c.failed) {
    sk_model_free(tmp);
    return err ? err->code : SK_EINVAL;
  }
  if (r != 0) {
    sk_model_free(tmp);
    if (r == -2) return sk_error_set(err, SK_ENOMEM, "out of memory reading %s", path);
    return sk_error_set(err, SK_EINVAL,
                        "%s:%d: cannot parse this line (accepted: '[section]', 'key = value', "
                        "or a comment starting with ';' or '#')",
                        path, r);
  }
  /* Success: swap the values in. */
  sk_value *old = m->vals;
  m->vals = tmp->vals;
  tmp->vals = old;
  free(m->path);
  m->path = sk_strdup(path);
  m->finalized = 0;
  sk_model_free(tmp);
  return SK_OK;
}

int sk_model_set(sk_model *m, const char *dotted, const char *value, const char *origin,
                 sk_error *err) {
  char sec[128], key[128];
  const char *dot = strchr(dotted, '.');
  if (!dot || (size_t)(dot - dotted) >= sizeof sec || strlen(dot + 1) >= sizeof key)
    return sk_error_set(err, SK_EINVAL, "%s: '%s': expected section.key", origin, dotted);
  memcpy(sec, dotted, (size_t)(dot - dotted));
  sec[dot - dotted] = '\0';
  snprintf(key, sizeof key, "%s", dot + 1);
  long idx = sk_keys_find(sec, key);
  if (idx < 0)
    return sk_error_set(err, SK_EINVAL,
                        "%s: [%s] %s = %s: unknown key (run 'smolkin keys' for the list)", origin,
                        sec, key, value);
  char *v = sk_strdup(value);
  if (!v) return sk_error_set(err, SK_ENOMEM, "out of memory");
  int rc = assign(m, (size_t)idx, trim(v), origin, 0, NULL, err);
  free(v);
  return rc;
}

int sk_model_set_assignment(sk_model *m, const char *assignment, const char *origin,
                            sk_error *err) {
  const char *eq = strchr(assignment, '=');
  if (!eq)
    return sk_error_set(err, SK_EINVAL, "%s: '%s': expected section.key=value", origin, assignment);
  char dotted[256];
  size_t n = (size_t)(eq - assignment);
  if (n >= sizeof dotted)
    return sk_error_set(err, SK_EINVAL, "%s: '%s': key too long", origin, assignment);
  memcpy(dotted, assignment, n);
  dotted[n] = '\0';
  return sk_model_set(m, trim(dotted), eq + 1, origin, err);
}

/* ----------------------------------------------------------- accessors */

static size_t key_index(const sk_model *m, const char *dotted) {
  (void)m;
  char sec[128];
  const char *dot = strchr(dotted, '.');
  if (dot && (size_t)(dot - dotted) < sizeof sec) {
    memcpy(sec, dotted, (size_t)(dot - dotted));
    sec[dot - dotted] = '\0';
    long idx = sk_keys_find(sec, dot + 1);
    if (idx >= 0) return (size_t)idx;
  }
  fprintf(stderr, "smolkin: internal error: unknown key '%s'\n", dotted);
  abort();
}

double sk_model_get_double(const sk_model *m, const char *k) { return m->vals[key_index(m, k)].d; }
long long sk_model_get_int(const sk_model *m, const char *k) { return m->vals[key_index(m, k)].i; }
uint64_t sk_model_get_u64(const sk_model *m, const char *k) { return m->vals[key_index(m, k)].u; }
int sk_model_get_bool(const sk_model *m, const char *k) { return m->vals[key_index(m, k)].b; }
int sk_model_get_enum(const sk_model *m, const char *k) { return m->vals[key_index(m, k)].e; }
const char *sk_model_get_string(const sk_model *m, const char *k) {
  const sk_value *v = &m->vals[key_index(m, k)];
  if (v->path) return v->path;
  return v->text ? v->text : "";
}
const double *sk_model_get_list(const sk_model *m, const char *k, size_t *n) {
  const sk_value *v = &m->vals[key_index(m, k)];
  if (n) *n = v->nlist;
  return v->list;
}
int sk_model_is_set(const sk_model *m, const char *k) { return m->vals[key_index(m, k)].set; }
const char *sk_model_origin(const sk_model *m, const char *k) {
  return m->vals[key_index(m, k)].origin;
}
const sk_params *sk_model_params(const sk_model *m) { return &m->params; }
const sk_kernel *sk_model_kernel(const sk_model *m) { return m->kernel; }
const char *sk_model_path(const sk_model *m) { return m->path; }
const char *sk_model_text(const sk_model *m) { return m->text ? m->text : ""; }
uint64_t sk_model_hash(const sk_model *m) { return m->hash; }
void sk_model_hash_hex(const sk_model *m, char out[17]) {
  snprintf(out, 17, "%016llx", (unsigned long long)m->hash);
}

int sk_model_key_error(const sk_model *m, const char *dotted, sk_error *err, const char *fmt, ...) {
  size_t idx = key_index(m, dotted);
  const sk_keydef *k = sk_keys_get(idx);
  const sk_value *v = &m->vals[idx];
  char what[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return sk_error_set(err, SK_EINVAL, "%s: [%s] %s = %s: %s", v->origin, k->section, k->name,
                      v->text ? v->text : "", what);
}

/* ------------------------------------------------------------ finalize */

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; ++s) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return h;
}

static int build_text(sk_model *m, sk_error *err) {
  size_t cap = 4096, len = 0;
  char *t = malloc(cap);
  char *h = malloc(cap);
  size_t hcap = cap, hlen = 0;
  if (!t || !h) {
    free(t);
    free(h);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  t[0] = h[0] = '\0';
  const char *cur = "";
  for (size_t i = 0; i < m->nkeys; ++i) {
    const sk_keydef *k = sk_keys_get(i);
    const sk_value *v = &m->vals[i];
    char line[1600];
    int n = 0;
    if (strcmp(cur, k->section) != 0) {
      n += snprintf(line + n, sizeof line - (size_t)n, "%s[%s]\n", len ? "\n" : "", k->section);
      cur = k->section;
    }
    const char *val = v->path ? v->path : (v->text ? v->text : "");
    n += snprintf(line + n, sizeof line - (size_t)n, "%s = %s    ; %s\n", k->name, val, v->origin);
    if (len + (size_t)n + 1 > cap) {
      while (len + (size_t)n + 1 > cap) cap *= 2;
      char *nt = realloc(t, cap);
      if (!nt) {
        free(t);
        free(h);
        return sk_error_set(err, SK_ENOMEM, "out of memory");
      }
      t = nt;
    }
    memcpy(t + len, line, (size_t)n + 1);
    len += (size_t)n;
    char hl[1600];
    int hn = snprintf(hl, sizeof hl, "%s.%s=%s\n", k->section, k->name, val);
    if (hlen + (size_t)hn + 1 > hcap) {
      while (hlen + (size_t)hn + 1 > hcap) hcap *= 2;
      char *nh = realloc(h, hcap);
      if (!nh) {
        free(t);
        free(h);
        return sk_error_set(err, SK_ENOMEM, "out of memory");
      }
      h = nh;
    }
    memcpy(h + hlen, hl, (size_t)hn + 1);
    hlen += (size_t)hn;
  }
  free(m->text);
  m->text = t;
  m->hash = fnv1a(h);
  free(h);
  return SK_OK;
}

int sk_model_finalize(sk_model *m, sk_error *err) {
  sk_params *p = &m->params;
  memset(p, 0, sizeof *p);
  p->dim = (int)sk_model_get_int(m, "model.dim");
  p->geometry = (sk_geometry)sk_model_get_enum(m, "model.geometry");
  p->box = sk_model_get_double(m, "model.box");
  p->diflaw = (sk_diflaw)sk_model_get_enum(m, "diffusion.law");
  p->D0 = sk_model_get_double(m, "diffusion.D0");
  p->p = sk_model_get_double(m, "diffusion.p");
  p->kernel = (sk_vkind)sk_model_get_enum(m, "interaction.kernel");
  p->alpha = sk_model_get_double(m, "interaction.alpha");
  p->gauss_width = sk_model_get_double(m, "interaction.gauss_width");
  p->Z = sk_model_get_double(m, "initial.Z");
  p->space = (sk_space)sk_model_get_enum(m, "initial.space");
  p->sigma = sk_model_get_double(m, "initial.sigma");
  p->radius = sk_model_get_double(m, "initial.radius");
  p->mass = (sk_massinit)sk_model_get_enum(m, "initial.mass");
  p->T = sk_model_get_double(m, "run.T");
  p->times = sk_model_get_list(m, "run.times", &p->ntimes);
  p->seed = sk_model_get_u64(m, "run.seed");
  p->N = sk_model_get_int(m, "run.N");

  /* times within (0, T] */
  for (size_t i = 0; i < p->ntimes; ++i)
    if (p->times[i] > p->T * (1 + 1e-12))
      return sk_model_key_error(m, "run.times", err,
                                "time %g is after the final time [run] T = %g (accepted: times <= T)",
                                p->times[i], p->T);

  /* centre of the initial data */
  size_t nc;
  const double *c = sk_model_get_list(m, "initial.center", &nc);
  if (nc > 0 && nc != (size_t)p->dim)
    return sk_model_key_error(m, "initial.center", err,
                              "has %zu numbers but [model] dim = %d (accepted: exactly dim numbers)",
                              nc, p->dim);
  for (int i = 0; i < p->dim; ++i)
    p->center[i] = nc ? c[i] : (p->geometry == SK_GEOM_TORUS ? 0.5 * p->box : 0.0);

  /* mass weights, normalised */
  free(m->weights);
  m->weights = NULL;
  if (p->mass == SK_MASS_WEIGHTS) {
    size_t nw;
    const double *w = sk_model_get_list(m, "initial.weights", &nw);
    if (nw == 0)
      return sk_model_key_error(m, "initial.weights", err,
                                "empty list (accepted: numbers >= 0, not all zero)");
    m->weights = malloc(nw * sizeof *m->weights);
    if (!m->weights) return sk_error_set(err, SK_ENOMEM, "out of memory");
    double s = 0;
    for (size_t i = 0; i < nw; ++i) s += w[i];
    for (size_t i = 0; i < nw; ++i) m->weights[i] = w[i] / s;
    while (nw > 1 && m->weights[nw - 1] == 0) --nw;
    p->weights = m->weights;
    p->nweights = nw;
  } else {
    m->weights = malloc(sizeof *m->weights);
    if (!m->weights) return sk_error_set(err, SK_ENOMEM, "out of memory");
    m->weights[0] = 1.0;
    p->weights = m->weights;
    p->nweights = 1;
  }

  /* interaction kernel */
  sk_kernel_spec ks = {.kind = p->kernel, .dim = p->dim, .gauss_width = p->gauss_width};
  if (p->kernel == SK_V_AGAUSS || p->kernel == SK_V_GRID) {
    if (p->dim != 3)
      return sk_model_key_error(m, "interaction.kernel", err,
                                "needs [model] dim = 3 (dim is %d)", p->dim);
  }
  if (p->kernel == SK_V_AGAUSS) {
    size_t na;
    const double *a = sk_model_get_list(m, "interaction.axes", &na);
    if (na != 3)
      return sk_model_key_error(m, "interaction.axes", err,
                                "has %zu numbers (accepted: three semi-axes a, b, c > 0)", na);
    for (int i = 0; i < 3; ++i) p->axes[i] = ks.axes[i] = a[i];
  }
  if (p->kernel == SK_V_TABLE || p->kernel == SK_V_GRID) {
    const char *key = p->kernel == SK_V_TABLE ? "interaction.table" : "interaction.grid";
    const char *path = sk_model_get_string(m, key);
    if (!path[0])
      return sk_model_key_error(m, key, err, "kernel = %s needs this file name",
                                p->kernel == SK_V_TABLE ? "table" : "grid");
    ks.path = path;
    if (p->kernel == SK_V_TABLE) p->table = path;
    else p->grid = path;
  }
  sk_kernel_free(m->kernel);
  m->kernel = NULL;
  int rc = sk_kernel_create(&ks, &m->kernel, err);
  if (rc) {
    if (ks.path)
      sk_error_prefix(err, "%s: [interaction] %s: ", sk_model_origin(m, p->kernel == SK_V_TABLE ? "interaction.table" : "interaction.grid"),
                      p->kernel == SK_V_TABLE ? "table" : "grid");
    return rc;
  }

  rc = build_text(m, err);
  if (rc) return rc;
  m->finalized = 1;
  return SK_OK;
}

/* --------------------------------------------------- model functions */

double sk_model_dif(const sk_model *m, long long n) {
  const sk_params *p = &m->params;
  if (p->p == 0) return p->D0;
  return p->D0 * pow((double)n, -p->p);
}

double sk_model_alpha(const sk_model *m, long long n1, long long n2) {
  (void)n1;
  (void)n2;
  return m->params.alpha;
}

double sk_model_mass_fraction(const sk_model *m, long long n) {
  const sk_params *p = &m->params;
  if (n < 1 || (size_t)n > p->nweights) return 0.0;
  return p->weights[n - 1];
}

long long sk_model_max_initial_mass(const sk_model *m) { return (long long)m->params.nweights; }

static double gauss_1d_periodic(double dx, double s, double L) {
  /* sum over images within 10 sigma */
  double sum = 0;
  int k = (int)ceil(10 * s / L) + 1;
  for (int i = -k; i <= k; ++i) {
    double y = dx + i * L;
    sum += exp(-0.5 * y * y / (s * s));
  }
  return sum / (sqrt(2 * M_PI) * s);
}

double sk_model_space_density(const sk_model *m, const double *x) {
  const sk_params *p = &m->params;
  int d = p->dim;
  switch (p->space) {
    case SK_SPACE_UNIFORM:
      return p->geometry == SK_GEOM_TORUS ? pow(p->box, -d) : 0.0;
    case SK_SPACE_GAUSSIAN: {
      double v = 1;
      for (int i = 0; i < d; ++i) {
        double dx = x[i] - p->center[i];
        if (p->geometry == SK_GEOM_TORUS)
          v *= gauss_1d_periodic(dx, p->sigma, p->box);
        else
          v *= exp(-0.5 * dx * dx / (p->sigma * p->sigma)) / (sqrt(2 * M_PI) * p->sigma);
      }
      return v;
    }
    case SK_SPACE_BALL: {
      double r2 = 0;
      for (int i = 0; i < d; ++i) {
        double dx = x[i] - p->center[i];
        if (p->geometry == SK_GEOM_TORUS) dx -= p->box * nearbyint(dx / p->box);
        r2 += dx * dx;
      }
      return r2 <= p->radius * p->radius ? 1.0 / (sk_unit_ball_volume(d) * pow(p->radius, d)) : 0.0;
    }
  }
  return 0.0;
}

int sk_model_check_initial(const sk_model *m, sk_error *err) {
  const sk_params *p = &m->params;
  if (p->space == SK_SPACE_UNIFORM && p->geometry != SK_GEOM_TORUS)
    return sk_model_key_error(m, "initial.space", err,
                              "uniform data need [model] geometry = torus (accepted here: gaussian, ball)");
  if (p->geometry == SK_GEOM_TORUS && p->space == SK_SPACE_BALL && 2 * p->radius > p->box)
    return sk_model_key_error(m, "initial.radius", err,
                              "the ball does not fit in the torus of side %g (accepted: radius <= box/2)",
                              p->box);
  if (p->geometry == SK_GEOM_RADIAL) {
    for (int i = 0; i < p->dim; ++i)
      if (p->center[i] != 0)
        return sk_model_key_error(m, "initial.center", err,
                                  "radial geometry needs data centred at the origin");
  }
  return SK_OK;
}
