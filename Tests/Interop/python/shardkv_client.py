#!/usr/bin/env python3
"""A grpcio client of the sharded KV service (skv.shardkv.ShardKV; stubs generated from
Protos/shardkv.proto and shardctrler.proto at run time) that routes by itself: it reads the
latest configuration with skv.shardctrler.ShardCtrler/Query, maps a key to its shard exactly
as the servers do (key2shard: the first byte mod 10, 0 for the empty key), and calls the
group the configuration names. On OUTCOME_WRONG_GROUP it re-queries the controller; on
OUTCOME_WRONG_LEADER (or a transport error, OUTCOME_TIMEOUT) it tries the next server of the
group, following the leader hint when it carries an address. Writes carry a session kept across
retries, so they apply once.

Usage: shardkv_client.py --ctrlers HOST:PORT,HOST:PORT,HOST:PORT [--test-case NAME|all]
The groups must have joined (at least two). Prints one line per case, "PASS name" or
"FAIL name: reason", then "N of M shardkv python cases passed"; exits non-zero if a case
failed. Every call has a deadline and every case a time limit (CASE_TIMEOUT_SECONDS).
"""

import argparse
import os
import random
import sys
import threading
import time

import grpc

import proto_stubs
from case_runner import CaseFailure, expect, run_cases

shardkv_pb2, shardkv_pb2_grpc, shardctrler_pb2, shardctrler_pb2_grpc, rsm_pb2 = proto_stubs.load(
    [(proto_stubs.PROTO_DIR, "shardkv.proto")],
    ["shardkv_pb2", "shardkv_pb2_grpc", "shardctrler_pb2", "shardctrler_pb2_grpc", "rsm_pb2"],
    "skv-shardkv-stubs-",
)

SHARD_COUNT = 10  # ShardConfig.shardCount
CASE_TIMEOUT_SECONDS = 40
RPC_TIMEOUT_SECONDS = 1.0
OPERATION_TIMEOUT_SECONDS = 20.0
RETRY_PAUSE_SECONDS = 0.1
RETRYABLE_CODES = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
)


def outcome_name(outcome):
    return shardkv_pb2.Outcome.Name(outcome)


def key2shard(key):
    return key[0] % SHARD_COUNT if key else 0


def key_in_shard(shard, name):
    """A key whose first byte puts it in `shard`: a digit d has code 48 + d, so shard s wants
    the digit (s - 48) mod 10."""
    return f"{(shard - 48) % SHARD_COUNT}/{name}".encode()


