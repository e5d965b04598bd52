// glibc allocator settings for the daemons. Swift's Glibc module does not export <malloc.h>,
// so mallopt() is wrapped here.
#ifndef CMALLOCTUNING_H
#define CMALLOCTUNING_H
#include <stddef.h>

/// Fixes glibc's mmap threshold at `bytes` (which also turns off its dynamic adjustment):
/// every allocation of at least `bytes` gets its own mapping, returned to the system when freed.
/// Returns 1 on success, 0 if the allocator refused or is not glibc's.
int cmalloctuning_set_mmap_threshold(size_t bytes);

/// Caps the number of glibc malloc arenas at `arenas` (M_ARENA_MAX): threads share them instead
/// of each getting its own heap. Returns 1 on success, 0 if refused or not glibc's allocator.
int cmalloctuning_set_arena_max(size_t arenas);

#endif
