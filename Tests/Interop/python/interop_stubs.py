"""Generates the grpc.testing Python stubs from Protos/ into a temporary directory.

The stubs are never committed: each run calls grpc_tools.protoc on the repository's own
Protos/{empty,messages,test}.proto, so the Python peers always speak exactly our protos.
"""

import atexit
import importlib
import os
import shutil
import sys
import tempfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PROTO_DIR = os.path.join(REPO_ROOT, "Protos")
PROTOS = ["empty.proto", "messages.proto", "test.proto"]


def load():
    """Returns (empty_pb2, messages_pb2, test_pb2_grpc), generated into a temporary directory
    that is removed when the process exits."""
    from grpc_tools import protoc  # imported lazily so --help works without grpcio-tools

    out_dir = tempfile.mkdtemp(prefix="skv-interop-stubs-")
    atexit.register(shutil.rmtree, out_dir, ignore_errors=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
    ] + [os.path.join(PROTO_DIR, p) for p in PROTOS]
    if protoc.main(args) != 0:
        raise SystemExit(f"grpc_tools.protoc failed for {PROTOS} in {PROTO_DIR}")
    sys.path.insert(0, out_dir)
    return (
        importlib.import_module("empty_pb2"),
        importlib.import_module("messages_pb2"),
        importlib.import_module("test_pb2_grpc"),
    )
