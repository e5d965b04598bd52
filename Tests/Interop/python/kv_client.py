#!/usr/bin/env python3
"""A grpcio client of skv.kv.KV (stubs generated from Protos/kv.proto at run time) against a
running 3-node `skv kv serve` cluster: Put/Get/Append/Delete/CompareAndSwap, the error cases
(missing key, oversized value and key, a request at a follower) and, last, a kill -9 of the
leader while the client keeps writing.

Usage: kv_client.py --endpoints 1=HOST:PORT,2=HOST:PORT,3=HOST:PORT
                    [--pids 1=PID,2=PID,3=PID] [--test-case NAME|all]
(--pids: the daemons' process ids, needed by leader_failover, which kills one with SIGKILL.)

Prints one line per case, "PASS name" or "FAIL name: reason", then
"N of M kv python cases passed"; exits non-zero if any case failed. Every call has a deadline
and every case a time limit (CASE_TIMEOUT_SECONDS).

Leader discovery follows the server's replies, as a real client must: on
OUTCOME_WRONG_LEADER it goes to `leader.address` if set, else to the endpoint of
`leader.leader_id`, else to the next endpoint; on UNAVAILABLE/DEADLINE_EXCEEDED or
OUTCOME_TIMEOUT it retries (with the same session, so a write applies exactly once).
"""

import argparse
import os
import random
import signal
import sys
import threading
import time

import grpc

import kv_stubs
from case_runner import CaseFailure, expect, run_cases

kv_pb2, kv_pb2_grpc, rsm_pb2 = kv_stubs.load()

CASE_TIMEOUT_SECONDS = 60
RPC_TIMEOUT_SECONDS = 2.0
OPERATION_TIMEOUT_SECONDS = 20.0
MAX_VALUE_BYTES = 1 << 20  # KVServer.Configuration.maxValueBytes
MAX_KEY_BYTES = 4096  # KVServer.Configuration.maxKeyBytes
RETRYABLE_CODES = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
)


def outcome_name(outcome):
    return kv_pb2.Outcome.Name(outcome)


def expect_outcome(reply, outcome, what):
    expect(
        reply.outcome == outcome,
        f"{what}: outcome {outcome_name(reply.outcome)}, expected {outcome_name(outcome)}",
    )


