/* Helpers shared by the benchmark programs: CPU clocks and the load
 * average (wall time: sk_wtime in smolkin/util.h). */
#ifndef SK_BENCH_UTIL_H
#define SK_BENCH_UTIL_H

#include <stdio.h>
#include <string.h>
#include <time.h>

/* CPU seconds of the whole process (all threads) / of the calling thread. */
static inline double bench_cpu_process(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static inline double bench_cpu_thread(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* /proc/loadavg without its newline ("" where unreadable). */
static inline void bench_loadavg(char *buf, size_t n) {
  FILE *f = fopen("/proc/loadavg", "r");
  buf[0] = '\0';
  if (f) {
    if (!fgets(buf, (int)n, f)) buf[0] = '\0';
    fclose(f);
  }
  buf[strcspn(buf, "\n")] = '\0';
}

#endif
