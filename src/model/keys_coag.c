/* Keys of [coagulation]. */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"coagulation", "kernel", SK_KEY_ENUM, "recipe", 0, 0, 0,
     "constant|additive|multiplicative|recipe|table",
     "coagulation kernel K: 1, m+n, mn (times scale), beta(n,m) from the recipe, or a file"},
    {"coagulation", "scale", SK_KEY_DOUBLE, "1", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "multiplies the constant / additive / multiplicative kernels"},
    {"coagulation", "nmax", SK_KEY_INT, "256", 1, 1e9, 0, NULL,
     "largest mass tracked; mass coagulating beyond it is accumulated as tail mass"},
    {"coagulation", "table", SK_KEY_PATH, "", 0, 0, SK_KEYF_NONEMPTY, NULL,
     "kernel = table: file of K(n,m)"},
};

const sk_keygroup sk_keys_coag = {keys, SK_ARRAY_LEN(keys)};