class Cluster:
    """The client side of the cluster: one channel per endpoint, a leader guess, a session."""

    def __init__(self, endpoints):
        self.endpoints = dict(endpoints)  # Raft id -> "host:port"
        self.order = [self.endpoints[i] for i in sorted(self.endpoints)]
        self.stubs = {}
        self.channels = []
        for address in self.order:
            self._stub(address)
        self.leader = self.order[0]
        self.client_id = random.getrandbits(63) | 1
        self.sequence = 0
        self.lock = threading.Lock()
        # How WRONG_LEADER replies were followed: by address, by id, or blindly to the next.
        self.hints = {"address": 0, "leader_id": 0, "none": 0}

    def _stub(self, address):
        if address not in self.stubs:
            channel = grpc.insecure_channel(
                address,
                options=[
                    ("grpc.initial_reconnect_backoff_ms", 100),
                    ("grpc.min_reconnect_backoff_ms", 100),
                    ("grpc.max_reconnect_backoff_ms", 1000),
                ],
            )
            self.channels.append(channel)
            self.stubs[address] = kv_pb2_grpc.KVStub(channel)
        return self.stubs[address]

    def stub(self, raft_id):
        return self._stub(self.endpoints[raft_id])

    def session(self):
        with self.lock:
            self.sequence += 1
            return rsm_pb2.Session(client_id=self.client_id, sequence=self.sequence)

    def _next(self, address):
        if address in self.order:
            return self.order[(self.order.index(address) + 1) % len(self.order)]
        return self.order[0]

    def resolve_hint(self, hint):
        """Where a WRONG_LEADER reply points: the address, else the id's endpoint, else None."""
        if hint.address:
            self.hints["address"] += 1
            return hint.address
        if hint.leader_id and hint.leader_id in self.endpoints:
            self.hints["leader_id"] += 1
            return self.endpoints[hint.leader_id]
        self.hints["none"] += 1
        return None

    def call(self, method, request, timeout=OPERATION_TIMEOUT_SECONDS):
        """Calls `method` at the leader; returns the first reply that is not WRONG_LEADER or
        TIMEOUT. Raises CaseFailure after `timeout` seconds, grpc.RpcError for a status that
        is not retryable."""
        end = time.monotonic() + timeout
        target = self.leader
        attempts = 0
        last = "no attempt"
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise CaseFailure(f"{method} did not complete within {timeout:.0f} s ({attempts} attempts; last: {last})")
            attempts += 1
            try:
                reply = getattr(self._stub(target), method)(request, timeout=min(RPC_TIMEOUT_SECONDS, remaining))
            except grpc.RpcError as error:
                if error.code() not in RETRYABLE_CODES:
                    raise
                last = f"{target}: {error.code().name}"
                target = self._next(target)
                time.sleep(0.05)
                continue
            if reply.outcome == kv_pb2.OUTCOME_WRONG_LEADER:
                hinted = self.resolve_hint(reply.leader)
                last = f"{target}: WRONG_LEADER (hint id={reply.leader.leader_id} address={reply.leader.address!r})"
                if hinted is None or hinted == target:
                    target = self._next(target)
                    time.sleep(0.05)  # no usable hint: an election is probably under way
                else:
                    target = hinted
                continue
            if reply.outcome == kv_pb2.OUTCOME_TIMEOUT:
                last = f"{target}: TIMEOUT"
                time.sleep(0.02)
                continue
            self.leader = target
            return reply

    # Convenience wrappers (each write with a fresh session).
    def put(self, key, value, **kw):
        return self.call("Put", kv_pb2.PutRequest(session=self.session(), key=key, value=value), **kw)

    def append(self, key, value, **kw):
        return self.call("Append", kv_pb2.AppendRequest(session=self.session(), key=key, value=value), **kw)

    def delete(self, key, **kw):
        return self.call("Delete", kv_pb2.DeleteRequest(session=self.session(), key=key), **kw)

    def get(self, key, **kw):
        return self.call("Get", kv_pb2.GetRequest(key=key), **kw)

    def cas(self, key, value, expected=b"", expect_absent=False, **kw):
        request = kv_pb2.CompareAndSwapRequest(
            session=self.session(), key=key, expected=expected, expect_absent=expect_absent, value=value
        )
        return self.call("CompareAndSwap", request, **kw)

    def statuses(self):
        """Status of every endpoint that answers within a second: {id: StatusReply}."""
        result = {}
        for raft_id in sorted(self.endpoints):
            try:
                result[raft_id] = self.stub(raft_id).Status(kv_pb2.StatusRequest(), timeout=1.0)
            except grpc.RpcError:
                pass
        return result

    def stable_leader(self, timeout=15.0, exclude=()):
        """(leader id, term, statuses) once one endpoint says it leads and every other
        answering endpoint names it in the same term."""
        end = time.monotonic() + timeout
        seen = {}
        while time.monotonic() < end:
            seen = {i: s for i, s in self.statuses().items() if i not in exclude}
            leaders = [i for i, s in seen.items() if s.is_leader]
            if len(leaders) == 1:
                leader = leaders[0]
                term = seen[leader].term
                if all(s.term == term and s.leader.leader_id == leader for s in seen.values()):
                    return leader, term, seen
            time.sleep(0.1)
        summary = ", ".join(f"{i}: term={s.term} leader={s.is_leader} hint={s.leader.leader_id}" for i, s in seen.items())
        raise CaseFailure(f"no stable leader within {timeout:.0f} s ({summary or 'no endpoint answered'})")

    def close(self):
        for channel in self.channels:
            channel.close()


def unique(name):
    return f"py-{name}-{random.getrandbits(32):08x}".encode()


