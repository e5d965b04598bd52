#!/usr/bin/env bash
# Builds RaftBench in release mode and runs it: three replicas with DiskRaftStore (fsync on)
# over RPCInProcess and over loopback HTTP/2, 1 KiB commands from 1 and 64 concurrent
# proposers, 5 s each. Prints commits/s, p50/p99 commit latency (propose -> applied on the
# leader) and fsyncs per commit (all replicas). Extra arguments go to the benchmark
# (--seconds S, --proposers N..., --transports inprocess http2, --payload-bytes B, --dir PATH).
# The scratch directory should be on the disk you care about (default $TMPDIR or /tmp; check
# with df that it is not tmpfs, where fsync is free).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product raft-bench >/dev/null
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), scratch on $(df -P "${TMPDIR:-/tmp}" | awk 'NR==2 {print $1}')"
exec .build/release/raft-bench "$@"
