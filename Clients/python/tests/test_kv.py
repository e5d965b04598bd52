"""KVClient against a real 3-node `skv kv serve` group: the operations, the error cases, leader
following, exactly-once writes under lost replies, and (last) a kill -9 of the leader while a
client writes. Also every check of the former Scripts/test-kv-python.sh."""

import random
import threading
import time

import grpc
import pytest

from daemons import free_ports, wait_until
from lossy import LoseReplies
from skv_client import KVClient, OperationTimeout, RequestRejected, kv_pb2, kv_pb2_grpc, rsm_pb2

MAX_VALUE_BYTES = 1 << 20  # KVServer.Configuration.maxValueBytes
MAX_KEY_BYTES = 4096  # KVServer.Configuration.maxKeyBytes
RPC_SECONDS = 2.0


def unique(name):
    return f"py-{name}-{random.getrandbits(32):08x}".encode()


@pytest.fixture
def kv(kv_cluster):
    with KVClient(kv_cluster.endpoints) as client:
        yield client


def raw_stub(kv_cluster, raft_id):
    return kv_pb2_grpc.KVStub(grpc.insecure_channel(kv_cluster.endpoints[raft_id]))


def test_put_get(kv):
    key = unique("put")
    kv.put(key, b"hello")
    assert kv.get(key) == b"hello"
    kv.put(key, b"world")
    assert kv.get(key) == b"world"
    binary = bytes(range(256))
    kv.put(key, binary)
    assert kv.get(key) == binary
    # str keys and values are UTF-8.
    kv.put("py-grüße", "héllo")
    assert kv.get(b"py-gr\xc3\xbc\xc3\x9fe") == "héllo".encode()


def test_append(kv):
    key = unique("append")
    kv.append(key, b"a")  # to a missing key
    kv.append(key, b"bc")
    kv.append(key, b"")
    kv.append(key, b"def")
    assert kv.get(key) == b"abcdef"


def test_delete(kv):
    key = unique("delete")
    kv.put(key, b"v")
    assert kv.delete(key) is True
    assert kv.get(key) is None
    assert kv.delete(key) is False


def test_get_missing(kv_cluster, kv):
    key = unique("missing")
    assert kv.get(key) is None
    # On the wire: OUTCOME_NO_KEY and no value.
    leader, _, _ = kv_cluster.stable_leader()
    reply = raw_stub(kv_cluster, leader).Get(kv_pb2.GetRequest(key=key), timeout=RPC_SECONDS)
    assert reply.outcome in (kv_pb2.OUTCOME_NO_KEY, kv_pb2.OUTCOME_WRONG_LEADER)
    assert reply.value == b""


def test_compare_and_swap(kv):
    key = unique("cas")
    assert kv.compare_and_swap(key, b"v0", b"v1") == (False, None)  # missing key, expected a value
    assert kv.compare_and_swap(key, None, b"v1") == (True, None)  # create if absent
    assert kv.compare_and_swap(key, None, b"v2") == (False, b"v1")  # exists
    assert kv.compare_and_swap(key, b"wrong", b"v2") == (False, b"v1")
    assert kv.get(key) == b"v1"  # a failed swap wrote nothing
    result = kv.compare_and_swap(key, b"v1", b"v2")
    assert result.swapped and result.current is None
    assert kv.get(key) == b"v2"


def test_size_limits_are_rejected_with_a_clear_error(kv):
    key = unique("large")
    for what, call in [
        ("value 1 byte over the limit", lambda: kv.put(key, bytes(MAX_VALUE_BYTES + 1))),
        ("appended value 1 byte over the limit", lambda: kv.append(key, bytes(MAX_VALUE_BYTES + 1))),
        ("key 1 byte over the limit", lambda: kv.put(b"k" * (MAX_KEY_BYTES + 1), b"v")),
    ]:
        started = time.monotonic()
        with pytest.raises(RequestRejected) as raised:
            call()
        assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT, what
        assert "limit" in raised.value.details, f"{what}: {raised.value}"
        assert time.monotonic() - started < 5, f"{what}: rejected only after retrying"
    assert kv.get(key) is None
    kv.put(key, bytes(MAX_VALUE_BYTES))  # the largest allowed value goes through
    assert len(kv.get(key)) == MAX_VALUE_BYTES


