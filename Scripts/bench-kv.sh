#!/usr/bin/env bash
# KV benchmark: swift-skv against etcd, side by side in one run, both as 3 members on loopback
# with fsync on (our DiskRaftStore fsyncs every Ready; etcd fsyncs its WAL by default, and
# --unsafe-no-fsync is not passed), data directories in one temporary directory on the same
# disk (refused on tmpfs, where fsync costs nothing).
#
# 1. Throughput: h2load sends one prepared gRPC request body (5-byte gRPC prefix + protobuf,
#    made by Benchmarks/KV/kvbench.py) to the leader of each system: Put of a 256-byte value
#    (ours: skv.kv.KV/Put without a session; etcd: etcdserverpb.KV/Put) and linearizable Get
#    (ours: skv.kv.KV/Get, Raft ReadIndex; etcd: etcdserverpb.KV/Range, serializable
#    false), at 1, 16, 64 and 256 concurrent streams. Streams are spread over min(N, 4) HTTP/2
#    connections (h2load -c min(N,4) -m N/c), identically for both. Each row: WARMUP_SECONDS of
#    warm-up, then DURATION seconds measured; ops/s from h2load, p50/p99 from its per-request
#    log. The two systems alternate which goes first per row; only one is loaded at a time.
#    h2load counts any HTTP 200 as success, even a gRPC error or an OUTCOME_WRONG_LEADER reply,
#    so every row is validated: one reply of each body is decoded with grpcio first (must be
#    OK / the 256-byte value); per row, the leader's write counter (ours: commit index; etcd:
#    store revision) must advance by the number of Puts h2load counted (at least the
#    acknowledged, at most the started) and not at all for reads, the leader and term must
#    not change, and the reply bytes per request must fit (ours Put: exactly 5, an empty
#    WriteReply, so no WRONG_LEADER/TIMEOUT reply; Get/Range: the 256-byte value). The warm-up
#    is a separate h2load run before the counters are read.
# 2. Steady state: 6 writers (kvbench.py writers) for STEADY_SECONDS, nothing killed: leader
#    and term changes (target: none) and the longest gap between acknowledged writes.
# 3. Failover: 6 writers for FAILOVER_SECONDS, kill -9 of the leader after KILL_AFTER seconds:
#    the longest gap between consecutive acknowledged writes (all writers together, with where
#    it lies relative to the kill), and each writer's last acknowledged value read back. Our writers follow WRONG_LEADER hints; etcd's move to the next member on an
#    error (etcd followers forward Puts to the leader). RPC deadline 1 s for both.
#
# Environment: DURATION (measured seconds per row, default 5), WARMUP_SECONDS (default 1),
#   STREAMS (default "1 16 64 256"), STEADY_SECONDS (default 15), FAILOVER_SECONDS (default 10),
#   KILL_AFTER (default 3), ROWS_ONLY (set: only the throughput rows), STAGE_TIMING (set: the rows,
#   then our members' per-stage latency breakdown, see RaftRuntime's StageTiming), STORAGE_WRITES
#   (async, the default, or sync: our members write and fsync on the Raft peer's executor, as before
#   RaftPeer.Configuration.writesStorageAsynchronously), SKV_BIN (a prebuilt release skv; otherwise built here),
#   BENCH_TMPDIR (where the data directories go, default /tmp), BENCH_ETCD_FLAGS (extra etcd flags,
#   e.g. "--heartbeat-interval=50 --election-timeout=300" to match our election timeout: etcd
#   wants it at least 5 heartbeats; default none). Not named ETCD_*: etcd reads those itself.
# Installs etcd-server, etcd-client and nghttp2-client (h2load) with apt-get if missing.
# Takes about 4 minutes with the defaults (plus the release build). Loopback only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/kvclusters.sh
duration="${DURATION:-5}"
warmup="${WARMUP_SECONDS:-1}"
streams_list="${STREAMS:-1 16 64 256}"
steady="${STEADY_SECONDS:-15}"
failover="${FAILOVER_SECONDS:-10}"
kill_after="${KILL_AFTER:-3}"
kvbench="$root/Benchmarks/KV/kvbench.py"

say() { echo "bench-kv: $*" >&2; }

