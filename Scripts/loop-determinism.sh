#!/usr/bin/env bash
# Runs the virtual-time determinism tests (`swift test --filter Determinism`: each Lab 2 body
# twice with one seed, records compared) N times in a row, stopping at the first failing run.
# Every run gets its own seed, printed before it starts: the SEED arguments in order, then
# fresh random ones; with RAFT_LAB_SEED set, every run replays that seed. Ends with
# "K of N runs passed" (exit 0 only if K = N). Builds the tests once first unless SKIP_BUILD=1.
# FILTER overrides the test filter (default Determinism); each run is bounded by
# RUN_TIMEOUT seconds (default 600).
# Usage: Scripts/loop-determinism.sh N [SEED ...]
#   e.g. Scripts/loop-determinism.sh 100 14869677893166014144
#        RAFT_LAB_SEED=14869677893166014144 Scripts/loop-determinism.sh 20
set -u
if [ $# -lt 1 ] || ! [[ "$1" =~ ^[1-9][0-9]*$ ]]; then
  echo "Usage: $0 numRuns [seed ...]" >&2
  exit 1
fi
runs="$1"
shift
seeds=("$@")
for seed in "${seeds[@]}" ${RAFT_LAB_SEED:+"$RAFT_LAB_SEED"}; do
  if ! [[ "$seed" =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: seed '$seed' is not a positive decimal integer" >&2
    exit 1
  fi
done
root="$(cd "$(dirname "$0")/.." && pwd)"
filter="${FILTER:-Determinism}"
run_timeout="${RUN_TIMEOUT:-600}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$root" && swift build --build-tests >/dev/null) || { echo "build failed"; exit 1; }
fi

fresh_seed() {
  local seed=0
  while [ "$seed" = 0 ]; do
    seed="$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')"
  done
  echo "$seed"
}

log="$(mktemp "${TMPDIR:-/tmp}/skv-loop-determinism.XXXXXX")"
trap 'rm -f "$log"' EXIT
passed=0
for i in $(seq 1 "$runs"); do
  if [ -n "${RAFT_LAB_SEED:-}" ]; then
    seed="$RAFT_LAB_SEED"
  elif [ "$i" -le "${#seeds[@]}" ]; then
    seed="${seeds[$((i - 1))]}"
  else
    seed="$(fresh_seed)"
  fi
  start=$SECONDS
  if (cd "$root" && RAFT_LAB_SEED="$seed" timeout -k 5s "${run_timeout}s" \
    swift test --skip-build --disable-xctest --filter "$filter") > "$log" 2>&1 \
    && grep -q 'Test run with .* passed' "$log"; then
    passed=$((passed + 1))
    echo "run $i of $runs: seed $seed passed ($((SECONDS - start)) s)"
  else
    grep -E 'virtual run|✘|error|failed' "$log" | tail -40
    echo "run $i of $runs: seed $seed FAILED ($((SECONDS - start)) s); replay with" \
      "RAFT_LAB_SEED=$seed swift test --skip-build --disable-xctest --filter '$filter'"
    echo "$passed of $runs runs passed"
    exit 1
  fi
done
echo "$passed of $runs runs passed"
