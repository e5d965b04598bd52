"""ShardKVClient against real daemons: 3 shard controllers and two replica groups of 3
(`skv ctrler serve`, `skv shard serve`). Group 2 joins while a client writes; then routing
over both groups, the error replies, exactly-once writes under lost replies, and shard moves
while clients write. Also every check of the former Scripts/test-shardkv-python.sh."""

import random
import threading
import time

import grpc
import pytest

from daemons import free_ports, wait_until
from lossy import LoseReplies
from skv_client import (
    SHARD_COUNT,
    ChangeRefused,
    OperationTimeout,
    ShardKVClient,
    key2shard,
    rsm_pb2,
    shardkv_pb2,
    shardkv_pb2_grpc,
)

RPC_SECONDS = 1.0


def key_in_shard(shard, name):
    """A key whose first byte puts it in `shard`: a digit d has code 48 + d, so shard s wants
    the digit (s - 48) mod 10."""
    return f"{(shard - 48) % SHARD_COUNT}/{name}".encode()


@pytest.fixture
def client(shard_cluster):
    with ShardKVClient(shard_cluster.ctrlers) as client:
        yield client


def stub(address):
    return shardkv_pb2_grpc.ShardKVStub(grpc.insecure_channel(address))


class Writer:
    """A thread appending "i;" to each of `keys` in turn with its own client, until stopped;
    `acknowledged[key]` is what it was told applied."""

    def __init__(self, ctrlers, keys):
        self.keys = keys
        self.acknowledged = {key: [] for key in keys}
        self.count = 0
        self.errors = []
        self._stop = threading.Event()
        self._client = ShardKVClient(ctrlers)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            i = 0
            while not self._stop.is_set() and i < 5000:
                key = self.keys[i % len(self.keys)]
                self._client.append(key, f"{i};".encode())
                self.acknowledged[key].append(f"{i};")
                self.count += 1
                i += 1
        except Exception as error:  # reported by the test
            self.errors.append(error)

    def wait_for(self, count, seconds=60):
        wait_until(lambda: self.count >= count or self.errors, seconds, f"{count} acknowledged appends")
        assert not self.errors, f"the writer failed: {self.errors[0]!r}"

    def stop(self):
        self._stop.set()
        self._thread.join(60)
        assert not self._thread.is_alive(), "the writer did not stop"
        assert not self.errors, f"the writer failed: {self.errors[0]!r}"
        stats = dict(self._client.stats)
        self._client.close()
        return stats

    def check(self, client):
        for key, parts in self.acknowledged.items():
            assert client.get(key) == "".join(parts).encode(), f"{key!r}: an append was lost or applied twice"


def test_key2shard_matches_the_servers():
    assert [key2shard(str(d).encode()) for d in range(10)] == [8, 9, 0, 1, 2, 3, 4, 5, 6, 7]
    assert key2shard(b"") == 0
    assert all(key2shard(key_in_shard(s, "x")) == s for s in range(SHARD_COUNT))


def test_join_while_writing(shard_cluster, client):
    """Group 2 joins while a client appends to keys in every shard: half the shards move to
    it during the writes, and every acknowledged append is there exactly once."""
    config = shard_cluster.controller.query()
    assert set(config.shards) == {1}, f"before the join: {config}"
    writer = Writer(shard_cluster.ctrlers, [key_in_shard(s, "join") for s in range(SHARD_COUNT)])
    writer.wait_for(20)
    num = shard_cluster.join(2)
    start = writer.count
    writer.wait_for(start + 30)
    stats = writer.stop()
    config = client.refresh_config()
    assert config.num >= num and set(config.shards) == {1, 2}, f"after the join: {config}"
    writer.check(client)
    assert stats.get("config_queries", 0) >= 2, stats


def test_routing(client):
    """Put then Get a key in every shard; the routing must find each shard's group."""
    config = client.refresh_config()
    assert 0 not in config.shards, f"a shard has no group in configuration {config.num}"
    assert len(set(config.shards)) == 2
    for shard in range(SHARD_COUNT):
        client.put(key_in_shard(shard, "routing"), b"v%d" % shard)
    for shard in range(SHARD_COUNT):
        assert client.get(key_in_shard(shard, "routing")) == b"v%d" % shard