# --- Dependencies and build ------------------------------------------------------------------
kv_bench_prerequisites
kv_bench_workdir skv-bench-kv
ours_pids=("" "" "" "")
etcd_pids=("" "" "" "")
cleanup() {
  trap - EXIT INT TERM
  stop_pids "${ours_pids[@]}" "${etcd_pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# --- Both clusters ---------------------------------------------------------------------------
# Members are disowned: the failover kills one with SIGKILL, and bash would print a "Killed"
# notice.
kv_bench_start_clusters skv-bench-kv
leader_of() { # system endpoints -> "INDEX ADDRESS TERM COUNTER"
  python3 "$kvbench" leader "$1" "$2"
}
for system in ours etcd; do
  endpoints="$ours_endpoints"; [ "$system" = etcd ] && endpoints="$etcd_endpoints"
  leader_of "$system" "$endpoints" >/dev/null || { kv_bench_show_logs; exit 1; }
done

python3 "$kvbench" bodies "$work/bodies"
# Store the value Gets will read, and check that each body is answered with success by the
# leader (decoded with grpcio: OUTCOME_OK / an etcd revision / the 256-byte value).
for system in ours etcd; do
  endpoints="$ours_endpoints"; [ "$system" = etcd ] && endpoints="$etcd_endpoints"
  read -r _ address _ _ < <(leader_of "$system" "$endpoints")
  for op in put get; do
    python3 "$kvbench" check "$system" "$address" "$op" "$work/bodies/$system-$op.bin" >&2
  done
done

# --- Throughput ------------------------------------------------------------------------------
# One h2load run against the current leader; prints "ops/s p50 p99 check" (check: the
# validation verdict described at the top).
run_row() {
  local system="$1" op="$2" streams="$3"
  local endpoints="$ours_endpoints" method
  [ "$system" = etcd ] && endpoints="$etcd_endpoints"
  case "$system/$op" in
    ours/put) method=/skv.kv.KV/Put ;;
    ours/get) method=/skv.kv.KV/Get ;;
    etcd/put) method=/etcdserverpb.KV/Put ;;
    etcd/get) method=/etcdserverpb.KV/Range ;;
  esac
  local conns=$((streams < 4 ? streams : 4))
  local per=$((streams / conns))
  local index address term before index2 address2 term2 after
  read -r index address term before < <(leader_of "$system" "$endpoints")
  [ -n "$address" ] || { echo "0 nan nan FAILED(no-leader)"; return; }
  local log="$work/requests.log" out="$work/h2load.out"
  local h2=(h2load -c "$conns" -m "$per" -d "$work/bodies/$system-$op.bin"
    -H 'content-type: application/grpc' -H 'te: trailers' "http://$address$method")
  # Warm-up as its own run, so that the counters below bracket exactly the measured run.
  timeout $((warmup + 30)) "${h2[@]}" -D "$warmup" >/dev/null 2>&1 || true
  read -r index address term before < <(leader_of "$system" "$endpoints")
  rm -f "$log"
  timeout $((duration + 30)) "${h2[@]}" -D "$duration" --log-file="$log" >"$out" 2>&1 || true
  read -r index2 address2 term2 after < <(leader_of "$system" "$endpoints")
  python3 - "$log" "$out" "$system" "$op" "$before" "$after" "$index/$term" "$index2/$term2" <<'PY'
import re, sys
log, out, system, op, before, after, lead1, lead2 = sys.argv[1:]
durations, non200 = [], 0
try:
    for line in open(log):
        parts = line.split()
        if len(parts) < 3 or parts[1] == "0":  # status 0: still in flight when the period ended
            continue
        if parts[1] != "200":
            non200 += 1
        durations.append(int(parts[2]))
except FileNotFoundError:
    pass
text = open(out).read()
rps = re.search(r"finished in [^,]+, ([0-9.]+) req/s", text)
done = re.search(r"requests: \d+ total, (\d+) started, (\d+) done, (\d+) succeeded", text)
data = re.search(r"\((\d+)\) data", text)
if not rps or not done or not durations:
    print("0 nan nan FAILED(no-h2load-result:" + (text.strip().splitlines() or ["empty"])[-1].replace(" ", "_")[:60] + ")")
    sys.exit()
started, finished, succeeded = (int(g) for g in done.groups())
durations.sort()
pick = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))] / 1000.0
problems = []
if non200 or succeeded < finished:
    problems.append(f"{finished - succeeded}-failed")
if lead1 != lead2:
    problems.append(f"leader/term-{lead1}->{lead2}")
bytes_per = int(data.group(1)) / max(succeeded, 1) if data else 0
delta = int(after) - int(before)
if op == "put":
    # Every acknowledged Put is one applied log entry / one etcd revision; requests cut off
    # at the end may apply too.
    if not succeeded <= delta <= started + 2:
        problems.append(f"applied-{delta}-not-in-[{succeeded},{started}]")
    detail = f"applied={delta}/acked={succeeded}"
else:
    # Linearizable reads write nothing: ours use ReadIndex (no log entry), etcd's Range no
    # revision.
    if delta != 0:
        problems.append(f"reads-wrote-{delta}-entries")
    detail = f"acked={succeeded},log+{delta}"
# Reply sizes (5-byte gRPC prefix included): ours Put OK is an empty WriteReply (a leader hint
# would add bytes); a Get/Range reply carries the 256-byte value.
if system == "ours" and op == "put" and bytes_per > 5.01:
    problems.append(f"replies-{bytes_per:.1f}B>5B")
if op == "get" and bytes_per < 261:
    problems.append(f"replies-{bytes_per:.0f}B<261B")
detail += f",reply={bytes_per:.0f}B"
verdict = ("ok:" if not problems else "FAILED:" + ",".join(problems) + ":") + detail
print(f"{float(rps.group(1)):.0f} {pick(0.50):.2f} {pick(0.99):.2f} {verdict}")
PY
}

