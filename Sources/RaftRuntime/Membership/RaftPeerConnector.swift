/// How a ``RaftPeer`` reaches members added while it runs, and lets go of removed ones: the
/// daemon makes an HTTP/2 client for an address (with the transport chosen in `main`), a test
/// an in-process one.
public struct RaftPeerConnector: Sendable {
    /// A client for member `id` at `address` (`host:port`).
    public var connect: @Sendable (_ id: UInt64, _ address: String) -> RaftPeerClient
    /// Closes the connection made for member `id` (it left the group).
    public var disconnect: @Sendable (_ id: UInt64) async -> Void

    public init(
        connect: @escaping @Sendable (_ id: UInt64, _ address: String) -> RaftPeerClient,
        disconnect: @escaping @Sendable (_ id: UInt64) async -> Void
    ) {
        self.connect = connect
        self.disconnect = disconnect
    }
}
