// Thin wrapper over libprotobuf-c (Debian libprotobuf-c-dev 1.4). Imported only by RPCProtobuf and
// the Wire/ folders of service modules. Swift cannot import the PROTOBUF_C_MESSAGE_INIT macros;
// use the generated `<message>__init(&msg)` functions instead.
#ifndef CPROTOBUFC_SHIM_H
#define CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
