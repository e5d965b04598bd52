"""Why an operation of an skv client ended without a result."""

import grpc


class SKVError(Exception):
    """Base class of every error an skv client raises for an operation."""


class OperationTimeout(SKVError):
    """No server completed the operation within its time limit. A write may still have
    applied (or apply later): retrying it with a new client may apply it twice; the same client
    reuses the session only within one call."""

    def __init__(self, operation, seconds, last):
        self.operation = operation
        self.seconds = seconds
        self.last = last
        super().__init__(f"{operation} did not complete within {seconds:g} s (last attempt: {last})")


class SessionExpired(SKVError):
    """The service no longer held the client's session (it evicted it past its session limit
    while the client was idle): the write was not applied now, and if it had been sent before,
    whether it applied then is unknown. The client opened a new session for its next write;
    whether to repeat this one is the caller's decision."""

    def __init__(self, operation, client_id, sequence):
        self.operation = operation
        self.client_id = client_id
        self.sequence = sequence
        super().__init__(
            f"{operation}: the session of client {client_id} expired before its write #{sequence} applied; "
            "whether an earlier attempt of it applied is unknown"
        )


class RequestRejected(SKVError):
    """A server refused the request for a reason retrying cannot fix (for example a key or
    value over the size limits: INVALID_ARGUMENT). `code` is the grpc.StatusCode."""

    def __init__(self, operation, code, details):
        self.operation = operation
        self.code = code
        self.details = details
        name = code.name if isinstance(code, grpc.StatusCode) else str(code)
        super().__init__(f"{operation} rejected: {name}: {details}")