class ShardedClient:
    """Routing state: one channel per server, the cached configuration, a session."""

    def __init__(self, ctrlers):
        self.ctrlers = list(ctrlers)
        self.channels = {}
        self.config = None
        self.leaders = {}  # gid -> index of the server that last answered
        self.client_id = random.getrandbits(63) | 1
        self.sequence = 0
        self.lock = threading.Lock()
        self.counts = {"wrong_group": 0, "wrong_leader": 0, "queries": 0}

    def channel(self, address):
        if address not in self.channels:
            self.channels[address] = grpc.insecure_channel(
                address,
                options=[
                    ("grpc.initial_reconnect_backoff_ms", 100),
                    ("grpc.min_reconnect_backoff_ms", 100),
                    ("grpc.max_reconnect_backoff_ms", 1000),
                ],
            )
        return self.channels[address]

    def kv(self, address):
        return shardkv_pb2_grpc.ShardKVStub(self.channel(address))

    def ctrler(self, address):
        return shardctrler_pb2_grpc.ShardCtrlerStub(self.channel(address))

    def session(self):
        with self.lock:
            self.sequence += 1
            return rsm_pb2.Session(client_id=self.client_id, sequence=self.sequence)

    def ctrler_call(self, method, request, deadline):
        """`method` at the controllers until one answers OK (WRONG_LEADER/TIMEOUT and transport
        errors move on to the next; the whole list failing pauses briefly)."""
        last = "no attempt"
        while time.monotonic() < deadline:
            for address in self.ctrlers:
                try:
                    reply = getattr(self.ctrler(address), method)(request, timeout=RPC_TIMEOUT_SECONDS)
                except grpc.RpcError as error:
                    if error.code() not in RETRYABLE_CODES:
                        raise
                    last = f"{address}: {error.code().name}"
                    continue
                if reply.outcome == shardctrler_pb2.OUTCOME_OK:
                    return reply
                last = f"{address}: {shardctrler_pb2.Outcome.Name(reply.outcome)}"
                if reply.outcome not in (shardctrler_pb2.OUTCOME_WRONG_LEADER, shardctrler_pb2.OUTCOME_TIMEOUT):
                    raise CaseFailure(f"controller {method}: {last}")
            time.sleep(RETRY_PAUSE_SECONDS)
        raise CaseFailure(f"controller {method} did not complete in time (last: {last})")

    def query(self, deadline=None):
        deadline = deadline or time.monotonic() + OPERATION_TIMEOUT_SECONDS
        reply = self.ctrler_call("Query", shardctrler_pb2.QueryRequest(num=-1), deadline)
        self.counts["queries"] += 1
        self.config = reply.config
        return reply.config

    def servers(self, gid):
        for group in self.config.groups:
            if group.gid == gid:
                return list(group.servers)
        return []

    def call(self, method, key, request, timeout=OPERATION_TIMEOUT_SECONDS):
        """Calls `method` for `key` at the group serving its shard; returns the first reply
        that is OK or NO_KEY. Raises CaseFailure after `timeout` seconds, grpc.RpcError for a
        status that is not retryable."""
        deadline = time.monotonic() + timeout
        shard = key2shard(key)
        last = "no attempt"
        while time.monotonic() < deadline:
            if self.config is None:
                self.query(deadline)
            gid = self.config.shards[shard]
            servers = self.servers(gid)
            start = self.leaders.get(gid, 0)
            for offset in range(len(servers)):
                index = (start + offset) % len(servers)
                address = servers[index]
                try:
                    reply = getattr(self.kv(address), method)(request, timeout=RPC_TIMEOUT_SECONDS)
                except grpc.RpcError as error:
                    if error.code() not in RETRYABLE_CODES:
                        raise
                    last = f"group {gid} {address}: {error.code().name}"
                    continue
                if reply.outcome in (shardkv_pb2.OUTCOME_OK, shardkv_pb2.OUTCOME_NO_KEY):
                    self.leaders[gid] = index
                    return reply
                last = f"group {gid} {address}: {outcome_name(reply.outcome)}"
                if reply.outcome == shardkv_pb2.OUTCOME_WRONG_GROUP:
                    self.counts["wrong_group"] += 1
                    break  # this group does not serve the shard (now): re-query
                if reply.outcome == shardkv_pb2.OUTCOME_WRONG_LEADER:
                    self.counts["wrong_leader"] += 1
                    if reply.leader.address in servers:
                        # Try the hinted leader next (then the rest of the round).
                        self.leaders[gid] = servers.index(reply.leader.address)
                # OUTCOME_TIMEOUT, WRONG_LEADER: the next server.
            time.sleep(RETRY_PAUSE_SECONDS)
            self.query(deadline)
        raise CaseFailure(f"{method}({key!r}) did not complete within {timeout:.0f} s (last: {last})")

    def put(self, key, value):
        return self.call("Put", key, shardkv_pb2.PutRequest(session=self.session(), key=key, value=value))

    def append(self, key, value, session=None):
        request = shardkv_pb2.AppendRequest(session=session or self.session(), key=key, value=value)
        return self.call("Append", key, request)

    def delete(self, key):
        return self.call("Delete", key, shardkv_pb2.DeleteRequest(session=self.session(), key=key))

    def get(self, key):
        return self.call("Get", key, shardkv_pb2.GetRequest(key=key))

    def expect_value(self, key, value):
        reply = self.get(key)
        if value is None:
            expect(
                reply.outcome == shardkv_pb2.OUTCOME_NO_KEY,
                f"Get({key!r}): {outcome_name(reply.outcome)}, expected NO_KEY",
            )
        else:
            expect(reply.outcome == shardkv_pb2.OUTCOME_OK, f"Get({key!r}): {outcome_name(reply.outcome)}")
            expect(reply.value == value, f"Get({key!r}) = {reply.value!r}, expected {value!r}")

    def statuses(self):
        """{address: StatusReply} of every server of the cached configuration that answers."""
        result = {}
        for group in self.config.groups:
            for address in group.servers:
                try:
                    result[address] = self.kv(address).Status(shardkv_pb2.StatusRequest(), timeout=RPC_TIMEOUT_SECONDS)
                except grpc.RpcError:
                    pass
        return result


# --- Cases (each gets the client; returns an optional detail string) --------------------------


def case_routing(client):
    """Put then Get a key in every shard; the routing must find each shard's group."""
    config = client.query()
    gids = {gid for gid in config.shards}
    expect(0 not in gids, f"a shard has no group in configuration {config.num}: {list(config.shards)}")
    for shard in range(SHARD_COUNT):
        key = key_in_shard(shard, "routing")
        expect(key2shard(key) == shard, f"key {key!r} is in shard {key2shard(key)}, not {shard}")
        expect(client.put(key, b"v%d" % shard).outcome == shardkv_pb2.OUTCOME_OK, f"Put({key!r})")
    for shard in range(SHARD_COUNT):
        client.expect_value(key_in_shard(shard, "routing"), b"v%d" % shard)
    return f"10 shards over groups {sorted(gids)} (configuration {config.num})"


