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

    /// A call whose request side is known in full when it starts (a unary or server-streaming
    /// call): `request` — the metadata, then the messages — is written and the request side
    /// finished, then `body` reads the response parts. Otherwise the contract of
    /// ``withStream(descriptor:options:_:)``. The default does it through `withStream`; a
    /// transport can do it with less per call (no writer, no hops).
    func withRequestWritten<Result: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        request: [RPCRequestPart],
        _ body: @Sendable (RPCAsyncSequence<RPCResponsePart>) async throws -> Result
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

    public func withRequestWritten<Result: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        request: [RPCRequestPart],
        _ body: @Sendable (RPCAsyncSequence<RPCResponsePart>) async throws -> Result
    ) async throws -> Result {
        try await withStream(descriptor: descriptor, options: options) { stream in
            // A failed write means the stream is gone: the response side reports why.
            try? await stream.outbound.finish(afterWriting: request)
            return try await body(stream.inbound)
        }
    }
}
