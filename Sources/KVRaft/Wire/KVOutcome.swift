import RSM
import RPCCore
internal import CProtos

/// `skv.kv.Outcome`: the domain outcome of a KV request (transport failures are RPC statuses).
public enum KVOutcome: Sendable, Hashable {
    case ok
    /// Get, Delete or CompareAndSwap on a key that does not exist.
    case noKey
    /// This server does not lead; retry at the reply's leader hint, if any, else elsewhere.
    case wrongLeader
    /// Not committed in time (leadership may have changed); retry with the same session.
    case timeout
    /// CompareAndSwap: the current value differs from the expected one; nothing was written.
    case compareFailed
    /// A write whose session the group does not hold (never opened, or evicted): nothing was
    /// applied now; if the same write was sent before, whether it applied then is unknown.
    case sessionExpired
}

extension KVOutcome {
    var wireValue: Skv__Kv__Outcome {
        switch self {
        case .ok: SKV__KV__OUTCOME__OUTCOME_OK
        case .noKey: SKV__KV__OUTCOME__OUTCOME_NO_KEY
        case .wrongLeader: SKV__KV__OUTCOME__OUTCOME_WRONG_LEADER
        case .timeout: SKV__KV__OUTCOME__OUTCOME_TIMEOUT
        case .compareFailed: SKV__KV__OUTCOME__OUTCOME_COMPARE_FAILED
        case .sessionExpired: SKV__KV__OUTCOME__OUTCOME_SESSION_EXPIRED
        }
    }

    /// Reads a wire value; an unknown number (proto3 enums are open) is `INVALID_ARGUMENT`.
    init(wireValue: Skv__Kv__Outcome) throws(RPCError) {
        switch wireValue {
        case SKV__KV__OUTCOME__OUTCOME_OK: self = .ok
        case SKV__KV__OUTCOME__OUTCOME_NO_KEY: self = .noKey
        case SKV__KV__OUTCOME__OUTCOME_WRONG_LEADER: self = .wrongLeader
        case SKV__KV__OUTCOME__OUTCOME_TIMEOUT: self = .timeout
        case SKV__KV__OUTCOME__OUTCOME_COMPARE_FAILED: self = .compareFailed
        case SKV__KV__OUTCOME__OUTCOME_SESSION_EXPIRED: self = .sessionExpired
        default: throw RPCError(code: .invalidArgument, message: "Unknown skv.kv.Outcome \(wireValue.rawValue).")
        }
    }
}

/// A clerk retries `.wrongLeader` and `.timeout` elsewhere with the same session, and opens a new
/// session after `.sessionExpired`.
extension KVOutcome: ReplicationOutcome {}
