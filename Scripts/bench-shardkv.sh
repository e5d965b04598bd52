#!/usr/bin/env bash
# ShardKV benchmark, in one run on loopback (release build, data directories on BENCH_TMPDIR):
#
# 1. The sharding layer's overhead: one group of `skv kv serve` against one group of
#    `skv shard serve` (behind 3 controllers), loaded one at a time by the same client load —
#    the bench commands' mixed workload (50 % get, 20 % put, 25 % append, 5 % delete on KEYS keys
#    spread over every shard, CLIENTS concurrent clerks, DURATION seconds): `skv kv bench`
#    against `skv shard bench`, alternating, ROUNDS times each (the machine is shared: each row
#    gives the median run). Reports ops/s, p50/p99 and the ratio (target >= 0.9).
# 2. Throughput with 1, 2 and 3 groups at that same client load, ROUNDS runs each (groups join
#    one by one; shards migrate before each row). On a 2-core machine every group shares the
#    same cores, so this shows the overhead of more groups, not scale-out: ops/s per group is
#    reported too.
# 3. Stalls while a shard moves under load (3 groups): `skv shard bench --stall-report` for
#    STALL_SECONDS, once in steady state and once with `skv ctrler move` of one shard at half
#    time. For the moving shard and for the unaffected ones (worst of them): the longest
#    operation and the longest gap between completed operations on the shard (targets:
#    unaffected no worse than steady state, moving shard < 1 s).
# Every bench also checks its history for linearizability. Next to ops/s, each row gives the
# servers' CPU time per operation (controllers included for ShardKV), which depends much less on
# the other load of a shared machine than ops/s does.
#
# Environment: DURATION (seconds per throughput run, default 8), ROUNDS (runs per row, default
#   3), CLIENTS (default 8), KEYS (default 20), STALL_SECONDS (default 12), SKV_BIN (a prebuilt
#   release skv; otherwise built here), BENCH_TMPDIR (default /tmp). Takes about 3 minutes with
#   the defaults.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/shardkv.sh
duration="${DURATION:-8}"
rounds="${ROUNDS:-3}"
clients="${CLIENTS:-8}"
keys="${KEYS:-20}"
stall_seconds="${STALL_SECONDS:-12}"
say() { echo "bench-shardkv: $*" >&2; }

if [ -z "${SKV_BIN:-}" ]; then
  say "building skv (release)"
  swift build -c release --product skv >&2
  SKV_BIN="$(swift build -c release --show-bin-path)/skv"
fi
skv="$SKV_BIN"
[ -x "$skv" ] || { say "no skv binary at $skv"; exit 1; }

