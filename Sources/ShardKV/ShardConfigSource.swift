public import ShardController

/// Where a ShardKV replica group's driver and clerks read configurations: the shard
/// controller (``ShardCtrlerClerk`` conforms), or a scripted source in tests.
public protocol ShardConfigSource: Sendable {
    /// Configuration `num`, or the latest one if `num` is `nil` or past the latest (the
    /// controller's Query semantics). Callers make one call at a time.
    func config(_ num: UInt64?) async throws -> ShardConfig
}

extension ShardCtrlerClerk: ShardConfigSource {
    public func config(_ num: UInt64?) async throws -> ShardConfig {
        try await query(num.map { Int64(clamping: $0) } ?? QueryRequest.latest)
    }
}
