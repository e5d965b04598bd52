// Thin wrapper over libnghttp2 (Debian libnghttp2-dev 1.52). Imported only by RPCHTTP2.
#ifndef CNGHTTP2_SHIM_H
#define CNGHTTP2_SHIM_H
#include <nghttp2/nghttp2.h>
#endif