work="$(mktemp -d "${BENCH_TMPDIR:-/tmp}/skv-bench-shardkv.XXXXXX")"
kv_pids=("" "" "")
service_pids=() # the servers of the service a bench loads (for its CPU time)
cleanup() {
  trap - EXIT INT TERM
  stop_pids "${kv_pids[@]}"
  stop_shard_cluster
  rm -rf "$work"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM
load="clients=$clients keys=$keys ${duration}s per run, median of $rounds runs"
say "data in $work ($(stat -f -c %T "$work")); load: $load; $(nproc) cores"

# field NAME FILE: the value of NAME=... on the bench's summary line.
field() { sed -n "s|^summary: .* $1=\([^ ]*\).*|\1|p" "$2"; }
verdict() { sed -n 's/^summary: .*linearizable: \(.*\)$/\1/p' "$1"; }
rows=()
# median NAME: the output file of the median run (by ops/s) of $work/NAME.*.out.
median() {
  local f
  for f in "$work/$1".*.out; do echo "$(field 'ops/s' "$f") $f"; done |
    sort -n | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }'
}
# row LABEL NAME GROUPS: a table row from the runs of NAME (the median run; every run's ops/s).
row() {
  local file ops all verdicts cpu
  file="$(median "$2")"
  ops="$(field 'ops/s' "$file")"
  all="$(for f in "$work/$2".*.out; do field 'ops/s' "$f"; done | paste -sd ' ')"
  verdicts="$(for f in "$work/$2".*.out; do verdict "$f"; done | sort | uniq -c |
    awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }')"
  per_group="$(awk -v o="$ops" -v g="$3" 'BEGIN { printf "%.1f", o / g }')"
  cpu="$(for f in "$work/$2".*.out; do sed -n 's/^cpu-us-per-op=//p' "$f"; done | sort -n |
    awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
  rows+=("| $1 | $ops | $per_group | $(field p50 "$file") | $(field p99 "$file") | $cpu | $all | $verdicts |")
}
# bench_run NAME ARGS...: runs a bench (progress to stderr), output in $work/NAME.out.
# The servers' CPU time (user + system) per operation is recorded too (in the output file, as
# `cpu-us-per-op=N`): unlike ops/s it hardly depends on what else the shared machine runs.
bench_run() {
  local name="$1" before after ops
  shift
  say "$name: $*"
  before="$(cpu_seconds "${service_pids[@]}")"
  "$skv" "$@" >"$work/$name.out" 2>&1 || { say "$name failed:"; tail -n 5 "$work/$name.out" >&2; }
  after="$(cpu_seconds "${service_pids[@]}")"
  ops="$(sed -n 's/^summary: ops=\([0-9]*\) .*/\1/p' "$work/$name.out")"
  awk -v b="$before" -v a="$after" -v o="${ops:-0}" \
    'BEGIN { printf "cpu-us-per-op=%.0f\n", (o > 0 ? (a - b) * 1e6 / o : 0) }' >>"$work/$name.out"
  grep -E '^(summary|cpu-us-per-op)' "$work/$name.out" | paste -sd ' ' >&2 || true
}
# cpu_seconds PID...: their user + system CPU time so far, in seconds.
cpu_seconds() {
  local pid total=0 ticks
  for pid in "$@"; do
    # Fields 14 and 15 of /proc/PID/stat (after the parenthesized command name).
    ticks="$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')" || ticks=0
    total=$((total + ${ticks:-0}))
  done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'
}

# --- 1. One KV group (started here, benched next to the 1-group ShardKV below) ---------------
kv_ports=($(free_ports 3))
kv_peers=()
kv_endpoints=""
for i in 1 2 3; do
  kv_peers+=(--peer "$i=127.0.0.1:${kv_ports[$((i - 1))]}")
  kv_endpoints+="${kv_endpoints:+,}$i=127.0.0.1:${kv_ports[$((i - 1))]}"
done
for i in 1 2 3; do
  "$skv" kv serve --id "$i" --listen "127.0.0.1:${kv_ports[$((i - 1))]}" "${kv_peers[@]}" \
    --data-dir "$work/kv$i" >"$work/kv$i.log" 2>&1 &
  kv_pids[$((i - 1))]=$!
  disown "$!"
done
deadline=$((SECONDS + 30))
until "$skv" kv status --endpoints "$kv_endpoints" --timeout 1 2>/dev/null | grep -q role=leader; do
  [ $SECONDS -ge $deadline ] && { say "the KV group has no leader after 30 s"; exit 1; }
  sleep 0.2
done
kv_bench() {
  service_pids=("${kv_pids[@]}")
  bench_run "kv.$1" kv bench --endpoints "$kv_endpoints" --duration "$duration" --clients "$clients" --keys "$keys"
}
shard_bench() {
  service_pids=("${shard_pids[@]}") # controllers and every group
  bench_run "shard$1.$2" shard bench --ctrlers "$(ctrler_list)" --duration "$duration" --clients "$clients" \
    --keys "$keys"
}

