#!/usr/bin/env bash
# glibc memcpy by relative alignment: prints the time of one memcpy of 4 KiB, 16 KiB and 64 KiB
# for each (dst - src) mod 64 in steps of 8, with glibc's defaults, again with REP MOVSB
# disabled below the non-temporal threshold (GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=...),
# and with glibc's defaults but the copy made in pieces of PIECES bytes (ByteCopy in RPCCore, which
# the RPC stack copies message bodies with: 2048).
#
# Why: on the AMD EPYC machines these benchmarks ran on (glibc 2.36, CPU flags erms and fsrm), a
# copy of 4 KiB or more whose destination lies 1-31 bytes past its source modulo 64 took 15-30x
# as long as the same copy otherwise (64 KiB: ~22 us against ~1.3 us). Which buffers meet that
# way depends on the allocator and the heap's layout, so the 64-KiB rows of bench-rpc.sh (about
# ten copies of each message per call) moved by 5-10 % between two builds of the same code.
# Upstream glibc stopped using REP MOVSB on AMD Zen 3/4 for such sizes in later releases.
# Needs gcc. Environment: SIZES (bytes, default "4096 16384 65536"), PIECES (default 2048).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/memcpy_alignment" "$root/Benchmarks/Memcpy/memcpy_alignment.c"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "glibc $(ldd --version | head -1 | awk '{print $NF}'), $cpu," \
  "flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w 'erms\|fsrm' | tr '\n' ' ')"
for tunables in "" "glibc.cpu.x86_rep_movsb_threshold=4294967295"; do
  echo "GLIBC_TUNABLES=${tunables:-(unset)}"
  for size in ${SIZES:-4096 16384 65536}; do
    env ${tunables:+GLIBC_TUNABLES=$tunables} "$work/memcpy_alignment" "$size"
  done
done
echo "GLIBC_TUNABLES=(unset), in pieces of ${PIECES:-2048} bytes"
for size in ${SIZES:-4096 16384 65536}; do
  "$work/memcpy_alignment" "$size" "${PIECES:-2048}"
done
