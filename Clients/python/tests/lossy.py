"""A gRPC client interceptor that loses replies: the request reaches the server and is
executed, but the client sees UNAVAILABLE instead of the reply, as when a connection drops
after the server answered. The client must then retry the write with the same session."""

import threading

import grpc


class LostReply(grpc.RpcError):
    def code(self):
        return grpc.StatusCode.UNAVAILABLE

    def details(self):
        return "reply lost by the test's interceptor"


class LoseReplies(grpc.UnaryUnaryClientInterceptor):
    """Loses the reply of the next `count` calls of `method` (e.g. "Append") after arm() that
    applied (OUTCOME_OK);
    `on_lost(request)` runs (on the calling thread) before each loss is reported. Every
    request it saw for `method` is kept in `seen`."""

    def __init__(self, method):
        self.method = method
        self.count = 0
        self.on_lost = None
        self.seen = []
        self.lost = []
        self._lock = threading.Lock()

    def arm(self, count=1, on_lost=None):
        with self._lock:
            self.count = count
            self.on_lost = on_lost

    def intercept_unary_unary(self, continuation, call_details, request):
        if not call_details.method.endswith("/" + self.method):
            return continuation(call_details, request)
        response = continuation(call_details, request)
        with self._lock:
            self.seen.append(request)
            # Only a reply that says the write applied (OUTCOME_OK is 0 in every service).
            lose = self.count > 0 and response.exception() is None and response.result().outcome == 0
            if lose:
                self.count -= 1
                self.lost.append(request)
            on_lost = self.on_lost
        if lose:
            if on_lost is not None:
                on_lost(request)
            raise LostReply()
        return response

    def channel_factory(self, address):
        return grpc.intercept_channel(grpc.insecure_channel(address), self)
