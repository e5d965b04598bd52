"""Build hook of the skv-client package: the gRPC stubs are generated from the repository's
Protos/ when the package is built (nothing generated is committed), so the client always speaks
exactly the API of the daemons built from the same checkout.

Where the .proto files are read from, first found wins: $SKV_PROTOS_DIR, protos/ beside this
file (a source distribution carries a copy there), ../../Protos (a checkout of swift-skv).

The stubs go into skv_client/_proto/ of the build; their flat imports (`import rsm_pb2`,
as protoc writes them for `import "rsm.proto";`) are rewritten to package-relative ones.
The runtime requirements are the grpcio and protobuf ranges the grpcio-tools that generated
the stubs asks for (its gencode checks them at import time).
"""

import importlib.metadata
import os
import re
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
# The public API (and rsm.proto, which defines the Session and LeaderHint it uses).
PROTOS = ("rsm.proto", "kv.proto", "shardctrler.proto", "shardkv.proto")
PACKAGE = "skv_client"
GENERATED_PACKAGE = "_proto"


def protos_dir():
    candidates = [
        os.environ.get("SKV_PROTOS_DIR"),
        os.path.join(HERE, "protos"),
        os.path.join(HERE, "..", "..", "Protos"),
    ]
    for candidate in filter(None, candidates):
        if all(os.path.isfile(os.path.join(candidate, proto)) for proto in PROTOS):
            return os.path.abspath(candidate)
    raise SystemExit(
        "skv-client: cannot find " + ", ".join(PROTOS) + " (looked in $SKV_PROTOS_DIR, ./protos and ../../Protos); "
        "build from a swift-skv checkout or set SKV_PROTOS_DIR"
    )


def generate_stubs(out_dir):
    """Runs grpc_tools.protoc on PROTOS into out_dir (a package) and makes their imports relative."""
    from grpc_tools import protoc  # a build requirement (pyproject.toml)

    include = protos_dir()
    os.makedirs(out_dir, exist_ok=True)
    well_known = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    args = ["grpc_tools.protoc", f"-I{include}", f"-I{well_known}"]
    args += [f"--python_out={out_dir}", f"--grpc_python_out={out_dir}"]
    if protoc.main(args + [os.path.join(include, proto) for proto in PROTOS]) != 0:
        raise SystemExit(f"skv-client: grpc_tools.protoc failed on {', '.join(PROTOS)} in {include}")
    modules = {proto[: -len(".proto")] + "_pb2" for proto in PROTOS}
    for name in os.listdir(out_dir):
        if not name.endswith(".py"):
            continue
        path = os.path.join(out_dir, name)
        with open(path) as f:
            text = f.read()
        text = re.sub(
            r"^import (\w+_pb2) as ",
            lambda m: f"from . import {m.group(1)} as " if m.group(1) in modules else m.group(0),
            text,
            flags=re.MULTILINE,
        )
        with open(path, "w") as f:
            f.write(text)
    with open(os.path.join(out_dir, "__init__.py"), "w") as f:
        f.write(f'"""gRPC stubs generated from {", ".join(PROTOS)} when skv-client was built."""\n')


class BuildPyWithStubs(build_py):
    """build_py that also generates skv_client/_proto into the build directory."""

    def run(self):
        super().run()
        generate_stubs(os.path.join(self.build_lib, PACKAGE, GENERATED_PACKAGE))

    def get_outputs(self, include_bytecode=True):
        # Editable installs and wheels list what build_py produced.
        outputs = super().get_outputs(include_bytecode)
        generated = os.path.join(self.build_lib, PACKAGE, GENERATED_PACKAGE)
        if os.path.isdir(generated):
            outputs += [os.path.join(generated, n) for n in os.listdir(generated) if n.endswith(".py")]
        return outputs


class SdistWithProtos(sdist):
    """sdist that carries a copy of the .proto files in protos/ (a build from it has no ../../Protos)."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        source = protos_dir()
        target = os.path.join(base_dir, "protos")
        os.makedirs(target, exist_ok=True)
        for proto in PROTOS:
            shutil.copy(os.path.join(source, proto), target)


def runtime_requirements():
    """grpcio and protobuf as the installed grpcio-tools requires them (its gencode's runtime)."""
    wanted = ("grpcio", "protobuf")
    requirements = [
        r.split(";")[0].strip()
        for r in importlib.metadata.requires("grpcio-tools") or []
        if re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() in wanted
    ]
    return requirements or list(wanted)


setup(
    cmdclass={"build_py": BuildPyWithStubs, "sdist": SdistWithProtos},
    install_requires=runtime_requirements(),
)
