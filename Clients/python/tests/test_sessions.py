"""The session limit of a real `skv kv serve` group started with --max-sessions 2 (issue 12, defect 6): past
the limit the oldest session is evicted, a retry of its write is refused with OUTCOME_SESSION_EXPIRED instead of
applying twice, and KVClient reports SessionExpired once and goes on in a new session."""

import random

import grpc
import pytest

from daemons import KVCluster
from skv_client import KVClient, SessionExpired, kv_pb2, kv_pb2_grpc, rsm_pb2

RPC_SECONDS = 2.0


@pytest.fixture(scope="module")
def small_cluster(tmp_path_factory):
    cluster = KVCluster(tmp_path_factory.mktemp("kv-sessions"), extra_args=["--max-sessions", "2"])
    try:
        cluster.stable_leader()
        yield cluster
    finally:
        cluster.stop_all()


def test_an_evicted_sessions_retry_is_refused_not_applied_twice(small_cluster):
    key = f"py-evict-{random.getrandbits(32):08x}".encode()
    leader, _, _ = small_cluster.stable_leader()
    stub = kv_pb2_grpc.KVStub(grpc.insecure_channel(small_cluster.endpoints[leader]))
    client_id = random.getrandbits(63) | 1
    opening = rsm_pb2.OpenSessionRequest(client_id=client_id)
    assert stub.OpenSession(opening, timeout=RPC_SECONDS).outcome == kv_pb2.OUTCOME_OK
    write = kv_pb2.AppendRequest(session=rsm_pb2.Session(client_id=client_id, sequence=1), key=key, value=b"x")
    assert stub.Append(write, timeout=RPC_SECONDS).outcome == kv_pb2.OUTCOME_OK
    # Two other clients write: the raw session is the oldest of three and is evicted.
    for name in (b"y", b"z"):
        with KVClient(small_cluster.endpoints) as other:
            other.append(key, name)
    # Its write is retried (say its reply was lost): refused, not applied a second time.
    assert stub.Append(write, timeout=RPC_SECONDS).outcome == kv_pb2.OUTCOME_SESSION_EXPIRED
    with KVClient(small_cluster.endpoints) as reader:
        assert reader.get(key) == b"xyz"


def test_a_client_whose_session_expired_reports_it_once(small_cluster):
    key = f"py-expire-{random.getrandbits(32):08x}".encode()
    with KVClient(small_cluster.endpoints) as idle:
        idle.append(key, b"a")
        expired_id = idle.client_id
        for name in (b"b", b"c"):
            with KVClient(small_cluster.endpoints) as other:
                other.append(key, name)
        with pytest.raises(SessionExpired) as raised:
            idle.append(key, b"LOST")
        assert raised.value.client_id == expired_id and raised.value.sequence == 2
        assert idle.client_id != expired_id
        idle.append(key, b"d")
        assert idle.get(key) == b"abcd"