def case_append_delete(client):
    """Append builds values in every shard; Delete removes them (NO_KEY after, and again)."""
    for shard in range(SHARD_COUNT):
        key = key_in_shard(shard, "append")
        for part in (b"a", b"b", b"c"):
            expect(client.append(key, part).outcome == shardkv_pb2.OUTCOME_OK, f"Append({key!r})")
        client.expect_value(key, b"abc")
    for shard in range(SHARD_COUNT):
        key = key_in_shard(shard, "append")
        expect(client.delete(key).outcome == shardkv_pb2.OUTCOME_OK, f"Delete({key!r}) of an existing key")
        client.expect_value(key, None)
        reply = client.delete(key)
        expect(reply.outcome == shardkv_pb2.OUTCOME_NO_KEY, f"second Delete({key!r}): {outcome_name(reply.outcome)}")


def case_missing_and_empty(client):
    """A Get of a key never written is NO_KEY; the empty key lives in shard 0; an empty value is a value."""
    client.expect_value(key_in_shard(3, "never-written-%d" % random.getrandbits(32)), None)
    expect(client.put(b"", b"empty-key").outcome == shardkv_pb2.OUTCOME_OK, "Put of the empty key")
    client.expect_value(b"", b"empty-key")
    key = key_in_shard(5, "empty-value")
    expect(client.put(key, b"").outcome == shardkv_pb2.OUTCOME_OK, "Put of an empty value")
    client.expect_value(key, b"")


def case_wrong_group(client):
    """A group's leader answers WRONG_GROUP for a shard another group serves (and no data)."""
    config = client.query()
    shard = 0
    owner = config.shards[shard]
    others = [g.gid for g in config.groups if g.gid != owner]
    expect(others, "only one group joined")
    key = key_in_shard(shard, "routing")
    outcomes = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and shardkv_pb2.OUTCOME_WRONG_GROUP not in outcomes:
        for address in client.servers(others[0]):
            try:
                reply = client.kv(address).Get(shardkv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_SECONDS)
            except grpc.RpcError as error:
                outcomes.append(error.code().name)
                continue
            outcomes.append(reply.outcome)
            expect(
                reply.outcome in (shardkv_pb2.OUTCOME_WRONG_GROUP, shardkv_pb2.OUTCOME_WRONG_LEADER),
                f"group {others[0]} answered {outcome_name(reply.outcome)} for shard {shard} of group {owner}",
            )
    expect(shardkv_pb2.OUTCOME_WRONG_GROUP in outcomes, f"no WRONG_GROUP from group {others[0]}: {outcomes}")
    # The routed client still gets the value, whatever its cached configuration says.
    client.expect_value(key, b"v0")
    return f"group {others[0]} refused shard {shard} of group {owner}"


def case_wrong_leader(client):
    """A follower answers WRONG_LEADER with a hint naming its group's leader."""
    config = client.query()
    key = key_in_shard(1, "routing")
    gid = config.shards[1]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        statuses = {a: s for a, s in client.statuses().items() if a in client.servers(gid)}
        leaders = [a for a, s in statuses.items() if s.is_leader]
        followers = [a for a, s in statuses.items() if not s.is_leader]
        if len(leaders) == 1 and followers:
            reply = client.kv(followers[0]).Get(shardkv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_SECONDS)
            if reply.outcome == shardkv_pb2.OUTCOME_WRONG_LEADER and reply.leader.address == leaders[0]:
                client.expect_value(key, b"v1")
                return f"follower {followers[0]} pointed to {leaders[0]}"
        time.sleep(0.2)
    raise CaseFailure(f"no follower of group {gid} answered WRONG_LEADER with its leader's address")


def case_exactly_once(client):
    """An Append retried with the same session applies once."""
    key = key_in_shard(7, "once")
    expect(client.put(key, b"x").outcome == shardkv_pb2.OUTCOME_OK, f"Put({key!r})")
    session = client.session()
    for _ in range(3):
        expect(client.append(key, b"y", session=session).outcome == shardkv_pb2.OUTCOME_OK, f"Append({key!r})")
    client.expect_value(key, b"xy")


