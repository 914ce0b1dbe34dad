/* Keys of [coagulation]: the kernel K of the Smoluchowski ODE (2.1) / the
 * coagulation operator of the PDE, and the ODE solver's settings. */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"coagulation", "kernel", SK_KEY_ENUM, "recipe", 0, 0, 0,
     "constant|additive|multiplicative|recipe|table",
     "coagulation kernel K: 1, m+n, mn (times scale), beta(n,m) from the recipe, or a file"},
    {"coagulation", "scale", SK_KEY_DOUBLE, "1", 0, SK_INF, SK_KEYF_MIN_OPEN, NULL,
     "multiplies the constant / additive / multiplicative kernels"},
    {"coagulation", "nmax", SK_KEY_INT, "256", 1, 1073741824, 0, NULL,
     "largest mass tracked; mass coagulating beyond it is accumulated as tail mass"},
    {"coagulation", "table", SK_KEY_PATH, "", 0, 0, SK_KEYF_NONEMPTY, NULL,
     "kernel = table: file of K(n,m), row n = K(n,1..N) (blanks/commas, '#' comments), "
     "symmetric, >= 0, N >= nmax"},
    {"coagulation", "method", SK_KEY_ENUM, "auto", 0, 0, 0, "auto|direct|fft|lowrank",
     "coagulation sums: direct O(nmax^2), fft (classical kernels, exact, O(nmax log nmax)), "
     "lowrank (recipe/table: rank-R approximation + FFT); auto chooses by nmax"},
    {"coagulation", "lowrank_tol", SK_KEY_DOUBLE, "1e-10", 0, 0.1, SK_KEYF_MIN_OPEN, NULL,
     "method = lowrank: target largest relative entry error of the rank-R kernel"},
    {"coagulation", "lowrank_rank", SK_KEY_INT, "64", 1, 1024, 0, NULL,
     "method = lowrank: largest rank R tried"},
    {"coagulation", "post_gel", SK_KEY_ENUM, "stockmayer", 0, 0, 0, "stockmayer|flory",
     "mass beyond nmax (the tail; the gel after gelation): inert (stockmayer) or still "
     "coagulating with the tracked masses (flory; classical kernels only, for which f_1..f_nmax "
     "are then exact)"},
    {"coagulation", "rtol", SK_KEY_DOUBLE, "1e-8", 1e-14, 0.1, 0, NULL,
     "ODE: relative tolerance of the integrator's local error control"},
    {"coagulation", "atol", SK_KEY_DOUBLE, "1e-14", 0, 1, SK_KEYF_MIN_OPEN, NULL,
     "ODE: absolute tolerance on each f_n, in units of [initial] Z"},
    {"coagulation", "gel_tol", SK_KEY_DOUBLE, "1e-6", 0, 0.5, SK_KEYF_MIN_OPEN, NULL,
     "ODE: gelation is declared once the tail holds gel_tol * M1(0) and M2 has passed its "
     "extrapolated blow-up time (docs/ode.md)"},
    {"coagulation", "linsol", SK_KEY_ENUM, "auto", 0, 0, 0, "auto|exact|gmres",
     "ODE: Newton systems solved exactly (classical kernels: FFT forward substitution, "
     "docs/ode.md) or by GMRES (any kernel); auto = exact where possible"},
    {"coagulation", "max_steps", SK_KEY_INT, "1000000", 10, 1e12, 0, NULL,
     "ODE: most integrator steps before giving up"},
};

const sk_keygroup sk_keys_coag = {keys, SK_ARRAY_LEN(keys)};
