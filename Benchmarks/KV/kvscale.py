#!/usr/bin/env python3
"""Helpers of Scripts/bench-kv-scale.sh for both systems under test (`ours`: skv.kv.KV,
`etcd`: etcdserverpb), on top of kvbench.py's stubs and member status.

Subcommands (ENDPOINTS is HOST:PORT,... in member order):
  load S ENDPOINTS --keys N [--procs P] [--streams M]
                      Puts keys k000000000000000... (16 bytes) with 100-byte values, each key
                      once (retried on failure), from P processes with M concurrent unary
                      calls each over its own HTTP/2 connection per member (grpcio's asyncio
                      API); requests go to the leader (ours follows WRONG_LEADER hints, etcd
                      the next member on an error). Prints "KEYS SECONDS KEYS_PER_SECOND".
  status S ENDPOINTS  one line per member: "INDEX leader=0|1 applied=A commit=C"
  wait-applied S ADDRESS TARGET --since EPOCH [--timeout SEC] [--trace]
                      polls ADDRESS's status every 20 ms until its applied index reaches
                      TARGET; prints the seconds since EPOCH (or "timeout")
  wait-get S ENDPOINTS KEY_NUMBER --since EPOCH [--timeout SEC]
                      polls a linearizable Get of that loaded key through the members until one
                      returns its value; prints the seconds since EPOCH (or "timeout")
  bodies DIR SIZE...  writes h2load bodies {ours,etcd}-{put,get}-SIZE.bin (key "lat-SIZE")
  h2stats LOG [--out H2LOAD_OUTPUT --min-reply-bytes N --max-reply-bytes N]
                      "COUNT P50_MS P99_MS VERDICT" of an h2load --log-file (status 200 only);
                      VERDICT is ok, or why the replies do not have the size of a success
"""

import argparse
import asyncio
import multiprocessing
import os
import re
import sys
import time

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kvbench import Members, channel, die, etcd_pb2, frame, kv_pb2  # noqa: E402

KEY_BYTES = 16
VALUE_BYTES = 100


def key(number):
    return f"k{number:0{KEY_BYTES - 1}d}".encode()


