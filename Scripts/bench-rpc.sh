#!/usr/bin/env bash
# RPC benchmark: our gRPC server (skv-rpc-interop, nghttp2 + protobuf-c + SwiftNIO) against two
# peers serving the same grpc.testing.TestService, all measured in the same run with h2load:
# a grpc-swift-2 + grpc-swift-nio-transport server (Benchmarks/GRPCSwiftPeer, its own package,
# never a dependency of the product) and a Python grpcio server (Tests/Interop/python/
# interop_server.py: grpc.server with a 32-thread pool, the interop harness's server).
#
# For each payload (0 B, 1 KiB, 64 KiB: request payload and response_size) and load (-c1 -m1,
# -c4 -m32, -c16 -m64), each server gets a warm-up and a bounded timed run of
# /grpc.testing.TestService/UnaryCall; the script prints requests/s and p50/p99 latency (from
# h2load's per-request log) per server, our ratio to each peer and to the best peer of the row,
# and whether we stay at least 2x the best peer in every row. All servers run during the
# whole benchmark but only one is loaded at a time; the order rotates per configuration.
#
# TLS rows (TLS_ROWS=1, the default): ours and the grpcio server again, each serving TLS 1.3 with
# ALPN h2 and a certificate of Scripts/make-test-certs.sh (no client certificates: h2load
# presents none), 1 KiB payload at every load, in the same run; ours-over-TLS / grpcio-over-TLS
# and ours-over-TLS / ours-plaintext are printed. (The grpc-swift peer has no TLS option.)
#
# Environment: BENCH_SECONDS (timed part of each run, default 5), WARMUP_SECONDS (default 1),
#              OURS_BIN / PEER_BIN (prebuilt binaries; otherwise both are built in release),
#              PEERS (default "grpc-swift grpcio"), SIZES (payloads in bytes, default "0 1024
#              65536"), LOADS (comma-separated h2load loads, default "-c1 -m1,-c4 -m32,-c16 -m64";
#              both for a quick look at a few rows), TLS_ROWS (0: none).
# Loopback only. Needs h2load (Debian nghttp2-client; Scripts/bootstrap.sh installs it) and
# grpcio + grpcio-tools for Python (installed with pip if missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${BENCH_SECONDS:-5}"
warmup="${WARMUP_SECONDS:-1}"
peers="${PEERS:-grpc-swift grpcio}"
command -v h2load >/dev/null || { echo "bench-rpc: h2load not found (run Scripts/bootstrap.sh)" >&2; exit 1; }
python3 -c 'import grpc, grpc_tools' 2>/dev/null || python3 -m pip install -q grpcio grpcio-tools

if [ -z "${OURS_BIN:-}" ]; then
  swift build -c release --product skv-rpc-interop >&2
  OURS_BIN="$(swift build -c release --show-bin-path)/skv-rpc-interop"
fi
if [ -z "${PEER_BIN:-}" ]; then
  swift build -c release --package-path Benchmarks/GRPCSwiftPeer >&2
  PEER_BIN="$(swift build -c release --package-path Benchmarks/GRPCSwiftPeer --show-bin-path)/grpc-swift-peer"
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for_port() {
  local port="$1"
  for _ in $(seq 100); do
    python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(0 if s.connect_ex(('127.0.0.1',$port))==0 else 1)" && return 0
    sleep 0.1
  done
  echo "bench-rpc: nothing listens on port $port after 10 s" >&2
  return 1
}

declare -A port_of=()
servers=(ours $peers)
for server in "${servers[@]}"; do
  port="$(free_port)"
  port_of[$server]="$port"
  case "$server" in
    ours) "$OURS_BIN" server --host 127.0.0.1 --port "$port" >"$work/ours.log" 2>&1 & ;;
    grpc-swift) "$PEER_BIN" --host 127.0.0.1 --port "$port" >"$work/grpc-swift.log" 2>&1 & ;;
    grpcio) python3 Tests/Interop/python/interop_server.py --host 127.0.0.1 --port "$port" >"$work/grpcio.log" 2>&1 & ;;
    *) echo "bench-rpc: unknown peer $server (PEERS takes grpc-swift and grpcio)" >&2; exit 1 ;;
  esac
  pids+=($!)
done
for server in "${servers[@]}"; do wait_for_port "${port_of[$server]}"; done

# gRPC-level check (h2load only sees HTTP 200): our interop client runs empty_unary and
# large_unary (UnaryCall with real payloads) against every server.
for port in "${port_of[@]}"; do
  for case in empty_unary large_unary; do
    "$OURS_BIN" client --host 127.0.0.1 --port "$port" --test-case "$case" >"$work/check.log" 2>&1 \
      || { echo "bench-rpc: $case failed against port $port:" >&2; cat "$work/check.log" >&2; exit 1; }
  done
done

# Request bodies: one gRPC frame holding SimpleRequest{response_size: N, payload{body: N zero bytes}}.
python3 - "$work" <<'PY'
import sys
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f; n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n: return bytes(out)
for size in (0, 1024, 65536):
    payload = b"\x12" + varint(size) + bytes(size)          # Payload.body (field 2)
    msg = b""
    if size: msg += b"\x10" + varint(size)                   # response_size (field 2)
    msg += b"\x1a" + varint(len(payload)) + payload          # payload (field 3)
    open(f"{sys.argv[1]}/body-{size}.bin", "wb").write(b"\x00" + len(msg).to_bytes(4, "big") + msg)
PY