# --- 2. ShardKV with 1, 2, 3 groups (the 1-group rounds alternate with the KV group's) ----------
shard_cluster_ports 3
start_ctrlers
wait_for_ctrlers 30 || { show_shard_logs; exit 1; }
for g in 1 2 3; do
  start_group "$g"
  join_groups "$g" >&2
  wait_for_groups 30 $(seq "$g") || { show_shard_logs; exit 1; }
  sleep 2 # the shards that move to the new group arrive
  for r in $(seq "$rounds"); do
    if [ "$g" -eq 1 ]; then
      if [ $((r % 2)) -eq 1 ]; then kv_bench "$r"; shard_bench 1 "$r"; else shard_bench 1 "$r"; kv_bench "$r"; fi
    else
      shard_bench "$g" "$r"
    fi
  done
  if [ "$g" -eq 1 ]; then
    stop_pids "${kv_pids[@]}"
    kv_pids=("" "" "")
    row "skv kv, 1 group" kv 1
  fi
  row "skv shard, $g group$([ "$g" -gt 1 ] && echo s)" "shard$g" "$g"
done

# --- 3. Stalls during a shard move (3 groups) ---------------------------------------------------
service_pids=("${shard_pids[@]}")
bench_run steady shard bench --ctrlers "$(ctrler_list)" --duration "$stall_seconds" --clients "$clients" \
  --keys "$keys" --stall-report
map="$("$skv" ctrler query --ctrlers "$(ctrler_list)" --timeout 5 | sed -n 's/^shards: //p')"
moving=0
from="$(tr ' ' '\n' <<<"$map" | awk -F= -v s="$moving" '$1 == s { print $2 }')"
to=$((from % 3 + 1))
"$skv" shard bench --ctrlers "$(ctrler_list)" --duration "$stall_seconds" --clients "$clients" --keys "$keys" \
  --stall-report >"$work/move.out" 2>&1 &
bench_pid=$!
sleep $((stall_seconds / 2))
say "moving shard $moving from group $from to group $to under load"
"$skv" ctrler move --ctrlers "$(ctrler_list)" --timeout 5 "$moving" "$to" >&2
wait "$bench_pid" || say "the move bench exited with $?"
grep '^summary: ' "$work/move.out" >&2 || true
# stall_figures FILE: "moving-latency moving-gap unaffected-latency unaffected-gap" (ms).
stall_figures() {
  awk -v s="$moving" '/^stall: / {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      lat = v["max-latency"] + 0; gap = v["max-gap"] + 0
      if (v["shard"] == s) { ml = lat; mg = gap } else { if (lat > ul) ul = lat; if (gap > ug) ug = gap }
    } END { printf "%.1f | %.1f | %.1f | %.1f", ml, mg, ul, ug }' "$1"
}

# --- Tables -------------------------------------------------------------------------------------
# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", (b > 0 ? a / b : 0) }'; }
kv_rate="$(field 'ops/s' "$(median kv)")"
shard_rate="$(field 'ops/s' "$(median shard1)")"
round_ratios="$(for r in $(seq "$rounds"); do
  ratio "$(field 'ops/s' "$work/shard1.$r.out")" "$(field 'ops/s' "$work/kv.$r.out")"
done | paste -sd ' ')"
echo
echo "Throughput ($load; mixed 50/20/25/5 get/put/append/delete; release; $(nproc) cores)"
echo
echo "| service | ops/s (median) | ops/s per group | p50 | p99 | server CPU µs/op (median) | every run's ops/s |" \
  "linearizable |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "ShardKV / KV, one group each: $(ratio "$shard_rate" "$kv_rate")x of the medians (target >= 0.9);" \
  "per round: $round_ratios"
echo
echo "Stalls ($clients clients, ${stall_seconds}s, 3 groups; shard $moving moved from group $from to $to" \
  "at half time; ms)"
echo
echo "| run | shard $moving longest op | shard $moving longest gap | other shards longest op |" \
  "other shards longest gap | ops/s | linearizable |"
echo "|---|---|---|---|---|---|---|"
stall_row() { echo "| $1 | $(stall_figures "$2") | $(field 'ops/s' "$2") | $(verdict "$2") |"; }
stall_row "steady state" "$work/steady.out"
stall_row "shard $moving moving" "$work/move.out"
