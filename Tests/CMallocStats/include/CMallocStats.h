// Test-only: glibc heap statistics for leak checks. Swift's Glibc module does not export
// <malloc.h>, so mallinfo2() is wrapped here.
#ifndef CMALLOCSTATS_H
#define CMALLOCSTATS_H
#include <stddef.h>

/// Bytes currently allocated by malloc (in-use heap chunks plus mmapped chunks).
size_t cmallocstats_bytes_in_use(void);
/// Bytes of the chunks malloc serves from mappings of their own (mallinfo2's hblkhd).
size_t cmallocstats_mapped_bytes(void);

#endif
