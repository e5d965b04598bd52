#!/usr/bin/env bash
# Adding a member to a loaded group, swift-skv against etcd in one run (issue 14's benchmark):
# how long from the add command until an empty fourth member is a voter, how many snapshot bytes
# the group sent it (and the implied MB/s), and what the change costs the clients (p50/p99
# during the change against steady state). Both systems as 3 members on loopback with fsync on
# (as Scripts/bench-kv-scale.sh: etcd without --unsafe-no-fsync, data directories on one disk,
# refused on tmpfs). Not run in CI (about 10-20 minutes with the defaults; KEYS=20000 is a smoke
# run of a few minutes).
#
# 1. Load: KEYS keys (16-byte keys, 100-byte values) into each system by Benchmarks/KV/kvscale.py
#    (LOAD_PROCS x LOAD_STREAMS concurrent Puts to the leader), one system at a time, ours first.
# 2. Then, one system at a time (the other idle), an open-loop client load from
#    Benchmarks/KV/kvmember.py: RATE operations/s, alternately a Put of a loaded key (its own
#    value again) and a linearizable Get of a loaded key, to the leader, latency from each
#    operation's scheduled start (a stall delays what is queued behind it), 5 s deadline.
#    WARMUP_SECONDS, then STEADY_SECONDS of steady state (the "steady" p50/p99), then, with the
#    load still running, the change (the "during change" p50/p99: operations scheduled from the
#    add command until the promotion was seen):
#    - ours: `skv kv member add 4 ADDRESS` (a learner the leader promotes once caught up), then
#      the start line it prints (`skv kv serve ... --join`, data directory empty); promoted when
#      `skv kv member list --json` shows member 4 as a voter (polled every POLL_SECONDS);
#    - etcd: `etcdctl member add e4 --learner`, etcd started with --initial-cluster-state
#      existing and an empty data directory, then `etcdctl member promote` every POLL_SECONDS
#      until etcd accepts it (it refuses while the learner is not in sync with the leader).
#    add -> promoted: from just before the add command until the promotion is seen.
# 3. Snapshot bytes: what members 1-3 (whichever led) sent the new member as snapshots during
#    the change. Ours: skv_raft_snapshot_sent_bytes_total (ours sends its snapshot in one Raft
#    message; a snapshot sent again, e.g. by a new leader, counts again); etcd: its
#    etcd_network_snapshot_* metrics are counts and durations, so the bytes are
#    etcd_network_peer_sent_bytes_total to the new member (the database snapshot stream plus the
#    appended entries after it). Also: the snapshots sent, the elections (new terms) during the
#    change, and the client operations that failed during it. Caught up: from the add until
#    the new member's applied index (its Status, polled every 20 ms) reached what the leader had
#    applied at the add. MB/s = those bytes over that time (a lower bound of the transfer's rate:
#    the time includes the new member's start-up, the snapshot's installation and the catch-up).
#    Neither system sends a snapshot unless its leader's log was compacted past the new member's
#    start: ours compacts at --max-raft-state (8 MiB by default), etcd every --snapshot-count
#    entries (100000 by default, then keeps 5000): for a small KEYS, pass
#    BENCH_SKV_FLAGS="--max-raft-state 1048576" BENCH_ETCD_FLAGS="--snapshot-count 5000".
# If a change does not complete within WAIT_SECONDS, its row says so, and the daemon log lines
# about snapshots and errors of the leader and the new member are printed (then the next system).
#
# Environment: KEYS (default 1000000), LOAD_PROCS (2), LOAD_STREAMS (64 per process), RATE (200
#   operations/s), WARMUP_SECONDS (3), STEADY_SECONDS (20), WAIT_SECONDS (600: the bound of the
#   wait for a promotion), POLL_SECONDS (0.2), SKV_BIN (a prebuilt release skv; otherwise built
#   here), BENCH_TMPDIR (default /tmp), BENCH_SKV_FLAGS / BENCH_ETCD_FLAGS (extra flags for every
#   member of one system), SYSTEMS ("ours etcd", or one of them: both clusters still start, only
#   these are loaded and measured), BENCH_KEEP (set: keep the data directories and logs).
# Installs etcd-server, etcd-client and nghttp2-client with apt-get if missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/kvclusters.sh
keys="${KEYS:-1000000}"
procs="${LOAD_PROCS:-2}"
streams="${LOAD_STREAMS:-64}"
rate="${RATE:-200}"
warmup="${WARMUP_SECONDS:-3}"
steady="${STEADY_SECONDS:-20}"
wait_seconds="${WAIT_SECONDS:-600}"
poll="${POLL_SECONDS:-0.2}"
systems="${SYSTEMS:-ours etcd}"
case "$systems" in "ours etcd" | ours | etcd) ;; *) echo "SYSTEMS: ours, etcd or 'ours etcd'" >&2; exit 2 ;; esac
kvscale="$root/Benchmarks/KV/kvscale.py"
kvmember="$root/Benchmarks/KV/kvmember.py"
kvbench="$root/Benchmarks/KV/kvbench.py"