def test_append_delete(client):
    """Append builds values in every shard; Delete removes them (absent after, and again)."""
    for shard in range(SHARD_COUNT):
        key = key_in_shard(shard, "append")
        for part in (b"a", b"b", b"c"):
            client.append(key, part)
        assert client.get(key) == b"abc"
    for shard in range(SHARD_COUNT):
        key = key_in_shard(shard, "append")
        assert client.delete(key) is True
        assert client.get(key) is None
        assert client.delete(key) is False


def test_missing_key_empty_key_and_empty_value(client):
    assert client.get(key_in_shard(3, "never-written-%d" % random.getrandbits(32))) is None
    client.put(b"", b"empty-key")  # the empty key lives in shard 0
    assert client.get(b"") == b"empty-key"
    key = key_in_shard(5, "empty-value")
    client.put(key, b"")
    assert client.get(key) == b""


def test_wrong_group(shard_cluster, client):
    """A group answers WRONG_GROUP for a shard another group serves (and no data); the routed
    client still gets the value."""
    config = client.refresh_config()
    shard = 0
    owner = config.shards[shard]
    other = next(gid for gid in config.groups if gid != owner)
    key = key_in_shard(shard, "wrong-group")
    client.put(key, b"v0")
    outcomes = []

    def refused():
        for address in shard_cluster.groups[other]:
            try:
                reply = stub(address).Get(shardkv_pb2.GetRequest(key=key), timeout=RPC_SECONDS)
            except grpc.RpcError as error:
                outcomes.append(error.code().name)
                continue
            outcomes.append(shardkv_pb2.Outcome.Name(reply.outcome))
            assert reply.outcome in (shardkv_pb2.OUTCOME_WRONG_GROUP, shardkv_pb2.OUTCOME_WRONG_LEADER), outcomes
            assert reply.value == b""
        return "OUTCOME_WRONG_GROUP" in outcomes

    wait_until(refused, 10, f"a WRONG_GROUP from group {other} ({outcomes})")
    assert client.get(key) == b"v0"


def test_wrong_leader(shard_cluster, client):
    """A follower answers WRONG_LEADER with a hint naming its group's leader by address."""
    config = client.refresh_config()
    gid = config.shards[1]
    key = key_in_shard(1, "wrong-leader")
    client.put(key, b"v1")

    def pointed():
        statuses = shard_cluster.group_status(gid)
        leaders = [a for a, s in statuses.items() if s.is_leader]
        followers = [a for a, s in statuses.items() if not s.is_leader]
        if len(leaders) != 1 or not followers:
            return None
        reply = stub(followers[0]).Get(shardkv_pb2.GetRequest(key=key), timeout=RPC_SECONDS)
        return reply.outcome == shardkv_pb2.OUTCOME_WRONG_LEADER and reply.leader.address == leaders[0]

    wait_until(pointed, 10, f"a follower of group {gid} naming its leader")
    assert client.get(key) == b"v1"


def test_same_session_delivered_twice_applies_once(shard_cluster, client):
    key = key_in_shard(7, "once")
    client.put(key, b"x")
    gid = client.config.shards[7]
    session = rsm_pb2.Session(client_id=random.getrandbits(63) | 1, sequence=1)
    request = shardkv_pb2.AppendRequest(session=session, key=key, value=b"y")
    opening = shardkv_pb2.OpenSessionRequest(client_id=session.client_id, key=key)
    opened = []
    applied = []

    def deliver():
        address = shard_cluster.group_leader(gid)
        if address is None:
            return False
        if not opened:
            # Sessions are per shard: opened on the key's shard before the first write there.
            if stub(address).OpenSession(opening, timeout=RPC_SECONDS).outcome == shardkv_pb2.OUTCOME_OK:
                opened.append(address)
            return False
        reply = stub(address).Append(request, timeout=RPC_SECONDS)
        if reply.outcome == shardkv_pb2.OUTCOME_OK:
            applied.append(address)
        return len(applied) >= 3

    wait_until(deliver, 15, "three deliveries of the same Append")
    assert client.get(key) == b"xy"


