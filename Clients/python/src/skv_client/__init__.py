"""Python client of swift-skv.

    from skv_client import KVClient
    with KVClient(["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"]) as kv:
        kv.put("greeting", "hello")
        kv.append("greeting", ", world")
        print(kv.get("greeting"))  # b'hello, world'

KVClient talks to one replicated group (`skv kv serve`), ShardKVClient to the sharded service
(`skv shard serve` groups, routed through `skv ctrler serve`), ControllerClient to the shard
controllers. All three follow the leader, retry within a time limit and apply each write
exactly once. The gRPC stubs (skv_client.proto) are generated from the repository's Protos/
when the package is built.
"""

from ._proto_modules import (
    kv_pb2,
    kv_pb2_grpc,
    rsm_pb2,
    shardctrler_pb2,
    shardctrler_pb2_grpc,
    shardkv_pb2,
    shardkv_pb2_grpc,
)
from .controller import SHARD_COUNT, ChangeRefused, ControllerClient, ShardConfig, key2shard
from .errors import OperationTimeout, RequestRejected, SessionExpired, SKVError
from .kv import CompareAndSwapResult, KVClient
from .shardkv import ShardKVClient

__all__ = [
    "KVClient",
    "ShardKVClient",
    "ControllerClient",
    "CompareAndSwapResult",
    "ShardConfig",
    "SHARD_COUNT",
    "key2shard",
    "SKVError",
    "OperationTimeout",
    "RequestRejected",
    "SessionExpired",
    "ChangeRefused",
    "kv_pb2",
    "kv_pb2_grpc",
    "rsm_pb2",
    "shardctrler_pb2",
    "shardctrler_pb2_grpc",
    "shardkv_pb2",
    "shardkv_pb2_grpc",
]
