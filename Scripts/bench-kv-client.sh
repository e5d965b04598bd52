#!/usr/bin/env bash
# Client benchmark: our Swift client against h2load, on the same 3-node skv cluster in one run.
#
# The server is the same for both; what differs is the client. h2load (C, nghttp2) sends one
# prepared gRPC request body (Benchmarks/KV/kvbench.py bodies: a Put of a 256-byte value
# without a session, or a linearizable Get of it) to the leader over min(N, 4) HTTP/2
# connections (h2load -c min(N,4) -m N/c), as Scripts/bench-kv.sh does. `skv kv bench` runs N
# clerks (Clerk → ReplicaGroupCaller → RPCClient → HTTP2ClientTransport, the code every Swift
# user of the service runs; by default all on one event loop sharing one connection per
# server; BENCH_CLIENT_FLAGS adds flags such as "--connections 4") with the same operation
# alone (`--workload put|get`, one key, 256-byte values; the clerk's Puts carry a session,
# h2load's do not) and checks the history for linearizability after the run. Each row:
# WARMUP_SECONDS of h2load warm-up, then DURATION seconds of each client, alternating which
# goes first per row; only one client loads the cluster at a time. Prints ops/s, p50/p99
# latency, the client's CPU time per operation (h2load's from GNU time, ours from the bench's
# summary) and the three servers' CPU time per operation (from /proc, while that client ran) of
# each, and the ratio ours/h2load (the target of issue 15: at least 0.9). The two CPU columns
# tell a gap the client makes from one the servers make for that client.
#
# Environment: DURATION (seconds per client and row, default 5), WARMUP_SECONDS (default 1),
#   STREAMS (concurrency, default "1 16 64"), OPS (default "put get"), SKV_BIN (the skv the
#   servers run; otherwise built here in release), CLIENT_BINS (space-separated skv binaries to
#   run `skv kv bench` with, each a column, e.g. a before and an after build; default SKV_BIN),
#   BENCH_TMPDIR (where the data directories go, default /tmp; refused on tmpfs),
#   LAYERS (space-separated `skv kv bench --layer` values, a column per binary and layer, default
#   "clerk"; "clerk client rpc" splits a client's cost into the clerk, protobuf and RPC layers),
#   BENCH_CLIENT_FLAGS (extra `skv kv bench` flags, e.g. "--connections 4 --threads 2"),
#   GRPC_SWIFT_CLIENT=1 (one more column: grpc-swift-2's own client, GRPCClient over its
#   HTTP2ClientTransport.Posix on one connection, `grpc-swift-peer client` from
#   Benchmarks/GRPCSwiftPeer, sending h2load's prepared body from N tasks, every reply checked
#   against the first, which must be OUTCOME_OK: what the Swift ecosystem's gRPC client costs per
#   call on the same server; PEER_BIN: a prebuilt grpc-swift-peer, otherwise built in release),
#   PROFILE=1 (after each row, each client again under `perf record`: its CPU per operation split
#   into kernel, nghttp2, Swift runtime, NIO, our RPC stack and so on; needs perf),
#   PROFILE_LINES (categories printed per client, default 12).
# Installs nghttp2-client (h2load) with apt-get if missing. Loopback only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/kvclusters.sh
duration="${DURATION:-5}"
warmup="${WARMUP_SECONDS:-1}"
streams_list="${STREAMS:-1 16 64}"
ops_list="${OPS:-put get}"
kvbench="$root/Benchmarks/KV/kvbench.py"

say() { echo "bench-kv-client: $*" >&2; }

if ! command -v h2load >/dev/null; then
  say "installing nghttp2-client"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nghttp2-client >/dev/null
