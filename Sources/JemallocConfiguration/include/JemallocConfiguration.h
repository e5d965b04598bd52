#ifndef JEMALLOC_CONFIGURATION_H
#define JEMALLOC_CONFIGURATION_H

/// The options jemalloc reads at start-up from the executable's `malloc_conf` (see
/// `Sources/SKV/Allocator.swift`); returned so that the program refers to the definition and the
/// linker keeps it.
const char *skv_jemalloc_configuration(void);

#endif
