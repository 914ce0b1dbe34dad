/* Tables of the ZIGNOR ziggurat (see pnormal.h). */
#include "particles/pnormal.h"

#include <pthread.h>

double sk_zig_x[SK_ZIG_C + 1], sk_zig_r[SK_ZIG_C];

static void fill(void) {
  double f = exp(-0.5 * SK_ZIG_R * SK_ZIG_R);
  sk_zig_x[0] = SK_ZIG_V / f; /* the bottom block: V / f(R) */
  sk_zig_x[1] = SK_ZIG_R;
  sk_zig_x[SK_ZIG_C] = 0;
  for (int i = 2; i < SK_ZIG_C; ++i) {
    sk_zig_x[i] = sqrt(-2 * log(SK_ZIG_V / sk_zig_x[i - 1] + f));
    f = exp(-0.5 * sk_zig_x[i] * sk_zig_x[i]);
  }
  for (int i = 0; i < SK_ZIG_C; ++i) sk_zig_r[i] = sk_zig_x[i + 1] / sk_zig_x[i];
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
void sk_zig_init(void) { pthread_once(&once, fill); }
