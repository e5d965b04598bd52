/// HTTP/2 PING-based keepalive: detects a peer (or a path) that died without closing the
/// socket. Every `interval` a PING is sent; if no acknowledgement arrives within `timeout`,
/// the connection is closed (clients then reconnect; servers free the resources).
public struct KeepaliveConfiguration: Sendable, Hashable {
    public var interval: Duration
    public var timeout: Duration

    public init(interval: Duration, timeout: Duration) {
        precondition(interval > .zero && timeout > .zero, "keepalive interval and timeout must be positive")
        self.interval = interval
        self.timeout = timeout
    }
}

extension Duration {
    /// Whole nanoseconds, saturating, for NIO's `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }
}
