/* Exact exponential (ziggurat) and Poisson (PTRS) variates on Philox streams. */
#include <math.h>
#include <pthread.h>

#include "coalescent/cl_random.h"

/* ------------------------------------------------------------ ziggurat */

/* 256 regions of equal area v under e^-x: the base strip [0, x_0) x [0, e^-r)
 * (x_0 = v e^r; its part beyond r stands for the tail r + Exp(1)) and the
 * layers [0, x_i) x [e^-x_i, e^-x_(i+1)), i = 1..255, x_1 = r > x_2 > ... >
 * x_256 = 0 (Marsaglia & Tsang 2000, section 4). */
#define ZIG_N 256
static const double zig_r = 7.69711747013104972;
static const double zig_v = 3.949659822581572e-3;
static double zig_x[ZIG_N + 1]; /* layer widths, x[0] = v e^r */
static double zig_f[ZIG_N + 1]; /* e^-x_i */
static double zig_w[ZIG_N];     /* x_i / 2^53 */
static uint64_t zig_k[ZIG_N];   /* fast accept iff u53 < k_i (i.e. x < x_(i+1)) */
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_init(void) {
  zig_x[0] = zig_v / exp(-zig_r);
  zig_x[1] = zig_r;
  for (int i = 1; i < ZIG_N - 1; ++i) zig_x[i + 1] = -log(zig_v / zig_x[i] + exp(-zig_x[i]));
  zig_x[ZIG_N] = 0.0;
  for (int i = 0; i <= ZIG_N; ++i) zig_f[i] = exp(-zig_x[i]);
  for (int i = 0; i < ZIG_N; ++i) {
    zig_w[i] = zig_x[i] * 0x1.0p-53;
    /* conservative: a point at or beyond x_(i+1) never takes the fast path */
    double k = floor(zig_x[i + 1] / zig_x[i] * 0x1.0p53) - 2.0;
    zig_k[i] = k > 0 ? (uint64_t)k : 0;
  }
}

double cl_exp(cl_stream *s) {
  pthread_once(&zig_once, zig_init);
  for (;;) {
    uint64_t w = cl_u64(s);
    unsigned i = (unsigned)(w & 0xff);
    uint64_t u = w >> 11;
    double x = (double)u * zig_w[i];
    if (u < zig_k[i]) return x;
    if (i == 0) return zig_r - log(cl_unif_pos(s)); /* the tail beyond r */
    if (x < zig_x[i + 1]) return x;
    double y = zig_f[i] + cl_unif(s) * (zig_f[i + 1] - zig_f[i]);
    if (y < exp(-x)) return x;
  }
}

/* -------------------------------------------------------------- Poisson */

uint64_t cl_poisson(cl_stream *s, double mu) {
  if (!(mu > 0)) return 0;
  if (mu < 10) {
    double enmu = exp(-mu), prod = 1.0;
    uint64_t x = 0;
    for (;;) {
      prod *= cl_unif(s);
      if (prod > enmu)
        ++x;
      else
        return x;
    }
  }
  /* PTRS: W. Hörmann, "The transformed rejection method for generating
   * Poisson random variables", Insurance: Math. Econom. 12 (1993) 39-45. */
  double slam = sqrt(mu), loglam = log(mu);
  double b = 0.931 + 2.53 * slam;
  double a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  double vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double U = cl_unif(s) - 0.5;
    double V = cl_unif(s);
    double us = 0.5 - fabs(U);
    if (!(us > 0)) continue; /* U = -1/2: probability 2^-53 of a measure-zero point */
    double kd = floor((2 * a / us + b) * U + mu + 0.43);
    if (us >= 0.07 && V <= vr) return (uint64_t)kd; /* kd >= 0 on this branch */
    if (kd < 0 || (us < 0.013 && V > us)) continue;
    if (kd > 0x1.0p62) continue; /* density e^-(huge): rejected below anyway */
    int sign;
    double lg = lgamma_r(kd + 1, &sign);
    if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -mu + kd * loglam - lg)
      return (uint64_t)kd;
  }
}
