/* Keys of [particles]. */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"particles", "engine", SK_KEY_ENUM, "bd", 0, 0, 0, "bd",
     "particle engine: bd = reference Brownian dynamics with a fixed time step"},
    {"particles", "reaction", SK_KEY_ENUM, "coagulation", 0, 0, 0, "coagulation|annihilation",
     "coagulation (survivor takes the summed mass) or annihilation (both removed)"},
    {"particles", "range_exponent", SK_KEY_DOUBLE, "1", 0, 1, SK_KEYF_MIN_OPEN, NULL,
     "b in the rate alpha eps^(-2+d(1-b)) V(dx/eps^b) (Section 3.4); b < 1 gives the naive beta"},
    {"particles", "radius_law", SK_KEY_ENUM, "none", 0, 0, 0, "none|power",
     "mass-dependent radius r_n = n^chi (Section 2.4.2): rate alpha eps^-2 (r_n+r_m)^-2 V(dx/((r_n+r_m) eps))"},
    {"particles", "chi", SK_KEY_DOUBLE, "0", 0, 10, 0, NULL,
     "radius_law = power: exponent chi in r_n = n^chi"},
    {"particles", "dt_factor", SK_KEY_DOUBLE, "0.01", 0, 1, SK_KEYF_MIN_OPEN, NULL,
     "engine bd: time step dt = dt_factor * eps^2 / max dif (bias on the torus test: docs/particles.md)"},
    {"particles", "snapshots", SK_KEY_BOOL, "false", 0, 0, 0, NULL,
     "write replica 0's positions, ids and masses at every [run] time (H5MD, with --out)"},
};

const sk_keygroup sk_keys_particles = {keys, SK_ARRAY_LEN(keys)};
