/* smolkin — model files, the table of keys, and the validated model.
 *
 * A model file is INI ([section], key = value, comments with ';' or '#').
 * One declarative table of keys (section, key, type, default, range, help)
 * drives parsing, validation, `smolkin keys` and `--set section.key=value`.
 * The table is split into groups, one per subsystem (keys_core.c,
 * keys_coag.c, ...); src/model/keys.c lists the groups.
 *
 * Life cycle:  sk_model_create -> [sk_model_load] -> [sk_model_set]* ->
 *              sk_model_finalize -> (solvers borrow it, read-only) -> sk_model_free
 */
#ifndef SMOLKIN_MODEL_H
#define SMOLKIN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "smolkin/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_MAX_DIM 12

/* ------------------------------------------------------------------ keys */

typedef enum {
  SK_KEY_INT,     /* integer (accepts 1e6 if integral); range min..max */
  SK_KEY_U64,     /* unsigned 64-bit integer (seeds) */
  SK_KEY_DOUBLE,  /* finite real; range min..max */
  SK_KEY_BOOL,    /* true|false|yes|no|on|off|1|0 */
  SK_KEY_ENUM,    /* one of choices "a|b|c" */
  SK_KEY_STRING,  /* free text */
  SK_KEY_PATH,    /* file name; relative names are relative to the model file */
  SK_KEY_LIST     /* comma-separated reals; each in min..max */
} sk_keytype;

enum {
  SK_KEYF_MIN_OPEN = 1u << 0,   /* value must be > min (else >= min) */
  SK_KEYF_MAX_OPEN = 1u << 1,   /* value must be < max (else <= max) */
  SK_KEYF_NONEMPTY = 1u << 2,   /* list/string/path must not be empty when set */
  SK_KEYF_INCREASING = 1u << 3, /* list must be strictly increasing */
  SK_KEYF_INTEGERS = 1u << 4,   /* list elements must be integers */
  SK_KEYF_SUMPOS = 1u << 5      /* list must have a positive sum */
};

typedef struct sk_keydef {
  const char *section;
  const char *name;
  sk_keytype type;
  const char *def;     /* default, as it would be written in a file ("" = none) */
  double min, max;     /* numeric range (also per list element) */
  unsigned flags;
  const char *choices; /* SK_KEY_ENUM: "a|b|c" */
  const char *help;
} sk_keydef;

typedef struct sk_keygroup {
  const sk_keydef *keys;
  size_t count;
} sk_keygroup;

/* All keys, in the order `smolkin keys` prints them. */
size_t sk_keys_count(void);
const sk_keydef *sk_keys_get(size_t i);
/* Index of "section.key", or -1. */
long sk_keys_find(const char *section, const char *name);
/* "a number in (0, inf)", "one of: ball, bump, gauss" ... */
void sk_keys_describe(const sk_keydef *k, char *buf, size_t n);

/* ----------------------------------------------------------------- model */

typedef enum { SK_GEOM_WHOLE = 0, SK_GEOM_TORUS, SK_GEOM_RADIAL } sk_geometry;
typedef enum { SK_DIF_POWER = 0 } sk_diflaw;
typedef enum { SK_V_BALL = 0, SK_V_BUMP, SK_V_GAUSS, SK_V_TABLE, SK_V_AGAUSS, SK_V_GRID } sk_vkind;
typedef enum { SK_SPACE_UNIFORM = 0, SK_SPACE_GAUSSIAN, SK_SPACE_BALL } sk_space;
typedef enum { SK_MASS_MONO = 0, SK_MASS_WEIGHTS } sk_massinit;

/* The core parameters, typed. Valid after sk_model_finalize; pointers are
 * owned by the model. */
