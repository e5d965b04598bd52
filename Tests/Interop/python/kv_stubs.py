"""Generates the skv.kv Python stubs from Protos/kv.proto into a temporary directory.

Like interop_stubs.py: nothing generated is committed; every run calls grpc_tools.protoc on
the repository's own Protos/kv.proto, so the Python client speaks exactly our API.
"""

import atexit
import importlib
import os
import shutil
import sys
import tempfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PROTO_DIR = os.path.join(REPO_ROOT, "Protos")
_out_dirs = []


def cleanup():
    """Removes the generated stubs now (for callers that leave with os._exit, which skips
    atexit handlers)."""
    while _out_dirs:
        shutil.rmtree(_out_dirs.pop(), ignore_errors=True)


def load():
    """Returns (kv_pb2, kv_pb2_grpc), generated into a temporary directory that is removed
    when the process exits."""
    from grpc_tools import protoc  # imported lazily so --help works without grpcio-tools

    out_dir = tempfile.mkdtemp(prefix="skv-kv-stubs-")
    _out_dirs.append(out_dir)
    atexit.register(cleanup)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        os.path.join(PROTO_DIR, "kv.proto"),
    ]
    if protoc.main(args) != 0:
        raise SystemExit(f"grpc_tools.protoc failed for kv.proto in {PROTO_DIR}")
    sys.path.insert(0, out_dir)
    return importlib.import_module("kv_pb2"), importlib.import_module("kv_pb2_grpc")
