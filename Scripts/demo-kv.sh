#!/usr/bin/env bash
# The single-group demo (the main demo, Scripts/demo.sh, is the sharded one): a 3-node
# swift-skv KV cluster on loopback. Installs dependencies, builds `skv`,
# starts three `skv kv serve` daemons (data directories in a temporary directory), runs a
# bounded mixed workload (`skv kv bench`, DURATION seconds, default 30) with a progress line
# per second, kills the leader with SIGKILL midway and restarts it from its data directory,
# then prints the summary (ops, ops/s, p50/p99, leader changes, linearizable: yes/no) and a
# final status. Ctrl-C stops everything. Exit status: the workload's (0 = linearizable).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
Scripts/bootstrap.sh
swift build --product skv
skv="$(swift build --show-bin-path)/skv"
duration="${DURATION:-30}"

work="$(mktemp -d)"
pids=("" "" "")
bench_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null || true
  stop_pids "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "demo: interrupted"; exit 130' INT TERM

# Three free loopback ports.
ports=($(free_ports 3))
peers=()
endpoints=""
for i in 1 2 3; do
  peers+=(--peer "$i=127.0.0.1:${ports[$((i - 1))]}")
  endpoints+="${endpoints:+,}127.0.0.1:${ports[$((i - 1))]}"
done

start_node() {
  local i="$1"
  "$skv" kv serve --id "$i" --listen "127.0.0.1:${ports[$((i - 1))]}" "${peers[@]}" \
    --data-dir "$work/node$i" --max-raft-state 1048576 >>"$work/node$i.log" 2>&1 &
  pids[$((i - 1))]=$!
}

for i in 1 2 3; do start_node "$i"; done
echo "demo: 3 nodes on $endpoints (data and logs in $work)"
"$skv" kv status --endpoints "$endpoints" --timeout 10 >/dev/null || true
sleep 1
"$skv" kv status --endpoints "$endpoints" --timeout 5 || true

"$skv" kv bench --endpoints "$endpoints" --duration "$duration" &
bench_pid=$!

sleep $((duration / 2))
leader="$("$skv" kv status --endpoints "$endpoints" --timeout 2 | sed -n 's/.* id=\([0-9]*\) .*role=leader.*/\1/p' | head -1 || true)"
if [ -n "$leader" ]; then
  echo "demo: kill -9 the leader, node $leader (pid ${pids[$((leader - 1))]})"
  kill -KILL "${pids[$((leader - 1))]}"
  wait "${pids[$((leader - 1))]}" 2>/dev/null || true
  sleep 2
  echo "demo: restarting node $leader from $work/node$leader"
  start_node "$leader"
else
  echo "demo: no leader found midway; not killing anyone"
fi

status=0
wait "$bench_pid" || status=$?
bench_pid=""
"$skv" kv status --endpoints "$endpoints" --timeout 5 || true
echo "demo: done (workload exit status $status)"
exit "$status"
