/* Keys of [observe]: the test functions J reported by the PDE and the
 * particle simulator on the same times (see include/smolkin/observe.h). */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"observe", "masses", SK_KEY_LIST, "1, 2, 10", 1, 1e15,
     SK_KEYF_INTEGERS | SK_KEYF_NONEMPTY, NULL, "masses n whose observables are reported"},
    {"observe", "center", SK_KEY_LIST, "", -SK_INF, SK_INF, 0, NULL,
     "centre c of the test functions, d numbers (default: the initial data's centre)"},
    {"observe", "gauss_sigma", SK_KEY_LIST, "0.1", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "widths s of Gaussian weights J(x) = exp(-|x-c|^2/(2 s^2)) (empty: none)"},
    {"observe", "shells", SK_KEY_LIST, "", 0, SK_INF, SK_KEYF_INCREASING, NULL,
     "radii r0 < r1 < ... : indicators of the shells r_k <= |x-c| < r_(k+1) (empty: none)"},
};

const sk_keygroup sk_keys_observe = {keys, SK_ARRAY_LEN(keys)};
