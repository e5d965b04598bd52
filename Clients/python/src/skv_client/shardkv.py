"""A client of the sharded KV service (`skv shard serve` groups routed by `skv ctrler serve`;
the Python twin of Sources/ShardKV/ShardKVClerk.swift)."""

import threading
import time
from collections import Counter

from . import _group
from ._proto_modules import shardkv_pb2, shardkv_pb2_grpc
from ._session import Session, to_bytes
from .controller import ControllerClient, key2shard
from .errors import OperationTimeout, RequestRejected, SessionExpired, SKVError

_DEFAULT = object()
_ANSWERS = (shardkv_pb2.OUTCOME_OK, shardkv_pb2.OUTCOME_NO_KEY, shardkv_pb2.OUTCOME_SESSION_EXPIRED)


def _verdict(reply):
    if reply.outcome == shardkv_pb2.OUTCOME_WRONG_LEADER:
        return _group.WrongLeader(reply.leader)
    if reply.outcome == shardkv_pb2.OUTCOME_TIMEOUT:
        return _group.RETRY
    return _group.FINAL  # OK, NO_KEY, WRONG_GROUP, NOT_READY, INVALID_ARGUMENT, SESSION_EXPIRED


class ShardKVClient(_group.ClosingClient):
    """A client of the sharded KV service: routes each key to the group serving its shard,
    follows that group's leader, and makes every write apply exactly once.

    Each operation: key -> shard (key2shard) -> gid in the cached configuration -> one round
    over that group's servers (following leader hints as KVClient does). If the group
    answered, that is the result; after "wrong group" (the shard moved, or is still arriving),
    a round without an answer, or when no group owns the shard, the client pauses
    `retry_pause` seconds and reads the latest configuration from the controllers (`ctrlers`:
    "HOST:PORT" list or comma-separated string), then tries again. Writes carry a session kept
    across every retry, also at another group after the shard moved (de-duplication records
    travel with the shard), so a write applies once.

    `timeout` (seconds, None: never) bounds each operation (OperationTimeout); errors retrying
    cannot fix raise RequestRejected. Thread-safe, one operation at a time per client.
    `controller` is a ControllerClient on the same channels (query, join, leave, move)."""

    def __init__(
        self,
        ctrlers,
        *,
        timeout=30.0,
        rpc_timeout=1.0,
        retry_pause=0.1,
        credentials=None,
        channel_options=None,
        channel_factory=None,
        client_id=None,
    ):
        _group.deadline_after(timeout)
        self.timeout = timeout
        self.stats = Counter()
        self._rpc_timeout = rpc_timeout
        self._retry_pause = retry_pause
        self._channels = _group.Channels(credentials, channel_options, channel_factory)
        self.controller = ControllerClient(
            ctrlers, rpc_timeout=rpc_timeout, retry_pause=retry_pause, channels=self._channels, stats=self.stats
        )
        self._session = Session(client_id)
        self._config = None
        self._groups = {}  # gid -> ReplicaGroup for the servers it was made for
        self._config_lock = threading.Lock()
        self._last = "none"  # the last failed attempt, for OperationTimeout

    @property
    def client_id(self):
        return self._session.client_id

    @property
    def config(self):
        """The configuration the client routes by (None before the first operation)."""
        return self._config

    def get(self, key, *, timeout=_DEFAULT):
        """The value of `key` (bytes), or None if it does not exist."""
        key = to_bytes(key, "key")
        reply = self._perform("Get", key, shardkv_pb2.GetRequest(key=key), timeout)
        return reply.value if reply.outcome == shardkv_pb2.OUTCOME_OK else None

    def put(self, key, value, *, timeout=_DEFAULT):
        """Sets `key` to `value`."""
        self._write("Put", shardkv_pb2.PutRequest, timeout, to_bytes(key, "key"), value=to_bytes(value, "value"))

    def append(self, key, value, *, timeout=_DEFAULT):
        """Appends `value` to the value of `key` (a missing key counts as empty)."""
        self._write("Append", shardkv_pb2.AppendRequest, timeout, to_bytes(key, "key"), value=to_bytes(value, "value"))

    def delete(self, key, *, timeout=_DEFAULT):
        """Removes `key`; returns whether it existed."""
        reply = self._write("Delete", shardkv_pb2.DeleteRequest, timeout, to_bytes(key, "key"))
        return reply.outcome == shardkv_pb2.OUTCOME_OK

    def refresh_config(self, *, timeout=_DEFAULT):
        """Reads the latest configuration now and routes by it; returns it."""
        config = self.controller.query(timeout=self.timeout if timeout is _DEFAULT else timeout)
        self._install(config)
        return self._config

    def status(self, *, rpc_timeout=1.0):
        """{address: shardkv_pb2.StatusReply} of every server of the cached configuration
        (read first if there is none) that answers within `rpc_timeout`."""
        config = self._config or self.refresh_config()
        addresses = [address for servers in config.groups.values() for address in servers]
        return _group.status_of(
            self._channels, addresses, shardkv_pb2_grpc.ShardKVStub, shardkv_pb2.StatusRequest(), rpc_timeout
        )

    # -- Routing and retrying ------------------------------------------------------------------

    def _write(self, method, request_class, timeout, key, **fields):
        with self._session.lock:
            shard = key2shard(key)
            if shard not in self._session.opened_shards:
                # Sessions are per shard (they move with it): open this one before writing to it.
                opening = shardkv_pb2.OpenSessionRequest(client_id=self._session.client_id, key=key)
                self._perform(method, key, opening, timeout, rpc="OpenSession")
                self._session.opened_shards.add(shard)
            # One sequence number per write, reused by every attempt at every group: exactly once.
            session = self._session.next()
            reply = self._perform(method, key, request_class(session=session, key=key, **fields), timeout)
            if reply.outcome == shardkv_pb2.OUTCOME_SESSION_EXPIRED:
                self._session.renew()
                raise SessionExpired(method, session.client_id, session.sequence)
            return reply

    def _perform(self, method, key, request, timeout, rpc=None):
        """Calls `rpc` (default: `method`) for the operation `method` until a group answers."""
        deadline, limit = _group.deadline_after(self.timeout if timeout is _DEFAULT else timeout)
        shard = key2shard(key)
        with self._session.lock:
            # Ends when a group answers or the deadline passes (never without one, by design).
            while True:
                reply = self._ask_owner(method, rpc or method, shard, request, deadline, limit)
                if reply is not None:
                    return reply
                if self._config is not None:
                    # A group in the middle of a change is not flooded.
                    pause = self._retry_pause
                    if deadline is not None:
                        pause = min(pause, max(0.0, deadline - time.monotonic()))
                    time.sleep(pause)
                self._refresh(method, deadline, limit)

    def _ask_owner(self, method, rpc, shard, request, deadline, limit):
        """One round at the group owning `shard` in the cached configuration: its answer, or
        None if there is no such group, it answered "wrong group" or "not ready", or no server
        answered."""
        config = self._config
        if config is None:
            return None
        gid = config.shards[shard]
        servers = config.groups.get(gid) or []
        if gid == 0 or not servers:
            self._last = f"shard {shard} has no group in configuration {config.num}"
            return None
        group = self._group_for(gid, servers)
        reply = group.perform(method, rpc, request, _verdict, deadline, limit, max_rounds=1)
        if reply is None:
            self._last = f"group {gid}: {group.last}"
            return None
        if reply.outcome in _ANSWERS:
            return reply
        if reply.outcome == shardkv_pb2.OUTCOME_INVALID_ARGUMENT:
            raise RequestRejected(method, "OUTCOME_INVALID_ARGUMENT", f"group {gid} refused the command")
        if reply.outcome == shardkv_pb2.OUTCOME_WRONG_GROUP:
            self.stats["wrong_group"] += 1
        self._last = f"group {gid}: {shardkv_pb2.Outcome.Name(reply.outcome)}"
        return None

    def _group_for(self, gid, servers):
        cached = self._groups.get(gid)
        if cached is not None and cached.addresses == servers:
            return cached
        group = _group.ReplicaGroup(
            [(None, address) for address in servers],
            self._channels,
            shardkv_pb2_grpc.ShardKVStub,
            self._rpc_timeout,
            0.0,
            self.stats,
        )
        self._groups[gid] = group
        return group

    def _refresh(self, method, deadline, limit):
        """Reads the latest configuration within the operation's time (keeps the cached one if
        the controllers do not answer)."""
        timeout = None
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                raise OperationTimeout(method, limit, self._last)
        try:
            self._install(self.controller.query(timeout=timeout))
        except SKVError as error:
            self._last = f"no configuration: {error}"

    def _install(self, config):
        """Routes by `config` if it is not older than the cached one and consistent (a gid
        without servers would strand the keys it names)."""
        with self._config_lock:
            if self._config is not None and config.num < self._config.num:
                return
            if any(gid != 0 and not config.groups.get(gid) for gid in config.shards):
                return
            self._config = config
            self._groups = {g: group for g, group in self._groups.items() if config.groups.get(g) == group.addresses}
