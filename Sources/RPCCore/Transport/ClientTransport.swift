/// Opens RPC streams to one server (or a pool of connections to it).
///
/// Contract for ``withStream(descriptor:options:_:)``:
/// - Opens a stream for `descriptor` (connecting or reconnecting as needed; a failure to
///   connect surfaces as an ``RPCError`` with `UNAVAILABLE`) and runs `body` with it.
/// - The first part the body writes is the request ``RPCRequestPart/metadata(_:)``; the
///   transport adds the deadline from ``CallOptions/timeout``.
/// - The inbound sequence yields optional initial metadata, messages, and always ends with
///   exactly one ``RPCResponsePart/status(_:_:)``: failures of the transport (connection lost,
///   stream reset by the server, oversized message) are reported as a status, not thrown.
/// - When `body` returns or throws, the stream is released; if it had not completed, it is
///   reset (`CANCEL`), which the server sees as a cancelled RPC.
public protocol ClientTransport: Sendable {
    func withStream<Result: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        _ body: @Sendable (ClientStream) async throws -> Result
    ) async throws -> Result

    /// Closes the transport: new calls fail with `UNAVAILABLE`; in-flight calls finish.
    func close() async

    /// Whether the transport itself ends a call whose ``CallOptions/timeout`` passed (from the
    /// start of ``withStream(descriptor:options:_:)``, connecting included) with a
    /// `DEADLINE_EXCEEDED` status and a reset of its stream. If not (the default), ``RPCClient``
    /// runs a timer task beside each call.
    var enforcesDeadlines: Bool { get }
}

extension ClientTransport {
    public var enforcesDeadlines: Bool { false }
}
