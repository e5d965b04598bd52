#!/usr/bin/env bash
# Fails if the committed protoc-c output in Sources/CProtos differs from a fresh generation.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/Scripts/generate-protos.sh" "$tmp" >/dev/null
if ! diff -r "$tmp" "$root/Sources/CProtos" >/dev/null; then
  echo "Sources/CProtos is stale: run Scripts/generate-protos.sh and commit the result" >&2
  diff -r "$tmp" "$root/Sources/CProtos" | head -40 >&2
  exit 1
fi
echo "protos: generated C code is up to date"