# --- Cases ---------------------------------------------------------------------------------


def put_get(cluster, _):
    key = unique("put")
    expect_outcome(cluster.put(key, b"hello"), kv_pb2.OUTCOME_OK, "Put")
    reply = cluster.get(key)
    expect_outcome(reply, kv_pb2.OUTCOME_OK, "Get")
    expect(reply.value == b"hello", f"Get returned {reply.value!r}, expected b'hello'")
    expect_outcome(cluster.put(key, b"world"), kv_pb2.OUTCOME_OK, "second Put")
    reply = cluster.get(key)
    expect(reply.value == b"world", f"Get after overwrite returned {reply.value!r}, expected b'world'")
    binary = bytes(range(256))
    expect_outcome(cluster.put(key, binary), kv_pb2.OUTCOME_OK, "binary Put")
    expect(cluster.get(key).value == binary, "Get of a 256-byte binary value differs")


def append(cluster, _):
    key = unique("append")
    expect_outcome(cluster.append(key, b"a"), kv_pb2.OUTCOME_OK, "Append to a missing key")
    expect_outcome(cluster.append(key, b"bc"), kv_pb2.OUTCOME_OK, "Append")
    expect_outcome(cluster.append(key, b""), kv_pb2.OUTCOME_OK, "empty Append")
    expect_outcome(cluster.append(key, b"def"), kv_pb2.OUTCOME_OK, "Append")
    reply = cluster.get(key)
    expect_outcome(reply, kv_pb2.OUTCOME_OK, "Get")
    expect(reply.value == b"abcdef", f"Get returned {reply.value!r}, expected b'abcdef'")


def append_exactly_once(cluster, _):
    """The same Append (same session) delivered twice applies once."""
    key = unique("once")
    request = kv_pb2.AppendRequest(session=cluster.session(), key=key, value=b"x")
    expect_outcome(cluster.call("Append", request), kv_pb2.OUTCOME_OK, "Append")
    expect_outcome(cluster.call("Append", request), kv_pb2.OUTCOME_OK, "repeated Append")
    expect_outcome(cluster.append(key, b"y"), kv_pb2.OUTCOME_OK, "next Append")
    value = cluster.get(key).value
    expect(value == b"xy", f"Get returned {value!r}, expected b'xy' (the repeated Append applied twice?)")


def delete(cluster, _):
    key = unique("delete")
    expect_outcome(cluster.put(key, b"v"), kv_pb2.OUTCOME_OK, "Put")
    expect_outcome(cluster.delete(key), kv_pb2.OUTCOME_OK, "Delete of an existing key")
    expect_outcome(cluster.get(key), kv_pb2.OUTCOME_NO_KEY, "Get after Delete")
    expect_outcome(cluster.delete(key), kv_pb2.OUTCOME_NO_KEY, "second Delete")


def get_missing(cluster, _):
    reply = cluster.get(unique("missing"))
    expect_outcome(reply, kv_pb2.OUTCOME_NO_KEY, "Get of a missing key")
    expect(reply.value == b"", f"Get of a missing key returned value {reply.value!r}")


def compare_and_swap(cluster, _):
    key = unique("cas")
    expect_outcome(cluster.cas(key, b"v1", expected=b"v0"), kv_pb2.OUTCOME_NO_KEY, "CAS on a missing key")
    expect_outcome(cluster.cas(key, b"v1", expect_absent=True), kv_pb2.OUTCOME_OK, "CAS expect_absent on a missing key")
    reply = cluster.cas(key, b"v2", expect_absent=True)
    expect_outcome(reply, kv_pb2.OUTCOME_COMPARE_FAILED, "CAS expect_absent on an existing key")
    expect(reply.current_present and reply.current == b"v1", f"CAS failure reports current={reply.current!r} present={reply.current_present}")
    reply = cluster.cas(key, b"v2", expected=b"wrong")
    expect_outcome(reply, kv_pb2.OUTCOME_COMPARE_FAILED, "CAS with a wrong expected value")
    expect(reply.current_present and reply.current == b"v1", f"CAS failure reports current={reply.current!r} present={reply.current_present}")
    expect(cluster.get(key).value == b"v1", "a failed CAS changed the value")
    expect_outcome(cluster.cas(key, b"v2", expected=b"v1"), kv_pb2.OUTCOME_OK, "CAS with the right expected value")
    expect(cluster.get(key).value == b"v2", "Get after a successful CAS does not return the new value")