say "throughput: ${duration}s per row after ${warmup}s warm-up; streams over min(N,4) connections"
results="$work/results.txt"
: >"$results"
printf '%-6s %-4s %7s %-10s %9s %8s %8s %9s  %s\n' system op streams h2load "ops/s" "p50 ms" "p99 ms" "ours/etcd" check
row=0
for op in put get; do
  for streams in $streams_list; do
    conns=$((streams < 4 ? streams : 4))
    load="-c$conns -m$((streams / conns))"
    order="ours etcd"; [ $((row % 2)) -eq 1 ] && order="etcd ours"
    row=$((row + 1))
    declare -A r=()
    for system in $order; do
      r[$system]="$(run_row "$system" "$op" "$streams")"
    done
    for system in ours etcd; do
      read -r ops p50 p99 check <<<"${r[$system]}"
      ratio="-"
      if [ "$system" = ours ]; then
        read -r eops _ <<<"${r[etcd]}"
        ratio="$(python3 -c "print(f'{$ops/max($eops,1):.2f}')")"
      fi
      printf '%-6s %-4s %7s %-10s %9s %8s %8s %9s  %s\n' "$system" "$op" "$streams" "$load" "$ops" "$p50" "$p99" "$ratio" "$check"
      echo "$system $op $streams $ops $p50 $p99 $check" >>"$results"
    done
    unset r
  done
done
echo
python3 - "$results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    system, op, streams, ops, p50, p99, check = line.split(maxsplit=6)
    rows[(system, op, int(streams))] = (float(ops), float(p50), check.strip())
met = []
for (system, op, streams), (ops, p50, check) in sorted(rows.items(), key=lambda kv: (kv[0][1] != "put", kv[0][2])):
    if system != "ours" or ("etcd", op, streams) not in rows:
        continue
    eops, ep50, _ = rows[("etcd", op, streams)]
    ok = ops >= eops and p50 <= ep50
    met.append(ok)
    print(f"target {op:<3} {streams:>3} streams: ours {ops:.0f}/s p50 {p50:.2f} ms vs etcd {eops:.0f}/s p50 {ep50:.2f} ms: "
          + ("met" if ok else "NOT met"))
invalid = [f"{s} {o} {n}" for (s, o, n), (_, _, c) in rows.items() if not c.startswith("ok")]
print(f"target (>= etcd ops/s and <= etcd p50 at every row) met in {sum(met)} of {len(met)} rows"
      + (f"; INVALID rows (see check column): {', '.join(invalid)}" if invalid else "; every row validated"))
PY

# --- Per-stage breakdown (STAGE_TIMING=1) -----------------------------------------------------
if [ -n "${STAGE_TIMING:-}" ]; then
  echo
  say "per-stage latency of our members (SKV_STAGE_TIMING=1; microseconds from the leader's proposal," \
    "or per call); members stopped with SIGTERM to print it, so the steady-state and failover parts are skipped"
  stop_pids "${ours_pids[@]}"
  ours_pids=("" "" "")
  for i in 1 2 3; do awk '/^stage timing of node/ { on = 1 } /^20[0-9][0-9]-/ { on = 0 } on' "$work/ours$i.log"; done
  exit 0
fi
[ -n "${ROWS_ONLY:-}" ] && exit 0

# --- Steady state and failover ---------------------------------------------------------------
echo
say "steady state: 6 writers, ${steady}s, nothing killed"
steady_status=0
python3 "$kvbench" writers ours "$ours_endpoints" --writers 6 --duration "$steady" || steady_status=1
python3 "$kvbench" writers etcd "$etcd_endpoints" --writers 6 --duration "$steady" || steady_status=1
echo
say "failover: 6 writers, ${failover}s, kill -9 of the leader after ${kill_after}s"
say "election timeouts: ours 300 ms base (RaftPeer.Configuration: 30 ticks of 10 ms, randomized in [300, 600) ms;" \
  "heartbeat 100 ms); etcd $( [ -n "${BENCH_ETCD_FLAGS:-}" ] && echo "with BENCH_ETCD_FLAGS='$BENCH_ETCD_FLAGS'" || echo "default 1000 ms (randomized in [1000, 2000) ms; heartbeat 100 ms)")"
failover_status=0
python3 "$kvbench" writers ours "$ours_endpoints" --writers 6 --duration "$failover" --kill-after "$kill_after" \
  --pids "$(IFS=,; echo "${ours_pids[*]:1}")" || failover_status=1
python3 "$kvbench" writers etcd "$etcd_endpoints" --writers 6 --duration "$failover" --kill-after "$kill_after" \
  --pids "$(IFS=,; echo "${etcd_pids[*]:1}")" || failover_status=1
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
if [ "$steady_status" -ne 0 ] || [ "$failover_status" -ne 0 ]; then
  say "a writer run failed (see above)"
  exit 1
fi
