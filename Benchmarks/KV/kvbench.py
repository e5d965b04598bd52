#!/usr/bin/env python3
"""Helpers of Scripts/bench-kv.sh for both systems under test: swift-skv (`ours`, skv.kv.KV
from Protos/kv.proto) and etcd (`etcd`, etcdserverpb.KV/Maintenance from etcd_minimal.proto).
Stubs are generated with grpc_tools at run time into a temporary directory.

Subcommands (ENDPOINTS is HOST:PORT,... in member order; for ours, Raft id i is the i-th):
  bodies DIR                    write the h2load request bodies (5-byte gRPC prefix + protobuf):
                                {ours,etcd}-{put,get}.bin, a 256-byte value at key "bench-key"
  leader S ENDPOINTS            print "INDEX HOST:PORT TERM COUNTER" of the leader (1-based
                                index), once one member says it leads and the others agree
                                (bounded wait); COUNTER advances with every applied write: ours,
                                the commit index (Puts only: Gets use ReadIndex); etcd, the
                                store revision
  check S TARGET OP BODY        send BODY's message to TARGET as OP (put|get) with grpcio,
                                decode the reply and fail unless it is a success (get: the
                                256-byte value); prints what it saw
  reply OP FILE                 the same check of our reply to OP's body that another client
                                received (FILE: the reply message's bytes)
  writers S ENDPOINTS [--writers 6] [--duration SEC] [--kill-after SEC --pids P1,P2,P3]
                                concurrent writers (each Puts its own key in a loop with a 1 s
                                RPC deadline, moving on failure: ours follows WRONG_LEADER
                                hints, etcd goes to the next member), a watcher polling every
                                member's term and leader, optionally kill -9 of the leader;
                                prints the longest gap between consecutive acknowledged writes
                                (all writers together; failed attempts include the first
                                redirects to the leader), leader and term changes, and verifies
                                that each writer's last acknowledged value reads back
"""

import argparse
import os
import random
import signal
import sys
import threading
import time

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
KEY = b"bench-key"
VALUE = bytes((ord("a") + i % 26) for i in range(256))
RPC_TIMEOUT = 1.0


sys.path.insert(0, os.path.join(REPO_ROOT, "Tests", "Interop", "python"))
import proto_stubs  # noqa: E402  (the shared stub generator)

remove_stubs = proto_stubs.cleanup


def load_stubs():
    return proto_stubs.load(
        [(proto_stubs.PROTO_DIR, "kv.proto"), (HERE, "etcd_minimal.proto")],
        ["kv_pb2", "kv_pb2_grpc", "rsm_pb2", "etcd_minimal_pb2", "etcd_minimal_pb2_grpc"],
        "skv-bench-kv-stubs-",
    )


kv_pb2, kv_pb2_grpc, rsm_pb2, etcd_pb2, etcd_pb2_grpc = load_stubs()


