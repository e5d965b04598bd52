#!/usr/bin/env bash
# gRPC interoperability between swift-skv and grpcio (Python), over 127.0.0.1.
#
# Phases (default: python-client swift-client python-client-tls swift-client-tls):
#   python-client      the grpcio client runs every case against `skv-rpc-interop server`
#   swift-client       `skv-rpc-interop client` runs every case against the grpcio server
#   python-client-tls  python-client over mutual TLS (ALPN h2; test CA of Scripts/make-test-certs.sh)
#   swift-client-tls   swift-client over mutual TLS
#   python-self        grpcio client against grpcio server (checks the harness itself)
#
# Usage: Scripts/interop.sh [phase...]
# Environment: CONFIG=debug|release (default debug), WAIT_SECONDS (server start, default 30),
#              CLIENT_TIMEOUT_SECONDS (whole client run, default 300).
# Prints every case's PASS/FAIL line and a summary; exits non-zero if any phase failed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
config="${CONFIG:-debug}"
wait_seconds="${WAIT_SECONDS:-30}"
client_timeout="${CLIENT_TIMEOUT_SECONDS:-300}"
phases=("$@")
[ ${#phases[@]} -eq 0 ] && phases=(python-client swift-client python-client-tls swift-client-tls)
python_dir="$root/Tests/Interop/python"

workdir="$(mktemp -d)"
server_pids=()
# Stops a server: SIGTERM (graceful shutdown), then SIGKILL if it is still running after 5 s.
stop_pid() {
  local pid="$1"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${server_pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

needs_swift=0
for phase in "${phases[@]}"; do
  case "$phase" in
    python-client|swift-client|python-client-tls|swift-client-tls) needs_swift=1 ;;
    python-self) ;;
    *) echo "interop: unknown phase '$phase' (python-client, swift-client, python-client-tls, swift-client-tls, python-self)" >&2; exit 2 ;;
  esac
done
python3 -c 'import grpc, grpc_tools' 2>/dev/null || { echo "interop: grpcio/grpcio-tools missing: run Scripts/bootstrap.sh" >&2; exit 1; }
if [ "$needs_swift" -eq 1 ]; then
  echo "interop: building skv-rpc-interop ($config)"
  swift build -c "$config" --product skv-rpc-interop
  interop_bin="$(swift build -c "$config" --show-bin-path)/skv-rpc-interop"
fi

# Starts a server (its command line in "$@") that prints "listening on HOST:PORT"; sets
# $server_port. Fails if the line does not appear within $wait_seconds or the server exits.
start_server() {
  local log="$workdir/server-$RANDOM.log"
  : >"$log"  # exists before the background job opens it, so the first read cannot fail
  "$@" >"$log" 2>&1 &
  local pid=$!
  server_pids+=("$pid")
  local deadline=$((SECONDS + wait_seconds))
  server_port=""
  while [ $SECONDS -lt $deadline ]; do
    server_port="$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -n1)"
    [ -n "$server_port" ] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "interop: server exited before listening: $*" >&2
      sed 's/^/  | /' "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "interop: server did not listen within ${wait_seconds}s: $*" >&2
  sed 's/^/  | /' "$log" >&2
  return 1
}

stop_server() {
  stop_pid "${server_pids[${#server_pids[@]}-1]}"
}

# TLS phases: a test CA, the member certificate as server certificate and the client
# certificate as client certificate; each server asks for and verifies client certificates.
certs="$workdir/certs"
case " ${phases[*]} " in
  *-tls\ *) Scripts/make-test-certs.sh "$certs" >/dev/null ;;
esac
server_tls=(--tls-cert "$certs/member.pem" --tls-key "$certs/member-key.pem" --tls-ca "$certs/ca.pem")
client_tls=(--tls-ca "$certs/ca.pem" --tls-cert "$certs/client.pem" --tls-key "$certs/client-key.pem")

declare -A results
overall=0
for phase in "${phases[@]}"; do
  echo "=== $phase"
  status=0
  case "$phase" in
    python-client)
      if start_server "$interop_bin" server --host 127.0.0.1 --port 0; then
        timeout "$client_timeout" python3 "$python_dir/interop_client.py" --host 127.0.0.1 --port "$server_port" --test-case all || status=$?
        stop_server
      else
        status=1
      fi ;;
    swift-client)
      if start_server python3 "$python_dir/interop_server.py" --host 127.0.0.1 --port 0; then
        timeout "$client_timeout" "$interop_bin" client --host 127.0.0.1 --port "$server_port" --test-case all || status=$?
        stop_server
      else
        status=1
      fi ;;
    python-client-tls)
      if start_server "$interop_bin" server --host 127.0.0.1 --port 0 "${server_tls[@]}"; then
        timeout "$client_timeout" python3 "$python_dir/interop_client.py" --host 127.0.0.1 --port "$server_port" \
          --test-case all "${client_tls[@]}" || status=$?
        stop_server
      else
        status=1
      fi ;;
    swift-client-tls)
      if start_server python3 "$python_dir/interop_server.py" --host 127.0.0.1 --port 0 "${server_tls[@]}"; then
        timeout "$client_timeout" "$interop_bin" client --host 127.0.0.1 --port "$server_port" --test-case all \
          "${client_tls[@]}" || status=$?
        stop_server
      else
        status=1
      fi ;;
    python-self)
      if start_server python3 "$python_dir/interop_server.py" --host 127.0.0.1 --port 0; then
        timeout "$client_timeout" python3 "$python_dir/interop_client.py" --host 127.0.0.1 --port "$server_port" --test-case all || status=$?
        stop_server
      else
        status=1
      fi ;;
  esac
  if [ "$status" -eq 0 ]; then results[$phase]="PASS"; else results[$phase]="FAIL (exit $status)"; overall=1; fi
done

echo "=== interop summary"
for phase in "${phases[@]}"; do
  printf '  %-18s %s\n' "$phase" "${results[$phase]}"
done
exit "$overall"