typedef struct sk_params {
  /* [model] */
  int dim;
  sk_geometry geometry;
  double box;            /* torus side length L; positions in [0,L)^d */
  /* [diffusion]  dif(n) = D0 * n^(-p) */
  sk_diflaw diflaw;
  double D0, p;
  /* [interaction] */
  sk_vkind kernel;
  double alpha;
  double gauss_width;    /* 'gauss': exp(-|x|^2/(2 w^2)) on the unit ball */
  double axes[3];        /* 'agauss': exp(-(x^2/a^2+y^2/b^2+z^2/c^2)/2) on the unit ball */
  const char *table;     /* 'table': radial profile file */
  const char *grid;      /* 'grid': 3-D grid file */
  /* [initial]  h_n(x) = Z * w_n * p(x), sum_n w_n = 1 */
  double Z;
  sk_space space;
  double sigma, radius;
  double center[SK_MAX_DIM]; /* default: box centre (torus) or origin */
  sk_massinit mass;
  const double *weights; /* normalised number fractions of masses 1..nweights */
  size_t nweights;
  /* [run] */
  double T;
  const double *times;
  size_t ntimes;
  uint64_t seed;
  long long N;
} sk_params;

typedef struct sk_model sk_model;
typedef struct sk_kernel sk_kernel;

/* A model holding every key at its default. */
int sk_model_create(sk_model **m, sk_error *err);
void sk_model_free(sk_model *m);
/* Reads a model file; each key is validated as it is read. On error the
 * message names file, line, key, value and what is accepted (SK_EINVAL). */
int sk_model_load(sk_model *m, const char *path, sk_error *err);
/* Sets "section.key" = value; origin names where it came from
 * ("command line --alpha", "--set"). Validated like a file value. */
int sk_model_set(sk_model *m, const char *dotted, const char *value, const char *origin,
                 sk_error *err);
/* Parses "section.key=value" (the --set syntax) and sets it. */
int sk_model_set_assignment(sk_model *m, const char *assignment, const char *origin,
                            sk_error *err);
/* Cross-key checks, loads tables, builds the interaction kernel. After this
 * the model is read-only. */
int sk_model_finalize(sk_model *m, sk_error *err);

const sk_params *sk_model_params(const sk_model *m);
const sk_kernel *sk_model_kernel(const sk_model *m);
const char *sk_model_path(const sk_model *m); /* NULL if no file */

/* Generic access by "section.key" (aborts on an unknown key: a programming error). */
double sk_model_get_double(const sk_model *m, const char *dotted);
long long sk_model_get_int(const sk_model *m, const char *dotted);
uint64_t sk_model_get_u64(const sk_model *m, const char *dotted);
int sk_model_get_bool(const sk_model *m, const char *dotted);
/* Enum index into the choices, and the text. */
int sk_model_get_enum(const sk_model *m, const char *dotted);
const char *sk_model_get_string(const sk_model *m, const char *dotted); /* "" if unset */
const double *sk_model_get_list(const sk_model *m, const char *dotted, size_t *n);
/* 1 if the key was given in a file / on the command line, 0 if default. */
int sk_model_is_set(const sk_model *m, const char *dotted);
/* "model.ini:12", "command line --alpha", "default". */
const char *sk_model_origin(const sk_model *m, const char *dotted);

/* Formats a key-level error: "<origin>: [section] key = value: <what>". */
int sk_model_key_error(const sk_model *m, const char *dotted, sk_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The resolved model as INI text (every key, value and origin) and its
 * FNV-1a 64-bit hash; recorded in every output. */
const char *sk_model_text(const sk_model *m);
uint64_t sk_model_hash(const sk_model *m);
void sk_model_hash_hex(const sk_model *m, char out[17]);

/* ------------------------------------------------------ model functions */

/* dif(n): the diffusion rate of mass n (generator dif(n) * Laplacian). */
double sk_model_dif(const sk_model *m, long long n);
/* alpha(n, m): microscopic interaction strength. */
double sk_model_alpha(const sk_model *m, long long n1, long long n2);

/* Initial data. Number fraction w_n of mass n (0 beyond the weights). */
double sk_model_mass_fraction(const sk_model *m, long long n);
/* Largest mass present initially. */
long long sk_model_max_initial_mass(const sk_model *m);
/* Spatial probability density p(x) (integrates to 1 over the domain; on the
 * torus Gaussian and ball data are periodised / wrapped). */
double sk_model_space_density(const sk_model *m, const double *x);
/* Checks that [initial] makes sense for the model's geometry (uniform needs
 * the torus; radial needs data centred at the origin). */
int sk_model_check_initial(const sk_model *m, sk_error *err);

#ifdef __cplusplus
}
#endif
#endif
