#!/usr/bin/env bash
# The status page in a real browser: headless Chromium (Debian's `chromium`) against live
# clusters on loopback.
#
# Builds `skv`; starts a 3-node KV group whose members serve `--metrics-listen`, and a sharded
# cluster (3 controllers, groups 1 and 2 of 3 members, joined) where one member of group 1
# serves it. For each it loads `/` with `chromium --headless --dump-dom` after the page's
# script ran (virtual time budget) and checks the DOM: the leader id that `skv … status`
# reports, every member, the shard → group map of `skv ctrler query`, a stopped member shown
# as unreachable on the next refresh; and takes a screenshot (`--screenshot`), checked to be
# a PNG that is not blank. Prints one PASS/FAIL line per case and
# "N of M status page cases passed"; exits non-zero if a case failed or a cluster did not start.
#
# Environment: CONFIG=debug|release (default debug), WAIT_SECONDS (cluster start, default 30),
#              SCREENSHOT_DIR (keep the screenshots there; default: a temporary directory).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source Scripts/lib/processes.sh
source Scripts/lib/shardkv.sh
config="${CONFIG:-debug}"
wait_seconds="${WAIT_SECONDS:-30}"
say() { echo "test-status-page: $*"; }

browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { say "chromium not found: run Scripts/bootstrap.sh" >&2; exit 1; }
say "building skv ($config)"
swift build -c "$config" --product skv
skv="$(swift build -c "$config" --show-bin-path)/skv"

work="$(mktemp -d)"
shots="${SCREENSHOT_DIR:-$work}"
mkdir -p "$shots"
kv_pids=("" "" "")
cleanup() {
  trap - EXIT INT TERM
  stop_pids "${kv_pids[@]}"
  stop_shard_cluster
  rm -rf "$work"
}
trap cleanup EXIT
trap 'say "interrupted" >&2; exit 130' INT TERM

passed=0
total=0
check() { # check NAME COMMAND...: one case
  local name="$1"
  shift
  total=$((total + 1))
  if "$@"; then
    passed=$((passed + 1))
    echo "PASS $name"
  else
    echo "FAIL $name"
  fi
}

# dump URL FILE: the DOM after the page's script ran for ~4 s of virtual time.
dump() {
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/chrome" \
    --virtual-time-budget=4000 --dump-dom "$1" >"$2" 2>"$work/chrome.log" || true
}
# screenshot URL FILE
screenshot() {
  rm -f "$2"
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/chrome" \
    --hide-scrollbars --window-size=1280,900 --virtual-time-budget=4000 --screenshot="$2" "$1" \
    >>"$work/chrome.log" 2>&1 || true
}
# not_blank FILE: a PNG whose pixels are not all alike (many distinct bytes once inflated).
not_blank() {
  python3 - "$1" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + length]
    pos += 12 + length
pixels = zlib.decompress(idat)
distinct = len(set(pixels))
print(f"  {sys.argv[1]}: {len(data)} bytes, {distinct} distinct byte values")
sys.exit(0 if distinct >= 32 else 1)
EOF
}
contains() { grep -q -- "$2" "$1"; }

# --- A KV group -----------------------------------------------------------------------------
ports=($(free_ports 6))
peers=()
endpoints=""
for i in 1 2 3; do
  peers+=(--peer "$i=127.0.0.1:${ports[$((i - 1))]}")
  endpoints+="${endpoints:+,}127.0.0.1:${ports[$((i - 1))]}"
done
for i in 1 2 3; do
  "$skv" kv serve --id "$i" --listen "127.0.0.1:${ports[$((i - 1))]}" "${peers[@]}" --data-dir "$work/kv$i" \
    --metrics-listen "127.0.0.1:${ports[$((i + 2))]}" >>"$work/kv$i.log" 2>&1 &
  kv_pids[$((i - 1))]=$!
done
kv_page="http://127.0.0.1:${ports[3]}/"
deadline=$((SECONDS + wait_seconds))
leader=""
until [ -n "$leader" ]; do
  leader="$("$skv" kv status --endpoints "$endpoints" --timeout 1 2>/dev/null |
    sed -n 's/.* id=\([0-9]*\) .*role=leader.*/\1/p' | head -1 || true)"
  if [ -z "$leader" ] && [ $SECONDS -ge $deadline ]; then
    say "no KV leader within ${wait_seconds}s" >&2
    for i in 1 2 3; do tail -n 20 "$work/kv$i.log" >&2; done
    exit 1
  fi
  [ -n "$leader" ] || sleep 0.2
done
"$skv" kv put --endpoints "$endpoints" --timeout 10 greeting hello >/dev/null
say "KV group on $endpoints, leader $leader; page $kv_page"

