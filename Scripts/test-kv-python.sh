#!/usr/bin/env bash
# A Python grpcio client of the KV API against a real 3-node cluster on loopback.
#
# Builds `skv`, starts three `skv kv serve` daemons (free ports, data directories in a
# temporary directory), and runs Tests/Interop/python/kv_client.py against them: its skv.kv
# stubs are generated from Protos/kv.proto at run time; it does Put/Get/Append/Delete/
# CompareAndSwap, a Get of a missing key, oversized values and keys, requests at a follower
# (OUTCOME_WRONG_LEADER with a leader hint), and finally kills the leader with SIGKILL while it
# keeps writing, then reads everything back. Prints one PASS/FAIL line per case and
# "N of M kv python cases passed"; exits non-zero if a case failed or the cluster did not start.
#
# Environment: CONFIG=debug|release (default debug), WAIT_SECONDS (daemon start, default 30),
#              CLIENT_TIMEOUT_SECONDS (whole client run, default 600).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
config="${CONFIG:-debug}"
wait_seconds="${WAIT_SECONDS:-30}"
client_timeout="${CLIENT_TIMEOUT_SECONDS:-600}"

python3 -c 'import grpc, grpc_tools' 2>/dev/null || { echo "test-kv-python: grpcio/grpcio-tools missing: run Scripts/bootstrap.sh" >&2; exit 1; }
echo "test-kv-python: building skv ($config)"
swift build -c "$config" --product skv
skv="$(swift build -c "$config" --show-bin-path)/skv"

work="$(mktemp -d)"
pids=("" "" "")
cleanup() {
  trap - EXIT INT TERM
  stop_pids "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "test-kv-python: interrupted" >&2; exit 130' INT TERM

ports=($(free_ports 3))
peers=()
endpoints=""
for i in 1 2 3; do
  peers+=(--peer "$i=127.0.0.1:${ports[$((i - 1))]}")
  endpoints+="${endpoints:+,}$i=127.0.0.1:${ports[$((i - 1))]}"
done
for i in 1 2 3; do
  "$skv" kv serve --id "$i" --listen "127.0.0.1:${ports[$((i - 1))]}" "${peers[@]}" \
    --data-dir "$work/node$i" >"$work/node$i.log" 2>&1 &
  pids[$((i - 1))]=$!
  # The client kills the leader with SIGKILL: no "Killed" job notice from bash for it. The
  # shell still reaps disowned children, so `kill -0` below sees them gone.
  disown "$!"
done
echo "test-kv-python: 3 nodes on $endpoints"

# Every daemon listens and one of them leads, within $wait_seconds.
deadline=$((SECONDS + wait_seconds))
while :; do
  for i in 1 2 3; do
    if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
      echo "test-kv-python: node $i exited during start-up:" >&2
      sed 's/^/  | /' "$work/node$i.log" >&2
      exit 1
    fi
  done
  status="$("$skv" kv status --endpoints "$endpoints" --timeout 1 2>/dev/null || true)"
  if [ "$(grep -c ' id=' <<<"$status")" -eq 3 ] && grep -q 'role=leader' <<<"$status"; then break; fi
  if [ $SECONDS -ge $deadline ]; then
    echo "test-kv-python: no 3-node cluster with a leader within ${wait_seconds}s; last status:" >&2
    sed 's/^/  | /' <<<"$status" >&2
    for i in 1 2 3; do echo "  node $i log:" >&2; tail -n 20 "$work/node$i.log" | sed 's/^/  | /' >&2; done
    exit 1
  fi
  sleep 0.2
done

status=0
timeout "$client_timeout" python3 Tests/Interop/python/kv_client.py --endpoints "$endpoints" \
  --pids "1=${pids[0]},2=${pids[1]},3=${pids[2]}" || status=$?
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 124 ] && echo "test-kv-python: the client did not finish within ${client_timeout}s" >&2
  for i in 1 2 3; do echo "  node $i log (last lines):" >&2; tail -n 20 "$work/node$i.log" | sed 's/^/  | /' >&2; done
fi
exit "$status"
