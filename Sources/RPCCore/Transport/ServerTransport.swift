/// Accepts RPC streams from clients (HTTP/2 sockets, in-process pipes, a simulated network).
///
/// Contract:
/// - ``listen(streamHandler:)`` is called once. It accepts connections and, for every new
///   stream, calls `streamHandler` on a task owned by the transport. It returns after
///   ``beginGracefulShutdown()`` once every accepted stream has finished, or throws if the
///   transport cannot start (for example, the address is in use).
/// - The inbound sequence starts with exactly one ``RPCRequestPart/metadata(_:)``, then
///   messages; it finishes normally when the client half-closes and throws an ``RPCError``
///   (`CANCELLED`) if the client resets the stream. The transport also cancels the handler's
///   task in that case.
/// - The handler must write exactly one ``RPCResponsePart/status(_:_:)``; parts written
///   after it are ignored. Writes throw once the stream is gone.
/// - ``ServerContext/deadline`` carries the client's deadline (`grpc-timeout`). A transport that
///   enforces it itself (``enforcesDeadlines``) ends the call when it passes: it sends
///   `DEADLINE_EXCEEDED`, ignores what the handler writes afterwards and cancels the handler's
///   task. Otherwise ``RPCServer`` races each handler against a timer task.
public protocol ServerTransport: Sendable {
    func listen(
        streamHandler: @escaping @Sendable (ServerStream, ServerContext) async -> Void
    ) async throws

    /// Stops accepting new connections and streams; in-flight streams run to completion.
    func beginGracefulShutdown()

    /// Whether the transport ends a call at its deadline itself (see the contract above).
    var enforcesDeadlines: Bool { get }
}

extension ServerTransport {
    public var enforcesDeadlines: Bool { false }
}
