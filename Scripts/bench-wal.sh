#!/usr/bin/env bash
# Builds WALBench in release mode and runs it: first the disk probe (a 512-byte pwrite +
# fdatasync into a growing, a fallocated and a zero-filled file, p50/p90/p99 side by side:
# what preallocated WAL segments save), then the WAL itself: 1 KiB records, batches of
# 1/16/64, one sync per batch, with the append+sync latency per batch. Extra arguments go to
# the benchmark (--records N, --probe-writes N, --probe-only, --no-probe, --dir PATH).
# The scratch directory must be on the disk you care about: the default is a directory under
# .build (tmpfs would measure nothing; check with df).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product wal-bench >/dev/null
scratch=.build/wal-bench-scratch
mkdir -p "$scratch"
df -h "$scratch" | tail -1 | awk '{print "# scratch on " $1 " mounted at " $6}'
uptime | sed 's/^/# /'
exec .build/release/wal-bench --dir "$scratch" "$@"
