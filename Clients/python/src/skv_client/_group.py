"""Calling one replica group the way a client of a replicated service must (the Python twin of
Sources/RSM/ReplicaGroupCaller.swift): start at the replica that last answered; on a
wrong-leader answer follow the leader hint when it names a known replica, else try the next
one; transport failures and timeouts move on to the next; after every replica failed once in a
row, pause. Errors retrying cannot fix end the operation at once."""

import threading
import time
from collections import Counter

import grpc

from .errors import OperationTimeout, RequestRejected

# Transport and overload failures are retried; anything else means the request itself is wrong
# (or the server is broken) and is reported (ReplicaGroupCaller.isRetryable).
RETRYABLE_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNKNOWN,
    }
)

# What a reply means for the operation (see ReplicaGroup.perform's `verdict`).
FINAL = "final"
RETRY = "retry"


class WrongLeader:
    """Verdict: the replica does not lead; the hint names the leader if known (0 / "" = unknown)."""

    __slots__ = ("leader_id", "address")

    def __init__(self, hint):
        self.leader_id = hint.leader_id
        self.address = hint.address


# Reconnect quickly to a restarted server (gRPC's default backoff starts at 1 s, up to 120 s).
DEFAULT_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
)


class Channels:
    """One gRPC channel per server address, made on first use and closed by close().

    channel_factory(address) makes a channel (for interceptors or custom transports);
    otherwise credentials (grpc.ChannelCredentials) make TLS channels, and without them the
    channels are plaintext."""

    def __init__(self, credentials=None, options=None, channel_factory=None):
        self._credentials = credentials
        self._options = list(DEFAULT_CHANNEL_OPTIONS) + list(options or ())
        self._factory = channel_factory
        self._channels = {}
        self._lock = threading.Lock()

    def get(self, address):
        with self._lock:
            channel = self._channels.get(address)
            if channel is None:
                if self._factory is not None:
                    channel = self._factory(address)
                elif self._credentials is not None:
                    channel = grpc.secure_channel(address, self._credentials, options=self._options)
                else:
                    channel = grpc.insecure_channel(address, options=self._options)
                self._channels[address] = channel
            return channel

    def close(self):
        with self._lock:
            channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            channel.close()


def status_of(channels, addresses, stub_class, request, rpc_timeout):
    """{address: reply} of the servers at `addresses` that answer Status within `rpc_timeout`."""
    result = {}
    for address in addresses:
        try:
            result[address] = stub_class(channels.get(address)).Status(request, timeout=rpc_timeout)
        except grpc.RpcError:
            pass
    return result


class ClosingClient:
    """close() (of the channels the client owns) and the context manager of every client."""

    _owns_channels = True

    def close(self):
        if self._owns_channels:
            self._channels.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class ReplicaGroup:
    """The replicas of one group and the one that answered last.

    replicas: [(raft id or None, address)], in any order (at least one). stub_class: the
    generated stub (e.g. kv_pb2_grpc.KVStub). stats: a Counter the caller shares, counting
    wrong_leader replies, hints_followed and transport_errors."""

    def __init__(self, replicas, channels, stub_class, rpc_timeout, retry_pause, stats=None):
        if not replicas:
            raise ValueError("a replica group needs at least one server")
        if rpc_timeout <= 0:
            raise ValueError("rpc_timeout must be positive")
        self.replicas = list(replicas)
        self._channels = channels
        self._stub_class = stub_class
        self._rpc_timeout = rpc_timeout
        self._retry_pause = retry_pause
        self._preferred = 0
        self._lock = threading.Lock()
        self.stats = stats if stats is not None else Counter()

    @property
    def addresses(self):
        return [address for _, address in self.replicas]

    @property
    def preferred_address(self):
        """The server the next operation starts at (the last one that answered)."""
        with self._lock:
            return self.replicas[self._preferred][1]

    def stub(self, address):
        return self._stub_class(self._channels.get(address))

    def perform(self, operation, method, request, verdict, deadline, limit, max_rounds=None):
        """Calls `method` (a stub method name) with `request` until a replica's reply is FINAL
        by verdict(reply); returns it. Returns None after `max_rounds` rounds in which every
        replica failed once (None: no such limit). Raises OperationTimeout once `deadline`
        (time.monotonic(), None: never) passes (`limit`: the seconds it stands for, for the
        message), RequestRejected for a status retrying cannot fix."""
        failures_in_a_row = 0
        rounds = 0
        last = "none"
        # Ends when a replica answers, the deadline passes or the round limit is reached.
        while True:
            timeout = self._rpc_timeout
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OperationTimeout(operation, limit, last)
                timeout = min(timeout, remaining)
            with self._lock:
                index = self._preferred
            _, address = self.replicas[index]
            following = (index + 1) % len(self.replicas)
            try:
                reply = getattr(self.stub(address), method)(request, timeout=timeout)
            except grpc.RpcError as error:
                if error.code() not in RETRYABLE_CODES:
                    raise RequestRejected(operation, error.code(), error.details()) from None
                self.stats["transport_errors"] += 1
                last = f"{address}: {error.code().name}"
            else:
                judged = verdict(reply)
                if judged == FINAL:
                    return reply
                if isinstance(judged, WrongLeader):
                    self.stats["wrong_leader"] += 1
                    last = f"{address}: not the leader (hint id={judged.leader_id} address={judged.address!r})"
                    hinted = self._index(judged.leader_id, judged.address)
                    if hinted is not None and hinted != index:
                        self.stats["hints_followed"] += 1
                        following = hinted
                else:
                    last = f"{address}: not committed in time"
            with self._lock:
                self._preferred = following
            failures_in_a_row += 1
            if failures_in_a_row >= len(self.replicas):
                failures_in_a_row = 0
                rounds += 1
                if max_rounds is not None and rounds >= max_rounds:
                    self.last = last
                    return None
                pause = self._retry_pause
                if deadline is not None:
                    pause = max(0.0, min(pause, deadline - time.monotonic()))
                time.sleep(pause)

    def _index(self, leader_id, address):
        if leader_id:
            for i, (replica_id, _) in enumerate(self.replicas):
                if replica_id == leader_id:
                    return i
        if address:
            for i, (_, replica_address) in enumerate(self.replicas):
                if replica_address == address:
                    return i
        return None


def parse_endpoints(endpoints):
    """[(raft id or None, address)] from a list of "HOST:PORT" or "ID=HOST:PORT" strings, a
    comma-separated string of them, or a dict {id: "HOST:PORT"}."""
    if isinstance(endpoints, dict):
        items = [(int(i), address) for i, address in endpoints.items()]
    else:
        if isinstance(endpoints, str):
            endpoints = endpoints.split(",")
        items = []
        for entry in endpoints:
            entry = entry.strip()
            if not entry:
                continue
            name, sep, address = entry.partition("=")
            if sep:
                if not name.isdigit() or int(name) == 0:
                    raise ValueError(f"invalid endpoint {entry!r}: expected HOST:PORT or ID=HOST:PORT (ID > 0)")
                items.append((int(name), address))
            else:
                items.append((None, entry))
    if not items:
        raise ValueError("no endpoints given")
    for _, address in items:
        host, sep, port = address.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"invalid address {address!r}: expected HOST:PORT")
    return items


def deadline_after(timeout):
    """(deadline, limit) for an operation of at most `timeout` seconds (None: no limit)."""
    if timeout is None:
        return None, None
    if timeout <= 0:
        raise ValueError("timeout must be positive (or None for no limit)")
    return time.monotonic() + timeout, timeout
