#include "CMallocTuning.h"
// <features.h> defines __GLIBC__; <stddef.h> (the header's only include) comes from the compiler
// and does not, so without it the settings below compiled to "not glibc" and did nothing.
#if defined(__linux__)
#include <features.h>
#endif
#if defined(__GLIBC__)
#include <limits.h>
#include <malloc.h>
#endif

int cmalloctuning_set_mmap_threshold(size_t bytes) {
#if defined(__GLIBC__)
    if (bytes > INT_MAX) return 0;
    return mallopt(M_MMAP_THRESHOLD, (int)bytes) == 1 ? 1 : 0;
#else
    (void)bytes;
    return 0;
#endif
}

int cmalloctuning_set_arena_max(size_t arenas) {
#if defined(__GLIBC__)
    if (arenas < 1 || arenas > INT_MAX) return 0;
    return mallopt(M_ARENA_MAX, (int)arenas) == 1 ? 1 : 0;
#else
    (void)arenas;
    return 0;
#endif
}
