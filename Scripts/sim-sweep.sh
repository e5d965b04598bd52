#!/usr/bin/env bash
# Seed sweep of the whole-stack deterministic simulation: runs the virtual-time Lab 3, Lab 4A and
# Lab 4B test bodies (Lab3Virtual, Lab4AVirtual, Lab4BVirtual, including their Nemesis tests of
# random partitions, crashes, power losses, unreliable delivery and shard moves) once per seed
# of A..B, with random power losses that drop unsynced writes (--faults disk-crashes, the
# default; --faults none for the labs' process crashes only). Every run is a function of its
# seed. Prints one line per run (PASS/FAIL and the faults injected; a failure also prints the
# command that replays it exactly), then "N of M sim sweep cases passed"; exits 1 if any failed.
# The Nemesis tests run on the daemon's disk store (DiskRaftStore on a simulated disk whose power
# losses drop unsynced WAL pages, torn or out of order), the lab bodies on the labs' whole-state
# persister; --store disk|persister puts every body on one (LAB_SIM_STORE).
# Builds the tests first unless SKIP_BUILD=1.
# With --rotate, seed s runs only the selected body at s modulo their count (so seeds 0..N-1 run
# each of N bodies once, each with its own seed) instead of every selected body.
# Usage: Scripts/sim-sweep.sh --seeds A..B [--suites lab3,lab4a,lab4b] [--tests name,name]
#          [--rotate] [--faults disk-crashes|none] [--store disk|persister] [--timeout SECONDS-PER-SUITE]
#   e.g. Scripts/sim-sweep.sh --seeds 1..20 --tests randomFaults
set -u
seeds="" suites="lab3,lab4a,lab4b" tests="" faults="disk-crashes" suite_timeout=3600 rotate=0 store=
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="${2:-}"; shift 2 ;;
    --suites) suites="${2:-}"; shift 2 ;;
    --tests) tests="${2:-}"; shift 2 ;;
    --faults) faults="${2:-}"; shift 2 ;;
    --store) store="${2:-}"; shift 2 ;;
    --rotate) rotate=1; shift ;;
    --timeout) suite_timeout="${2:-}"; shift 2 ;;
    *) echo "$0: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if ! [[ "$seeds" =~ ^[0-9]+\.\.[0-9]+$ ]]; then
  echo "Usage: $0 --seeds A..B [--suites lab3,lab4a,lab4b] [--tests name,...] [--faults disk-crashes|none]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build --build-tests >/dev/null || { echo "sim-sweep: build failed"; exit 1; }
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$SECONDS
for suite in ${suites//,/ }; do
  case "$suite" in
    lab3) filter='Lab3Virtual/Sweep' ;;
    lab4a) filter='Lab4AVirtual/Sweep' ;;
    lab4b) filter='Lab4BVirtual/Sweep' ;;
    *) echo "$0: unknown suite '$suite' (lab3, lab4a, lab4b)" >&2; exit 2 ;;
  esac
  suite_log="$(mktemp)"
  LAB_SIM_SEEDS="$seeds" LAB_SIM_FAULTS="$faults" LAB_SIM_TESTS="$tests" LAB_SIM_ROTATE="$rotate" LAB_SIM_STORE="$store" \
    timeout "$suite_timeout" swift test --skip-build --disable-xctest --filter "$filter" 2>&1 \
    | grep --line-buffered -E '^sim-sweep: |^  replay: |virtual run still going' | tee "$suite_log" \
    | grep --line-buffered -v ': start; replay: '
  # A run that started but never ended crashed the process (a trap) or hit the timeout.
  last_start="$(grep ': start; replay: ' "$suite_log" | tail -1)"
  if [ -n "$last_start" ]; then
    case_name="${last_start%%: start; replay: *}"
    if ! grep -q -F "$case_name: PASS" "$suite_log" && ! grep -q -F "$case_name: FAIL" "$suite_log"; then
      echo "$case_name: FAIL: the test process crashed or timed out (later seeds of this suite did not run)" \
        | tee -a "$suite_log"
      echo "  replay: ${last_start#*: start; replay: }" | tee -a "$suite_log"
    fi
  fi
  cat "$suite_log" >> "$log"
  rm -f "$suite_log"
done
passed="$(grep -c '^sim-sweep: .* seed [0-9]*: PASS' "$log")"
failed="$(grep -c '^sim-sweep: .* seed [0-9]*: FAIL' "$log")"
echo "sim-sweep: seeds $seeds, suites $suites, tests ${tests:-all}, faults $faults, store ${store:-default}, $(( SECONDS - start )) s"
echo "$passed of $(( passed + failed )) sim sweep cases passed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
