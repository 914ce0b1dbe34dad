/* Keys of [beta]. */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"beta", "method", SK_KEY_ENUM, "radial", 0, 0, 0, "radial|grid|mc",
     "solver for the recipe (1.8)-(1.9): radial ODE, 3-D grid, or Monte Carlo (Lemma 1.6)"},
};

const sk_keygroup sk_keys_beta = {keys, SK_ARRAY_LEN(keys)};
