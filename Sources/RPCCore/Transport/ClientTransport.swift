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

    /// A call whose request is known in full and whose response is one message (a unary call):
    /// `request` is written and finished as in ``withRequestWritten(descriptor:options:request:_:)``,
    /// and the response parts come back together once the response is complete (see
    /// ``UnaryResponseParts``): the calling task waits once per call rather than once per part.
    /// If the calling task is cancelled first, the stream is reset and the parts end with the
    /// transport's `CANCELLED` status (or the call throws a cancellation error). The default
    /// gathers the parts through `withRequestWritten`; a transport can hand them over directly.
    func unaryResponseParts(
        descriptor: MethodDescriptor,
        options: CallOptions,
        request: [RPCRequestPart]
    ) async throws -> UnaryResponseParts

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

    public func unaryResponseParts(
        descriptor: MethodDescriptor,
        options: CallOptions,
        request: [RPCRequestPart]
    ) async throws -> UnaryResponseParts {
        try await withRequestWritten(descriptor: descriptor, options: options, request: request) { inbound in
            var response = UnaryResponseParts()
            for try await part in inbound {
                if response.append(part) { break }
            }
            return response
        }
    }
}