kv_leader() {
  "$skv" kv status --endpoints "$endpoints" --timeout 2 2>/dev/null |
    sed -n 's/.* id=\([0-9]*\) .*role=leader.*/\1/p' | head -1 || true
}
# shows_leader FILE GROUP COMMAND...: the page (dumped to FILE) shows as GROUP's leader the id
# COMMAND prints, read before and after the dump (a load-induced election in between: retried).
shows_leader() {
  local file="$1" group="$2" attempt before after
  shift 2
  for attempt in 1 2 3; do
    before="$("$@")"
    dump "$page" "$file"
    after="$("$@")"
    [ -n "$before" ] && [ "$before" = "$after" ] && contains "$file" "id=\"leader-$group\">$before<" && return 0
    echo "  attempt $attempt: leader $before/$after, page shows: $(grep -o "id=\"leader-$group\">[^<]*<" "$file")"
  done
  return 1
}
page="$kv_page"
check "kv page shows the live leader" shows_leader "$work/kv.html" kv kv_leader
kv_members() { local i; for i in 1 2 3; do contains "$work/kv.html" ">127.0.0.1:${ports[$((i - 1))]}<" || return 1; done; }
check "kv page lists the 3 members" kv_members
check "kv page shows the membership (3 voters, no learner)" \
    contains "$work/kv.html" 'id="membership-kv">index 0, voters 1,2,3, learners none<'
check "kv page is live (refreshed from /status.json)" contains "$work/kv.html" 'class="pill live">live<'
screenshot "$kv_page" "$shots/status-kv.png"
check "kv screenshot is a non-blank PNG" not_blank "$shots/status-kv.png"
# A follower stops: the next refresh shows it unreachable.
follower=$((leader % 3 + 1))
stop_pids "${kv_pids[$((follower - 1))]}"
kv_pids[$((follower - 1))]=""
page="http://127.0.0.1:${ports[$((leader + 2))]}/"
dump "$page" "$work/kv-down.html"
check "kv page shows stopped member $follower as unreachable" \
  contains "$work/kv-down.html" "<td>$follower</td><td>127.0.0.1:${ports[$((follower - 1))]}</td><td class=\"role-unreachable\">unreachable<"

# --- A sharded cluster ------------------------------------------------------------------------
shard_cluster_ports 2
metrics_ports=($(free_ports 2))
metrics_port="${metrics_ports[0]}"
start_ctrlers
SHARD_SERVE_FLAGS="--metrics-listen 127.0.0.1:$metrics_port" start_member 1 1
start_member 1 2
start_member 1 3
SHARD_SERVE_FLAGS="--metrics-listen 127.0.0.1:${metrics_ports[1]}" start_member 2 1
start_member 2 2
start_member 2 3
wait_for_ctrlers "$wait_seconds" || { show_shard_logs; exit 1; }
join_groups 1 2 >/dev/null
wait_for_groups "$wait_seconds" 1 2 || { show_shard_logs; exit 1; }
shard_page="http://127.0.0.1:$metrics_port/"
map="$("$skv" ctrler query --ctrlers "$(ctrler_list)" --timeout 5 | sed -n 's/^shards: //p')"
ctrler_leader() {
  "$skv" ctrler status --ctrlers "$(ctrler_list)" --timeout 5 2>/dev/null |
    sed -n 's/.* id=\([0-9]*\) .*role=leader.*/\1/p' | head -1 || true
}
say "sharded cluster: $(shard_map); page $shard_page"

page="$shard_page"
dump "$page" "$work/shard.html"
shard_cells() {
  local entry
  for entry in $map; do
    contains "$work/shard.html" "id=\"shard-${entry%%=*}\" data-gid=\"${entry#*=}\"" || return 1
  done
}
check "shard page shows the shard map ($map)" shard_cells
check "shard page shows group 1's leader" shows_leader "$work/shard.html" 1 group_leader 1
check "shard page shows group 2's leader" shows_leader "$work/shard.html" 2 group_leader 2
check "shard page shows the controllers' leader" shows_leader "$work/shard.html" ctrler ctrler_leader
check "shard page shows group 1's membership" contains "$work/shard.html" 'id="membership-1">index 0, voters '
screenshot "$shard_page" "$shots/status-shard.png"
check "shard screenshot is a non-blank PNG" not_blank "$shots/status-shard.png"
# Group 1 stops; a shard of its moves to group 2, which cannot pull it: group 2's page shows
# the shard in migration (and group 1 unreachable) until group 1 returns.
moved="$(tr ' ' '\n' <<<"$map" | awk -F= '$2 == 1 { print $1; exit }')"
for i in 1 2 3; do stop_pids "${shard_pids[g1n$i]}"; unset "shard_pids[g1n$i]"; done
"$skv" ctrler move --ctrlers "$(ctrler_list)" --timeout 10 "$moved" 2 >/dev/null
migrating() {
  local attempt
  for attempt in 1 2 3 4 5; do
    dump "http://127.0.0.1:${metrics_ports[1]}/" "$work/moving.html"
    contains "$work/moving.html" "id=\"shard-$moved\" data-gid=\"2\" data-migrating=\"true\"" && return 0
    sleep 1
  done
  return 1
}
check "shard page highlights shard $moved in migration to group 2" migrating
screenshot "http://127.0.0.1:${metrics_ports[1]}/" "$shots/status-migrating.png"
check "migration screenshot is a non-blank PNG" not_blank "$shots/status-migrating.png"

echo "$passed of $total status page cases passed"
[ "$passed" -eq "$total" ]
