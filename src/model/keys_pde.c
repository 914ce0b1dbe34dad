/* Keys of [pde]: the coagulation–diffusion solver (include/smolkin/pde.h). */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"pde", "cells", SK_KEY_INT, "256", 4, 1e8, 0, NULL,
     "grid cells per axis (radial: cells on [0, rmax]; torus/whole-space: even)"},
    {"pde", "rmax", SK_KEY_DOUBLE, "0", 0, SK_INF, 0, NULL,
     "radial: outer radius (absorbing; what crosses it is reported as outflow); "
     "0: automatic, 10 sqrt(sigma^2 + 2 max dif T) (gaussian) or radius + 10 sqrt(2 max dif T)"},
    {"pde", "box", SK_KEY_DOUBLE, "0", 0, SK_INF, 0, NULL,
     "whole-space: side of the periodic box standing for R^d, centred on the data; "
     "0: automatic, twice the automatic rmax"},
    {"pde", "dt", SK_KEY_DOUBLE, "0", 0, SK_INF, 0, NULL,
     "splitting step; 0: min(T/40, 0.2 / largest loss rate sum_m K(n,m) f_m at t = 0)"},
    {"pde", "rtol", SK_KEY_DOUBLE, "1e-6", 1e-14, 0.1, 0, NULL,
     "coagulation sub-steps: relative tolerance of the local error control"},
    {"pde", "atol", SK_KEY_DOUBLE, "1e-14", 0, 1, SK_KEYF_MIN_OPEN, NULL,
     "coagulation sub-steps: absolute tolerance, in units of the largest initial density"},
    {"pde", "snapshots", SK_KEY_BOOL, "true", 0, 0, 0, NULL,
     "write f_n(x, t) at [run] times to pde.h5 under --out"},
    {"pde", "snapshot_masses", SK_KEY_LIST, "", 1, 1e15, SK_KEYF_INTEGERS, NULL,
     "masses n whose f_n(x, t) are written (empty: those of --masses / [observe] masses)"},
};

const sk_keygroup sk_keys_pde = {keys, SK_ARRAY_LEN(keys)};
