#!/usr/bin/env bash
# Runs Scripts/test-mr.sh N times (the lab's test-mr-many.sh), each trial under a 900 s
# timeout, stopping at the first failing trial. Builds once first (CONFIG=release honoured).
# Usage: Scripts/test-mr-many.sh N
set -u
if [ $# -ne 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "Usage: $0 numTrials" >&2
  exit 1
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
config="${CONFIG:-debug}"
for product in mrcoordinator mrworker mrsequential; do
  (cd "$root" && swift build -c "$config" --product "$product" >/dev/null) || { echo "build of $product failed"; exit 1; }
done
for i in $(seq 1 "$1"); do
  echo "*** Trial $i of $1"
  log="$(mktemp "${TMPDIR:-/tmp}/skv-test-mr-trial.XXXXXX")"
  if ! SKIP_BUILD=1 CONFIG="$config" timeout -k 2s 900s "$root/Scripts/test-mr.sh" > "$log" 2>&1 || ! grep -q 'PASSED ALL TESTS' "$log"; then
    cat "$log"
    rm -f "$log"
    echo "*** FAILED TESTS IN TRIAL $i"
    exit 1
  fi
  rm -f "$log"
done
echo "*** PASSED ALL $1 TESTING TRIALS"