say() { echo "bench-membership: $*" >&2; }
now() { date +%s.%N; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

say "start: commit $(git rev-parse --short HEAD); $(uptime)"
uptime_start="$(uptime)"

# --- Dependencies, build, both clusters ------------------------------------------------------
kv_bench_prerequisites
kv_bench_workdir skv-bench-membership
ours_pids=("" "" "" "" "")
etcd_pids=("" "" "" "" "")
traffic_pid=""
caught_up_pid=""
cleanup() {
  trap - EXIT INT TERM
  stop_pids "$traffic_pid" "$caught_up_pid" "${ours_pids[@]}" "${etcd_pids[@]}"
  if [ -n "${BENCH_KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# Our members' /metrics ports; member 4's ports once the clusters hold theirs (so none repeats).
read -r -a extra <<<"$(free_ports 3)"
ours_metrics_ports=(0 "${extra[0]}" "${extra[1]}" "${extra[2]}")
kv_bench_start_clusters skv-bench-membership
read -r -a extra <<<"$(free_ports 4)"
ours_metrics_ports[4]="${extra[0]}"
ours_ports[4]="${extra[1]}"
etcd_ports[4]="${extra[2]}"
etcd_peer_ports[4]="${extra[3]}"
all_ports="${ours_metrics_ports[*]:1} ${ours_ports[*]:1} ${etcd_ports[*]:1} ${etcd_peer_ports[*]:1}"
if [ "$(tr ' ' '\n' <<<"$all_ports" | sort | uniq -d)" != "" ]; then
  say "a port was picked twice ($all_ports): run again"
  exit 1
fi

endpoints_of() { if [ "$1" = ours ]; then echo "$ours_endpoints"; else echo "$etcd_endpoints"; fi; }
leader_index() { python3 "$kvbench" leader "$1" "$(endpoints_of "$1")" | cut -d' ' -f1; }
etcdctl_() { ETCDCTL_API=3 etcdctl --endpoints "$etcd_endpoints" --command-timeout=10s "$@"; }

# members_counter SYSTEM OURS_METRIC ETCD_METRIC [ETCD_MEMBER_HEX]: the sum of a counter over
# members 1-3 (any of them may lead during the change; etcd: the samples labelled with the new
# member's id, 0 before it is known).
members_counter() {
  local i total=0 value
  for i in 1 2 3; do
    if [ "$1" = ours ]; then
      value="$(python3 "$kvmember" metric "http://127.0.0.1:${ours_metrics_ports[$i]}/metrics" "$2")"
    elif [ -n "${4:-}" ]; then
      value="$(python3 "$kvmember" metric "http://127.0.0.1:${etcd_ports[$i]}/metrics" "$3" --label "To=$4")"
    else
      value=0
    fi
    total=$((total + value))
  done
  echo "$total"
}
# snapshot_bytes / snapshots_sent SYSTEM [ETCD_MEMBER_HEX]: snapshot bytes members 1-3 sent
# (etcd: all bytes they sent to the new member), and how many snapshots.
snapshot_bytes() {
  members_counter "$1" skv_raft_snapshot_sent_bytes_total etcd_network_peer_sent_bytes_total "${2:-}"
}
snapshots_sent() { members_counter "$1" skv_raft_snapshots_sent_total etcd_network_snapshot_send_success "${2:-}"; }
# leader_term SYSTEM: the current term, once the members agree on a leader.
leader_term() { python3 "$kvbench" leader "$1" "$(endpoints_of "$1")" | cut -d' ' -f3; }

# show_change_logs SYSTEM LEADER: what the leader and the new member logged about the change.
show_change_logs() {
  local f
  for f in "$work/$1$2.log" "$work/${1}4.log"; do
    echo "--- $f: snapshot, member, error and warning lines (last 40)" >&2
    grep -i -E 'snapshot|member|learner|error|warn|fail|refus|exceed|too large|limit' "$f" 2>/dev/null |
      tail -n 40 >&2 || true
    echo "--- $f: last 10 lines" >&2
    tail -n 10 "$f" >&2 2>/dev/null || true
  done
}

declare -A result=()

# --- 1. Load ---------------------------------------------------------------------------------
for system in $systems; do
  say "loading $keys keys into $system"
  read -r _ seconds rate_loaded retries < <(python3 "$kvscale" load "$system" "$(endpoints_of "$system")" \
    --keys "$keys" --procs "$procs" --streams "$streams")
  result[$system.load]="${seconds}s (${rate_loaded}/s)"
  say "$system: $keys keys in ${seconds}s ($rate_loaded keys/s, $retries retried attempts)"
done
sleep 3

# --- 2. and 3. Steady state, then the change under the same load -----------------------------

# ours_add: member add 4, then the printed start line; sets started_ok.
ours_add() {
  local line words i
  if ! timeout 120 "$SKV_BIN" kv member add 4 "127.0.0.1:${ours_ports[4]}" --endpoints "$ours_endpoints" \
    >"$work/add.out" 2>&1; then
    say "ours: member add failed: $(cat "$work/add.out")"
    return 1
  fi
  line="$(grep -A1 '^start the new member with:' "$work/add.out" | tail -n 1)"
  read -r -a words <<<"$line"
  [ "${words[0]:-}" = skv ] || { say "ours: no start line in: $(cat "$work/add.out")"; return 1; }
  words[0]="$SKV_BIN"
  for i in "${!words[@]}"; do [ "${words[i]}" = "<DIR>" ] && words[i]="$work/ours4"; done
  say "ours: starting member 4: ${words[*]}"
  # shellcheck disable=SC2086  # BENCH_SKV_FLAGS is a list of flags
  "${words[@]}" --metrics-listen "127.0.0.1:${ours_metrics_ports[4]}" ${BENCH_SKV_FLAGS:-} \
    >>"$work/ours4.log" 2>&1 &
  ours_pids[4]=$!
  disown "${ours_pids[4]}" 2>/dev/null || true
}

# ours_promoted: whether member list shows member 4 as a voter.
ours_promoted() {
  local role
  role="$(timeout 20 "$SKV_BIN" kv member list --json --endpoints "$ours_endpoints" --timeout 5 2>/dev/null |
    python3 "$kvmember" role 4 2>/dev/null)" || return 1
  [ "$role" = voter ]
}

# etcd_add: member add --learner, then etcd e4 with an empty data directory; sets etcd_new_id.
etcd_add() {
  if ! etcdctl_ member add e4 --learner --peer-urls "http://127.0.0.1:${etcd_peer_ports[4]}" \
    >"$work/add.out" 2>&1; then
    say "etcd: member add failed: $(cat "$work/add.out")"
    return 1
  fi
  etcd_new_id="$(sed -n 's/^Member *\([0-9a-f]*\) added to cluster.*/\1/p' "$work/add.out")"
  [ -n "$etcd_new_id" ] || { say "etcd: no member id in: $(cat "$work/add.out")"; return 1; }
  etcd_cluster+=",e4=http://127.0.0.1:${etcd_peer_ports[4]}"
  etcd_pids[4]="$(start_etcd_member 4 existing)"
}

member4_alive() { # SYSTEM: whether its member 4 runs
  local pid
  if [ "$1" = ours ]; then pid="${ours_pids[4]}"; else pid="${etcd_pids[4]}"; fi
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

etcd_promoted() { etcdctl_ member promote "$etcd_new_id" >>"$work/promote.out" 2>&1; }

for system in $systems; do
  leader="$(leader_index "$system")"
  rm -f "$work/promote.out"
  etcd_new_id=""
  python3 "$kvmember" traffic "$system" "$(endpoints_of "$system")" --keys "$keys" --rate "$rate" \
    --out "$work/$system-traffic.log" 2>"$work/$system-traffic.err" &
  traffic_pid=$!
  sleep "$warmup"
  steady_start="$(now)"
  sleep "$steady"
  # etcd's counter of bytes sent to the new member starts at the add (labelled by its id).
  bytes_before="$(snapshot_bytes "$system")"
  sent_before="$(snapshots_sent "$system")"
  term_before="$(leader_term "$system")"
  target="$(python3 "$kvscale" status "$system" "$(endpoints_of "$system")" |
    awk -v i="$leader" '$1 == i { sub("applied=", "", $3); print $3 }')"
  say "$system: adding member 4 (leader $leader, applied index $target; $(uptime | sed 's/.*load/load/'))"
  added="$(now)"
  outcome=ok
  "${system}_add" || outcome="add-failed"
  # When member 4 has applied what the leader had applied at the add (transfer and catch-up).
  address4="127.0.0.1:${ours_ports[4]}"
  [ "$system" = etcd ] && address4="127.0.0.1:${etcd_ports[4]}"
  python3 "$kvscale" wait-applied "$system" "$address4" "${target:-0}" --since "$added" --timeout "$wait_seconds" \
    >"$work/$system-caught-up.txt" 2>&1 &
  caught_up_pid=$!
  promoted=""
  if [ "$outcome" = ok ]; then
    deadline="$(awk -v a="$added" -v w="$wait_seconds" 'BEGIN { print a + w }')"
    until "${system}_promoted"; do
      member4_alive "$system" || { outcome="member-4-exited"; break; }
      if awk -v d="$deadline" -v t="$(now)" 'BEGIN { exit !(t > d) }'; then outcome="timeout"; break; fi
      sleep "$poll"
    done
    [ "$outcome" = ok ] && promoted="$(now)"
  fi
  ended="${promoted:-$(now)}"
  bytes_after="$(snapshot_bytes "$system" "$etcd_new_id")"
  sent_after="$(snapshots_sent "$system" "$etcd_new_id")"
  read -r leader_after _ term_after _ < <(python3 "$kvbench" leader "$system" "$(endpoints_of "$system")")
  result[$system.terms]="$((term_after - term_before))"
  stop_pids "$traffic_pid"
  traffic_pid=""
  # Both systems may promote on the leader's view of the new member's log (match index) before
  # the member has applied it all: the waiter ends by itself (caught up, or its own timeout).
  if [ "$outcome" = ok ]; then wait "$caught_up_pid" || true; else stop_pids "$caught_up_pid"; fi
  caught_up_pid=""
  result[$system.caught_up]="$(head -n 1 "$work/$system-caught-up.txt" 2>/dev/null || true)"
  [ -s "$work/$system-traffic.err" ] && { say "$system traffic client:"; tail -n 5 "$work/$system-traffic.err" >&2; }
  read -r _ s_count s_failed s_p50 s_p99 s_max < <(python3 "$kvmember" windows "$work/$system-traffic.log" \
    "steady:$steady_start:$added")
  read -r _ c_count c_failed c_p50 c_p99 c_max < <(python3 "$kvmember" windows "$work/$system-traffic.log" \
    "change:$added:$ended")
  bytes=$((bytes_after - bytes_before))
  result[$system.bytes]="$bytes"
  result[$system.mb]="$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"
  if [ "$outcome" = ok ]; then
    result[$system.seconds]="$(seconds_between "$added" "$promoted")"
    result[$system.mbps]="$(awk -v b="$bytes" -v s="${result[$system.caught_up]}" \
      'BEGIN { if (b > 0 && s > 0) printf "%.1f", b / 1e6 / s; else print "-" }')"
  else
    result[$system.seconds]="$outcome($(seconds_between "$added" "$ended"))"
    result[$system.mbps]="-"
    say "$system: the change did not complete: $outcome"
    show_change_logs "$system" "$leader"
  fi
  result[$system.steady]="$s_p50/$s_p99"
  result[$system.change]="$c_p50/$c_p99"
  result[$system.failed]="$c_failed/$c_count"
  result[$system.note]="leader $leader -> $leader_after (term $term_before -> $term_after),"
  result[$system.note]+=" $((sent_after - sent_before)) snapshot(s) sent;"
  result[$system.note]+=" steady: $s_count ops, $s_failed failed, max ${s_max} ms;"
  result[$system.note]+=" change: $c_count ops, $c_failed failed, max ${c_max} ms"
  say "$system: add -> promoted ${result[$system.seconds]} s, snapshot $bytes bytes;" \
    "p50/p99 ms steady ${result[$system.steady]}, during change ${result[$system.change]}; ${result[$system.note]}"
done

# --- 4. Table --------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "bench-membership: add an empty 4th member to 3 loaded members; $keys keys (16 B keys, 100 B values)," \
  "loopback, fsync on; client load $rate ops/s (1:1 Put:Get) to the leader"
echo "commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- Sources || echo '+dirty');" \
  "skv $SKV_BIN; etcd $(etcd --version | sed -n 's/^etcd Version: //p')"
format='%-9s %8s %16s %11s %11s %6s %15s %15s %9s %9s\n'
# shellcheck disable=SC2059  # the format is the table's
printf "$format" system keys "add->promoted s" "caught up s" "snapshot MB" "MB/s" "p50/p99 steady" "p50/p99 change" \
  "failed" "new terms"
for system in $systems; do
  # shellcheck disable=SC2059
  printf "$format" "$system" "$keys" "${result[$system.seconds]}" "${result[$system.caught_up]:-?}" \
    "${result[$system.mb]}" "${result[$system.mbps]}" "${result[$system.steady]}" "${result[$system.change]}" \
    "${result[$system.failed]}" "${result[$system.terms]}"
done
# shellcheck disable=SC2059
[ "$systems" = "ours etcd" ] && printf "$format" ours/etcd "" \
  "$(ratio "${result[ours.seconds]}" "${result[etcd.seconds]}")" \
  "$(ratio "${result[ours.caught_up]:-}" "${result[etcd.caught_up]:-}")" \
  "$(ratio "${result[ours.mb]}" "${result[etcd.mb]}")" "$(ratio "${result[ours.mbps]}" "${result[etcd.mbps]}")" \
  "$(ratio "${result[ours.steady]#*/}" "${result[etcd.steady]#*/}") (p99)" \
  "$(ratio "${result[ours.change]#*/}" "${result[etcd.change]#*/}") (p99)" "" ""
echo "caught up: from the add until member 4's applied index reached the leader's at the add;" \
  "add->promoted: until the promotion was seen (ours: promoted by the leader once the learner stayed within" \
  "64 entries for 10 ticks; etcd: the first \`member promote\` accepted, tried every $poll s); latencies in ms;" \
  "failed: client operations scheduled during the change that failed (of all); new terms: elections during the change"
for system in $systems; do echo "$system: ${result[$system.note]}"; done
echo "snapshot MB: ours, skv_raft_snapshot_sent_bytes_total of members 1-3; etcd, their" \
  "etcd_network_peer_sent_bytes_total to the new member (snapshot stream and entries)"
for system in $systems; do echo "load, $system: ${result[$system.load]}"; done
echo "uptime at start: $uptime_start"
echo "uptime at end:   $(uptime)"
