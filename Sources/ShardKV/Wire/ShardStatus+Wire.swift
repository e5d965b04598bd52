import RPCCore
internal import CProtos

/// `skv.shardkv.ShardStatus`.
extension ShardStatus {
    var wireValue: Skv__Shardkv__ShardStatus {
        switch self {
        case .serving: SKV__SHARDKV__SHARD_STATUS__SHARD_SERVING
        case .pulling: SKV__SHARDKV__SHARD_STATUS__SHARD_PULLING
        case .bePulled: SKV__SHARDKV__SHARD_STATUS__SHARD_BE_PULLED
        case .gcPending: SKV__SHARDKV__SHARD_STATUS__SHARD_GC_PENDING
        case .retained: SKV__SHARDKV__SHARD_STATUS__SHARD_RETAINED
        }
    }

    /// Reads a wire value; an unknown number (proto3 enums are open) is `INVALID_ARGUMENT`.
    init(wireValue: Skv__Shardkv__ShardStatus) throws(RPCError) {
        switch wireValue {
        case SKV__SHARDKV__SHARD_STATUS__SHARD_SERVING: self = .serving
        case SKV__SHARDKV__SHARD_STATUS__SHARD_PULLING: self = .pulling
        case SKV__SHARDKV__SHARD_STATUS__SHARD_BE_PULLED: self = .bePulled
        case SKV__SHARDKV__SHARD_STATUS__SHARD_GC_PENDING: self = .gcPending
        case SKV__SHARDKV__SHARD_STATUS__SHARD_RETAINED: self = .retained
        default:
            throw RPCError(code: .invalidArgument, message: "Unknown skv.shardkv.ShardStatus \(wireValue.rawValue).")
        }
    }
}
