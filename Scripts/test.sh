#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test suite of swift-skv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
Scripts/bootstrap.sh
Scripts/verify-protos.sh
swift build --build-tests
swift test --skip-build
