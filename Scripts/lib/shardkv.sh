# Shell helpers shared by the scripts that run the sharded service on loopback: 3 shard
# controllers (`skv ctrler serve`) and replica groups of 3 `skv shard serve` members each.
# Sourced after processes.sh; the caller sets $skv (the binary) and $work (data directories
# and logs: $work/ctrlerI, $work/gGnI, each with a .log). Every daemon is disowned (a SIGKILL
# prints no job notice); `stop_shard_cluster` stops them all.

shard_ports=()
declare -A shard_pids=()

# Allocates free ports for the 3 controllers and MAX_GROUPS groups of 3.
shard_cluster_ports() { shard_ports=($(free_ports $((3 + 3 * $1)))); }
ctrler_address() { echo "127.0.0.1:${shard_ports[$(($1 - 1))]}"; }
member_address() { echo "127.0.0.1:${shard_ports[$((3 + ($1 - 1) * 3 + $2 - 1))]}"; }
# HOST:PORT,... of the controllers / of group G's members.
ctrler_list() { local i l=""; for i in 1 2 3; do l+="${l:+,}$(ctrler_address "$i")"; done; echo "$l"; }
group_list() { local i l=""; for i in 1 2 3; do l+="${l:+,}$(member_address "$1" "$i")"; done; echo "$l"; }

# start_ctrler I: controller I (1-3).
start_ctrler() {
  local i="$1" j peers=()
  for j in 1 2 3; do peers+=(--peer "$j=$(ctrler_address "$j")"); done
  "$skv" ctrler serve --id "$i" --listen "$(ctrler_address "$i")" "${peers[@]}" \
    --data-dir "$work/ctrler$i" >>"$work/ctrler$i.log" 2>&1 &
  shard_pids[ctrler$i]=$!
  disown "$!"
}

# start_member G I: member I (1-3) of group G, with $SHARD_SERVE_FLAGS if set.
start_member() {
  local g="$1" i="$2" j peers=()
  for j in 1 2 3; do peers+=(--peer "$j=$(member_address "$g" "$j")"); done
  # shellcheck disable=SC2086
  "$skv" shard serve --gid "$g" --ctrlers "$(ctrler_list)" --id "$i" --listen "$(member_address "$g" "$i")" \
    "${peers[@]}" --data-dir "$work/g${g}n$i" ${SHARD_SERVE_FLAGS:-} >>"$work/g${g}n$i.log" 2>&1 &
  shard_pids[g${g}n$i]=$!
  disown "$!"
}

start_ctrlers() { local i; for i in 1 2 3; do start_ctrler "$i"; done; }
start_group() { local i; for i in 1 2 3; do start_member "$1" "$i"; done; }

# join_groups G...: joins the groups (each with its 3 members) through the CLI.
join_groups() {
  local g groups=()
  for g in "$@"; do groups+=("$g=$(group_list "$g")"); done
  "$skv" ctrler join --ctrlers "$(ctrler_list)" --timeout 10 "${groups[@]}"
}

# kill_member G I: SIGKILL, and waits until the process is gone.
kill_member() {
  local pid="${shard_pids[g${1}n$2]}"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

stop_shard_cluster() { stop_pids "${shard_pids[@]}"; }

# Every daemon still running? Otherwise names the first that exited, with its log, and fails.
check_shard_cluster() {
  local name
  for name in "${!shard_pids[@]}"; do
    if ! kill -0 "${shard_pids[$name]}" 2>/dev/null; then
      echo "$name exited:" >&2
      tail -n 20 "$work/$name.log" | sed 's/^/  | /' >&2
      return 1
    fi
  done
}

# wait_for_ctrlers SECONDS: until the controllers answer a Query.
wait_for_ctrlers() {
  local deadline=$((SECONDS + $1))
  until "$skv" ctrler query --ctrlers "$(ctrler_list)" --timeout 1 >/dev/null 2>&1; do
    check_shard_cluster || return 1
    [ $SECONDS -ge $deadline ] && { echo "no controller answered within $1 s" >&2; return 1; }
    sleep 0.2
  done
}

# wait_for_groups SECONDS G...: until each group has a leader that has applied the latest
# configuration (from `skv shard status`).
wait_for_groups() {
  local deadline=$((SECONDS + $1)) status
  shift
  while :; do
    status="$("$skv" shard status --ctrlers "$(ctrler_list)" --timeout 2 2>/dev/null || true)"
    awk -v want="$*" '
      /^configuration / { num = $2 }
      /role=leader/ {
        for (i = 1; i <= NF; i++) { split($i, f, "="); v[f[1]] = f[2] }
        if (v["config"] == num) ok[v["gid"]] = 1
      }
      END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (!(w[i] in ok)) exit 1 }' <<<"$status" && return 0
    check_shard_cluster || return 1
    if [ $SECONDS -ge $deadline ]; then
      echo "groups $* not ready within the time limit; last status:" >&2
      sed 's/^/  | /' <<<"$status" >&2
      return 1
    fi
    sleep 0.2
  done
}

# group_leader G: the Raft id of group G's leader (empty if none answers as leader).
group_leader() {
  "$skv" shard status --ctrlers "$(ctrler_list)" --timeout 2 2>/dev/null | awk -v g="$1" '
    $1 == "gid=" g && /role=leader/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^id=/) { print substr($i, 4); exit }
    }' || true
}

# The shard map of the latest configuration on one line: `configuration N: 0=G 1=G ...`.
shard_map() {
  "$skv" ctrler query --ctrlers "$(ctrler_list)" --timeout 5 | awk '
    /^configuration / { num = $2 } /^shards: / { sub(/^shards: /, ""); map = $0 }
    END { print "configuration " num ": " map }'
}

# Prints the last lines of every daemon log to stderr.
show_shard_logs() {
  local f
  for f in "$work"/*.log; do echo "--- $f" >&2; tail -n "${1:-15}" "$f" >&2; done
}
