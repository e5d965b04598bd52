"""The exactly-once identity of a client's writes (the Python twin of
Sources/RSM/ClientSession.swift), and the conversion of keys and values to bytes."""

import random
import threading

from ._proto_modules import rsm_pb2


class Session:
    """A random non-zero client id and the sequence number of its last write.

    A client opens its session (OpenSession; for ShardKV on each shard before its first write
    there), numbers its writes 1, 2, 3, ... and sends write n+1 only after it saw the reply to
    write n, retrying n with the same number meanwhile: the service keeps only the last write
    (and its reply) per client, so a retried write applies once. Hence one write at a time per
    session: the clients hold `lock` for a whole operation. A service that evicted the session
    (past its session limit) answers OUTCOME_SESSION_EXPIRED instead of applying a write twice;
    the client then raises SessionExpired and `renew`s: a new id, to be opened again."""

    def __init__(self, client_id=None):
        if client_id is None:
            client_id = random.SystemRandom().getrandbits(64) or 1
        if not 0 < client_id < 1 << 64:
            raise ValueError("client_id must be in 1 ... 2^64-1 (0 means no session)")
        self.client_id = client_id
        self.sequence = 0
        self.lock = threading.RLock()
        # Whether the service opened the session (KV, controller), and on which shards (ShardKV).
        self.opened = False
        self.opened_shards = set()

    def renew(self):
        """After OUTCOME_SESSION_EXPIRED: a new random id, not opened anywhere yet."""
        self.client_id = random.SystemRandom().getrandbits(64) or 1
        self.sequence = 0
        self.opened = False
        self.opened_shards = set()

    def opening(self):
        """The request that opens the session on a KV or controller group."""
        return rsm_pb2.OpenSessionRequest(client_id=self.client_id)

    def next(self):
        """The session of the next write (call with `lock` held, once per write, not per attempt)."""
        self.sequence += 1
        return rsm_pb2.Session(client_id=self.client_id, sequence=self.sequence)


def to_bytes(value, what):
    """Keys and values are bytes; str is encoded as UTF-8."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"{what} must be bytes or str, not {type(value).__name__}")
