#!/usr/bin/env bash
# The main demo: swift-skv's sharded KV service on loopback. Installs dependencies, builds
# `skv` (release), starts 3 shard controllers (`skv ctrler serve`) and two replica groups of 3
# (`skv shard serve`), joins both groups, then runs a bounded mixed workload over every shard
# (`skv shard bench`, DURATION seconds, default 30) with a progress line per second. Meanwhile
# a third group starts and joins (shards migrate to it), one shard is moved by hand
# (`skv ctrler move`), and group 1's leader is killed with SIGKILL and restarted from its data
# directory. The summary prints ops, ops/s, p50/p99, the shard map before and after, leader
# changes and whether the recorded history is linearizable. Ctrl-C stops everything; data
# directories and logs live in a temporary directory that is removed at exit (KEEP=1 keeps it).
# Exit status: the workload's (0 = linearizable). The single-group demo is Scripts/demo-kv.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/shardkv.sh
Scripts/bootstrap.sh
swift build -c release --product skv
skv="$(swift build -c release --show-bin-path)/skv"
duration="${DURATION:-30}"
[ "$duration" -ge 8 ] 2>/dev/null || { echo "demo: DURATION must be at least 8 (seconds)" >&2; exit 2; }

work="$(mktemp -d)"
bench_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null || true
  stop_shard_cluster
  if [ -n "${KEEP:-}" ]; then echo "demo: data and logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'echo "demo: interrupted"; exit 130' INT TERM
say() { echo "demo: $*"; }

shard_cluster_ports 3
start_ctrlers
start_group 1
start_group 2
say "3 controllers on $(ctrler_list); group 1 on $(group_list 1); group 2 on $(group_list 2)"
wait_for_ctrlers 30 || { show_shard_logs; exit 1; }
join_groups 1 2
wait_for_groups 30 1 2 || { show_shard_logs; exit 1; }
before="$(shard_map)"
say "shard map: $before"

# (Not a pipeline: $! is then the bench itself, which cleanup stops; a background command of a
# script ignores SIGINT, so Ctrl-C reaches it only that way.)
"$skv" shard bench --ctrlers "$(ctrler_list)" --duration "$duration" > >(tee "$work/bench.out") &
bench_pid=$!

# The events, at fixed fractions of the workload.
at() {
  sleep "$(awk -v d="$duration" -v f="$1" -v s="$SECONDS" -v t0="$t0" \
    'BEGIN { w = t0 + d * f - s; print (w > 0 ? w : 0) }')"
}
t0=$SECONDS
at 0.25
say "group 3 starts on $(group_list 3) and joins"
start_group 3
join_groups 3 | sed 's/^/demo: /'
at 0.45
# The first shard group 1 serves.
shard="$("$skv" ctrler query --ctrlers "$(ctrler_list)" --timeout 5 | sed -n 's/^shards: //p' | tr ' ' '\n' |
  awk -F= '$2 == 1 { print $1; exit }')"
if [ -n "$shard" ]; then
  say "moving shard $shard from group 1 to group 2 by hand"
  "$skv" ctrler move --ctrlers "$(ctrler_list)" --timeout 5 "$shard" 2 | sed 's/^/demo: /' || true
else
  say "group 1 owns no shard; nothing to move"
fi
at 0.6
leader="$(group_leader 1)"
if [ -n "$leader" ]; then
  say "kill -9 group 1's leader, member $leader (pid ${shard_pids[g1n$leader]})"
  kill_member 1 "$leader"
  sleep 2
  say "restarting group 1 member $leader from $work/g1n$leader"
  start_member 1 "$leader"
else
  say "group 1 has no leader right now; not killing anyone"
fi

status=0
wait "$bench_pid" || status=$?
bench_pid=""
after="$(shard_map)"
echo
"$skv" shard status --ctrlers "$(ctrler_list)" --timeout 5 || true
echo
say "summary"
echo "  shard map before: $before"
echo "  shard map after:  $after"
sed -n 's/^summary: /  workload: /p' "$work/bench.out"
say "done (workload exit status $status)"
exit "$status"
