#!/usr/bin/env python3
"""Helpers of Scripts/bench-membership.sh for both systems under test (`ours`: skv.kv.KV,
`etcd`: etcdserverpb), on top of kvbench.py's stubs and kvscale.py's keys and values.

Subcommands (ENDPOINTS is HOST:PORT,... in member order):
  traffic S ENDPOINTS --keys N --out FILE [--rate R] [--max-inflight M] [--max-seconds SEC]
                      open-loop client load until SIGTERM (or --max-seconds): R operations per
                      second (default 200), alternately a Put of a loaded key (its own value
                      again, so the state does not grow) and a linearizable Get of a loaded key
                      (checked against its value), keys drawn uniformly from the KEYS loaded,
                      sent to the leader (ours follows WRONG_LEADER hints; etcd moves to the
                      next member on an error) with a 5 s deadline, at most M (default 256)
                      in flight. Each operation's latency is measured from its scheduled start
                      (so a stall also delays the operations queued behind it: no coordinated
                      omission). One line per operation in FILE: "SCHEDULED_EPOCH MS STATUS"
                      (STATUS: ok, or what failed).
  windows FILE NAME:START:END...
                      per window (operations scheduled in [START, END), epoch seconds) one line
                      "NAME COUNT FAILED P50_MS P99_MS MAX_MS" (failed operations count with
                      their latency: a timeout is a 5000 ms sample)
  metric URL NAME [--label KEY=VALUE]
                      the sum of a Prometheus metric's samples (with that label) at URL, 0 if
                      absent
  role ID             reads `skv kv member list --json` on stdin; prints member ID's role
                      (voter, learner, ...) or "absent"
"""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import time
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kvbench import Members, etcd_pb2, kv_pb2  # noqa: E402
from kvscale import key, value  # noqa: E402

RPC_TIMEOUT_SECONDS = 5.0


# --- traffic ---------------------------------------------------------------------------------


