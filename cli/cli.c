#include "cli.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smolkin/util.h"

static const sk_flag common_flags[] = {
    {"--set", "SECTION.KEY=VALUE", NULL, "override a model key (repeatable); see 'smolkin keys'"},
    {"--json", NULL, NULL, "print a one-object JSON summary on stdout"},
    {"--out", "DIR", NULL, "write files (CSV, HDF5) under DIR"},
    {"--threads", "N", NULL, "OpenMP threads (default: OMP_NUM_THREADS or all cores)"},
    {"--quiet", NULL, NULL, "no progress output on stderr"},
    {"--help", NULL, NULL, "show this help"},
};

static void print_flag(const sk_flag *f) {
  char lhs[64];
  if (f->metavar)
    snprintf(lhs, sizeof lhs, "%s %s", f->name, f->metavar);
  else
    snprintf(lhs, sizeof lhs, "%s", f->name);
  printf("  %-26s %s", lhs, f->help);
  if (f->key) printf(" [sets %s]", f->key);
  printf("\n");
}

static void print_help(const char *command, const char *usage, const sk_flag *flags, size_t n) {
  printf("usage: smolkin %s %s\n\n", command, usage);
  if (n) {
    printf("options:\n");
    for (size_t i = 0; i < n; ++i) print_flag(&flags[i]);
    printf("\n");
  }
  printf("common options:\n");
  for (size_t i = 0; i < sizeof common_flags / sizeof *common_flags; ++i)
    print_flag(&common_flags[i]);
}

int sk_cli_usage_error(sk_cli *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "smolkin %s: ", c->command);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, " (see 'smolkin %s --help')\n", c->command);
  va_end(ap);
  return 2;
}

int sk_cli_fail(sk_cli *c, int code) {
  fprintf(stderr, "smolkin %s: %s\n", c->command, c->err.msg[0] ? c->err.msg : sk_strerror(code));
  return (code == SK_EINVAL || code == SK_ERANGE) ? 2 : 1;
}

int sk_cli_check_masses(sk_cli *c, const char *key) {
  long long nmax = sk_model_get_int(c->model, "coagulation.nmax");
  size_t n;
  const double *ml = sk_model_get_list(c->model, key, &n);
  for (size_t q = 0; q < n; ++q)
    if (ml[q] > (double)nmax)
      return sk_cli_fail(c, sk_model_key_error(c->model, key, &c->err,
                                               "mass %.0f is beyond [coagulation] nmax = %lld "
                                               "(accepted: masses 1..nmax; raise --nmax)",
                                               ml[q], nmax));
  return 0;
}

static long find_flag(const sk_flag *flags, size_t n, const char *name, size_t len) {
  for (size_t i = 0; i < n; ++i)
    if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0) return (long)i;
  return -1;
}

