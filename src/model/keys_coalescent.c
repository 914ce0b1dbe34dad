/* Keys of [coalescent]: the Marcus-Lushnikov process and Kingman's coalescent
 * (smolkin coalescent / smolkin kingman; see docs/coalescent.md). The kernel,
 * its scale and the largest reported mass come from [coagulation]; N, times,
 * seed and replicas from [run]. */
#include "model/keys_internal.h"

static const sk_keydef keys[] = {
    {"coalescent", "sampler", SK_KEY_ENUM, "auto", 0, 0, 0, "auto|general",
     "auto: O(1) exact samplers for the constant, additive and multiplicative kernels, the "
     "group-pair majorant for the others; general: the group-pair majorant for every kernel"},
};

const sk_keygroup sk_keys_coalescent = {keys, SK_ARRAY_LEN(keys)};