class Traffic:
    """Open-loop Put/Get load on one system's leader, logged per operation."""

    def __init__(self, args):
        self.system = args.system
        self.endpoints = args.endpoints.split(",")
        self.keys = args.keys
        self.rate = args.rate
        self.inflight = asyncio.Semaphore(args.max_inflight)
        self.out = open(args.out, "w", buffering=1)
        self.target, _ = Members(self.system, self.endpoints).leader()
        self.random = random.Random(args.seed)
        self.stopping = asyncio.Event()
        options = [("grpc.use_local_subchannel_pool", 1), ("grpc.max_reconnect_backoff_ms", 500)]
        self.channels = [grpc.aio.insecure_channel(a, options=options) for a in self.endpoints]
        if self.system == "ours":
            self.put = [c.unary_unary("/skv.kv.KV/Put") for c in self.channels]
            self.get = [c.unary_unary("/skv.kv.KV/Get") for c in self.channels]
        else:
            self.put = [c.unary_unary("/etcdserverpb.KV/Put") for c in self.channels]
            self.get = [c.unary_unary("/etcdserverpb.KV/Range") for c in self.channels]

    async def operation(self, scheduled_epoch, scheduled, is_put, number):
        async with self.inflight:
            target = self.target
            status = "ok"
            try:
                if is_put:
                    status = await self.send_put(target, number)
                else:
                    status = await self.send_get(target, number)
            except grpc.aio.AioRpcError as error:
                status = error.code().name.lower()
                if self.system == "etcd" and self.target == target:
                    self.target = (target + 1) % len(self.endpoints)
            elapsed_ms = (time.monotonic() - scheduled) * 1000
            self.out.write(f"{scheduled_epoch:.6f} {elapsed_ms:.3f} {status}\n")

    def follow(self, hint):
        if 1 <= hint <= len(self.endpoints):
            self.target = hint - 1

    async def send_put(self, target, number):
        if self.system == "ours":
            body = kv_pb2.PutRequest(key=key(number), value=value(number)).SerializeToString()
            reply = kv_pb2.WriteReply.FromString(await self.put[target](body, timeout=RPC_TIMEOUT_SECONDS))
            if reply.outcome != kv_pb2.OUTCOME_OK:
                self.follow(reply.leader.leader_id)
                return "outcome-" + kv_pb2.Outcome.Name(reply.outcome).lower()
            return "ok"
        body = etcd_pb2.PutRequest(key=key(number), value=value(number)).SerializeToString()
        await self.put[target](body, timeout=RPC_TIMEOUT_SECONDS)
        return "ok"

    async def send_get(self, target, number):
        if self.system == "ours":
            body = kv_pb2.GetRequest(key=key(number)).SerializeToString()
            reply = kv_pb2.GetReply.FromString(await self.get[target](body, timeout=RPC_TIMEOUT_SECONDS))
            if reply.outcome != kv_pb2.OUTCOME_OK:
                self.follow(reply.leader.leader_id)
                return "outcome-" + kv_pb2.Outcome.Name(reply.outcome).lower()
            return "ok" if reply.value == value(number) else "wrong-value"
        body = etcd_pb2.RangeRequest(key=key(number)).SerializeToString()
        reply = etcd_pb2.RangeResponse.FromString(await self.get[target](body, timeout=RPC_TIMEOUT_SECONDS))
        return "ok" if len(reply.kvs) == 1 and reply.kvs[0].value == value(number) else "wrong-value"

    async def run(self, max_seconds):
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        start = time.monotonic()
        start_epoch = time.time()
        tasks = set()
        n = 0
        while not self.stopping.is_set() and time.monotonic() - start < max_seconds:
            offset = n / self.rate
            delay = start + offset - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(self.stopping.wait(), delay)
                    break
                except asyncio.TimeoutError:
                    pass
            task = asyncio.create_task(
                self.operation(start_epoch + offset, start + offset, n % 2 == 0, self.random.randrange(self.keys)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        if tasks:
            await asyncio.wait(tasks, timeout=RPC_TIMEOUT_SECONDS + 1)
        for c in self.channels:
            await c.close()
        self.out.close()


def cmd_traffic(args):
    async def main():
        await Traffic(args).run(args.max_seconds)

    asyncio.run(main())


# --- windows, metrics, roles -----------------------------------------------------------------


def cmd_windows(args):
    samples = []
    with open(args.file) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                samples.append((float(parts[0]), float(parts[1]), parts[2]))
    for spec in args.windows:
        name, start, end = spec.split(":")
        start, end = float(start), float(end)
        inside = [s for s in samples if start <= s[0] < end]
        failed = sum(1 for s in inside if s[2] != "ok")
        latencies = sorted(s[1] for s in inside)
        if not latencies:
            print(f"{name} 0 0 nan nan nan")
            continue

        def pick(q):
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

        print(f"{name} {len(latencies)} {failed} {pick(0.5):.2f} {pick(0.99):.2f} {latencies[-1]:.2f}")


def cmd_metric(args):
    try:
        text = urllib.request.urlopen(args.url, timeout=5).read().decode()
    except OSError as error:
        print(f"kvmember: {args.url}: {error}", file=sys.stderr)
        sys.exit(1)
    want = None
    if args.label:
        k, v = args.label.split("=", 1)
        want = f'{k}="{v}"'
    total = 0.0
    pattern = re.compile(r"^" + re.escape(args.name) + r"(\{[^}]*\})?\s+(\S+)")
    for line in text.splitlines():
        match = pattern.match(line)
        if match and (want is None or (match.group(1) and want in match.group(1))):
            total += float(match.group(2))
    print(f"{total:.0f}")


def cmd_role(args):
    membership = json.load(sys.stdin)
    for member in membership.get("members", []):
        if member.get("id") == args.id:
            print(member.get("role"))
            return
    print("absent")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("traffic")
    p.add_argument("system", choices=["ours", "etcd"])
    p.add_argument("endpoints")
    p.add_argument("--keys", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--max-inflight", type=int, default=256)
    p.add_argument("--max-seconds", type=float, default=3600)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(run=cmd_traffic)
    p = sub.add_parser("windows")
    p.add_argument("file")
    p.add_argument("windows", nargs="+", metavar="NAME:START:END")
    p.set_defaults(run=cmd_windows)
    p = sub.add_parser("metric")
    p.add_argument("url")
    p.add_argument("name")
    p.add_argument("--label")
    p.set_defaults(run=cmd_metric)
    p = sub.add_parser("role")
    p.add_argument("id", type=int)
    p.set_defaults(run=cmd_role)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