def test_wrong_leader_reply_names_the_leader(kv_cluster, kv):
    """A Put and a Get sent straight to a follower come back OUTCOME_WRONG_LEADER with a hint
    naming the leader, and nothing is written there."""
    key = unique("follower")
    session = rsm_pb2.Session(client_id=random.getrandbits(63) | 1, sequence=1)
    for _ in range(5):
        leader, term, statuses = kv_cluster.stable_leader()
        follower = next(i for i in sorted(statuses) if i != leader)
        stub = raw_stub(kv_cluster, follower)
        put = stub.Put(kv_pb2.PutRequest(session=session, key=key, value=b"v"), timeout=RPC_SECONDS)
        get = stub.Get(kv_pb2.GetRequest(key=key), timeout=RPC_SECONDS)
        if kv_cluster.stable_leader()[:2] != (leader, term):
            continue  # leadership moved while we asked: the replies prove nothing; ask again
        for what, reply in (("Put", put), ("Get", get)):
            assert reply.outcome == kv_pb2.OUTCOME_WRONG_LEADER, what
            hint = reply.leader
            assert hint.address or hint.leader_id, f"{what}: WRONG_LEADER without a leader hint"
            if hint.address:
                assert hint.address == kv_cluster.endpoints[leader], what
            if hint.leader_id:
                assert hint.leader_id == leader, what
        assert kv.get(key) is None  # the follower's Put was not applied
        opening = rsm_pb2.OpenSessionRequest(client_id=session.client_id)
        assert raw_stub(kv_cluster, leader).OpenSession(opening, timeout=RPC_SECONDS).outcome == kv_pb2.OUTCOME_OK
        reply = raw_stub(kv_cluster, leader).Put(
            kv_pb2.PutRequest(session=session, key=key, value=b"v"), timeout=RPC_SECONDS
        )
        assert reply.outcome == kv_pb2.OUTCOME_OK
        assert kv.get(key) == b"v"
        return
    pytest.fail("leadership kept changing; could not ask a follower")


@pytest.mark.parametrize("with_ids", [True, False], ids=["hint-by-id-or-address", "hint-by-address"])
def test_client_follows_the_leader_hint(kv_cluster, with_ids):
    """A client that starts at a follower goes to the leader the reply names (by id, or by
    address when it does not know the ids), not round the servers."""
    leader, _, _ = kv_cluster.stable_leader()
    followers = [i for i in sorted(kv_cluster.endpoints) if i != leader]
    order = followers + [leader]
    endpoints = [f"{i}={kv_cluster.endpoints[i]}" if with_ids else kv_cluster.endpoints[i] for i in order]
    with KVClient(endpoints) as client:
        key = unique("hinted")
        client.put(key, b"v")
        if kv_cluster.stable_leader()[0] != leader:
            pytest.skip("leadership moved during the test")
        assert client.stats["hints_followed"] == 1, dict(client.stats)
        assert client.stats["transport_errors"] == 0
        assert client.leader == kv_cluster.endpoints[leader]
        assert client.get(key) == b"v"


def test_same_session_delivered_twice_applies_once(kv_cluster, kv):
    """The same Append (same session) delivered twice applies once; the next one applies."""
    key = unique("once")
    leader, _, _ = kv_cluster.stable_leader()
    stub = raw_stub(kv_cluster, leader)
    session = rsm_pb2.Session(client_id=random.getrandbits(63) | 1, sequence=1)
    request = kv_pb2.AppendRequest(session=session, key=key, value=b"x")
    # Before the session is opened its writes are refused, not applied.
    assert stub.Append(request, timeout=RPC_SECONDS).outcome == kv_pb2.OUTCOME_SESSION_EXPIRED
    opening = rsm_pb2.OpenSessionRequest(client_id=session.client_id)
    assert stub.OpenSession(opening, timeout=RPC_SECONDS).outcome == kv_pb2.OUTCOME_OK
    assert stub.Append(request, timeout=RPC_SECONDS).outcome == kv_pb2.OUTCOME_OK
    assert stub.Append(request, timeout=RPC_SECONDS).outcome == kv_pb2.OUTCOME_OK
    session.sequence = 2
    assert stub.Append(kv_pb2.AppendRequest(session=session, key=key, value=b"y"), timeout=RPC_SECONDS).outcome == 0
    assert kv.get(key) == b"xy"


