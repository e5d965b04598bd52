"""The grpc.testing Python stubs, generated from Protos/{empty,messages,test}.proto at run
time (see proto_stubs.py)."""

import proto_stubs

PROTOS = ["empty.proto", "messages.proto", "test.proto"]


def load():
    """Returns (empty_pb2, messages_pb2, test_pb2_grpc)."""
    return proto_stubs.load(
        [(proto_stubs.PROTO_DIR, p) for p in PROTOS],
        ["empty_pb2", "messages_pb2", "test_pb2_grpc"],
        "skv-interop-stubs-",
    )
