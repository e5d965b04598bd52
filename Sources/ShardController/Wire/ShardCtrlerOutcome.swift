import RSM
import RPCCore
internal import CProtos

/// `skv.shardctrler.Outcome`: the domain outcome of a controller request (transport failures
/// and malformed requests are RPC statuses).
public enum ShardCtrlerOutcome: Sendable, Hashable {
    case ok
    /// This server does not lead; retry at the reply's leader hint, if any, else elsewhere.
    case wrongLeader
    /// Not committed in time (leadership may have changed); retry with the same session.
    case timeout
    /// Join: a listed gid is already in the latest configuration; nothing changed.
    case groupExists
    /// Leave or Move: a listed gid is not in the latest configuration; nothing changed.
    case noGroup
    /// A logged command the state machine cannot execute (servers reject such requests with
    /// `INVALID_ARGUMENT` before logging them).
    case invalidCommand
    /// Leave without `force`: no group would remain, so every shard would go to gid 0 (its data
    /// unowned); nothing changed.
    case wouldOrphanShards
    /// A change whose session the group does not hold (never opened, or evicted): nothing was
    /// applied now; if the same change was sent before, whether it applied then is unknown.
    case sessionExpired
}

extension ShardCtrlerOutcome {
    var wireValue: Skv__Shardctrler__Outcome {
        switch self {
        case .ok: SKV__SHARDCTRLER__OUTCOME__OUTCOME_OK
        case .wrongLeader: SKV__SHARDCTRLER__OUTCOME__OUTCOME_WRONG_LEADER
        case .timeout: SKV__SHARDCTRLER__OUTCOME__OUTCOME_TIMEOUT
        case .groupExists: SKV__SHARDCTRLER__OUTCOME__OUTCOME_GROUP_EXISTS
        case .noGroup: SKV__SHARDCTRLER__OUTCOME__OUTCOME_NO_GROUP
        case .invalidCommand: SKV__SHARDCTRLER__OUTCOME__OUTCOME_INVALID_COMMAND
        case .wouldOrphanShards: SKV__SHARDCTRLER__OUTCOME__OUTCOME_WOULD_ORPHAN_SHARDS
        case .sessionExpired: SKV__SHARDCTRLER__OUTCOME__OUTCOME_SESSION_EXPIRED
        }
    }

    /// Reads a wire value; an unknown number (proto3 enums are open) is `INVALID_ARGUMENT`.
    init(wireValue: Skv__Shardctrler__Outcome) throws(RPCError) {
        switch wireValue {
        case SKV__SHARDCTRLER__OUTCOME__OUTCOME_OK: self = .ok
        case SKV__SHARDCTRLER__OUTCOME__OUTCOME_WRONG_LEADER: self = .wrongLeader
        case SKV__SHARDCTRLER__OUTCOME__OUTCOME_TIMEOUT: self = .timeout
        case SKV__SHARDCTRLER__OUTCOME__OUTCOME_GROUP_EXISTS: self = .groupExists
        case SKV__SHARDCTRLER__OUTCOME__OUTCOME_NO_GROUP: self = .noGroup
        case SKV__SHARDCTRLER__OUTCOME__OUTCOME_INVALID_COMMAND: self = .invalidCommand
        case SKV__SHARDCTRLER__OUTCOME__OUTCOME_WOULD_ORPHAN_SHARDS: self = .wouldOrphanShards
        case SKV__SHARDCTRLER__OUTCOME__OUTCOME_SESSION_EXPIRED: self = .sessionExpired
        default:
            throw RPCError(code: .invalidArgument, message: "Unknown skv.shardctrler.Outcome \(wireValue.rawValue).")
        }
    }
}

/// A clerk retries `.wrongLeader` and `.timeout` elsewhere with the same session, and opens a new
/// session after `.sessionExpired`.
extension ShardCtrlerOutcome: ReplicationOutcome {}