fi
python3 -c 'import grpc, grpc_tools' 2>/dev/null || python3 -m pip install -q grpcio grpcio-tools
kv_bench_skv_binary
read -r -a bins <<<"${CLIENT_BINS:-$SKV_BIN}"
for bin in "${bins[@]}"; do [ -x "$bin" ] || { say "no skv binary at $bin"; exit 1; }; done
read -r -a layers <<<"${LAYERS:-clerk}"
# One column per client binary and layer: clients[i] runs `skv kv bench --layer layers_of[i]`;
# with GRPC_SWIFT_CLIENT=1 a last column runs grpc-swift-peer's client (layer "grpc-swift").
clients=()
layers_of=()
for bin in "${bins[@]}"; do
  for layer in "${layers[@]}"; do clients+=("$bin"); layers_of+=("$layer"); done
done
if [ -n "${GRPC_SWIFT_CLIENT:-}" ]; then
  if [ -z "${PEER_BIN:-}" ]; then
    swift build -c release --package-path Benchmarks/GRPCSwiftPeer >&2
    PEER_BIN="$(swift build -c release --package-path Benchmarks/GRPCSwiftPeer --show-bin-path)/grpc-swift-peer"
  fi
  [ -x "$PEER_BIN" ] || { say "no grpc-swift-peer binary at $PEER_BIN"; exit 1; }
  clients+=("$PEER_BIN"); layers_of+=(grpc-swift)
fi

kv_bench_workdir skv-bench-kv-client
pids=("" "" "")
cleanup() {
  trap - EXIT INT TERM
  stop_pids "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

kv_ours_layout $(free_ports 3)
endpoints="$ours_id_endpoints"
plain_endpoints="$ours_endpoints"
for i in 1 2 3; do pids[$((i - 1))]="$(start_ours_member "$i")"; done
python3 "$kvbench" leader ours "$plain_endpoints" >/dev/null
python3 "$kvbench" bodies "$work/bodies"
read -r _ address _ _ < <(python3 "$kvbench" leader ours "$plain_endpoints")
for op in put get; do python3 "$kvbench" check ours "$address" "$op" "$work/bodies/ours-$op.bin" >&2; done
say "cluster $endpoints (skv $SKV_BIN), data in $work; clients: h2load ${clients[*]}"

# The three servers' CPU time so far (user + system, in clock ticks).
servers_cpu_ticks() {
  local total=0 pid fields
  for pid in "${pids[@]}"; do
    read -r -a fields <"/proc/$pid/stat"
    total=$((total + fields[13] + fields[14]))
  done
  echo "$total"
}
clock_ticks="$(getconf CLK_TCK)"

# Sets h2 to the h2load command line (without -D) for OP at STREAMS streams against the leader,
# address to the leader's HOST:PORT and method to OP's path.
h2load_command() {
  local op="$1" streams="$2"
  local conns=$((streams < 4 ? streams : 4))
  method=/skv.kv.KV/Put
  [ "$op" = get ] && method=/skv.kv.KV/Get
  read -r _ address _ _ < <(python3 "$kvbench" leader ours "$plain_endpoints")
  h2=(h2load -c "$conns" -m "$((streams / conns))" -d "$work/bodies/ours-$op.bin"
    -H 'content-type: application/grpc' -H 'te: trailers' "http://$address$method")
}

# h2load at the leader; prints "ops/s p50 p99 cpu/op srv/op" (latencies from its per-request
# log, cpu/op: h2load's user + system CPU time per completed request, srv/op: the three servers'
# CPU time per completed request during the timed run, both in microseconds) or
# "0 nan nan nan nan".
run_h2load() {
  local op="$1" streams="$2"
  h2load_command "$op" "$streams"
  timeout $((warmup + 30)) "${h2[@]}" -D "$warmup" >/dev/null 2>&1 || true
  rm -f "$work/requests.log"
  local timer=()
  rm -f "$work/h2load.cpu"
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%U %S" -o "$work/h2load.cpu")
  local before after
  before="$(servers_cpu_ticks)"
  timeout $((duration + 30)) "${timer[@]}" "${h2[@]}" -D "$duration" --log-file="$work/requests.log" \
    >"$work/h2load.out" 2>&1 || true
  after="$(servers_cpu_ticks)"
  python3 - "$work/requests.log" "$work/h2load.out" "$work/h2load.cpu" "$((after - before))" "$clock_ticks" <<'PY'
import re, sys
durations, bad = [], 0
try:
    for line in open(sys.argv[1]):
        parts = line.split()
        if len(parts) < 3 or parts[1] == "0":
            continue
        bad += parts[1] != "200"
        durations.append(int(parts[2]))
except FileNotFoundError:
    pass
text = open(sys.argv[2]).read()
rps = re.search(r"finished in [^,]+, ([0-9.]+) req/s", text)
done = re.search(r"requests: \d+ total, \d+ started, (\d+) done", text)
if not rps or not done or not durations or bad:
    print("0 nan nan nan nan")
    sys.exit()
durations.sort()
pick = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))] / 1000.0
try:  # GNU time's "user system" seconds (absent without /usr/bin/time)
    cpu = f"{sum(map(float, open(sys.argv[3]).read().split()[-2:])) * 1e6 / max(int(done.group(1)), 1):.1f}"
