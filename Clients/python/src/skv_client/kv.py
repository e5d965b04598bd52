"""A client of one replicated KV group (`skv kv serve`; the Python twin of
Sources/KVRaft/Clerk.swift)."""

from collections import Counter, namedtuple

from . import _group
from ._proto_modules import kv_pb2, kv_pb2_grpc
from ._session import Session, to_bytes
from .errors import SessionExpired

_DEFAULT = object()

CompareAndSwapResult = namedtuple("CompareAndSwapResult", "swapped current")
CompareAndSwapResult.__doc__ = """The outcome of KVClient.compare_and_swap: `swapped`, and when
not, `current`, the key's value (None: the key does not exist)."""


def _verdict(reply):
    if reply.outcome == kv_pb2.OUTCOME_WRONG_LEADER:
        return _group.WrongLeader(reply.leader)
    if reply.outcome == kv_pb2.OUTCOME_TIMEOUT:
        return _group.RETRY
    return _group.FINAL  # OK, NO_KEY, COMPARE_FAILED, SESSION_EXPIRED


class KVClient(_group.ClosingClient):
    """A client of an `skv kv serve` group: finds the leader, retries, and makes every write
    apply exactly once.

    endpoints: the group's servers as "HOST:PORT" or "ID=HOST:PORT" (a list, a comma-separated
    string, or a dict {id: "HOST:PORT"}); with ids, leader hints that name only an id are
    followed too. Each client has a random client id and numbers its writes; a write is retried
    with the same number until a server answers it, so the group applies it once. Gets carry no
    session (they are linearizable reads at the leader).

    It starts at the server that last answered; on "wrong leader" it follows the reply's hint,
    else tries the next server; transport errors and "not committed in time" move on to the
    next; after every server failed once in a row it pauses `retry_pause` seconds. An
    operation gives up after `timeout` seconds (None: never) with OperationTimeout; an error
    retrying cannot fix raises RequestRejected at once. `rpc_timeout` bounds one attempt.

    Thread-safe: operations of one client run one at a time (one session, one write in flight);
    use one client per concurrent worker for parallelism. `credentials` (grpc.ssl_channel_credentials)
    makes TLS channels; `channel_factory(address)` makes any channel (e.g. with interceptors)."""

    def __init__(
        self,
        endpoints,
        *,
        timeout=30.0,
        rpc_timeout=3.0,
        retry_pause=0.02,
        credentials=None,
        channel_options=None,
        channel_factory=None,
        client_id=None,
    ):
        _group.deadline_after(timeout)  # validates it
        self.timeout = timeout
        self.stats = Counter()
        self._channels = _group.Channels(credentials, channel_options, channel_factory)
        self._group = _group.ReplicaGroup(
            _group.parse_endpoints(endpoints), self._channels, kv_pb2_grpc.KVStub, rpc_timeout, retry_pause, self.stats
        )
        self._session = Session(client_id)

    @property
    def client_id(self):
        return self._session.client_id

    @property
    def leader(self):
        """The address the next operation starts at: the server that answered last."""
        return self._group.preferred_address

    def get(self, key, *, timeout=_DEFAULT):
        """The value of `key` (bytes), or None if it does not exist."""
        reply = self._perform("Get", kv_pb2.GetRequest(key=to_bytes(key, "key")), timeout)
        return reply.value if reply.outcome == kv_pb2.OUTCOME_OK else None

    def put(self, key, value, *, timeout=_DEFAULT):
        """Sets `key` to `value`."""
        self._write("Put", kv_pb2.PutRequest, timeout, key=to_bytes(key, "key"), value=to_bytes(value, "value"))

    def append(self, key, value, *, timeout=_DEFAULT):
        """Appends `value` to the value of `key` (a missing key counts as empty)."""
        self._write("Append", kv_pb2.AppendRequest, timeout, key=to_bytes(key, "key"), value=to_bytes(value, "value"))

    def delete(self, key, *, timeout=_DEFAULT):
        """Removes `key`; returns whether it existed."""
        reply = self._write("Delete", kv_pb2.DeleteRequest, timeout, key=to_bytes(key, "key"))
        return reply.outcome == kv_pb2.OUTCOME_OK

    def compare_and_swap(self, key, expected, new, *, timeout=_DEFAULT):
        """Sets `key` to `new` if its value is `expected` (None: if the key does not exist).
        Returns a CompareAndSwapResult (swapped, current value when not swapped)."""
        reply = self._write(
            "CompareAndSwap",
            kv_pb2.CompareAndSwapRequest,
            timeout,
            key=to_bytes(key, "key"),
            expected=b"" if expected is None else to_bytes(expected, "expected"),
            expect_absent=expected is None,
            value=to_bytes(new, "new"),
        )
        if reply.outcome == kv_pb2.OUTCOME_OK:
            return CompareAndSwapResult(True, None)
        return CompareAndSwapResult(False, reply.current if reply.current_present else None)

    def status(self, *, rpc_timeout=1.0):
        """{address: kv_pb2.StatusReply} of every server that answers within `rpc_timeout`."""
        return _group.status_of(
            self._channels, self._group.addresses, kv_pb2_grpc.KVStub, kv_pb2.StatusRequest(), rpc_timeout
        )

    # -- Retrying --------------------------------------------------------------------------------

    def _write(self, method, request_class, timeout, **fields):
        with self._session.lock:
            if not self._session.opened:
                self._perform(method, self._session.opening(), timeout, rpc="OpenSession")
                self._session.opened = True
            # One sequence number per write, reused by every attempt of it: exactly once.
            session = self._session.next()
            reply = self._perform(method, request_class(session=session, **fields), timeout)
            if reply.outcome == kv_pb2.OUTCOME_SESSION_EXPIRED:
                self._session.renew()
                raise SessionExpired(method, session.client_id, session.sequence)
            return reply

    def _perform(self, method, request, timeout, rpc=None):
        """Calls `rpc` (default: `method`) for the operation `method` until a final reply."""
        deadline, limit = _group.deadline_after(self.timeout if timeout is _DEFAULT else timeout)
        with self._session.lock:
            return self._group.perform(method, rpc or method, request, _verdict, deadline, limit)
