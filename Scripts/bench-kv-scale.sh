#!/usr/bin/env bash
# How cost grows with data: 1 million keys in swift-skv and in etcd, side by side in one run,
# each 3 members on loopback with fsync on (as Scripts/bench-kv.sh: etcd without
# --unsafe-no-fsync, data directories on one disk, refused on tmpfs). Not run in CI (about
# 15-25 minutes with the defaults); KEYS=20000 is a smoke run of a minute or two.
#
# 1. Load: KEYS keys (16-byte keys k000…, 100-byte values), each Put once to the leader by
#    Benchmarks/KV/kvscale.py: LOAD_PROCS Python processes, each with LOAD_STREAMS concurrent
#    unary calls (grpcio's asyncio API) on its own HTTP/2 connection. One system at a time
#    (ours first), the other idle. Ours: Put without a session; etcd: KV/Put.
# 2. After the load: RSS of every member (VmRSS, and VmHWM, the peak), bytes of every data
#    directory, and the snapshot:
#    - ours: the newest snapshot file of the leader (written by the leader itself whenever its
#      Raft log nears --max-raft-state, 8 MiB by default: the whole KV state, encoded, written
#      and fsynced); its size, the index it covers, and how long its file took to write
#      (the .snap.tmp file's life until its rename, polled every 5 ms: write + fsync, not
#      the encoding before it);
#    - etcd: `etcdctl snapshot save` against the leader (the backend database streamed to a
#      file and fsynced): its size and wall time. etcd's own Raft snapshots (every
#      --snapshot-count entries) do not copy the data (the database is the state), so the
#      full-copy snapshot is the comparable cost of "the state, as one file".
# 3. Latency: single stream (h2load -c1 -m1, LATENCY_SECONDS each) Put and linearizable Get at
#    256 B, 4 KiB and 64 KiB values against the loaded leader; p50/p99 of the per-request log.
# 4. Restart from disk: kill -9 of a follower, restart; time until its applied index reaches
#    the leader's (no writes meanwhile), and until a linearizable Get of a loaded key answers
#    through the members (ours: the leader answers; the restarted follower redirects).
# 5. Wiped follower: SIGTERM a follower, delete its data directory, restart it empty (etcd:
#    --initial-cluster-state existing, same member); time until its applied index reaches the
#    leader's. Ours sends the leader's snapshot by InstallSnapshot in 1-MiB chunks, then the
#    entries after it; etcd streams its database.
#
# Environment: KEYS (default 1000000), LOAD_PROCS (2), LOAD_STREAMS (64 per process),
#   LATENCY_SECONDS (5), SKV_BIN (a prebuilt release skv; otherwise built here), BENCH_TMPDIR
#   (default /tmp), BENCH_SKV_FLAGS / BENCH_ETCD_FLAGS (extra flags for every member of one
#   system, e.g. "--max-raft-state 1048576" / "--snapshot-count 10000" for a smoke run that
#   snapshots), WAIT_SECONDS (600: the bound of every wait for a restarted member), BENCH_KEEP
#   (set: keep the data directories and logs), TRACE (set: steps 4 and 5 print each change of
#   the restarted member's applied and commit index, to the ms).
# Installs etcd-server, etcd-client and nghttp2-client (h2load) with apt-get if missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/kvclusters.sh
keys="${KEYS:-1000000}"
procs="${LOAD_PROCS:-2}"
streams="${LOAD_STREAMS:-64}"
latency_seconds="${LATENCY_SECONDS:-5}"
wait_seconds="${WAIT_SECONDS:-600}"
sizes=(256 4096 65536)
kvscale="$root/Benchmarks/KV/kvscale.py"

say() { echo "bench-kv-scale: $*" >&2; }

