/* Keys of the core sections: [model] [diffusion] [interaction] [initial] [run]. */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    /* section, key, type, default, min, max, flags, choices, help */
    {"model", "dim", SK_KEY_INT, "3", 1, SK_MAX_DIM, 0, NULL,
     "space dimension d (particles and beta need d >= 2; the PDE/ODE also d = 1)"},
    {"model", "geometry", SK_KEY_ENUM, "whole-space", 0, 0, 0, "whole-space|torus|radial",
     "whole-space R^d, the periodic box [0,box)^d, or radially symmetric data in R^d"},
    {"model", "box", SK_KEY_DOUBLE, "1", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "side length of the torus (geometry = torus)"},

    {"diffusion", "law", SK_KEY_ENUM, "power", 0, 0, 0, "power",
     "diffusion-rate law: power means dif(n) = D0 * n^(-p)"},
    {"diffusion", "D0", SK_KEY_DOUBLE, "1", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "dif(1): a mass-1 particle is a Brownian motion with generator D0 * Laplacian"},
    {"diffusion", "p", SK_KEY_DOUBLE, "0", -10, 10, 0, NULL,
     "exponent of dif(n) = D0 * n^(-p) (1/3: Stokes-Einstein for compact 3-D clusters)"},

    {"interaction", "kernel", SK_KEY_ENUM, "ball", 0, 0, 0, "ball|bump|gauss|table|agauss|grid",
     "interaction kernel V, supported in the closed unit ball (see README)"},
    {"interaction", "alpha", SK_KEY_DOUBLE, "10", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "microscopic interaction strength alpha (pair rate alpha eps^-2 V(dx/eps))"},
    {"interaction", "table", SK_KEY_PATH, "", 0, 0, SK_KEYF_NONEMPTY, NULL,
     "kernel = table: file of 'r V(r)' lines, r increasing from 0 to 1, linear interpolation"},
    {"interaction", "gauss_width", SK_KEY_DOUBLE, "0.3", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "kernel = gauss: width w in exp(-|x|^2/(2 w^2))"},
    {"interaction", "axes", SK_KEY_LIST, "0.5, 0.3, 0.2", 0, SK_INF,
     SK_KEYF_MIN_OPEN | SK_KEYF_NONEMPTY, NULL,
     "kernel = agauss: a, b, c in exp(-(x^2/a^2 + y^2/b^2 + z^2/c^2)/2) (d = 3)"},
    {"interaction", "grid", SK_KEY_PATH, "", 0, 0, SK_KEYF_NONEMPTY, NULL,
     "kernel = grid: file with n, then n^3 node values of V on [-1,1]^3 (x slowest)"},

    {"initial", "Z", SK_KEY_DOUBLE, "1", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "Z = sum_n integral h_n: total initial number density (N eps^(d-2) = Z)"},
    {"initial", "space", SK_KEY_ENUM, "uniform", 0, 0, 0, "uniform|gaussian|ball",
     "initial positions: uniform on the torus, Gaussian(center, sigma^2 I), or uniform on a ball"},
    {"initial", "sigma", SK_KEY_DOUBLE, "0.1", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "space = gaussian: standard deviation per coordinate"},
    {"initial", "radius", SK_KEY_DOUBLE, "0.5", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "space = ball: radius of the ball"},
    {"initial", "center", SK_KEY_LIST, "", -SK_INF, SK_INF, 0, NULL,
     "centre of gaussian/ball data, d numbers (default: box centre on the torus, else origin)"},
    {"initial", "mass", SK_KEY_ENUM, "mono", 0, 0, 0, "mono|weights",
     "initial masses: all 1 (mono), or masses 1, 2, ... in the proportions of 'weights'"},
    {"initial", "weights", SK_KEY_LIST, "1, 0.5, 0.25", 0, SK_INF,
     SK_KEYF_NONEMPTY | SK_KEYF_SUMPOS, NULL,
     "mass = weights: relative numbers of particles of mass 1, 2, 3, ..."},

    {"run", "T", SK_KEY_DOUBLE, "1", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL, "final time"},
    {"run", "times", SK_KEY_LIST, "0.25, 0.5, 1", 0, SK_INF,
     SK_KEYF_NONEMPTY | SK_KEYF_INCREASING, NULL,
     "times at which results are reported (increasing, each <= T)"},
    {"run", "seed", SK_KEY_U64, "1", 0, 0, 0, NULL, "random seed (Philox key)"},
    {"run", "N", SK_KEY_INT, "1000", 1, 1e15, 0, NULL, "initial number of particles"},
    {"run", "replicas", SK_KEY_INT, "1", 1, 1e9, 0, NULL,
     "independent replicas averaged (with standard errors) by random solvers"},
};

const sk_keygroup sk_keys_core = {keys, SK_ARRAY_LEN(keys)};
