/// Per-call information handed to a server handler.
public struct ServerContext: Sendable {
    /// The method being called.
    public var descriptor: MethodDescriptor
    /// When the client stops waiting, if it set a deadline (`grpc-timeout`). ``RPCServer``
    /// cancels the handler and answers `DEADLINE_EXCEEDED` when it passes.
    public var deadline: ContinuousClock.Instant?
    /// A description of the client, e.g. `ipv4:127.0.0.1:51234` or `in-process`.
    public var remotePeer: String
    /// The client's identity as its transport verified it (a TLS client certificate), or `nil`
    /// if the transport proved none. ``PeerAuthorization`` decides with it.
    public var peerIdentity: PeerIdentity?
    /// The server's graceful-shutdown signal (set by ``RPCServer``): a handler of a stream that
    /// lasts as long as its client keeps it open ends it when the drain begins.
    public var draining: ServerDraining?

    public init(
        descriptor: MethodDescriptor, deadline: ContinuousClock.Instant? = nil, remotePeer: String,
        peerIdentity: PeerIdentity? = nil
    ) {
        self.descriptor = descriptor
        self.deadline = deadline
        self.remotePeer = remotePeer
        self.peerIdentity = peerIdentity
    }
}
