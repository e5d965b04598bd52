#include "CMallocTuning.h"
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
