#!/usr/bin/env bash
# Builds WALBench in release mode and runs it: 1 KiB records, batches of 1/16/64, one sync per
# batch. Extra arguments go to the benchmark (--records N, --dir PATH). The scratch directory
# should be on the disk you care about (default /tmp, which may be tmpfs: check with df).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product wal-bench >/dev/null
exec .build/release/wal-bench "$@"
