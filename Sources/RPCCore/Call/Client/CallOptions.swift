/// Per-call options set by a client.
public struct CallOptions: Sendable, Hashable {
    /// How long the client waits for the whole call. Sent to the server as `grpc-timeout`
    /// and enforced locally: when it passes, the call is reset and fails with
    /// `DEADLINE_EXCEEDED`. `nil` means no deadline.
    public var timeout: Duration?

    public init(timeout: Duration? = nil) {
        self.timeout = timeout
    }

    public static let defaults = CallOptions()
}
