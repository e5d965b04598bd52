#!/usr/bin/env bash
# The Python client package (Clients/python) and its pytest suite against real daemons.
#
# Installs the package from the checkout (its stubs generated from Protos/ by the build) into
# a temporary directory, then runs Clients/python/tests, which start `skv kv serve` groups,
# shard controllers and shard groups on free loopback ports: KV operations and errors, leader
# following, exactly-once under lost replies, a leader's kill -9 while a client writes, and
# ShardKV routing over two groups with a join and shard moves while clients write. Prints
# pytest's report and "N of M python client cases passed"; exits non-zero if a case failed.
#
# Environment: CONFIG=debug|release (default debug; the skv built for it), SKV_BIN (use this
#              skv instead of building one), PYTEST_TIMEOUT_SECONDS (whole run, default 300),
#              PYTEST_ARGS (extra pytest arguments, e.g. "-k failover").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
config="${CONFIG:-debug}"
limit="${PYTEST_TIMEOUT_SECONDS:-300}"
say() { echo "test-python-client: $*" >&2; }

if ! python3 -c 'import grpc, grpc_tools, pytest' 2>/dev/null; then
  say "grpcio, grpcio-tools or pytest missing: run Scripts/bootstrap.sh"
  exit 1
fi
if [ -z "${SKV_BIN:-}" ]; then
  say "building skv ($config)"
  swift build -c "$config" --product skv
  SKV_BIN="$(swift build -c "$config" --show-bin-path)/skv"
fi
[ -x "$SKV_BIN" ] || { say "no skv binary at $SKV_BIN"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say "installing Clients/python into $work/site"
# The build tools bootstrap.sh installed (setuptools, grpcio-tools) instead of an isolated
# build environment fetched from the package index; no dependencies (grpcio is there).
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-build-isolation --no-deps \
  --target "$work/site" ./Clients/python

status=0
(
  cd Clients/python
  # shellcheck disable=SC2086  # PYTEST_ARGS is a list of arguments
  SKV_BIN="$SKV_BIN" PYTHONPATH="$work/site" timeout "$limit" python3 -m pytest -p no:cacheprovider -v \
    --basetemp "$work/pytest" --junitxml "$work/junit.xml" ${PYTEST_ARGS:-} tests
) || status=$?
[ "$status" -eq 124 ] && say "pytest did not finish within ${limit}s"
python3 - "$work/junit.xml" <<'EOF' || status=1
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as error:
    sys.exit(f"test-python-client: no pytest report ({error})")
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) + int(s.get("skipped", 0)) for s in suites)
print(f"{total - failed} of {total} python client cases passed")
EOF
exit "$status"
