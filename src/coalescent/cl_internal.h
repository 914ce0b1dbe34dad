/* Private to src/coalescent: the kernel object shared by the ML engine files. */
#ifndef SK_CL_INTERNAL_H
#define SK_CL_INTERNAL_H

#include "smolkin/coalescent.h"

/* Number of mass groups: group g holds 2^g <= m < 2^(g+1); masses < 2^32. */
#define CL_NGROUPS 32

struct sk_ml_kernel {
  int kind;      /* SK_COAG_CONSTANT / _ADDITIVE / _MULTIPLICATIVE, or -1 (custom) */
  double scale;  /* classical kernels */
  sk_ml_kernel_fn fn;
  sk_ml_bound_fn bound;
  void *ctx;
  uint64_t nmax; /* heavier particles do not coagulate */
  char name[64];
  /* owned resources of kernels built from a model (freed with the kernel) */
  void *owned;
  void (*owned_free)(void *);
};

#endif
