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

# One target's bounded run; writes "runs crashes" to $scratch/results/<target> and its report
# lines to $scratch/results/<target>.out.
fuzz_target() {
  local target="$1" corpus="$scratch/corpus/$1" crashes="$scratch/crashes/$1" log="$scratch/logs/$1.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  local inputs=("$corpus" "$scratch/seeds/$target")
  [ -d "Tests/Fixtures/fuzz/$target" ] && inputs+=("Tests/Fixtures/fuzz/$target")
  local before status=0 runs found seed
  before="$(find "$crashes" -type f | wc -l)"
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
  seed="$(sed -n 's/^INFO: Seed: *//p' "$log" | head -1)"
  echo "${runs:-0} $found" >"$scratch/results/$target"
  {
    echo "fuzz $target: ${runs:-0} executions in ${seconds} s, $found crashes"
    echo "  (libFuzzer seed ${seed:-?}; log $log)"
    if [ "$found" -ne 0 ]; then
      grep -m 5 -E 'ERROR|Fatal error|fuzz oracle|deadly signal|Test unit written' "$log" | sed 's/^/  /' || true
    fi
  } >"$scratch/results/$target.out"
}

# FUZZ_JOBS targets at a time (default: the number of cores, at most 4): each libFuzzer process
# is single-threaded, so on 2 cores two at a time give every target its seconds in half the
# wall time of one after another.
jobs="${FUZZ_JOBS:-$(nproc)}"
[ "$jobs" -gt 4 ] && jobs=4
rm -rf "$scratch/results"
mkdir -p "$scratch/results"
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_target "$target" &
done
wait
total_runs=0
total_crashes=0
for target in "${targets[@]}"; do
  if [ -f "$scratch/results/$target" ]; then
    read -r runs found <"$scratch/results/$target"
    cat "$scratch/results/$target.out"
  else
    runs=0 found=1
    echo "fuzz $target: no result (the run did not finish), 1 crashes"
  fi
  total_runs=$(( total_runs + runs ))
  total_crashes=$(( total_crashes + found ))
done
echo "fuzz: ${#targets[@]} targets, $total_runs executions, $total_crashes crashes"
[ "$total_crashes" -eq 0 ]
