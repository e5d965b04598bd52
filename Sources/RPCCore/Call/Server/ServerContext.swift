/// Per-call information handed to a server handler.
public struct ServerContext: Sendable {
    /// The method being called.
    public var descriptor: MethodDescriptor
    /// When the client stops waiting, if it set a deadline (`grpc-timeout`). ``RPCServer``
    /// cancels the handler and answers `DEADLINE_EXCEEDED` when it passes.
    public var deadline: ContinuousClock.Instant?
    /// A description of the client, e.g. `ipv4:127.0.0.1:51234` or `in-process`.
    public var remotePeer: String

    public init(descriptor: MethodDescriptor, deadline: ContinuousClock.Instant? = nil, remotePeer: String) {
        self.descriptor = descriptor
        self.deadline = deadline
        self.remotePeer = remotePeer
    }
}
