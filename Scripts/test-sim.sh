#!/usr/bin/env bash
# CI step of the whole-stack deterministic simulation (run by Scripts/test.sh after the build):
# 1. the Lab 3 and Lab 4B suites in virtual time (Lab3Virtual, Lab4BVirtual: the lab bodies,
#    their determinism checks and their Nemesis tests; Lab4AVirtual runs in the parallel step),
#    apart from the real-time Lab 3 / Lab 4B steps, whose timing they would disturb;
# 2. a bounded seed sweep (Scripts/sim-sweep.sh) of both Nemesis tests (random partitions,
#    crashes, power losses that drop unsynced writes, unreliable delivery; shard moves) over
#    SIM_SEEDS (default 1..3), which prints "N of M sim sweep cases passed".
# About 3 minutes on 2 cores. Exits non-zero if anything failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
status=0
timeout 900 swift test --skip-build --disable-xctest --filter 'Lab3Virtual|Lab4BVirtual' || status=1
SKIP_BUILD=1 Scripts/sim-sweep.sh --seeds "${SIM_SEEDS:-1..3}" --suites lab3,lab4b --tests randomFaults \
  --timeout 600 || status=1
exit "$status"
