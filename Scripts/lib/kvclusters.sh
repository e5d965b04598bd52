# Starting the members of the two KV systems the benchmarks compare, 3 each on loopback with
# fsync on (sourced, not run). The caller sets: SKV_BIN, work (the directory holding every
# data directory and log), ours_peers (the --peer arguments), ours_ports and etcd_ports
# (client ports by member, 1-based: index 0 unused), etcd_peer_ports, etcd_cluster (the
# --initial-cluster value), etcd_token, and optionally BENCH_SKV_FLAGS / BENCH_ETCD_FLAGS.
# Each function prints the new pid; the process is disowned (a later SIGKILL prints no
# "Killed" notice) and logs to $work/<name><i>.log (appended, so restarts keep the history).

# start_ours_member I: skv kv serve as Raft id I with data in $work/ours<I>.
start_ours_member() {
  local i="$1"
  # shellcheck disable=SC2086  # BENCH_SKV_FLAGS is a list of flags
  "$SKV_BIN" kv serve --id "$i" --listen "127.0.0.1:${ours_ports[$i]}" "${ours_peers[@]}" \
    --data-dir "$work/ours$i" ${BENCH_SKV_FLAGS:-} >>"$work/ours$i.log" 2>&1 &
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
