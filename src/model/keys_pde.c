/* Keys of [pde]. */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"pde", "cells", SK_KEY_INT, "256", 4, 1e8, 0, NULL,
     "grid cells per axis (radial: cells on [0, rmax])"},
};

const sk_keygroup sk_keys_pde = {keys, SK_ARRAY_LEN(keys)};
