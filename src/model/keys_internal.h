/* The key groups; each subsystem owns one file keys_<name>.c defining its
 * table. To add a key: add a row to the group's table (section, key, type,
 * default, min, max, flags, choices, help). Read it with sk_model_get_*. */
#ifndef SK_KEYS_INTERNAL_H
#define SK_KEYS_INTERNAL_H
#include <math.h>

#include "smolkin/model.h"

#define SK_INF HUGE_VAL
#define SK_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

extern const sk_keygroup sk_keys_core;       /* [model] [diffusion] [interaction] [initial] [run] */
extern const sk_keygroup sk_keys_observe;    /* [observe] */
extern const sk_keygroup sk_keys_beta;       /* [beta] */
extern const sk_keygroup sk_keys_coag;       /* [coagulation] */
extern const sk_keygroup sk_keys_pde;        /* [pde] */
extern const sk_keygroup sk_keys_particles;  /* [particles] */
extern const sk_keygroup sk_keys_coalescent; /* [coalescent] */
#endif
