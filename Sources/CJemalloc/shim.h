#ifndef CJEMALLOC_SHIM_H
#define CJEMALLOC_SHIM_H
// jemalloc (Debian's libjemalloc-dev: unprefixed, so linking it makes it the process's malloc).
#include <jemalloc/jemalloc.h>
#endif
