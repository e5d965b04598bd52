public import RSM

/// A client's Get, Put, Append or Delete (or the opening of its session on a shard) as carried
/// by a ``ShardKVCommand``.
///
/// The session travels inside the command (not in the RSM envelope) because ShardKV
/// de-duplicates per shard: the record of a client's last write to a shard must move with the
/// shard. A write without a session is applied once per delivery.
public struct ShardKVOperation: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case get, put, append, delete
        /// Opens ``session`` (sequence 0) on the shard of ``key``; changes no data.
        case openSession
    }

    public var kind: Kind
    public var key: [UInt8]
    /// Put/Append: the value.
    public var value: [UInt8]
    /// The write's exactly-once identity (`nil`: not de-duplicated; Gets need none).
    public var session: ClientSession?

    public init(kind: Kind, key: [UInt8], value: [UInt8] = [], session: ClientSession? = nil) {
        self.kind = kind
        self.key = key
        self.value = value
        self.session = session
    }

    /// Whether the operation goes through the shard's session table (a write, or a session's
    /// opening).
    public var isWrite: Bool { kind != .get }
}