# --- Dependencies and build ------------------------------------------------------------------
kv_bench_prerequisites
kv_bench_workdir skv-bench-kv-scale
ours_pids=("" "" "" "")
etcd_pids=("" "" "" "")
watcher_pid=""
cleanup() {
  trap - EXIT INT TERM
  stop_pids "${ours_pids[@]}" "${etcd_pids[@]}" "$watcher_pid"
  if [ -n "${BENCH_KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# --- Both clusters ---------------------------------------------------------------------------
kv_bench_start_clusters skv-bench-kv-scale
say "$keys keys, $procs loader processes x $streams streams"

endpoints_of() { if [ "$1" = ours ]; then echo "$ours_endpoints"; else echo "$etcd_endpoints"; fi; }
address_of() { # system index
  if [ "$1" = ours ]; then echo "127.0.0.1:${ours_ports[$2]}"; else echo "127.0.0.1:${etcd_ports[$2]}"; fi
}
leader_index() { python3 "$root/Benchmarks/KV/kvbench.py" leader "$1" "$(endpoints_of "$1")" | cut -d' ' -f1; }
applied_of() { # system index -> applied index (fails if the member does not answer within 10 tries)
  local applied
  for _ in $(seq 10); do
    applied="$(python3 "$kvscale" status "$1" "$(endpoints_of "$1")" |
      awk -v i="$2" '$1 == i && $2 != "down" { sub("applied=", "", $3); print $3 }')"
    [ -n "$applied" ] && { echo "$applied"; return; }
    sleep 0.5
  done
  say "$1 member $2 does not report its applied index"
  return 1
}
rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
hwm_mib() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
dir_mib() { du -sb "$1" 2>/dev/null | awk '{ printf "%.0f", $1 / 1048576 }'; }
now() { date +%s.%N; }
restart_member() { # system index [etcd state]
  if [ "$1" = ours ]; then
    ours_pids[$2]="$(start_ours_member "$2")"
  else
    etcd_pids[$2]="$(start_etcd_member "$2" "${3:-new}")"
  fi
}
pid_of() { if [ "$1" = ours ]; then echo "${ours_pids[$2]}"; else echo "${etcd_pids[$2]}"; fi; }

declare -A result=()

# --- 1. Load ---------------------------------------------------------------------------------
for system in ours etcd; do
  leader="$(leader_index "$system")"
  if [ "$system" = ours ]; then
    # Watch every member's snapshot directory: the life of each .snap.tmp until its rename.
    python3 - "$work" >"$work/snapshot-writes.txt" 2>/dev/null <<'PY' &
import os, sys, time
work = sys.argv[1]
seen = {}
while True:
    t = time.monotonic()
    for member in (1, 2, 3):
        directory = os.path.join(work, f"ours{member}", "snapshots")
        try:
            names = set(os.listdir(directory))
        except FileNotFoundError:
            names = set()
        for name in names:
            if name.endswith(".tmp") and (member, name) not in seen:
                seen[(member, name)] = t
        for m, name in list(seen):
            if m == member and name not in names:
                final = name[: -len(".tmp")]
                size = os.path.getsize(os.path.join(directory, final)) if final in names else 0
                print(f"{member} {final} {size} {t - seen.pop((m, name)):.3f}", flush=True)
    time.sleep(0.005)
PY
    watcher_pid=$!
  fi
  term_before="$(python3 "$root/Benchmarks/KV/kvbench.py" leader "$system" "$(endpoints_of "$system")" | cut -d' ' -f3)"
  say "loading $keys keys into $system (leader $leader)"
  read -r _ seconds rate retries < <(python3 "$kvscale" load "$system" "$(endpoints_of "$system")" \
    --keys "$keys" --procs "$procs" --streams "$streams")
  result[$system.load]="${seconds}s ${rate}/s"
  term_after="$(python3 "$root/Benchmarks/KV/kvbench.py" leader "$system" "$(endpoints_of "$system")" | cut -d' ' -f3)"
  result[$system.terms]="$((term_after - term_before)) (term $term_before -> $term_after)"
  say "$system: $keys keys in ${seconds}s ($rate keys/s, $retries retried attempts)"
  if [ "$system" = ours ]; then
    sleep 2
    stop_pids "$watcher_pid"
    watcher_pid=""
  fi
done
sleep 3

# --- 2. Memory, disk, snapshot ---------------------------------------------------------------
for system in ours etcd; do
  rss=""; hwm=""; disk=""
  for i in 1 2 3; do
    if [ "$system" = ours ]; then pid="${ours_pids[i]}"; else pid="${etcd_pids[i]}"; fi
    rss+="${rss:+/}$(rss_mib "$pid")"
    hwm+="${hwm:+/}$(hwm_mib "$pid")"
    disk+="${disk:+/}$(dir_mib "$work/$system$i")"
  done
  result[$system.rss]="$rss"
  result[$system.hwm]="$hwm"
  result[$system.disk]="$disk"
done
# Ours: the newest snapshot any member wrote during the load (every member snapshots its own
# state), and the longest file write among the last three snapshots.
read -r member latest snap_bytes _ < <(sort -k2,2 "$work/snapshot-writes.txt" | tail -n 1) || true
if [ -n "${latest:-}" ]; then
  write_s="$(sort -k2,2 "$work/snapshot-writes.txt" | tail -n 3 | awk '$4 > m { m = $4 } END { print m }')"
  count="$(wc -l <"$work/snapshot-writes.txt")"
  result[ours.snapshot]="$(awk -v b="$snap_bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }') in ${write_s}s"
  result[ours.snapshot_note]="file $latest of member $member (index $((16#${latest%.snap}))), $count snapshot files"
  result[ours.snapshot_note]+=" written by the 3 members during the load; the time is the file's write + fsync"
