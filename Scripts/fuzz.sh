#!/usr/bin/env bash
# Builds the fuzz targets (Fuzz/SKVFuzz) with libFuzzer and AddressSanitizer and runs every
# target for a bounded time, printing per-target executions and crashes.
#
#   Scripts/fuzz.sh [seconds-per-target] [target...]     (default: 30 s, every target)
#
# Targets: raft-wire kv-wire shardctrler-wire shardkv-wire rsm-wire mapreduce-wire (protobuf-c
# decoders and state-machine snapshots), http2-server and http2-client (the gRPC HTTP/2 input paths),
# storage (DiskRaftStore recovery over arbitrary WAL, snapshot and hard-state files), raft-node (a
# sans-I/O RaftNode stepped through arbitrary messages, ticks, requests and Ready cycles, with
# Raft's invariants checked after each step).
# Seeds: real messages written by the plain build (`SKVFuzz seeds`), plus the committed
# regression inputs under Tests/Fixtures/fuzz/<target>/. The corpus grows in
# .build-fuzz/corpus/<target> across runs; crash inputs land in .build-fuzz/crashes/<target>/
# and replay with `.build/debug/SKVFuzz replay <target> <file>`. Exits non-zero on a crash.
# libFuzzer and the sanitizer runtimes ship with the Swift toolchain (nothing to install).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
[ $# -gt 0 ] && shift
scratch=.build-fuzz

swift build --product SKVFuzz >/dev/null
plain="$(swift build --product SKVFuzz --show-bin-path)/SKVFuzz"
# -sanitize=fuzzer alone leaves the Swift code without coverage counters here (libFuzzer then
# reports about 1,300 counters, all from C, and its corpus never grows past one input: blind
# mutation); the explicit -sanitize-coverage makes every Swift module coverage-guided
# (about 55,000 counters).
fuzz_flags=(--scratch-path "$scratch" --sanitize=fuzzer --sanitize=address -Xswiftc -DSKV_FUZZING
  -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
swift build --product SKVFuzz "${fuzz_flags[@]}" >/dev/null
fuzzer="$(swift build --product SKVFuzz "${fuzz_flags[@]}" --show-bin-path)/SKVFuzz"

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <("$plain" list); fi
rm -rf "$scratch/seeds"
"$plain" seeds "$scratch/seeds"

total_runs=0
total_crashes=0
for target in "${targets[@]}"; do
  corpus="$scratch/corpus/$target"
  crashes="$scratch/crashes/$target"
  log="$scratch/logs/$target.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  inputs=("$corpus" "$scratch/seeds/$target")
  [ -d "Tests/Fixtures/fuzz/$target" ] && inputs+=("Tests/Fixtures/fuzz/$target")
  before="$(find "$crashes" -type f | wc -l)"
  status=0
  # SWIFT_BACKTRACE=enable=no: a Swift trap goes straight to libFuzzer (the runtime's backtracer
  # reads the stack in a way AddressSanitizer reports as an underflow).
  # -timeout: an input running longer than 10 s is a hang (reported like a crash);
  # -rss_limit_mb: more memory than that is a finding too (hostile lengths must be bounded).
  SWIFT_BACKTRACE=enable=no SKV_FUZZ_TARGET="$target" timeout $((seconds + 120)) "$fuzzer" "${inputs[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  found=$(( $(find "$crashes" -type f | wc -l) - before ))
  if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
  total_runs=$(( total_runs + ${runs:-0} ))
  total_crashes=$(( total_crashes + found ))
  seed="$(sed -n 's/^INFO: Seed: *//p' "$log" | head -1)"
  echo "fuzz $target: ${runs:-0} executions in ${seconds} s, $found crashes"
  echo "  (libFuzzer seed ${seed:-?}; log $log)"
  if [ "$found" -ne 0 ]; then
    grep -m 5 -E 'ERROR|Fatal error|fuzz oracle|deadly signal|Test unit written' "$log" | sed 's/^/  /' || true
  fi
done
echo "fuzz: ${#targets[@]} targets, $total_runs executions, $total_crashes crashes"
[ "$total_crashes" -eq 0 ]