def test_a_write_whose_reply_was_lost_is_retried_and_applies_once(kv_cluster):
    """The client does not see the replies of two Appends that applied (as if the connection
    dropped after the server answered): it retries each with the same session, and each
    applies exactly once."""
    lossy = LoseReplies("Append")
    with KVClient(kv_cluster.endpoints, channel_factory=lossy.channel_factory) as client:
        key = unique("lost")
        client.append(key, b"a")
        lossy.arm(count=2)
        client.append(key, b"b")  # its first two replies are lost
        client.append(key, b"c")
        assert client.get(key) == b"abc"
        assert len(lossy.lost) == 2
        sessions = [(r.session.client_id, r.session.sequence) for r in lossy.seen if r.value == b"b"]
        assert len(sessions) >= 3 and len(set(sessions)) == 1, f"the retries changed the session: {sessions}"
        assert sessions[0] == (client.client_id, 2)


def test_an_unreachable_group_times_out_within_the_limit():
    port = free_ports(1)[0]  # nothing listens there
    with KVClient([f"127.0.0.1:{port}"], timeout=1.0, rpc_timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(OperationTimeout) as raised:
            client.put(b"k", b"v")
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0, f"gave up after {elapsed:.2f} s"
    assert "Put did not complete within 1 s" in str(raised.value)
    assert "UNAVAILABLE" in str(raised.value)


def test_bad_arguments_are_clear_errors():
    for endpoints, message in [
        ([], "no endpoints"),
        (["localhost"], "HOST:PORT"),
        (["0=127.0.0.1:1"], "ID > 0"),
        ("x=127.0.0.1:1", "ID=HOST:PORT"),
    ]:
        with pytest.raises(ValueError, match=message):
            KVClient(endpoints)
    with pytest.raises(ValueError, match="timeout"):
        KVClient(["127.0.0.1:1"], timeout=0)
    with KVClient(["127.0.0.1:1"]) as client, pytest.raises(TypeError, match="key must be bytes or str"):
        client.get(42)


def test_status(kv_cluster, kv):
    statuses = kv.status()
    assert sorted(s.id for s in statuses.values()) == [1, 2, 3]
    assert sum(s.is_leader for s in statuses.values()) <= 1
    for address, status in statuses.items():
        assert kv_cluster.endpoints[status.id] == address


def test_leader_failover_while_writing(kv_cluster):
    """A client appends while the leader is killed with SIGKILL: every acknowledged append is
    in the log exactly once and in order, every acknowledged put reads back, a new leader
    takes over in a later term, and the killed node catches up after a restart."""
    prefix = unique("failover").decode()
    log_key = f"{prefix}-log".encode()
    acknowledged = []
    puts = {}
    errors = []
    stop = threading.Event()

    def writer():
        try:
            with KVClient(kv_cluster.endpoints) as client:
                i = 0
                while not stop.is_set() and i < 2000:
                    key = f"{prefix}-{i}".encode()
                    value = f"value-{i}-".encode() * 8
                    client.put(key, value)
                    puts[key] = value
                    client.append(log_key, f"{i};".encode())
                    acknowledged.append(f"{i};")
                    i += 1
        except Exception as error:  # reported by the main thread
            errors.append(error)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    wait_for_progress(acknowledged, errors, 20)
    leader, term, _ = kv_cluster.stable_leader()
    kv_cluster.kill(leader)
    killed_at = len(acknowledged)
    wait_for_progress(acknowledged, errors, killed_at + 30)
    stop.set()
    thread.join(30)
    assert not thread.is_alive(), "the writer did not stop"
    assert not errors, f"the writer failed: {errors[0]!r}"

    new_leader, new_term, _ = kv_cluster.stable_leader(exclude=(leader,))
    assert new_leader != leader and new_term > term
    with KVClient(kv_cluster.endpoints) as client:
        assert client.get(log_key) == "".join(acknowledged).encode(), "an append was lost or applied twice"
        for key, value in puts.items():
            assert client.get(key) == value

        target = max(s.commit_index for s in client.status().values())
        kv_cluster.start(leader)

        def caught_up():
            statuses = {s.id: s for s in client.status().values()}
            return leader in statuses and statuses[leader].applied_index >= target

        wait_until(caught_up, 30, f"restarted node {leader} catching up")


def wait_for_progress(acknowledged, errors, count, seconds=60):
    end = time.monotonic() + seconds
    while len(acknowledged) < count and not errors:
        assert time.monotonic() < end, f"{len(acknowledged)} of {count} writes acknowledged within {seconds} s"
        time.sleep(0.05)