else
  result[ours.snapshot]="none"
  result[ours.snapshot_note]="no snapshot (the log stayed below --max-raft-state)"
fi
leader="$(leader_index etcd)"
started="$(now)"
ETCDCTL_API=3 etcdctl --endpoints "$(address_of etcd "$leader")" --command-timeout=600s \
  snapshot save "$work/etcd-snapshot.db" >/dev/null 2>&1
ended="$(now)"
result[etcd.snapshot]="$(stat -c %s "$work/etcd-snapshot.db" | awk '{ printf "%.1f MiB", $1 / 1048576 }') in $(
  awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.3f", b - a }')s"
result[etcd.snapshot_note]="etcdctl snapshot save from the leader"
rm -f "$work/etcd-snapshot.db"

# --- 3. Single-stream latency ----------------------------------------------------------------
python3 "$kvscale" bodies "$work/bodies" "${sizes[@]}"
latency_row() { # system op size -> "p50 p99 count"
  local system="$1" op="$2" size="$3" method address
  case "$system/$op" in
    ours/put) method=/skv.kv.KV/Put ;;
    ours/get) method=/skv.kv.KV/Get ;;
    etcd/put) method=/etcdserverpb.KV/Put ;;
    etcd/get) method=/etcdserverpb.KV/Range ;;
  esac
  address="$(address_of "$system" "$(leader_index "$system")")"
  rm -f "$work/requests.log"
  timeout $((latency_seconds + 30)) h2load -c 1 -m 1 -D "$latency_seconds" --log-file="$work/requests.log" \
    -d "$work/bodies/$system-$op-$size.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://$address$method" >"$work/h2load.out" 2>&1 || true
  # h2load counts any HTTP 200, even a WRONG_LEADER reply: a row is valid only if every reply
  # has the size of a success (ours Put: an empty WriteReply, 5 bytes with the gRPC prefix;
  # every Get: at least the value).
  local min=0 max=0
  [ "$op" = get ] && min="$size"
  [ "$system/$op" = ours/put ] && max=5
  read -r count p50 p99 verdict < <(python3 "$kvscale" h2stats "$work/requests.log" \
    --out "$work/h2load.out" --min-reply-bytes "$min" --max-reply-bytes "$max")
  if [ "$verdict" = ok ]; then echo "$p50 $p99 $count"; else echo "INVALID($verdict) - $count"; fi
}
row=0
for size in "${sizes[@]}"; do
  for op in put get; do
    order="ours etcd"; [ $((row % 2)) -eq 1 ] && order="etcd ours"
    row=$((row + 1))
    for system in $order; do
      read -r p50 p99 count < <(latency_row "$system" "$op" "$size")
      if [[ "$p50" == INVALID* ]]; then
        say "$system $op $size B: $p50 ($count requests; the leader may have moved), measuring once more"
        read -r p50 p99 count < <(latency_row "$system" "$op" "$size")
      fi
      result[$system.$op.$size]="$p50/$p99"
      say "$system $op $size B: p50 $p50 ms, p99 $p99 ms ($count requests)"
    done
  done