# One timed run (scheme http, or https for TLS); prints "req/s p50_ms p99_ms".
run_load() {
  local port="$1" size="$2" load="$3" scheme="${4:-http}" log="$work/requests.log"
  rm -f "$log"
  # shellcheck disable=SC2086
  h2load $load --warm-up-time="$warmup" -D "$seconds" -d "$work/body-$size.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' --log-file="$log" \
    "$scheme://127.0.0.1:$port/grpc.testing.TestService/UnaryCall" >"$work/h2load.out" 2>&1 || true
  python3 - "$log" "$seconds" "$work/h2load.out" <<'PY'
import sys
log, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
durations, bad = [], 0
try:
    for line in open(log):
        parts = line.split()
        if len(parts) < 3: continue
        # Status 0: a request still in flight when the timed period ended (not an error).
        if parts[1] == "0": continue
        if parts[1] != "200": bad += 1
        durations.append(int(parts[2]))
except FileNotFoundError:
    pass
rps = 0.0
for line in open(out):
    if line.startswith("finished in"):
        rps = float(line.split(",")[1].split()[0])
if not durations:
    print("0 nan nan"); sys.exit()
durations.sort()
pick = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))] / 1000.0
print(f"{rps:.0f} {pick(0.50):.3f} {pick(0.99):.3f}" + (f" ({bad} non-200)" if bad else ""))
PY
}

printf '%-8s %-12s %-10s %12s %10s %10s\n' payload load server "req/s" "p50 ms" "p99 ms"
summary=()
declare -A plain_rps=()
order=0
misses=0
for size in ${SIZES:-0 1024 65536}; do
  IFS=, read -r -a loads <<<"${LOADS:--c1 -m1,-c4 -m32,-c16 -m64}"
  for load in "${loads[@]}"; do
    # Rotate the order so that no server always goes first.
    rotated=("${servers[@]:$((order % ${#servers[@]}))}" "${servers[@]:0:$((order % ${#servers[@]}))}")
    order=$((order + 1))
    declare -A rps=()
    for server in "${rotated[@]}"; do
      read -r r p50 p99 rest < <(run_load "${port_of[$server]}" "$size" "$load")
      rps[$server]="$r"
      printf '%-8s %-12s %-10s %12s %10s %10s %s\n' "$size" "$load" "$server" "$r" "$p50" "$p99" "${rest:-}"
    done
    line="$(printf '%-8s %-12s' "$size" "$load")"
    best=0; best_peer=""
    for peer in $peers; do
      line+="$(printf '  ours/%s = %s' "$peer" "$(python3 -c "print(f'{${rps[ours]}/max(${rps[$peer]},1):.2f}')")")"
      if [ "${rps[$peer]%.*}" -gt "$best" ]; then best="${rps[$peer]%.*}"; best_peer="$peer"; fi
    done
    ratio="$(python3 -c "print(f'{${rps[ours]}/max($best,1):.2f}')")"
    verdict="ok"
    if ! python3 -c "import sys; sys.exit(0 if ${rps[ours]} >= 2 * $best else 1)"; then
      verdict="BELOW 2x"
      misses=$((misses + 1))
    fi
    summary+=("$line  best peer $best_peer: $ratio ($verdict)")
    [ "$size" = 1024 ] && plain_rps[$load]="${rps[ours]}"
    unset rps
  done
done

tls_summary=()
if [ "${TLS_ROWS:-1}" = 1 ]; then
  Scripts/make-test-certs.sh "$work/certs" >/dev/null
  tls_args=(--tls-cert "$work/certs/member.pem" --tls-key "$work/certs/member-key.pem")
  declare -A tls_port_of=()
  tls_servers=(ours grpcio)
  for server in "${tls_servers[@]}"; do
    port="$(free_port)"
    tls_port_of[$server]="$port"
    case "$server" in
      ours) "$OURS_BIN" server --host 127.0.0.1 --port "$port" "${tls_args[@]}" >"$work/ours-tls.log" 2>&1 & ;;
      grpcio) python3 Tests/Interop/python/interop_server.py --host 127.0.0.1 --port "$port" "${tls_args[@]}" \
        >"$work/grpcio-tls.log" 2>&1 & ;;
    esac
    pids+=($!)
  done
  for server in "${tls_servers[@]}"; do
    wait_for_port "${tls_port_of[$server]}"
    "$OURS_BIN" client --host 127.0.0.1 --port "${tls_port_of[$server]}" --test-case large_unary \
      --tls-ca "$work/certs/ca.pem" >"$work/check.log" 2>&1 \
      || { echo "bench-rpc: large_unary over TLS failed against $server:" >&2; cat "$work/check.log" >&2; exit 1; }
  done
  for load in "-c1 -m1" "-c4 -m32" "-c16 -m64"; do
    declare -A rps=()
    for server in "${tls_servers[@]}"; do
      read -r r p50 p99 rest < <(run_load "${tls_port_of[$server]}" 1024 "$load" https)
      rps[$server]="$r"
      printf '%-8s %-12s %-10s %12s %10s %10s %s\n' 1024 "$load" "$server-tls" "$r" "$p50" "$p99" "${rest:-}"
    done
    tls_summary+=("$(printf '%-8s %-12s  TLS: ours/grpcio = %s  ours TLS/plaintext = %s' 1024 "$load" \
      "$(python3 -c "print(f'{${rps[ours]}/max(${rps[grpcio]},1):.2f}')")" \
      "$(python3 -c "print(f'{${rps[ours]}/max(${plain_rps[$load]:-0},1):.2f}')")")")
    unset rps
  done
fi
echo
printf '%s\n' "${summary[@]}"
[ ${#tls_summary[@]} -gt 0 ] && printf '%s\n' "${tls_summary[@]}"
echo "target (ours >= 2x the best peer's req/s): met in $((order - misses)) of $order rows"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
