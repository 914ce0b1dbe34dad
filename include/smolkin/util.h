/* smolkin — small shared utilities: wall clock, progress reporting. */
#ifndef SMOLKIN_UTIL_H
#define SMOLKIN_UTIL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Monotonic wall-clock seconds. */
double sk_wtime(void);

/* Progress on stderr. On a terminal: a bar with percentage and ETA, redrawn
 * at most 10 times a second. Otherwise: a plain line every 10 s once the run
 * has lasted 3 s (so short runs stay silent). Disabled entirely by
 * sk_progress_set_quiet(1) (the CLI's --quiet). */
typedef struct sk_progress {
  char label[64];
  double total;
  double t0, last;
  int tty;
  int drawn;
  int active;
} sk_progress;

void sk_progress_set_quiet(int quiet);
void sk_progress_start(sk_progress *p, const char *label, double total);
void sk_progress_update(sk_progress *p, double done);
void sk_progress_finish(sk_progress *p);

#ifdef __cplusplus
}
#endif
#endif
