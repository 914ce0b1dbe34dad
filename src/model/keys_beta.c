/* Keys of [beta]: the recipe (1.8)-(1.9) (src/beta, `smolkin beta`). */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"beta", "method", SK_KEY_ENUM, "radial", 0, 0, 0, "radial|grid|mc",
     "solver for the recipe (1.8)-(1.9): radial ODE, 3-D grid, or Monte Carlo (Lemma 1.6)"},
    {"beta", "rtol", SK_KEY_DOUBLE, "0", 0, 0.1, 0, NULL,
     "target relative accuracy of beta; 0 = the method's default (radial 1e-12, grid 1e-4)"},
    {"beta", "grid_n", SK_KEY_INT, "0", 0, 512, 0, NULL,
     "grid method: cells per axis of the finest grid (a multiple of 4, >= 16); 0 = chosen from rtol"},
    {"beta", "paths", SK_KEY_INT, "200000", 2, 1e13, 0, NULL,
     "mc method: killed Brownian paths for beta (and for u at each profile point)"},
};

const sk_keygroup sk_keys_beta = {keys, SK_ARRAY_LEN(keys)};
