"""The skv.kv Python stubs, generated from Protos/kv.proto (and rsm.proto, which defines the
Session and LeaderHint it uses) at run time (see proto_stubs.py)."""

import proto_stubs

cleanup = proto_stubs.cleanup


def load():
    """Returns (kv_pb2, kv_pb2_grpc, rsm_pb2)."""
    return proto_stubs.load(
        [(proto_stubs.PROTO_DIR, "kv.proto")], ["kv_pb2", "kv_pb2_grpc", "rsm_pb2"], "skv-kv-stubs-")