def value_too_large(cluster, _):
    key = unique("large")
    for what, call in [
        ("Put of a value 1 byte over the limit", lambda: cluster.put(key, bytes(MAX_VALUE_BYTES + 1))),
        ("Append of a value 1 byte over the limit", lambda: cluster.append(key, bytes(MAX_VALUE_BYTES + 1))),
        ("Put of a key 1 byte over the limit", lambda: cluster.put(b"k" * (MAX_KEY_BYTES + 1), b"v")),
    ]:
        try:
            reply = call()
        except grpc.RpcError as error:
            expect(
                error.code() == grpc.StatusCode.INVALID_ARGUMENT,
                f"{what} failed with {error.code().name} ({error.details()!r}), expected INVALID_ARGUMENT",
            )
            expect("limit" in (error.details() or ""), f"{what}: status message {error.details()!r} does not name the limit")
        else:
            raise CaseFailure(f"{what} succeeded with {outcome_name(reply.outcome)}, expected INVALID_ARGUMENT")
    expect_outcome(cluster.get(key), kv_pb2.OUTCOME_NO_KEY, "Get after the rejected writes")
    # The largest allowed value goes through.
    expect_outcome(cluster.put(key, bytes(MAX_VALUE_BYTES)), kv_pb2.OUTCOME_OK, "Put of a value at the limit")
    expect(len(cluster.get(key).value) == MAX_VALUE_BYTES, "Get of the value at the limit has the wrong length")


def wrong_leader(cluster, _):
    """A Put and a Get sent straight to a follower come back OUTCOME_WRONG_LEADER, with a hint
    naming the leader (by address if set, else by id), and nothing is written there."""
    key = unique("follower")
    for attempt in range(5):
        leader, term, statuses = cluster.stable_leader()
        follower = next(i for i in sorted(statuses) if i != leader)
        put = cluster.stub(follower).Put(
            kv_pb2.PutRequest(session=cluster.session(), key=key, value=b"v"), timeout=RPC_TIMEOUT_SECONDS
        )
        get = cluster.stub(follower).Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_SECONDS)
        if cluster.stable_leader()[0:2] != (leader, term):
            continue  # leadership moved while we asked: the replies prove nothing; ask again
        for what, reply in (("Put", put), ("Get", get)):
            expect_outcome(reply, kv_pb2.OUTCOME_WRONG_LEADER, f"{what} at follower {follower}")
            hint = reply.leader
            expect(hint.address or hint.leader_id, f"{what} at follower {follower}: WRONG_LEADER without a leader hint")
            if hint.address:
                expect(
                    hint.address == cluster.endpoints[leader],
                    f"{what} hint address {hint.address!r}, leader {leader} is at {cluster.endpoints[leader]}",
                )
            if hint.leader_id:
                expect(hint.leader_id == leader, f"{what} hint leader_id {hint.leader_id}, the leader is {leader}")
        # Following the hint completes the write, and the follower's Put was not applied.
        expect_outcome(cluster.get(key), kv_pb2.OUTCOME_NO_KEY, "Get at the leader after the follower's Put")
        target = cluster.resolve_hint(put.leader)
        expect(target is not None, "the hint does not resolve to an endpoint")
        reply = cluster.stubs[target].Put(
            kv_pb2.PutRequest(session=cluster.session(), key=key, value=b"v"), timeout=RPC_TIMEOUT_SECONDS
        )
        expect_outcome(reply, kv_pb2.OUTCOME_OK, f"Put at the hinted leader {target}")
        return f"hint: leader_id={put.leader.leader_id} address={put.leader.address!r}"
    raise CaseFailure("leadership kept changing; could not ask a follower")


