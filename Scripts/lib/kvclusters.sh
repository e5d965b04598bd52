# The two KV systems the benchmarks compare (Scripts/bench-kv.sh, bench-kv-scale.sh), 3 members
# each on loopback with fsync on: prerequisites and member start-up (sourced, not run).

# kv_bench_prerequisites: installs etcd-server, etcd-client and nghttp2-client (h2load) with
# apt-get and grpcio with pip if missing, and builds a release skv unless SKV_BIN names one;
# sets SKV_BIN. Debian's etcd-server package enables an etcd service (on 2379/2380) where
# systemd runs; the benchmarks start their own members on free ports and leave that one alone.
kv_bench_prerequisites() {
  local missing=() p tool SUDO=""
  for p in etcd-server etcd-client nghttp2-client; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  for tool in etcd etcdctl h2load; do
    command -v "$tool" >/dev/null || { say "$tool not found after installing"; exit 1; }
  done
  python3 -c 'import grpc, grpc_tools' 2>/dev/null || python3 -m pip install -q grpcio grpcio-tools
  kv_bench_skv_binary
}

# kv_bench_skv_binary: builds a release skv unless SKV_BIN names one; sets SKV_BIN.
kv_bench_skv_binary() {
  if [ -z "${SKV_BIN:-}" ]; then
    say "building skv (release)"
    swift build -c release --product skv >&2
    SKV_BIN="$(swift build -c release --show-bin-path)/skv"
  fi
  [ -x "$SKV_BIN" ] || { say "no skv binary at $SKV_BIN"; exit 1; }
}

# kv_bench_workdir NAME: sets work to a new directory NAME.XXXXXX under BENCH_TMPDIR (default
# /tmp); refuses tmpfs, where fsync costs nothing.
kv_bench_workdir() {
  work="$(mktemp -d "${BENCH_TMPDIR:-/tmp}/$1.XXXXXX")"
  if [ "$(stat -f -c %T "$work")" = tmpfs ]; then
    rmdir "$work"
    say "${BENCH_TMPDIR:-/tmp} is tmpfs (fsync would cost nothing); set BENCH_TMPDIR to a directory on a disk"
    exit 1
  fi
}

# Member start-up. The caller sets: SKV_BIN, work (the directory holding every
# data directory and log), ours_peers (the --peer arguments), ours_ports and etcd_ports
# (client ports by member, 1-based: index 0 unused), etcd_peer_ports, etcd_cluster (the
# --initial-cluster value), etcd_token, and optionally BENCH_SKV_FLAGS / BENCH_ETCD_FLAGS,
# STAGE_TIMING and STORAGE_WRITES; optionally ours_metrics_ports (1-based: member I serves
# /metrics on that port when the entry is set).
# Each function prints the new pid; the process is disowned (a later SIGKILL prints no
# "Killed" notice) and logs to $work/<name><i>.log (appended, so restarts keep the history).

# kv_ours_layout P1 P2 P3: ours_ports (indexed by member, 1-3), ours_peers (the --peer flags),
# ours_endpoints (HOST:PORT,...) and ours_id_endpoints (ID=HOST:PORT,..., as `skv kv` clients take
# them) of three `skv kv serve` members on loopback ports P1-P3.
kv_ours_layout() {
  local i
  ours_ports=(0 "$@")
  ours_peers=()
  ours_endpoints=""
  ours_id_endpoints=""
  for i in 1 2 3; do
    ours_peers+=(--peer "$i=127.0.0.1:${ours_ports[$i]}")
    ours_endpoints+="${ours_endpoints:+,}127.0.0.1:${ours_ports[$i]}"
    ours_id_endpoints+="${ours_id_endpoints:+,}$i=127.0.0.1:${ours_ports[$i]}"
  done
}