def die(message):
    print(f"kvbench: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def frame(message):
    data = message.SerializeToString()
    return b"\x00" + len(data).to_bytes(4, "big") + data


def channel(address):
    return grpc.insecure_channel(
        address,
        options=[
            ("grpc.initial_reconnect_backoff_ms", 50),
            ("grpc.min_reconnect_backoff_ms", 50),
            ("grpc.max_reconnect_backoff_ms", 500),
        ],
    )


# --- Member status, both systems -------------------------------------------------------------


class Members:
    """Status of each member: (is_leader, term, leader identity)."""

    def __init__(self, system, endpoints):
        self.system = system
        self.endpoints = endpoints
        self.channels = [channel(a) for a in endpoints]
        if system == "ours":
            self.stubs = [kv_pb2_grpc.KVStub(c) for c in self.channels]
        else:
            self.stubs = [etcd_pb2_grpc.MaintenanceStub(c) for c in self.channels]

    def status(self, index, timeout=0.5):
        """(is_leader, term, leader id as the member sees it, write counter) or None if the
        member does not answer."""
        try:
            if self.system == "ours":
                s = self.stubs[index].Status(kv_pb2.StatusRequest(), timeout=timeout)
                return s.is_leader, s.term, s.leader.leader_id, s.commit_index
            s = self.stubs[index].Status(etcd_pb2.StatusRequest(), timeout=timeout)
            return s.leader != 0 and s.leader == s.header.member_id, s.raftTerm, s.leader, s.header.revision
        except grpc.RpcError:
            return None

    def leader(self, timeout=15.0, exclude=(), with_counter=False):
        """(index, term[, counter]) once exactly one member leads and every answering member
        agrees."""
        end = time.monotonic() + timeout
        last = []
        while time.monotonic() < end:
            last = [(i, self.status(i)) for i in range(len(self.endpoints)) if i not in exclude]
            answering = [(i, s) for i, s in last if s is not None]
            leaders = [(i, s) for i, s in answering if s[0]]
            if len(leaders) == 1:
                index, (_, term, leader_id, counter) = leaders[0]
                if all(s[1] == term and s[2] == leader_id for _, s in answering):
                    return (index, term, counter) if with_counter else (index, term)
            time.sleep(0.1)
        die(f"no stable {self.system} leader within {timeout:.0f} s: {last}")

    def max_term(self):
        terms = [s[1] for s in (self.status(i) for i in range(len(self.endpoints))) if s is not None]
        return max(terms) if terms else None


# --- Subcommands -----------------------------------------------------------------------------


def cmd_bodies(args):
    os.makedirs(args.dir, exist_ok=True)
    bodies = {
        "ours-put": kv_pb2.PutRequest(key=KEY, value=VALUE),  # no session: applied once per delivery
        "ours-get": kv_pb2.GetRequest(key=KEY),
        "etcd-put": etcd_pb2.PutRequest(key=KEY, value=VALUE),
        "etcd-get": etcd_pb2.RangeRequest(key=KEY),  # serializable=false: linearizable
    }
    for name, message in bodies.items():
        with open(os.path.join(args.dir, f"{name}.bin"), "wb") as f:
            f.write(frame(message))


def cmd_leader(args):
    members = Members(args.system, args.endpoints.split(","))
    index, term, counter = members.leader(with_counter=True)
    print(f"{index + 1} {members.endpoints[index]} {term} {counter}")


def cmd_check(args):
    body = open(args.body, "rb").read()
    expect = int.from_bytes(body[1:5], "big")
    if body[0] != 0 or len(body) != 5 + expect:
        die(f"{args.body} is not one uncompressed gRPC message")
    service = "/skv.kv.KV/" if args.system == "ours" else "/etcdserverpb.KV/"
    method = service + ({"put": "Put", "get": "Get" if args.system == "ours" else "Range"}[args.op])
    call = channel(args.target).unary_unary(method)  # bytes in, bytes out
    try:
        raw = call(body[5:], timeout=5.0)
    except grpc.RpcError as error:
        die(f"{args.system} {args.op} at {args.target}: status {error.code().name} {error.details()!r}")
    if args.system == "ours":
        print(check_ours_reply(args.op, raw, f"at {args.target}"))
    else:
        if args.op == "put":
            reply = etcd_pb2.PutResponse.FromString(raw)
            if reply.header.revision <= 0:
                die(f"etcd put at {args.target}: reply without a revision: {reply}")
            print(f"etcd put at {args.target}: ok, revision {reply.header.revision}")
        else:
            reply = etcd_pb2.RangeResponse.FromString(raw)
            if len(reply.kvs) != 1 or reply.kvs[0].value != VALUE:
                die(f"etcd range at {args.target}: {len(reply.kvs)} kvs, not the 256-byte bench value")
            print(f"etcd range at {args.target}: ok, {len(reply.kvs[0].value)}-byte value matches (revision {reply.header.revision})")


def check_ours_reply(op, raw, where):
    """A description of our reply `raw` to the bench body of `op`; exits unless it is OUTCOME_OK
    (and, for a Get, carries the bench value)."""
    reply = (kv_pb2.WriteReply if op == "put" else kv_pb2.GetReply).FromString(raw)
    if reply.outcome != kv_pb2.OUTCOME_OK:
        die(f"ours {op} {where}: outcome {kv_pb2.Outcome.Name(reply.outcome)} (leader hint {reply.leader.leader_id})")
    if op == "get" and reply.value != VALUE:
        die(f"ours get {where}: value {reply.value[:20]!r}... is not the 256-byte bench value")
    return f"ours {op} {where}: OUTCOME_OK" + (f", {len(reply.value)}-byte value matches" if op == "get" else "")


def cmd_reply(args):
    """Checks a reply another client received (a file of the message's bytes, no prefix)."""
    print(check_ours_reply(args.op, open(args.file, "rb").read(), f"reply in {args.file}"))


class Writer:
    """One writer: Puts of its own key, values carrying a sequence number, in a loop."""

    def __init__(self, system, endpoints, number, stop):
        self.system = system
        self.endpoints = endpoints
        self.number = number
        self.stop = stop
        self.key = f"failover-{os.getpid()}-w{number}".encode()
        self.target = number % len(endpoints)
        channels = [channel(a) for a in endpoints]
        if system == "ours":
            self.stubs = [kv_pb2_grpc.KVStub(c) for c in channels]
        else:
            self.stubs = [etcd_pb2_grpc.KVStub(c) for c in channels]
        self.client_id = random.getrandbits(63) | 1
        self.acks = []  # monotonic times of acknowledged writes
        self.last_acked = 0
        self.failures = 0  # failed attempts (errors, deadlines, WRONG_LEADER, TIMEOUT)

    def value(self, sequence):
        return f"{sequence:012d};".encode().ljust(256, b".")

    def next_target(self):
        self.target = (self.target + 1) % len(self.endpoints)

    def until_ok(self, send):
        """Sends with `send(stub)` until the reply is OUTCOME_OK (ours) or any reply (etcd),
        following leader hints and moving on after errors. Returns "ok", "expired" (ours:
        SESSION_EXPIRED) or "stopped"."""
        while not self.stop.is_set():
            try:
                reply = send(self.stubs[self.target])
            except grpc.RpcError:
                self.failures += 1
                self.next_target()
                time.sleep(0.01)
                continue
            if self.system == "ours" and reply.outcome != kv_pb2.OUTCOME_OK:
                self.failures += 1
                if reply.outcome == kv_pb2.OUTCOME_SESSION_EXPIRED:
                    return "expired"
                hint = reply.leader.leader_id if reply.outcome == kv_pb2.OUTCOME_WRONG_LEADER else 0
                if reply.leader.address in self.endpoints:
                    hint = self.endpoints.index(reply.leader.address) + 1
                if hint and hint - 1 != self.target and hint <= len(self.endpoints):
                    self.target = hint - 1
                elif reply.outcome == kv_pb2.OUTCOME_WRONG_LEADER:
                    self.next_target()
                    time.sleep(0.01)
                continue
            return "ok"
        return "stopped"

    def open_session(self):
        """Ours: a new client id and its session, opened explicitly (skv.kv.KV/OpenSession) as
        every client must before its first write; True once open."""
        self.client_id = random.getrandbits(63) | 1
        self.session_sequence = 0
        request = rsm_pb2.OpenSessionRequest(client_id=self.client_id)
        return self.until_ok(lambda stub: stub.OpenSession(request, timeout=RPC_TIMEOUT)) == "ok"

    def run(self):
        if self.system == "ours" and not self.open_session():
            return
        sequence = 0  # numbers the values (read back at the end), across sessions
        while not self.stop.is_set():
            sequence += 1
            value = self.value(sequence)
            while not self.stop.is_set():  # the same value until acknowledged
                if self.system == "ours":
                    self.session_sequence += 1
                    session = rsm_pb2.Session(client_id=self.client_id, sequence=self.session_sequence)
                    request = kv_pb2.PutRequest(session=session, key=self.key, value=value)
                    # One session sequence per request: a retry below resends the same one.
                    outcome = self.until_ok(lambda stub: stub.Put(request, timeout=RPC_TIMEOUT))
                    if outcome == "expired":  # evicted: never applied; open a new session
                        if not self.open_session():
                            return
                        continue
                else:
                    request = etcd_pb2.PutRequest(key=self.key, value=value)
                    outcome = self.until_ok(lambda stub: stub.Put(request, timeout=RPC_TIMEOUT))
                if outcome != "ok":
                    return
                self.acks.append(time.monotonic())
                self.last_acked = sequence
                break

    def read_back(self):
        """The sequence number in this writer's key as read (linearizably) now, or an error."""
        end = time.monotonic() + 15
        while time.monotonic() < end:
            try:
                if self.system == "ours":
                    reply = self.stubs[self.target].Get(kv_pb2.GetRequest(key=self.key), timeout=RPC_TIMEOUT)
                    if reply.outcome == kv_pb2.OUTCOME_WRONG_LEADER and reply.leader.leader_id:
                        self.target = reply.leader.leader_id - 1
                        continue
                    if reply.outcome == kv_pb2.OUTCOME_NO_KEY:
                        return 0
                    if reply.outcome != kv_pb2.OUTCOME_OK:
                        raise grpc.RpcError()
                    value = reply.value
                else:
                    reply = self.stubs[self.target].Range(etcd_pb2.RangeRequest(key=self.key), timeout=RPC_TIMEOUT)
                    if not reply.kvs:
                        return 0
                    value = reply.kvs[0].value
                return int(value.split(b";")[0])
            except grpc.RpcError:
                self.next_target()
                time.sleep(0.05)
        return None


def cmd_writers(args):
    endpoints = args.endpoints.split(",")
    pids = [int(p) for p in args.pids.split(",")] if args.pids else []
    if args.kill_after is not None and len(pids) != len(endpoints):
        die("--kill-after needs --pids with one pid per endpoint")
    members = Members(args.system, endpoints)
    leader, term_before = members.leader()
    stop = threading.Event()
    writers = [Writer(args.system, endpoints, n, stop) for n in range(args.writers)]

    # Watcher: every member's view every 100 ms; a change is a new (leader, term) pair seen
    # by any member claiming to lead.
    watch = {"changes": 0, "current": (leader, term_before), "killed": None, "max_term": term_before}

    def watcher():
        while not stop.is_set():
            for i in range(len(endpoints)):
                if i == watch["killed"]:
                    continue
                s = members.status(i, timeout=0.2)
                if s is None:
                    continue
                watch["max_term"] = max(watch["max_term"], s[1])
                if s[0] and (i, s[1]) != watch["current"] and s[1] >= watch["current"][1]:
                    watch["changes"] += 1
                    watch["current"] = (i, s[1])
            stop.wait(0.1)

    threads = [threading.Thread(target=w.run, daemon=True) for w in writers]
    threads.append(threading.Thread(target=watcher, daemon=True))
    start = time.monotonic()
    for t in threads:
        t.start()
    killed_at = None
    killed = None
    if args.kill_after is not None:
        time.sleep(args.kill_after)
        killed, kill_term = members.leader(timeout=5)
        watch["killed"] = killed
        os.kill(pids[killed], signal.SIGKILL)
        killed_at = time.monotonic()
        print(f"{args.system}: kill -9 of the leader, member {killed + 1} (pid {pids[killed]}, term {kill_term}), "
              f"{killed_at - start:.1f} s into the run", flush=True)
    remaining = start + args.duration - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
    stop.set()
    end = time.monotonic()
    for t in threads:
        t.join(RPC_TIMEOUT + 2)

    acks = sorted(t for w in writers for t in w.acks)
    # Gaps from the first acknowledgement on (connection set-up before it is not a gap), and
    # up to the end of the run (a cluster that never recovers shows its whole outage).
    points = acks + [end]
    gap, gap_at = 0.0, None
    for a, b in zip(points, points[1:]):
        if b - a > gap:
            gap, gap_at = b - a, a - start
    if killed_at is not None and gap_at is not None:
        # Where the longest gap lies relative to the kill: a write already committed by the
        # old leader may still be acknowledged just after it.
        begin_ms = (start + gap_at - killed_at) * 1000
        where = f"from {begin_ms:+.0f} to {begin_ms + gap * 1000:+.0f} ms after the kill"
        if start + gap_at + gap >= end:
            where += ", no write acknowledged after it before the run ended"
    else:
        where = f"at {gap_at or 0:.1f} s"
    exclude = (killed,) if killed is not None else ()
    _, term_after = members.leader(timeout=15, exclude=exclude)

    # Every writer's last acknowledged write must read back (a later, unacknowledged one may
    # have applied too).
    bad = []
    for w in writers:
        seen = w.read_back()
        if seen is None or seen < w.last_acked:
            bad.append(f"w{w.number}: read {seen}, last acknowledged {w.last_acked}")
    verified = "ok" if not bad else "FAILED (" + "; ".join(bad) + ")"
    failures = sum(w.failures for w in writers)
    elapsed = end - start
    print(
        f"{args.system}: writers={args.writers} duration={elapsed:.1f}s acked={len(acks)} ({len(acks) / elapsed:.0f}/s) "
        f"failed-attempts={failures} max-gap-ms={gap * 1000:.0f} ({where}) "
        f"leader-changes={watch['changes']} term={term_before}->{term_after} read-back={verified}",
        flush=True,
    )
    # Writer threads may still sit in a grpc call: leave without waiting for them (os._exit
    # skips atexit, so remove the stubs first).
    remove_stubs()
    sys.stdout.flush()
    os._exit(1 if bad or not acks else 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("bodies")
    p.add_argument("dir")
    p.set_defaults(run=cmd_bodies)
    p = sub.add_parser("leader")
    p.add_argument("system", choices=["ours", "etcd"])
    p.add_argument("endpoints")
    p.set_defaults(run=cmd_leader)
    p = sub.add_parser("check")
    p.add_argument("system", choices=["ours", "etcd"])
    p.add_argument("target")
    p.add_argument("op", choices=["put", "get"])
    p.add_argument("body")
    p.set_defaults(run=cmd_check)
    p = sub.add_parser("reply")
    p.add_argument("op", choices=["put", "get"])
    p.add_argument("file")
    p.set_defaults(run=cmd_reply)
    p = sub.add_parser("writers")
    p.add_argument("system", choices=["ours", "etcd"])
    p.add_argument("endpoints")
    p.add_argument("--writers", type=int, default=6)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--kill-after", type=float)
    p.add_argument("--pids", default="")
    p.set_defaults(run=cmd_writers)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
