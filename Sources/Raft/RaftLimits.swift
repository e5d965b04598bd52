/// Bounds on the numbers a Raft node takes from outside (peers' messages, stable storage).
public enum RaftLimits {
    /// The largest term or log index accepted from the wire or from disk: 2^63 - 1. No real
    /// log gets near it (a billion entries a second for 292 years), and the core computes
    /// `term + 1` and `index + 1` without overflow checks, so a larger value can only be
    /// corruption or a broken peer, and decoders refuse it with a clear error.
    public static let maxTermOrIndex = UInt64(Int64.max)

    /// Whether every value is at most ``maxTermOrIndex``.
    public static func accepts(_ values: UInt64...) -> Bool {
        values.allSatisfy { $0 <= maxTermOrIndex }
    }
}
