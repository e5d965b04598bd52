#!/usr/bin/env bash
# Soak (not in CI): a 3-node `skv kv` group, each daemon in its own network namespace, under
# sustained load with a fault every few seconds (partitions, one-way and probabilistic loss,
# SIGSTOP pauses; SKV_SOAK_KILLS=1 adds kill -9) for the given time; prints every daemon's RSS
# and open fds at the start (after a 20-s warm-up), after each fault and at the end, checks
# their growth against a bound, scans the daemons' logs for error/critical/fatal lines, and runs
# the partition checks (linearizable history, no acknowledged write lost, convergence, service
# after every heal). Needs root and a built package (`swift build --build-tests`).
#   Scripts/soak.sh [seconds]        (default 600; SKV_PARTITION_SEED=<seed> replays the schedule)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
if [ "$(id -u)" -ne 0 ]; then
  echo "soak: needs root (network namespaces and nft rules)" >&2
  exit 1
fi
SKV_SOAK_SECONDS="$seconds" timeout $((seconds + 900)) \
  swift test --skip-build --disable-xctest --filter 'PartitionTests/soakKeepsResourcesBoundedUnderFaults'