# start_ours_member I: `skv kv serve` member I with data in $work/ours<I>, its log appended to
# $work/ours<I>.log. STAMP_LOG_MS=1: each log line prefixed with the time it arrived, to the
# millisecond (the daemon's own timestamps have whole seconds).
start_ours_member() {
  local i="$1" metrics=()
  [ -n "${ours_metrics_ports[$i]:-}" ] && metrics=(--metrics-listen "127.0.0.1:${ours_metrics_ports[$i]}")
  # shellcheck disable=SC2086  # BENCH_SKV_FLAGS is a list of flags
  # STAGE_TIMING / STORAGE_WRITES: see Scripts/bench-kv.sh.
  local command=(env SKV_STAGE_TIMING="${STAGE_TIMING:+1}" SKV_STORAGE_WRITES="${STORAGE_WRITES:-async}"
    "$SKV_BIN" kv serve --id "$i" --listen "127.0.0.1:${ours_ports[$i]}" "${ours_peers[@]}"
    --data-dir "$work/ours$i" "${metrics[@]}" ${BENCH_SKV_FLAGS:-})
  if [ -n "${STAMP_LOG_MS:-}" ]; then
    "${command[@]}" > >(python3 -u -c 'import sys, time
for line in sys.stdin:
    now = time.time()
    sys.stdout.write(time.strftime("%H:%M:%S", time.gmtime(now)) + ("%.3f " % (now % 1))[1:] + line)' \
      >>"$work/ours$i.log") 2>&1 &
  else
    "${command[@]}" >>"$work/ours$i.log" 2>&1 &
  fi
  echo "$!"
  disown "$!" 2>/dev/null || true
}

# start_etcd_member I [STATE]: etcd member e<I> with data in $work/etcd<I>; STATE is
# --initial-cluster-state (new by default; existing for a member rejoining without its data).
start_etcd_member() {
  local i="$1" state="${2:-new}"
  # shellcheck disable=SC2086  # BENCH_ETCD_FLAGS is a list of flags
  etcd --name "e$i" --data-dir "$work/etcd$i" \
    --listen-client-urls "http://127.0.0.1:${etcd_ports[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${etcd_ports[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${etcd_peer_ports[$i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer_ports[$i]}" \
    --initial-cluster "$etcd_cluster" --initial-cluster-token "$etcd_token" \
    --initial-cluster-state "$state" --logger zap --log-level warn ${BENCH_ETCD_FLAGS:-} \
    >>"$work/etcd$i.log" 2>&1 &
  echo "$!"
  disown "$!" 2>/dev/null || true
}

# kv_bench_show_logs: the last lines of every member's log, on stderr.
kv_bench_show_logs() {
  local f
  for f in "$work"/ours*.log "$work"/etcd*.log; do echo "--- $f" >&2; tail -n 15 "$f" >&2; done
}

# kv_bench_start_clusters TOKEN: picks 9 free ports, starts both 3-member clusters in $work and
# waits (up to 30 s) until etcd reports healthy. Sets ours_ports, etcd_ports, etcd_peer_ports
# (1-based), ours_peers, ours_endpoints and etcd_endpoints (HOST:PORT,... in member order),
# etcd_cluster, etcd_token (TOKEN plus the shell's pid) and the pids in ours_pids and
# etcd_pids (1-based: index 0 stays empty), which the caller's cleanup should stop.
kv_bench_start_clusters() {
  local ports i deadline
  read -r -a ports <<<"$(free_ports 9)"
  kv_ours_layout "${ports[@]:0:3}"
  etcd_ports=(0); etcd_peer_ports=(0)
  etcd_endpoints=""; etcd_cluster=""
  etcd_token="$1-$$"
  for i in 1 2 3; do
    etcd_ports+=("${ports[$((i + 2))]}")
    etcd_peer_ports+=("${ports[$((i + 5))]}")
    etcd_endpoints+="${etcd_endpoints:+,}127.0.0.1:${etcd_ports[$i]}"
    etcd_cluster+="${etcd_cluster:+,}e$i=http://127.0.0.1:${etcd_peer_ports[$i]}"
  done
  for i in 1 2 3; do
    ours_pids[i]="$(start_ours_member "$i")"
    etcd_pids[i]="$(start_etcd_member "$i")"
  done
  say "ours: $ours_endpoints (skv $SKV_BIN); etcd $(etcd --version | sed -n 's/^etcd Version: //p'):" \
    "$etcd_endpoints; data in $work ($(stat -f -c %T "$work"))"
  deadline=$((SECONDS + 30))
  until ETCDCTL_API=3 etcdctl --endpoints "$etcd_endpoints" --command-timeout=2s endpoint health >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { say "etcd cluster not healthy within 30 s"; kv_bench_show_logs; exit 1; }
    sleep 0.3
  done
}
