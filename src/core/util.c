#include "smolkin/util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double sk_wtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int g_quiet = 0;
void sk_progress_set_quiet(int quiet) { g_quiet = quiet; }

void sk_progress_start(sk_progress *p, const char *label, double total) {
  memset(p, 0, sizeof *p);
  snprintf(p->label, sizeof p->label, "%s", label);
  p->total = total > 0 ? total : 1;
  p->t0 = p->last = sk_wtime();
  p->tty = isatty(STDERR_FILENO);
  p->active = !g_quiet;
}

static void fmt_time(char *b, size_t n, double s) {
  if (s < 0) s = 0;
  if (s < 100)
    snprintf(b, n, "%4.1fs", s);
  else if (s < 6000)
    snprintf(b, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
  else
    snprintf(b, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

void sk_progress_update(sk_progress *p, double done) {
  if (!p->active) return;
  double now = sk_wtime();
  double el = now - p->t0;
  double frac = done / p->total;
  if (frac > 1) frac = 1;
  char eta[32], els[32];
  fmt_time(els, sizeof els, el);
  fmt_time(eta, sizeof eta, frac > 0 ? el * (1 - frac) / frac : 0);
  if (p->tty) {
    if (now - p->last < 0.1 && p->drawn) return;
    p->last = now;
    char bar[31];
    int filled = (int)(frac * 30);
    for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %5.1f%%  %s elapsed  ETA %s ", p->label, bar, 100 * frac, els,
            frac > 0 ? eta : "?");
    fflush(stderr);
    p->drawn = 1;
  } else {
    if (el < 3.0 || now - p->last < 10.0) return;
    p->last = now;
    fprintf(stderr, "%s: %5.1f%% after %s, about %s to go\n", p->label, 100 * frac, els, eta);
    p->drawn = 1;
  }
}

void sk_progress_finish(sk_progress *p) {
  if (!p->active || !p->drawn) return;
  if (p->tty) {
    char els[32];
    fmt_time(els, sizeof els, sk_wtime() - p->t0);
    fprintf(stderr, "\r%s [##############################] 100.0%%  %s elapsed            \n",
            p->label, els);
  } else {
    char els[32];
    fmt_time(els, sizeof els, sk_wtime() - p->t0);
    fprintf(stderr, "%s: done in %s\n", p->label, els);
  }
}
