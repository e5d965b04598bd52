#!/usr/bin/env bash
# A wiped follower's catch-up, ours only, repeated (bench-kv-scale.sh's step 5 without etcd and
# without the other steps): three `skv kv serve` members, KEYS keys loaded (16-byte keys,
# 100-byte values), then TRIALS times: stop a follower and delete its data directory, kill -9
# and restart the leader (so that the new leader knows nothing of the wiped member), start the
# wiped member empty and time until its applied index reaches the leader's (it catches up from
# the leader's snapshot, then the entries after it).
#
# A/B comparison of two builds in one loaded cluster: BIN_A and BIN_B start the wiped member
# in the order A B B A A B B A ... (every other member runs SKV_BIN). Not in CI (≈ 5 minutes at
# 1 M keys on a 2-core machine, most of it the load).
#
#   SKV_BIN=… Scripts/bench-kv-wipe.sh
#   SKV_BIN=new BIN_A=old BIN_B=new TRIALS=8 Scripts/bench-kv-wipe.sh
#
# Environment: KEYS (1000000), TRIALS (4), SKV_BIN (a prebuilt release skv; otherwise built
# here), BIN_A / BIN_B (default SKV_BIN), BENCH_TMPDIR (/var/tmp), KEEP=1 keeps the data and logs,
# TAIL_SECONDS=N adds N seconds of 64-KiB Puts after the load (a log tail behind the snapshot),
# TRACE=1 prints each change of the wiped member's applied and commit index and of its leader
# while it catches up; LOG_MS=1 starts the wiped member with --log-level debug and its log lines
# stamped to the millisecond as they arrive (ours<N>.log; with KEEP=1 to read it after).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/kvclusters.sh
say() { echo "bench-kv-wipe: $*" >&2; }
keys="${KEYS:-1000000}"
trials="${TRIALS:-4}"
kvscale="$root/Benchmarks/KV/kvscale.py"
kv_bench_skv_binary
bin_a="${BIN_A:-$SKV_BIN}"
bin_b="${BIN_B:-$SKV_BIN}"
work="$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/skv-bench-kv-wipe.XXXXXX")"
read -r -a ports <<<"$(free_ports 3)"
kv_ours_layout "${ports[@]}"
ours_pids=("" "" "" "")
cleanup() {
  stop_pids "${ours_pids[@]}"
  if [ -n "${KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
# The wiped member; with LOG_MS, at debug level and its log stamped to the ms.
start_wiped_member() {
  STAMP_LOG_MS="${LOG_MS:-}" BENCH_SKV_FLAGS="${BENCH_SKV_FLAGS:-}${LOG_MS:+ --log-level debug}" \
    start_ours_member "$1"
}
for i in 1 2 3; do ours_pids[i]="$(start_ours_member "$i")"; done
sleep 2
leader_index() { python3 "$root/Benchmarks/KV/kvbench.py" leader ours "$ours_endpoints" | cut -d' ' -f1; }
applied_of() {
  python3 "$kvscale" status ours "$ours_endpoints" |
    awk -v i="$1" '$1 == i && $2 != "down" { sub("applied=", "", $3); print $3 }'
}
say "loading $keys keys (skv $SKV_BIN)"
python3 "$kvscale" load ours "$ours_endpoints" --keys "$keys" --procs 2 --streams 64 >&2
if [ "${TAIL_SECONDS:-0}" != 0 ]; then
  # 64-KiB Puts (4 streams, one connection) after the load: the log behind the leader's
  # snapshot that a wiped member replays after installing it.
  python3 "$kvscale" bodies "$work/bodies" 65536
  h2load -c 1 -m 4 -D "$TAIL_SECONDS" -d "$work/bodies/ours-put-65536.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://127.0.0.1:${ours_ports[$(leader_index)]}/skv.kv.KV/Put" 2>&1 | grep -E "requests:" >&2
  sleep 3
  python3 "$kvscale" status ours "$ours_endpoints" >&2
fi
sleep 3
for t in $(seq "$trials"); do
  leader="$(leader_index)"
  f=$((leader % 3 + 1))
  stop_pids "${ours_pids[$f]}"
  rm -rf "${work:?}/ours$f"
  kill -KILL "${ours_pids[$leader]}"
  while kill -0 "${ours_pids[$leader]}" 2>/dev/null; do sleep 0.05; done
  ours_pids[leader]="$(start_ours_member "$leader")"
  sleep 1
  leader="$(leader_index)"
  target="$(applied_of "$leader")"
  case $((t % 4)) in 1 | 0) bin="$bin_a" ;; *) bin="$bin_b" ;; esac
  since="$(date +%s.%N)"
  ours_pids[f]="$(SKV_BIN="$bin" start_wiped_member "$f")"
  caught="$(python3 "$kvscale" wait-applied ours "127.0.0.1:${ours_ports[$f]}" "$target" --since "$since" \
    ${TRACE:+--trace} \
    --timeout 120)"
  rss="$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/${ours_pids[$f]}/status")"
  installed="$(grep "snapshot installed" "$work/ours$f.log" | tail -1 | grep -o " index=[0-9]*" || true)"
  echo "trial $t ($bin): member $f wiped, applied index $target after ${caught}s; RSS $rss MiB;" \
    "snapshot installed at${installed:- (none)}"
done
