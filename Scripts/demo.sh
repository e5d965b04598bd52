#!/usr/bin/env bash
# The main demo. Installs dependencies, builds, and shows the RPC framework at work: starts
# `skv-rpc-interop server` on loopback, runs the standard gRPC interop cases against it from
# both our own client and a stock Python grpcio client, then shuts the server down with SIGTERM.
# (Once the KV service lands, this demo becomes a 3-node KV cluster serving a workload.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
Scripts/bootstrap.sh
swift build --product skv-rpc-interop
Scripts/interop.sh python-client swift-client
