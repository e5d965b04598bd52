#include "CMallocStats.h"
#include <malloc.h>

size_t cmallocstats_bytes_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

size_t cmallocstats_mapped_bytes(void) {
    return mallinfo2().hblkhd;
}