int sk_cli_parse(sk_cli *c, int argc, char **argv, const char *command, const char *usage,
                 const sk_flag *flags, size_t nflags, int model_mode) {
  memset(c, 0, sizeof *c);
  c->command = command;
  c->flags = flags;
  c->nflags = nflags;
  c->threads = 0;
  /* record the command line */
  size_t len = 0;
  for (int i = 0; i < argc && len + 2 < sizeof c->cmdline; ++i)
    len += (size_t)snprintf(c->cmdline + len, sizeof c->cmdline - len, "%s%s", i ? " " : "",
                            argv[i]);
  if (nflags > SK_CLI_MAX_FLAGS) return sk_cli_usage_error(c, "internal: too many flags");

  /* assignments to apply after the model file, in command-line order */
  typedef struct {
    const char *key; /* NULL for --set */
    const char *value;
    const char *flag;
  } pending;
  pending *pend = calloc((size_t)argc + 1, sizeof *pend);
  size_t npend = 0;
  if (!pend) return sk_cli_usage_error(c, "out of memory");
  int rc = -1;

  /* argv[0] is the command name */
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == '\0') {
      if (model_mode == SK_MODEL_NONE) {
        rc = sk_cli_usage_error(c, "unexpected argument '%s'", a);
        goto out;
      }
      if (c->model_path) {
        rc = sk_cli_usage_error(c, "more than one model file ('%s' and '%s')", c->model_path, a);
        goto out;
      }
      c->model_path = a;
      continue;
    }
    const char *eq = strchr(a, '=');
    size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
    const char *inline_val = eq ? eq + 1 : NULL;
    long ci = find_flag(common_flags, sizeof common_flags / sizeof *common_flags, a, nlen);
    long fi = find_flag(flags, nflags, a, nlen);
    const sk_flag *f = fi >= 0 ? &flags[fi] : ci >= 0 ? &common_flags[ci] : NULL;
    if (!f) {
      rc = sk_cli_usage_error(c, "unknown option '%.*s'", (int)nlen, a);
      goto out;
    }
    const char *val = NULL;
    if (f->metavar) {
      if (inline_val)
        val = inline_val;
      else if (i + 1 < argc)
        val = argv[++i];
      else {
        rc = sk_cli_usage_error(c, "option %s needs a value %s", f->name, f->metavar);
        goto out;
      }
    } else if (inline_val) {
      rc = sk_cli_usage_error(c, "option %s takes no value", f->name);
      goto out;
    }
    if (fi >= 0) {
      if (f->key) {
        pend[npend++] = (pending){f->key, val, f->name};
      } else {
        c->val[fi] = val ? val : "1";
      }
      continue;
    }
    if (strcmp(f->name, "--help") == 0) {
      print_help(command, usage, flags, nflags);
      rc = 0;
      goto out;
    } else if (strcmp(f->name, "--json") == 0) {
      c->json = 1;
    } else if (strcmp(f->name, "--quiet") == 0) {
      c->quiet = 1;
    } else if (strcmp(f->name, "--out") == 0) {
      if (!val[0]) {
        rc = sk_cli_usage_error(c, "--out needs a directory name");
        goto out;
      }
      c->outdir = val;
    } else if (strcmp(f->name, "--threads") == 0) {
      char *end;
      long t = strtol(val, &end, 10);
      if (*end || t < 1 || t > 1024) {
        rc = sk_cli_usage_error(c, "--threads %s: expected an integer in [1, 1024]", val);
        goto out;
      }
      c->threads = (int)t;
    } else if (strcmp(f->name, "--set") == 0) {
      pend[npend++] = (pending){NULL, val, "--set"};
    }
  }
  if (model_mode == SK_MODEL_REQUIRED && !c->model_path) {
    rc = sk_cli_usage_error(c, "a model file is required");
    goto out;
  }
  sk_progress_set_quiet(c->quiet);
  if (c->threads > 0) omp_set_num_threads(c->threads);

  if ((rc = sk_model_create(&c->model, &c->err))) {
    rc = sk_cli_fail(c, rc);
    goto out;
  }
  if (c->model_path && (rc = sk_model_load(c->model, c->model_path, &c->err))) {
    rc = sk_cli_fail(c, rc);
    goto out;
  }
  for (size_t i = 0; i < npend; ++i) {
    char origin[128];
    if (pend[i].key) {
      snprintf(origin, sizeof origin, "command line %s", pend[i].flag);
      rc = sk_model_set(c->model, pend[i].key, pend[i].value, origin, &c->err);
    } else {
      rc = sk_model_set_assignment(c->model, pend[i].value, "command line --set", &c->err);
    }
    if (rc) {
      rc = sk_cli_fail(c, rc);
      goto out;
    }
  }
  if ((rc = sk_model_finalize(c->model, &c->err))) {
    rc = sk_cli_fail(c, rc);
    goto out;
  }
  rc = -1;
out:
  free(pend);
  if (rc >= 0) sk_cli_free(c); /* nothing left to the caller */
  return rc;
}

void sk_cli_free(sk_cli *c) {
  sk_model_free(c->model);
  c->model = NULL;
}

const char *sk_cli_get(const sk_cli *c, const char *flag) {
  long i = find_flag(c->flags, c->nflags, flag, strlen(flag));
  return i >= 0 ? c->val[i] : NULL;
}

int sk_cli_get_double(sk_cli *c, const char *flag, double lo, double hi, double *out) {
  const char *v = sk_cli_get(c, flag);
  if (!v) return 0;
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end || !isfinite(d) || d < lo || d > hi)
    return sk_cli_usage_error(c, "%s %s: expected a number in [%g, %g]", flag, v, lo, hi);
  *out = d;
  return 0;
}

int sk_cli_get_long(sk_cli *c, const char *flag, long long lo, long long hi, long long *out) {
  const char *v = sk_cli_get(c, flag);
  if (!v) return 0;
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end || d != floor(d) || d < (double)lo || d > (double)hi)
    return sk_cli_usage_error(c, "%s %s: expected an integer in [%lld, %lld]", flag, v, lo, hi);
  *out = (long long)d;
  return 0;
}