except (OSError, ValueError):
    cpu = "nan"
servers = int(sys.argv[4]) / int(sys.argv[5]) * 1e6 / max(int(done.group(1)), 1)
print(f"{float(rps.group(1)):.0f} {pick(0.50):.2f} {pick(0.99):.2f} {cpu} {servers:.1f}")
PY
}

# Sets clerks to the `skv kv bench` command line of client column I for OP at STREAMS clients
# (`--layer` only when not the clerk, which builds before the flag lack), or grpc-swift-peer's
# client's (h2load's body and method at the leader; its first reply to $work/first-reply.bin).
clerks_command() {
  local i="$1" op="$2" streams="$3" layer_flags=()
  if [ "${layers_of[$i]}" = grpc-swift ]; then
    h2load_command "$op" "$streams"
    clerks=("${clients[$i]}" client --target "$address" --path "$method"
      --body "$work/bodies/ours-$op.bin" --clients "$streams" --duration "$duration"
      --first-reply "$work/first-reply.bin")
    return
  fi
  [ "${layers_of[$i]}" != clerk ] && layer_flags=(--layer "${layers_of[$i]}")
  # shellcheck disable=SC2206  # BENCH_CLIENT_FLAGS is a list of flags
  clerks=("${clients[$i]}" kv bench --endpoints "$endpoints" --duration "$duration" --clients "$streams" --keys 1
    --workload "$op" --value-bytes 256 "${layer_flags[@]}" ${BENCH_CLIENT_FLAGS:-})
}

# `skv kv bench` with one client binary; prints "ops/s p50 p99 cpu/op srv/op" as run_h2load (srv/op
# over the whole bench: its start-up reads one key) or "0 nan nan nan nan" (also when the history
# is not linearizable; cpu/op "nan" from a client that does not print it).
run_clerks() {
  local before after
  clerks_command "$@"
  rm -f "$work/first-reply.bin"
  before="$(servers_cpu_ticks)"
  "${clerks[@]}" >"$work/bench.out" 2>&1 || true
  after="$(servers_cpu_ticks)"
  if [ "${layers_of[$1]}" = grpc-swift ] && ! python3 "$kvbench" reply "$2" "$work/first-reply.bin" >&2; then
    echo "0 nan nan nan nan"
    return
  fi
  python3 - "$work/bench.out" "$((after - before))" "$clock_ticks" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(
    r"summary: ops=([0-9]+) .*ops/s=([0-9.]+) p50=([0-9.]+)ms p99=([0-9.]+)ms"
    r".* linearizable: (?:yes|not checked)", text)
cpu = re.search(r"client-cpu/op=([0-9.]+)us", text)
if not m:
    print("0 nan nan nan nan")
    sys.exit()
servers = int(sys.argv[2]) / int(sys.argv[3]) * 1e6 / max(int(m.group(1)), 1)
print(" ".join(m.groups()[1:]) + " " + (cpu.group(1) if cpu else "nan") + f" {servers:.1f}")
PY
}