def leader_failover(cluster, pids):
    """Writes, kill -9 of the leader, more writes; every acknowledged write reads back."""
    expect(pids, "needs --pids")
    prefix = unique("failover").decode()
    log_key = f"{prefix}-log".encode()
    expected = {}
    log = b""

    def write(i):
        nonlocal log
        key = f"{prefix}-{i}".encode()
        value = f"value-{i}-".encode() * 8
        expect_outcome(cluster.put(key, value), kv_pb2.OUTCOME_OK, f"Put {key!r}")
        expected[key] = value
        expect_outcome(cluster.append(log_key, f"{i};".encode()), kv_pb2.OUTCOME_OK, f"Append #{i}")
        log += f"{i};".encode()

    for i in range(20):
        write(i)
    leader, term, _ = cluster.stable_leader()
    expect(leader in pids, f"no pid for the leader, node {leader}")
    os.kill(pids[leader], signal.SIGKILL)
    killed = time.monotonic()
    write(20)
    first_write = time.monotonic() - killed
    for i in range(21, 60):
        write(i)
    new_leader, new_term, _ = cluster.stable_leader(exclude=(leader,))
    expect(new_leader != leader and new_term > term, f"leader {new_leader} term {new_term} after killing {leader} (term {term})")
    for key, value in expected.items():
        reply = cluster.get(key)
        expect_outcome(reply, kv_pb2.OUTCOME_OK, f"Get {key!r}")
        expect(reply.value == value, f"Get {key!r} returned {reply.value[:40]!r}..., expected {value[:40]!r}...")
    reply = cluster.get(log_key)
    expect(reply.value == log, f"the appended log reads {reply.value!r}, expected {log!r} (each Append exactly once)")
    return (
        f"killed node {leader} (term {term}); first write acknowledged {first_write * 1000:.0f} ms later; "
        f"new leader {new_leader} (term {new_term}); {len(expected)} puts and 60 appends read back"
    )


CASES = {
    "put_get": put_get,
    "append": append,
    "append_exactly_once": append_exactly_once,
    "delete": delete,
    "get_missing": get_missing,
    "compare_and_swap": compare_and_swap,
    "value_too_large": value_too_large,
    "wrong_leader": wrong_leader,
    "leader_failover": leader_failover,  # last: it leaves two of the three nodes running
}


def parse_map(text, what):
    result = {}
    for part in filter(None, (text or "").split(",")):
        key, sep, value = part.partition("=")
        if not sep or not key.isdigit():
            raise SystemExit(f"kv_client: invalid {what} entry {part!r}: expected ID=VALUE")
        result[int(key)] = value
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoints", required=True, help="ID=HOST:PORT,... of every node")
    parser.add_argument("--pids", default="", help="ID=PID,... of the daemons (for leader_failover)")
    parser.add_argument("--test-case", default="all", choices=["all"] + list(CASES))
    args = parser.parse_args()
    endpoints = parse_map(args.endpoints, "--endpoints")
    pids = {i: int(p) for i, p in parse_map(args.pids, "--pids").items()}
    if len(endpoints) < 2:
        raise SystemExit("kv_client: --endpoints needs at least two nodes")

    names = list(CASES) if args.test_case == "all" else [args.test_case]
    cluster = Cluster(endpoints)
    failures = run_cases(CASES, names, CASE_TIMEOUT_SECONDS, cluster, pids)
    hints = cluster.hints
    print(
        f"wrong-leader replies followed: {hints['address']} by address, {hints['leader_id']} by leader_id, "
        f"{hints['none']} without a hint",
        flush=True,
    )
    print(f"{len(names) - failures} of {len(names)} kv python cases passed", flush=True)
    sys.stdout.flush()
    kv_stubs.cleanup()
    # A case that timed out may leave a thread blocked inside grpc; do not wait for it.
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main()
