#!/usr/bin/env bash
# Wall time of the `wc` job over the eight Project Gutenberg books: mrsequential, then the
# distributed job with 1, 2 and 4 worker processes (one coordinator, release build, loopback
# TCP). Each configuration runs REPS times (default 3); the table shows the median and the
# speed-up over mrsequential. The distributed time runs from starting the workers until the
# last one exits (workers exit as soon as the coordinator reports the job done); the
# coordinator's start-up is excluded. Every distributed output is checked against the
# sequential one.
# SCALE=k makes each input k concatenated copies of its book (same eight files, k times the
# work), to see the speed-up once per-job overheads (process start, polling, 18 task
# hand-overs) no longer dominate a job that takes ~0.2 s of CPU at SCALE=1.
# Usage: Scripts/bench-mr.sh   (REPS=5, SCALE=8, CONFIG=debug also accepted)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config="${CONFIG:-release}"
reps="${REPS:-3}"
scale="${SCALE:-1}"
for product in mrcoordinator mrworker mrsequential; do
  (cd "$root" && swift build -c "$config" --product "$product" >/dev/null)
done
bin="$(cd "$root" && swift build -c "$config" --show-bin-path)"
export LC_ALL=C
work="$(mktemp -d "${TMPDIR:-/tmp}/skv-bench-mr.XXXXXX")"
trap 'rm -rf "$work"' EXIT
for book in "$root"/Tests/Fixtures/mapreduce/pg-*.txt; do
  for _ in $(seq 1 "$scale"); do cat "$book" >> "$work/$(basename "$book")"; done
done
mkdir "$work/run"
cd "$work/run"
endpoint="$work/coordinator-endpoint"

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

sequential_run() {
  rm -f mr-*
  local t0 t1
  t0=$(now)
  "$bin/mrsequential" wc ../pg-*.txt
  t1=$(now)
  awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.3f\n", a - b }'
}

distributed_run() {
  local workers=$1 t0 t1 pids=()
  rm -f mr-* "$endpoint"
  "$bin/mrcoordinator" --listen 127.0.0.1:0 --endpoint-file "$endpoint" ../pg-*.txt >/dev/null &
  local coordinator=$!
  until [ -s "$endpoint" ]; do sleep 0.05; done
  local address
  address="$(cat "$endpoint")"
  t0=$(now)
  for _ in $(seq 1 "$workers"); do
    "$bin/mrworker" --coordinator "$address" wc &
    pids+=($!)
  done
  wait "${pids[@]}"
  t1=$(now)
  wait $coordinator
  sort mr-out-* | grep . > ../distributed.txt
  cmp -s ../distributed.txt ../expected.txt || { echo "distributed output differs from mrsequential" >&2; exit 1; }
  awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.3f\n", a - b }'
}

"$bin/mrsequential" wc ../pg-*.txt
sort mr-out-0 > ../expected.txt

declare -A seconds
seconds[seq]=$(for _ in $(seq 1 "$reps"); do sequential_run; done | median)
for workers in 1 2 4; do
  seconds[$workers]=$(for _ in $(seq 1 "$reps"); do distributed_run "$workers"; done | median)
done

echo
echo "wc over 8 books x$scale ($(du -ch ../pg-*.txt | tail -1 | cut -f1)), $config build, $(nproc) cores, median of $reps, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-14s | %8s | %8s |\n' "run" "wall (s)" "speed-up"
printf '|%s|%s|%s|\n' "----------------" "----------" "----------"
printf '| %-14s | %8.2f | %7.2fx |\n' "mrsequential" "${seconds[seq]}" 1
for workers in 1 2 4; do
  label="$workers worker$([ "$workers" = 1 ] || echo s)"
  printf '| %-14s | %8.2f | %7.2fx |\n' "$label" "${seconds[$workers]}" "$(awk -v a="${seconds[seq]}" -v b="${seconds[$workers]}" 'BEGIN { printf "%.3f", a / b }')"
done
