#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test suite of swift-skv:
# generated-code check, `swift test` (unit, in-process and loopback tests), gRPC interop
# against Python grpcio in both directions, and the 6.824 Lab 1 MapReduce tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
Scripts/bootstrap.sh
Scripts/verify-protos.sh
swift build --build-tests
swift test --skip-build
Scripts/interop.sh
Scripts/test-mr.sh
