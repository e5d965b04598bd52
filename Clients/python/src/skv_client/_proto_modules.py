"""The generated stubs (skv_client._proto, made at build time by setup.py), with a clear error
when the package is imported from a source tree that was never built."""

try:
    from ._proto import (  # noqa: F401  (re-exported)
        kv_pb2,
        kv_pb2_grpc,
        rsm_pb2,
        shardctrler_pb2,
        shardctrler_pb2_grpc,
        shardkv_pb2,
        shardkv_pb2_grpc,
    )
except ImportError as error:  # pragma: no cover - only without a build
    raise ImportError(
        "skv_client: the generated gRPC stubs are missing; install the package "
        "(pip install ./Clients/python) instead of importing it from the source tree"
    ) from error