def case_move(client):
    """Move a shard to another group (ShardCtrler/Move): its data and sessions follow, the
    client's stale configuration earns WRONG_GROUP and a re-query, and a retried write still
    applies once; then move it back."""
    shard = 4
    key = key_in_shard(shard, "move")
    expect(client.put(key, b"m").outcome == shardkv_pb2.OUTCOME_OK, f"Put({key!r})")
    session = client.session()
    expect(client.append(key, b"1", session=session).outcome == shardkv_pb2.OUTCOME_OK, f"Append({key!r})")
    config = client.query()
    source = config.shards[shard]
    target = next(g.gid for g in config.groups if g.gid != source)
    deadline = time.monotonic() + OPERATION_TIMEOUT_SECONDS
    wrong_group_before = client.counts["wrong_group"]
    for previous, destination in ((source, target), (target, source)):
        move = shardctrler_pb2.MoveRequest(session=client_ctrler_session(client), shard=shard, gid=destination)
        moved = client.ctrler_call("Move", move, deadline).config_num
        # Once the previous owner has applied the move, the client's cached configuration (from
        # before it) sends it there first and earns a WRONG_GROUP.
        wait_for_config(client, previous, moved, deadline)
        # The same Append again (same session) must not apply a second time in the new group.
        expect(client.append(key, b"1", session=session).outcome == shardkv_pb2.OUTCOME_OK, "retried Append")
        client.expect_value(key, b"m1")
    expect(client.query().shards[shard] == source, f"shard {shard} is not back at group {source}")
    followed = client.counts["wrong_group"] - wrong_group_before
    expect(followed >= 2, f"{followed} WRONG_GROUP replies followed over two moves, expected at least 2")
    return f"shard {shard}: group {source} -> {target} -> {source}, {followed} WRONG_GROUP replies followed"


def wait_for_config(client, gid, num, deadline):
    """Until the leader of group `gid` (in the client's cached configuration) has applied configuration `num`."""
    while time.monotonic() < deadline:
        for address in client.servers(gid):
            try:
                status = client.kv(address).Status(shardkv_pb2.StatusRequest(), timeout=RPC_TIMEOUT_SECONDS)
            except grpc.RpcError:
                continue
            if status.is_leader and status.config_num >= num:
                return
        time.sleep(0.05)
    raise CaseFailure(f"group {gid} did not apply configuration {num} in time")


def client_ctrler_session(client):
    """A controller session (its own client id: the controller's de-duplication is separate)."""
    if not hasattr(client, "ctrler_session"):
        client.ctrler_session = [random.getrandbits(63) | 1, 0]
    client.ctrler_session[1] += 1
    return rsm_pb2.Session(client_id=client.ctrler_session[0], sequence=client.ctrler_session[1])


def case_status(client):
    """Every server answers Status with its gid; each group has one leader that applied the
    latest configuration; every shard is served (SERVING or GC_PENDING) by its owner."""
    config = client.query()
    deadline = time.monotonic() + 15
    problem = "no status"
    while time.monotonic() < deadline:
        statuses = client.statuses()
        problem = None
        for group in config.groups:
            replies = [statuses.get(a) for a in group.servers]
            if any(r is None for r in replies):
                problem = f"a server of group {group.gid} did not answer"
                break
            expect(all(r.gid == group.gid for r in replies), f"a server of group {group.gid} reports another gid")
            leaders = [r for r in replies if r.is_leader and r.config_num == config.num]
            if len(leaders) != 1:
                problem = f"group {group.gid} has no leader at configuration {config.num}"
                break
            serving = (shardkv_pb2.SHARD_SERVING, shardkv_pb2.SHARD_GC_PENDING)
            served = {s.shard for s in leaders[0].shards if s.status in serving}
            owned = {s for s in range(SHARD_COUNT) if config.shards[s] == group.gid}
            if not owned <= served:
                problem = f"group {group.gid} serves {sorted(served)}, owns {sorted(owned)}"
                break
        if problem is None:
            return f"{len(statuses)} servers, configuration {config.num}"
        time.sleep(0.2)
        config = client.query()
    raise CaseFailure(problem)


CASES = {
    "routing": case_routing,
    "append_delete": case_append_delete,
    "missing_and_empty": case_missing_and_empty,
    "wrong_group": case_wrong_group,
    "wrong_leader": case_wrong_leader,
    "exactly_once": case_exactly_once,
    "move": case_move,
    "status": case_status,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctrlers", required=True, help="HOST:PORT,... of the shard controllers")
    parser.add_argument("--test-case", default="all", choices=["all"] + list(CASES))
    args = parser.parse_args()
    ctrlers = [a for a in args.ctrlers.split(",") if a]
    if not ctrlers:
        raise SystemExit("shardkv_client: --ctrlers is empty")

    names = list(CASES) if args.test_case == "all" else [args.test_case]
    client = ShardedClient(ctrlers)
    failures = run_cases(CASES, names, CASE_TIMEOUT_SECONDS, client)
    counts = client.counts
    print(
        f"routing: {counts['queries']} controller queries, {counts['wrong_group']} WRONG_GROUP and "
        f"{counts['wrong_leader']} WRONG_LEADER replies followed",
        flush=True,
    )
    print(f"{len(names) - failures} of {len(names)} shardkv python cases passed", flush=True)
    sys.stdout.flush()
    proto_stubs.cleanup()
    # A case that timed out may leave a thread blocked inside grpc; do not wait for it.
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main()