def value(number):
    return (f"v{number:015d}" * (VALUE_BYTES // 16 + 1)).encode()[:VALUE_BYTES]


def put_body(system, number):
    message = (kv_pb2 if system == "ours" else etcd_pb2).PutRequest(key=key(number), value=value(number))
    return message.SerializeToString()


# --- load ------------------------------------------------------------------------------------


async def load_range(system, endpoints, first, end, streams, leader):
    # One connection per member for this process (a local subchannel pool: channels do not
    # share connections).
    options = [("grpc.use_local_subchannel_pool", 1), ("grpc.max_reconnect_backoff_ms", 500)]
    channels = [grpc.aio.insecure_channel(a, options=options) for a in endpoints]
    method = "/skv.kv.KV/Put" if system == "ours" else "/etcdserverpb.KV/Put"
    calls = [c.unary_unary(method) for c in channels]
    state = {"next": first, "target": leader, "retries": 0}

    async def worker():
        while state["next"] < end:
            number = state["next"]
            state["next"] += 1
            body = put_body(system, number)
            for attempt in range(200):
                target = state["target"]
                try:
                    raw = await calls[target](body, timeout=5.0)
                except grpc.aio.AioRpcError:
                    state["retries"] += 1
                    if state["target"] == target:
                        state["target"] = (target + 1) % len(calls)
                    await asyncio.sleep(0.05)
                    continue
                if system == "ours":
                    reply = kv_pb2.WriteReply.FromString(raw)
                    if reply.outcome != kv_pb2.OUTCOME_OK:
                        state["retries"] += 1
                        hint = reply.leader.leader_id
                        if 1 <= hint <= len(calls):
                            state["target"] = hint - 1
                        await asyncio.sleep(0.02)
                        continue
                break
            else:
                die(f"{system}: key {number} not acknowledged after 200 attempts")

    await asyncio.gather(*(worker() for _ in range(streams)))
    for c in channels:
        await c.close()
    return state["retries"]


def load_process(system, endpoints, first, end, streams, leader, results):
    results.put(asyncio.run(load_range(system, endpoints, first, end, streams, leader)))


def cmd_load(args):
    endpoints = args.endpoints.split(",")
    leader, _ = Members(args.system, endpoints).leader()
    per = (args.keys + args.procs - 1) // args.procs
    results = multiprocessing.Queue()
    started = time.monotonic()
    procs = []
    for p in range(args.procs):
        first, end = p * per, min(args.keys, (p + 1) * per)
        proc = multiprocessing.Process(
            target=load_process, args=(args.system, endpoints, first, end, args.streams, leader, results))
        proc.start()
        procs.append(proc)
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    if any(proc.exitcode != 0 for proc in procs):
        die(f"{args.system}: a loader process failed")
    retries = sum(results.get() for _ in procs)
    print(f"{args.keys} {elapsed:.1f} {args.keys / elapsed:.0f} {retries}")


# --- status and waits ------------------------------------------------------------------------


def member_status(system, address, timeout=0.5):
    """(is_leader, applied, commit, leader) of one member (leader: the member it follows, 0 for
    none; etcd: its leader's member ID), or None if it does not answer."""
    try:
        c = channel(address)
        try:
            if system == "ours":
                stub = c.unary_unary("/skv.kv.KV/Status")
                s = kv_pb2.StatusReply.FromString(stub(kv_pb2.StatusRequest().SerializeToString(), timeout=timeout))
                return s.is_leader, s.applied_index, s.commit_index, s.leader.leader_id
            stub = c.unary_unary("/etcdserverpb.Maintenance/Status")
            s = etcd_pb2.StatusResponse.FromString(stub(etcd_pb2.StatusRequest().SerializeToString(), timeout=timeout))
            return s.leader == s.header.member_id, s.raftAppliedIndex, s.raftIndex, s.leader
        finally:
            c.close()
    except grpc.RpcError:
        return None


def cmd_status(args):
    for i, address in enumerate(args.endpoints.split(",")):
        s = member_status(args.system, address)
        if s is None:
            print(f"{i + 1} down")
        else:
            print(f"{i + 1} leader={int(s[0])} applied={s[1]} commit={s[2]}")


def cmd_wait_applied(args):
    end = time.time() + args.timeout
    seen = None
    while time.time() < end:
        s = member_status(args.system, args.address)
        if args.trace and s != seen:
            # Each change of the member's (is leader, applied, commit, its leader), seconds
            # since --since; None: no answer within 0.5 s.
            print(f"trace {time.time() - args.since:.3f} {s}", file=sys.stderr)
            seen = s
        if s is not None and s[1] >= args.target:
            print(f"{time.time() - args.since:.2f}")
            return
        time.sleep(0.02)
    print("timeout")


def cmd_wait_get(args):
    endpoints = args.endpoints.split(",")
    want = value(args.key_number)
    end = time.time() + args.timeout
    chans = [channel(a) for a in endpoints]
    if args.system == "ours":
        calls = [c.unary_unary("/skv.kv.KV/Get") for c in chans]
        request = kv_pb2.GetRequest(key=key(args.key_number)).SerializeToString()
    else:
        calls = [c.unary_unary("/etcdserverpb.KV/Range") for c in chans]
        request = etcd_pb2.RangeRequest(key=key(args.key_number)).SerializeToString()
    while time.time() < end:
        for call in calls:
            try:
                raw = call(request, timeout=0.5)
            except grpc.RpcError:
                continue
            if args.system == "ours":
                reply = kv_pb2.GetReply.FromString(raw)
                ok = reply.outcome == kv_pb2.OUTCOME_OK and reply.value == want
            else:
                reply = etcd_pb2.RangeResponse.FromString(raw)
                ok = len(reply.kvs) == 1 and reply.kvs[0].value == want
            if ok:
                print(f"{time.time() - args.since:.2f}")
                return
        time.sleep(0.02)
    print("timeout")


# --- latency bodies and h2load logs ----------------------------------------------------------


def cmd_bodies(args):
    os.makedirs(args.dir, exist_ok=True)
    for size in args.sizes:
        k = f"lat-{size}".encode()
        v = bytes((ord("a") + i % 26) for i in range(size))
        bodies = {
            "ours-put": kv_pb2.PutRequest(key=k, value=v),
            "ours-get": kv_pb2.GetRequest(key=k),
            "etcd-put": etcd_pb2.PutRequest(key=k, value=v),
            "etcd-get": etcd_pb2.RangeRequest(key=k),
        }
        for name, message in bodies.items():
            with open(os.path.join(args.dir, f"{name}-{size}.bin"), "wb") as f:
                f.write(frame(message))


def cmd_h2stats(args):
    verdict = "ok"
    if args.out:
        text = open(args.out).read()
        done = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", text)
        data = re.search(r"\((\d+)\) data", text)
        succeeded = int(done.group(1)) if done else 0
        per = int(data.group(1)) / succeeded if data and succeeded else 0
        if not succeeded:
            verdict = "no-replies"
        elif per < args.min_reply_bytes or (args.max_reply_bytes and per > args.max_reply_bytes + 0.01):
            verdict = f"replies-{per:.1f}B"
    durations = []
    try:
        for line in open(args.log):
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "200":
                durations.append(int(parts[2]))
    except FileNotFoundError:
        pass
    if not durations:
        print(f"0 nan nan {verdict}")
        return
    durations.sort()

    def pick(q):
        return durations[min(len(durations) - 1, int(q * len(durations)))] / 1000.0

    print(f"{len(durations)} {pick(0.5):.2f} {pick(0.99):.2f} {verdict}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load")
    p.add_argument("system", choices=["ours", "etcd"])
    p.add_argument("endpoints")
    p.add_argument("--keys", type=int, required=True)
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--streams", type=int, default=64)
    p.set_defaults(run=cmd_load)
    p = sub.add_parser("status")
    p.add_argument("system", choices=["ours", "etcd"])
    p.add_argument("endpoints")
    p.set_defaults(run=cmd_status)
    p = sub.add_parser("wait-applied")
    p.add_argument("system", choices=["ours", "etcd"])
    p.add_argument("address")
    p.add_argument("target", type=int)
    p.add_argument("--since", type=float, required=True)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--trace", action="store_true", help="print each change of the member's status to stderr")
    p.set_defaults(run=cmd_wait_applied)
    p = sub.add_parser("wait-get")
    p.add_argument("system", choices=["ours", "etcd"])
    p.add_argument("endpoints")
    p.add_argument("key_number", type=int)
    p.add_argument("--since", type=float, required=True)
    p.add_argument("--timeout", type=float, default=600)
    p.set_defaults(run=cmd_wait_get)
    p = sub.add_parser("bodies")
    p.add_argument("dir")
    p.add_argument("sizes", type=int, nargs="+")
    p.set_defaults(run=cmd_bodies)
    p = sub.add_parser("h2stats")
    p.add_argument("log")
    p.add_argument("--out", help="h2load's output: check the reply bytes per succeeded request")
    p.add_argument("--min-reply-bytes", type=float, default=0)
    p.add_argument("--max-reply-bytes", type=float, default=0, help="0: no upper bound")
    p.set_defaults(run=cmd_h2stats)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
