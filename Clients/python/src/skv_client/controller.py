"""A client of the shard controller (`skv ctrler serve`; the configuration service of the
sharded KV service): Query, and the administrative Join, Leave and Move."""

from collections import Counter, namedtuple

from . import _group
from ._proto_modules import shardctrler_pb2, shardctrler_pb2_grpc
from ._session import Session
from .errors import RequestRejected, SessionExpired, SKVError

_DEFAULT = object()

# Number of shards of the service (ShardConfig.shardCount).
SHARD_COUNT = 10

ShardConfig = namedtuple("ShardConfig", "num shards groups")
ShardConfig.__doc__ = """Configuration `num`: shard i is served by group shards[i] (0 = none);
groups maps each gid to its servers' addresses."""


class ChangeRefused(SKVError):
    """The controller refused a Join, Leave or Move (`outcome`: e.g. OUTCOME_GROUP_EXISTS,
    OUTCOME_NO_GROUP, OUTCOME_WOULD_ORPHAN_SHARDS); no configuration was created."""

    def __init__(self, operation, outcome):
        self.operation = operation
        self.outcome = shardctrler_pb2.Outcome.Name(outcome)
        super().__init__(f"{operation} refused: {self.outcome}")


def key2shard(key):
    """The shard that holds `key` (bytes): its first byte modulo SHARD_COUNT, 0 for the empty
    key, exactly as the servers compute it (Sources/ShardKV/Key2Shard.swift)."""
    return key[0] % SHARD_COUNT if key else 0


def config_from_proto(config):
    return ShardConfig(config.num, tuple(config.shards), {g.gid: list(g.servers) for g in config.groups})


def _verdict(reply):
    if reply.outcome == shardctrler_pb2.OUTCOME_WRONG_LEADER:
        return _group.WrongLeader(reply.leader)
    if reply.outcome == shardctrler_pb2.OUTCOME_TIMEOUT:
        return _group.RETRY
    return _group.FINAL


class ControllerClient(_group.ClosingClient):
    """A client of the shard controllers (`ctrlers`: "HOST:PORT" list or comma-separated
    string): leader following, retries and exactly-once changes as in KVClient, with its own
    session. `timeout` (seconds, None: never) bounds each operation."""

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
        channels=None,
        stats=None,
    ):
        _group.deadline_after(timeout)
        self.timeout = timeout
        self.stats = stats if stats is not None else Counter()
        self._owns_channels = channels is None
        self._channels = channels or _group.Channels(credentials, channel_options, channel_factory)
        self._group = _group.ReplicaGroup(
            _group.parse_endpoints(ctrlers),
            self._channels,
            shardctrler_pb2_grpc.ShardCtrlerStub,
            rpc_timeout,
            retry_pause,
            self.stats,
        )
        self._session = Session()

    def query(self, num=-1, *, timeout=_DEFAULT):
        """Configuration `num` (-1: the latest) as a ShardConfig."""
        self.stats["config_queries"] += 1
        reply = self._perform("Query", shardctrler_pb2.QueryRequest(num=num), timeout)
        return config_from_proto(reply.config)

    def join(self, groups, *, timeout=_DEFAULT):
        """Adds groups ({gid: [address, ...]}) and rebalances; returns the new configuration's number."""
        proto_groups = [shardctrler_pb2.Group(gid=gid, servers=list(servers)) for gid, servers in groups.items()]
        return self._change("Join", shardctrler_pb2.JoinRequest, timeout, groups=proto_groups)

    def leave(self, gids, *, force=False, timeout=_DEFAULT):
        """Removes the groups; their shards go to the others. Refused (ChangeRefused) if no group
        would remain, unless `force`. Returns the new configuration's number."""
        return self._change("Leave", shardctrler_pb2.LeaveRequest, timeout, gids=list(gids), force=force)

    def move(self, shard, gid, *, timeout=_DEFAULT):
        """Assigns `shard` to group `gid` (no rebalance); returns the new configuration's number."""
        return self._change("Move", shardctrler_pb2.MoveRequest, timeout, shard=shard, gid=gid)

    def _change(self, method, request_class, timeout, **fields):
        with self._session.lock:
            if not self._session.opened:
                self._perform(method, self._session.opening(), timeout, rpc="OpenSession")
                self._session.opened = True
            session = self._session.next()
            reply = self._perform(method, request_class(session=session, **fields), timeout)
            if reply.outcome == shardctrler_pb2.OUTCOME_SESSION_EXPIRED:
                self._session.renew()
                raise SessionExpired(method, session.client_id, session.sequence)
        if reply.outcome == shardctrler_pb2.OUTCOME_OK:
            return reply.config_num
        if reply.outcome == shardctrler_pb2.OUTCOME_INVALID_COMMAND:
            outcome = shardctrler_pb2.Outcome.Name(reply.outcome)
            raise RequestRejected(method, outcome, "the controller cannot execute it")
        raise ChangeRefused(method, reply.outcome)

    def _perform(self, method, request, timeout, rpc=None):
        """Calls `rpc` (default: `method`) for the operation `method` until a final reply."""
        deadline, limit = _group.deadline_after(self.timeout if timeout is _DEFAULT else timeout)
        with self._session.lock:
            reply = self._group.perform(f"controller {method}", rpc or method, request, _verdict, deadline, limit)
        if method == "Query" and reply.outcome != shardctrler_pb2.OUTCOME_OK:
            outcome = shardctrler_pb2.Outcome.Name(reply.outcome)
            raise RequestRejected("controller Query", outcome, "unexpected outcome")
        return reply
