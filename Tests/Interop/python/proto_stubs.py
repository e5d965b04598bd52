"""Generates Python gRPC stubs from .proto files into a temporary directory (shared by the
interop peers and Benchmarks/KV/kvbench.py).

Nothing generated is committed: each run calls grpc_tools.protoc on the repository's own
protos, so the Python side always speaks exactly our API.
"""

import atexit
import importlib
import os
import re
import shutil
import sys
import tempfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PROTO_DIR = os.path.join(REPO_ROOT, "Protos")
_out_dirs = []


def cleanup():
    """Removes the generated stubs now (for callers that leave with os._exit, which skips
    atexit handlers); also registered to run at exit."""
    while _out_dirs:
        shutil.rmtree(_out_dirs.pop(), ignore_errors=True)


def _with_imports(sources):
    """`sources` preceded by the protos they import (`import "x.proto";` found in the same
    include directory, recursively), each once: e.g. kv.proto brings rsm.proto, whose
    skv.rsm.Session and LeaderHint it uses."""
    ordered = []

    def visit(include, proto):
        if (include, proto) in ordered:
            return
        with open(os.path.join(include, proto)) as f:
            for imported in re.findall(r'^import\s+"([^"]+)"\s*;', f.read(), re.MULTILINE):
                if os.path.exists(os.path.join(include, imported)):
                    visit(include, imported)
        ordered.append((include, proto))

    for include, proto in sources:
        visit(include, proto)
    return ordered


def load(sources, modules, prefix):
    """Generates stubs for `sources`, a list of (include_dir, proto_file) pairs, and the protos
    they import, into a new temporary directory (removed at exit), puts it on sys.path and
    returns the imported `modules` in order."""
    from grpc_tools import protoc  # imported lazily so --help works without grpcio-tools

    out_dir = tempfile.mkdtemp(prefix=prefix)
    _out_dirs.append(out_dir)
    atexit.register(cleanup)
    for include, proto in _with_imports(sources):
        args = [
            "grpc_tools.protoc",
            f"-I{include}",
            f"--python_out={out_dir}",
            f"--grpc_python_out={out_dir}",
            os.path.join(include, proto),
        ]
        if protoc.main(args) != 0:
            raise SystemExit(f"grpc_tools.protoc failed for {proto} in {include}")
    sys.path.insert(0, out_dir)
    return tuple(importlib.import_module(m) for m in modules)
