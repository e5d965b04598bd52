import RSM
import RPCCore
internal import CProtos

/// `skv.shardkv.Outcome`: the domain outcome of a ShardKV request or log command (transport
/// failures are RPC statuses).
public enum ShardKVOutcome: Sendable, Hashable {
    case ok
    /// Get or Delete on a key that does not exist.
    case noKey
    /// This server does not lead its group; retry at the reply's leader hint, if any.
    case wrongLeader
    /// Not committed in time (leadership may have changed); retry with the same session.
    case timeout
    /// The key's shard is not served by this group now: re-query the controller, retry.
    case wrongGroup
    /// A migration command for a configuration this group has not reached yet; retry later.
    case notReady
    /// The command does not decode or cannot execute.
    case invalidArgument
    /// A write whose session the key's shard does not hold (never opened there, or evicted):
    /// nothing was applied now; if the same write was sent before, whether it applied then is
    /// unknown.
    case sessionExpired
}

extension ShardKVOutcome {
    var wireValue: Skv__Shardkv__Outcome {
        switch self {
        case .ok: SKV__SHARDKV__OUTCOME__OUTCOME_OK
        case .noKey: SKV__SHARDKV__OUTCOME__OUTCOME_NO_KEY
        case .wrongLeader: SKV__SHARDKV__OUTCOME__OUTCOME_WRONG_LEADER
        case .timeout: SKV__SHARDKV__OUTCOME__OUTCOME_TIMEOUT
        case .wrongGroup: SKV__SHARDKV__OUTCOME__OUTCOME_WRONG_GROUP
        case .notReady: SKV__SHARDKV__OUTCOME__OUTCOME_NOT_READY
        case .invalidArgument: SKV__SHARDKV__OUTCOME__OUTCOME_INVALID_ARGUMENT
        case .sessionExpired: SKV__SHARDKV__OUTCOME__OUTCOME_SESSION_EXPIRED
        }
    }

    /// Reads a wire value; an unknown number (proto3 enums are open) is `INVALID_ARGUMENT`.
    init(wireValue: Skv__Shardkv__Outcome) throws(RPCError) {
        switch wireValue {
        case SKV__SHARDKV__OUTCOME__OUTCOME_OK: self = .ok
        case SKV__SHARDKV__OUTCOME__OUTCOME_NO_KEY: self = .noKey
        case SKV__SHARDKV__OUTCOME__OUTCOME_WRONG_LEADER: self = .wrongLeader
        case SKV__SHARDKV__OUTCOME__OUTCOME_TIMEOUT: self = .timeout
        case SKV__SHARDKV__OUTCOME__OUTCOME_WRONG_GROUP: self = .wrongGroup
        case SKV__SHARDKV__OUTCOME__OUTCOME_NOT_READY: self = .notReady
        case SKV__SHARDKV__OUTCOME__OUTCOME_INVALID_ARGUMENT: self = .invalidArgument
        case SKV__SHARDKV__OUTCOME__OUTCOME_SESSION_EXPIRED: self = .sessionExpired
        default: throw RPCError(code: .invalidArgument, message: "Unknown skv.shardkv.Outcome \(wireValue.rawValue).")
        }
    }
}

/// A clerk retries `.wrongLeader` and `.timeout` elsewhere with the same session.
extension ShardKVOutcome: ReplicationOutcome {}
