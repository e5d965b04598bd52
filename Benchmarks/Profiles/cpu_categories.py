#!/usr/bin/env python3
"""Splits a `perf record` profile of one process into CPU categories.

Usage: cpu_categories.py PERF_DATA [CPU_US_PER_OP]

Reads `perf report --no-children --sort dso,sym` of PERF_DATA and sums the samples' shares by
category: the kernel, nghttp2, protobuf-c, the allocator, libc, the Swift runtime (split into
retain/release, exclusivity checks, generic metadata and casts, hashing, allocation, other),
the Swift concurrency runtime, and, inside our binary, NIO, our RPC stack, the KV clerk, the
bench loop. With CPU_US_PER_OP (the process's CPU time per operation, measured without perf),
each share is also given in microseconds per operation. Used by Scripts/bench-kv-client.sh
(PROFILE=1) to show where a client's CPU per call goes next to h2load's.
"""
import collections
import re
import subprocess
import sys

SWIFT_RUNTIME = [
    (r"retain|release|RefCount|dealloc|isUniquely", "Swift runtime: retain/release"),
    (r"Access", "Swift runtime: exclusivity checks"),
    (r"Metadata|getCache|ConcurrentMap|instantiate|Witness|conformsTo|dynamicCast|tryCast",
     "Swift runtime: generic metadata, casts"),
    (r"Hasher|hash", "Swift runtime: hashing"),
    (r"allocObject|slowAlloc", "Swift runtime: allocation"),
]
OUR_BINARY = [
    (r"NIOPosix|NIOCore|NIOConcurrencyHelpers", "NIO"),
    (r"RPCHTTP2NIO|RPCHTTP2|RPCCore|RPCProtobuf", "our RPC stack (HTTP/2, gRPC, protobuf glue)"),
    (r"KVRaft|RSM|Clerk|ReplicaGroupCaller", "KV clerk"),
    (r"SKV|BenchRun|Linearizability|BenchSupport", "bench loop (history, histogram)"),
]


def category(dso: str, symbol: str) -> str:
    if dso.startswith("[kernel"):
        return "kernel"
    if "nghttp2" in dso:
        return "nghttp2"
    if "protobuf-c" in dso:
        return "protobuf-c"
    if "jemalloc" in dso or ("libc.so" in dso and re.search(r"malloc|free", symbol)):
        return "allocator"
    if "libc.so" in dso or "vdso" in dso or "libev" in dso or "libstdc++" in dso:
        return "libc, vdso"
    if "libswift_Concurrency" in dso:
        return "Swift concurrency runtime"
    if "ld-linux" in dso:
        return "thread-local lookups (ld.so)"
    if "libswiftCore" in dso or "Synchronization" in dso:
        for pattern, name in SWIFT_RUNTIME:
            if re.search(pattern, symbol):
                return name
        return "Swift standard library, other"
    for pattern, name in OUR_BINARY + SWIFT_RUNTIME:
        if re.search(pattern, symbol):
            return name
    if re.search(r"^\$ss|^\$sS|swift_", symbol):
        return "Swift standard library, other"
    return f"{dso}, other"


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    per_op = float(sys.argv[2]) if len(sys.argv) == 3 else None
    report = subprocess.run(
        ["perf", "report", "-i", sys.argv[1], "--no-children", "--sort", "dso,sym", "--percent-limit", "0"],
        capture_output=True, text=True, check=True).stdout
    shares: collections.Counter = collections.Counter()
    for line in report.splitlines():
        match = re.match(r"\s+([0-9.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
        if match:
            shares[category(match.group(2), match.group(3))] += float(match.group(1))
    total = sum(shares.values()) or 1.0
    for name, share in shares.most_common():
        figure = f"  {share / total * per_op:6.1f} us/op" if per_op is not None else ""
        print(f"  {name:46s} {share / total * 100:5.1f} %{figure}")


if __name__ == "__main__":
    main()