header=$(printf '%-4s %7s  %-36s' op streams h2load)
for i in "${!clients[@]}"; do
  name="skv-client-$((i + 1)) (${layers_of[$i]})"
  [ "${layers_of[$i]}" = grpc-swift ] && name="grpc-swift-2 client"
  header+=$(printf '  %-36s %6s' "$name" ratio)
done
echo "$header"
echo "$(printf '%-4s %7s  %-36s' '' '' 'ops/s p50/p99 ms cpu/op srv/op us')$(for _ in "${clients[@]}"; do
  printf '  %-36s %6s' 'ops/s p50/p99 ms cpu/op srv/op us' '/h2load'; done)"
# PROFILE=1: each client once more for DURATION seconds under `perf record` (the middle of the
# run), its CPU split into categories (Benchmarks/Profiles/cpu_categories.py) and scaled by the
# CPU per operation measured above without perf.
profile_client() {
  local name="$1" per_op="$2" pid
  shift 2
  "$@" >/dev/null 2>&1 &
  pid=$!
  sleep 1
  perf record -q -F 999 -p "$pid" -o "$work/profile.data" -- sleep $((duration > 3 ? duration - 2 : 1)) \
    >/dev/null 2>&1 || true
  wait "$pid" || true
  echo "  $name: $per_op us of CPU per operation"
  python3 Benchmarks/Profiles/cpu_categories.py "$work/profile.data" "$per_op" >"$work/profile.txt"
  head -n "${PROFILE_LINES:-12}" "$work/profile.txt"
}
if [ -n "${PROFILE:-}" ] && ! command -v perf >/dev/null; then
  say "PROFILE=1 needs perf (Debian: linux-perf); not profiling"
  PROFILE=""
fi

row=0
for op in $ops_list; do
  for streams in $streams_list; do
    declare -A r=()
    runners=(h2load "${!clients[@]}")
    if [ $((row % 2)) -eq 1 ]; then runners=("${!clients[@]}" h2load); fi
    row=$((row + 1))
    for runner in "${runners[@]}"; do
      if [ "$runner" = h2load ]; then r[h2load]="$(run_h2load "$op" "$streams")"
      else r[$runner]="$(run_clerks "$runner" "$op" "$streams")"; fi
    done
    read -r hops hp50 hp99 hcpu hsrv <<<"${r[h2load]}"
    line=$(printf '%-4s %7s  %-36s' "$op" "$streams" "$hops $hp50/$hp99 $hcpu $hsrv")
    for i in "${!clients[@]}"; do
      read -r cops cp50 cp99 ccpu csrv <<<"${r[$i]}"
      ratio="$(python3 -c "print(f'{$cops/max($hops,1):.2f}')")"
      line+=$(printf '  %-36s %6s' "$cops $cp50/$cp99 $ccpu $csrv" "$ratio")
    done
    echo "$line"
    if [ -n "${PROFILE:-}" ]; then
      h2load_command "$op" "$streams"
      profile_client "h2load, $op at $streams streams" "$hcpu" "${h2[@]}" -D "$duration"
      for i in "${!clients[@]}"; do
        read -r _ _ _ ccpu _ <<<"${r[$i]}"
        clerks_command "$i" "$op" "$streams"
        profile_client "skv-client-$((i + 1)) (${layers_of[$i]}), $op at $streams streams" "$ccpu" "${clerks[@]}"
      done
    fi
    unset r
  done
done
echo "clients: $(for i in "${!clients[@]}"; do printf '%s (%s) ' "${clients[$i]}" "${layers_of[$i]}"; done)"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