done

# --- 4. Restart of a follower from disk ------------------------------------------------------
for system in ours etcd; do
  leader="$(leader_index "$system")"
  f=$((leader % 3 + 1))
  target="$(applied_of "$system" "$leader")"
  pid="$(pid_of "$system" "$f")"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  since="$(now)"
  restart_member "$system" "$f"
  caught="$(python3 "$kvscale" wait-applied "$system" "$(address_of "$system" "$f")" "$target" --since "$since" \
    ${TRACE:+--trace} --timeout "$wait_seconds")"
  get="$(python3 "$kvscale" wait-get "$system" "$(endpoints_of "$system")" $((keys - 1)) --since "$since" \
    --timeout "$wait_seconds")"
  result[$system.restart]="$caught"
  result[$system.restart_get]="$get"
  result[$system.restart_rss]="$(rss_mib "$(pid_of "$system" "$f")")"
  say "$system: member $f killed and restarted: applied index $target reached after ${caught}s," \
    "linearizable Get after ${get}s"
done

# --- 5. Wiped follower -----------------------------------------------------------------------
# A member that lost its data cannot simply come back under its old identity: the leader
# remembers what it acknowledged and tells it to commit entries it no longer has, and both
# systems stop it (etcd panics "tocommit(N) is out of range [lastIndex(0)]", ours fails a
# precondition in handleHeartbeat). So, identically for both, the leader is restarted while the
# wiped member is down (kill -9, restart; a leader is elected again among the two intact
# members and knows nothing of the wiped one), then the wiped member starts empty.
for system in ours etcd; do
  leader="$(leader_index "$system")"
  f=$((leader % 3 + 1))
  stop_pids "$(pid_of "$system" "$f")"
  rm -rf "${work:?}/$system$f"
  pid="$(pid_of "$system" "$leader")"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  restart_member "$system" "$leader"
  leader="$(leader_index "$system")"
  target="$(applied_of "$system" "$leader")"
  since="$(now)"
  restart_member "$system" "$f" existing
  caught="$(python3 "$kvscale" wait-applied "$system" "$(address_of "$system" "$f")" "$target" --since "$since" \
    ${TRACE:+--trace} --timeout "$wait_seconds")"
  result[$system.wiped]="$caught"
  result[$system.wiped_rss]="$(rss_mib "$(pid_of "$system" "$f")")"
  say "$system: member $f wiped and restarted: applied index $target reached after ${caught}s"
done

# --- Table -----------------------------------------------------------------------------------
echo
echo "bench-kv-scale: $keys keys (16 B keys, 100 B values), 3 members each, loopback, fsync on"
echo "commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- Sources || echo '+dirty');" \
  "skv $SKV_BIN; etcd $(etcd --version | sed -n 's/^etcd Version: //p')"
printf '%-40s %-26s %-26s\n' metric ours etcd
line() { printf '%-40s %-26s %-26s\n' "$1" "${result[ours.$2]:-?}" "${result[etcd.$2]:-?}"; }
line "load ($procs procs x $streams streams)" load
line "new terms (elections) during the load" terms
line "RSS per node after load, MiB" rss
line "peak RSS (VmHWM) per node, MiB" hwm
line "data directory per node, MiB" disk
line "snapshot size, write time" snapshot
for size in "${sizes[@]}"; do
  line "Put p50/p99 ms, $size B, 1 stream" "put.$size"
  line "Get p50/p99 ms, $size B, 1 stream" "get.$size"
done
line "follower kill -9 -> applied = leader, s" restart
line "  -> linearizable Get answered, s" restart_get
line "  RSS of the restarted node, MiB" restart_rss
line "wiped follower -> applied = leader, s" wiped
line "  RSS of the rebuilt node, MiB" wiped_rss
echo "snapshot, ours: ${result[ours.snapshot_note]}; etcd: ${result[etcd.snapshot_note]}"
echo "uptime: $(uptime)"
