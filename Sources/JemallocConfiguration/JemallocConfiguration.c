#include "JemallocConfiguration.h"

// jemalloc (unprefixed) reads this global of the executable when it initializes, before main.
// Dirty pages (freed, still mapped) go back to the system after about 1 s instead of jemalloc's
// default 10 s, with no "muzzy" second stage, and a background thread does the purging rather
// than the threads that free: a daemon's transient large buffers (batched appends to a follower
// that lagged, snapshots) then stay resident for about a second. See Allocator.swift.
const char *malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";

const char *skv_jemalloc_configuration(void) {
    return malloc_conf;
}
