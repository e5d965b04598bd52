#!/usr/bin/env bash
# A Python grpcio client of the sharded KV service against real daemons on loopback.
#
# Builds `skv`, starts 3 shard controllers (`skv ctrler serve`) and two replica groups of 3
# (`skv shard serve`; free ports, data directories in a temporary directory), joins both groups
# with `skv ctrler join`, and runs Tests/Interop/python/shardkv_client.py: its stubs are
# generated from Protos/shardkv.proto and shardctrler.proto at run time; it routes by itself
# (ShardCtrler/Query, key2shard = first byte mod 10), re-queries on OUTCOME_WRONG_GROUP, tries
# the next server on OUTCOME_WRONG_LEADER, and does Put/Append/Get/Delete on keys in every
# shard, a missing key, exactly-once retries, direct WRONG_GROUP and WRONG_LEADER checks, a
# shard moved to the other group and back (ShardCtrler/Move) and every server's Status. Prints
# one PASS/FAIL line per case and "N of M shardkv python cases passed"; exits non-zero if a case
# failed or the daemons did not start.
#
# Environment: CONFIG=debug|release (default debug), WAIT_SECONDS (start-up, default 30),
#              CLIENT_TIMEOUT_SECONDS (whole client run, default 300).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/shardkv.sh
config="${CONFIG:-debug}"
wait_seconds="${WAIT_SECONDS:-30}"
client_timeout="${CLIENT_TIMEOUT_SECONDS:-300}"

python3 -c 'import grpc, grpc_tools' 2>/dev/null || { echo "test-shardkv-python: grpcio/grpcio-tools missing: run Scripts/bootstrap.sh" >&2; exit 1; }
echo "test-shardkv-python: building skv ($config)"
swift build -c "$config" --product skv
skv="$(swift build -c "$config" --show-bin-path)/skv"

work="$(mktemp -d)"
cleanup() {
  trap - EXIT INT TERM
  stop_shard_cluster
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "test-shardkv-python: interrupted" >&2; exit 130' INT TERM

shard_cluster_ports 2
start_ctrlers
start_group 1
start_group 2
echo "test-shardkv-python: controllers on $(ctrler_list); group 1 on $(group_list 1); group 2 on $(group_list 2)"
if ! { wait_for_ctrlers "$wait_seconds" && join_groups 1 2 && wait_for_groups "$wait_seconds" 1 2; }; then
  echo "test-shardkv-python: the service did not start" >&2
  show_shard_logs 20
  exit 1
fi

status=0
timeout "$client_timeout" python3 Tests/Interop/python/shardkv_client.py --ctrlers "$(ctrler_list)" || status=$?
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 124 ] && echo "test-shardkv-python: the client did not finish within ${client_timeout}s" >&2
  show_shard_logs 20
fi
exit "$status"