int sk_cli_get_list(sk_cli *c, const char *flag, double **out, size_t *n) {
  const char *v = sk_cli_get(c, flag);
  *out = NULL;
  *n = 0;
  if (!v) return 0;
  size_t cap = 1;
  for (const char *p = v; *p; ++p)
    if (*p == ',') ++cap;
  double *a = malloc(cap * sizeof *a);
  if (!a) return sk_cli_usage_error(c, "out of memory");
  const char *p = v;
  size_t k = 0;
  while (1) {
    char *end;
    double d = strtod(p, &end);
    while (*end == ' ') ++end;
    if (end == p || !isfinite(d) || (*end && *end != ',')) {
      free(a);
      return sk_cli_usage_error(c, "%s %s: expected comma-separated numbers", flag, v);
    }
    a[k++] = d;
    if (!*end) break;
    p = end + 1;
  }
  *out = a;
  *n = k;
  return 0;
}

sk_run_info sk_cli_run_info(const sk_cli *c) {
  sk_run_info ri = {.command = c->command, .cmdline = c->cmdline, .model = c->model,
                    .seed = c->model ? sk_model_params(c->model)->seed : 0};
  return ri;
}

int sk_cli_open_out(sk_cli *c, sk_out **out) {
  *out = NULL;
  if (!c->outdir) return 0;
  sk_run_info ri = sk_cli_run_info(c);
  int rc = sk_out_open(c->outdir, &ri, out, &c->err);
  return rc ? sk_cli_fail(c, rc) : 0;
}

/* When --times is given on the command line without --T (or --set run.T=),
 * the run ends at the last of those times: "--set run.T=<max>" is inserted
 * before --times, so that [run] times <= T holds. Returns a new argv (free
 * it, and the strings it owns, with free(argv2[-1]) and free(argv2 - 1)) or
 * NULL if nothing needs to change. */
char **sk_cli_default_T(int argc, char **argv, int *argc_out) {
  int ti = -1;
  const char *tv = NULL;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "--T") == 0 || strncmp(a, "--T=", 4) == 0) return NULL;
    if (strcmp(a, "--set") == 0 && i + 1 < argc && strncmp(argv[i + 1], "run.T=", 6) == 0)
      return NULL;
    if (strncmp(a, "--set=run.T=", 12) == 0) return NULL;
    if (strcmp(a, "--times") == 0 && i + 1 < argc) {
      ti = i;
      tv = argv[i + 1];
    } else if (strncmp(a, "--times=", 8) == 0) {
      ti = i;
      tv = a + 8;
    }
  }
  if (ti < 0) return NULL;
  double mx = -INFINITY;
  const char *p = tv;
  for (;;) {
    char *end;
    double d = strtod(p, &end);
    if (end == p || !isfinite(d)) return NULL; /* malformed: the model reports it */
    if (d > mx) mx = d;
    while (*end == ' ') ++end;
    if (*end != ',') break;
    p = end + 1;
  }
  if (!(mx > 0)) return NULL;
  /* slot [0] keeps the owned string so the caller can free it */
  char **v = malloc(((size_t)argc + 4) * sizeof *v);
  char *s = malloc(64);
  if (!v || !s) {
    free(v);
    free(s);
    return NULL;
  }
  snprintf(s, 64, "run.T=%.17g", mx);
  v[0] = s;
  char **out = v + 1;
  int k = 0;
  for (int i = 0; i < argc; ++i) {
    if (i == ti) {
      out[k++] = "--set";
      out[k++] = s;
    }
    out[k++] = argv[i];
  }
  out[k] = NULL;
  *argc_out = k;
  return out;
}

int sk_cli_parse_timed(sk_cli *c, int argc, char **argv, const char *command, const char *usage,
                       const sk_flag *flags, size_t nflags, int model_mode) {
  int argc2 = argc;
  char **argv2 = sk_cli_default_T(argc, argv, &argc2);
  int rc = sk_cli_parse(c, argv2 ? argc2 : argc, argv2 ? argv2 : argv, command, usage, flags,
                        nflags, model_mode);
  if (argv2) {
    free(argv2[-1]);
    free(argv2 - 1);
  }
  return rc;
}

int sk_cli_close_out(sk_cli *c, sk_out *out, int ok) {
  if (ok && sk_out_commit(out, &c->err) == SK_OK) {
    sk_out_free(out);
    return 0;
  }
  sk_out_free(out);
  return sk_cli_fail(c, c->err.code ? c->err.code : SK_EIO);
}
