# Shell helpers shared by the scripts that start servers on loopback (sourced, not run).

# Prints N free TCP ports on 127.0.0.1, space-separated (bound at once, so they differ).
free_ports() {
  python3 -c 'import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

# Stops processes gracefully: SIGTERM to every given pid (empty ones are skipped), up to 5 s
# for all of them to exit, then SIGKILL to any still running.
stop_pids() {
  local pid alive
  for pid in "$@"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for pid in "$@"; do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for pid in "$@"; do [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; done
}