def test_a_write_whose_reply_was_lost_is_retried_and_applies_once(shard_cluster):
    lossy = LoseReplies("Append")
    with ShardKVClient(shard_cluster.ctrlers, channel_factory=lossy.channel_factory) as client:
        key = key_in_shard(6, "lost")
        client.append(key, b"a")
        lossy.arm(count=2)
        client.append(key, b"b")
        assert client.get(key) == b"ab"
        assert len(lossy.lost) == 2
        sessions = {(r.session.client_id, r.session.sequence) for r in lossy.seen if r.value == b"b"}
        assert sessions == {(client.client_id, 2)}, sessions


def test_move_while_writing(shard_cluster):
    """Shard 4 moves to the other group and back while a writer appends to keys in it. Each
    move happens while a write's reply is lost: its retry (same session) goes to the new owner
    after a WRONG_GROUP from the old one, and must not apply a second time there, since the
    de-duplication records travel with the shard."""
    shard = 4
    lossy = LoseReplies("Append")
    controller = shard_cluster.controller
    with ShardKVClient(shard_cluster.ctrlers, channel_factory=lossy.channel_factory) as client:
        key = key_in_shard(shard, "move")
        client.put(key, b"m")
        source = client.refresh_config().shards[shard]
        target = next(gid for gid in client.config.groups if gid != source)
        writer = Writer(shard_cluster.ctrlers, [key_in_shard(shard, "move-writer"), key_in_shard(shard + 1, "w")])
        writer.wait_for(10)
        expected = b"m"
        for step, (previous, destination) in enumerate(((source, target), (target, source)), start=1):

            def move(_request, previous=previous, destination=destination):
                num = controller.move(shard, destination)
                # Once the previous owner applied the move, it refuses the shard.
                shard_cluster.wait_for_config(previous, num)
                shard_cluster.wait_for_config(destination, num)

            before = client.stats["wrong_group"]
            lossy.arm(count=1, on_lost=move)
            client.append(key, b"%d" % step)
            expected += b"%d" % step
            assert client.get(key) == expected, "the retried append applied twice (or not at all)"
            assert client.stats["wrong_group"] > before, "the retry did not meet the old owner's WRONG_GROUP"
            assert client.config.shards[shard] == destination
            count = writer.count
            writer.wait_for(count + 5)
        writer.stop()
        writer.check(client)
        assert client.refresh_config().shards[shard] == source


def test_controller_refusals_are_errors(shard_cluster):
    with pytest.raises(ChangeRefused, match="OUTCOME_GROUP_EXISTS"):
        shard_cluster.controller.join({1: shard_cluster.groups[1]})
    with pytest.raises(ChangeRefused, match="OUTCOME_NO_GROUP"):
        shard_cluster.controller.move(0, 99)


def test_status(shard_cluster, client):
    """Every server answers Status with its gid; each group has one leader that applied the
    latest configuration and serves every shard it owns."""
    serving = (shardkv_pb2.SHARD_SERVING, shardkv_pb2.SHARD_GC_PENDING)

    def consistent():
        config = client.refresh_config()
        statuses = client.status()
        for gid, servers in config.groups.items():
            replies = [statuses.get(a) for a in servers]
            if any(r is None for r in replies):
                return False
            assert all(r.gid == gid for r in replies), f"a server of group {gid} reports another gid"
            leaders = [r for r in replies if r.is_leader and r.config_num == config.num]
            if len(leaders) != 1:
                return False
            served = {s.shard for s in leaders[0].shards if s.status in serving}
            if not {s for s in range(SHARD_COUNT) if config.shards[s] == gid} <= served:
                return False
        return len(statuses)

    assert wait_until(consistent, 15, "every group serving its shards") == 6


def test_unreachable_controllers_time_out_within_the_limit():
    port = free_ports(1)[0]
    with ShardKVClient([f"127.0.0.1:{port}"], timeout=1.0, rpc_timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(OperationTimeout, match="Get did not complete within 1 s"):
            client.get(b"k")
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0, f"gave up after {elapsed:.2f} s"
