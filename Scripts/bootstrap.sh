#!/usr/bin/env bash
# Installs what swift-skv needs to build, test and benchmark on Debian (idempotent).
# Swift itself (6.1+) is expected on PATH.
set -euo pipefail
# chromium: the status page's browser test (Scripts/test-status-page.sh); openssl: the TLS tests'
# certificates (Scripts/make-test-certs.sh); iproute2, nftables, iptables: the partition tests'
# network namespaces and packet filters (Scripts/test-partitions.sh, Scripts/soak.sh).
apt_packages=(libnghttp2-dev libprotobuf-c-dev libjemalloc-dev protobuf-c-compiler nghttp2-client chromium openssl
  iproute2 nftables iptables)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Python gRPC, used by the interoperability tests (stubs are generated at test time), and what
# the Python client package (Clients/python) is built and tested with: grpcio-tools generates its
# stubs, setuptools 70.1+ builds its wheel without an isolated build environment, pytest runs
# its suite.
if ! python3 -c 'import grpc, grpc_tools, pytest, setuptools.command.bdist_wheel' >/dev/null 2>&1; then
  python3 -m pip install -q grpcio grpcio-tools pytest 'setuptools>=70.1'
fi
command -v swift >/dev/null || { echo "bootstrap: swift not found on PATH" >&2; exit 1; }
echo "bootstrap: system packages, Python gRPC and pytest are installed"
