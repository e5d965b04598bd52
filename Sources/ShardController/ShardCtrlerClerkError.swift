public import RPCCore

/// Why a ``ShardCtrlerClerk`` operation ended without a result.
public enum ShardCtrlerClerkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No server completed the operation within
    /// ``ShardCtrlerClerk/Configuration/operationTimeout``. A change may still have applied (or
    /// apply later).
    case timedOut(Duration)
    /// The calling task was cancelled. A change may still have applied (or apply later).
    case cancelled
    /// A server refused the request for a reason retrying cannot fix (for example gid 0 or a
    /// shard out of range: `INVALID_ARGUMENT`).
    case rejected(RPCError)
    /// A Leave without `force` would have removed the last groups, leaving every shard without
    /// a group (``ShardCtrlerOutcome/wouldOrphanShards``); nothing changed.
    case wouldOrphanShards
    /// The change's session was not held by the controller group (evicted past its session
    /// limit while this clerk was idle): it was not applied now, and if it had been sent before,
    /// whether it applied then is unknown. The clerk opened a new session for its next change.
    case sessionExpired(clientID: UInt64, sequence: UInt64)

    public var description: String {
        switch self {
        case .timedOut(let limit): "No shard controller server completed the operation within \(limit)."
        case .cancelled: "The operation was cancelled."
        case .rejected(let error): "The shard controller rejected the request: \(error)"
        case .wouldOrphanShards:
            "The Leave would remove the last groups and leave every shard without a group; nothing changed."
        case .sessionExpired(let clientID, let sequence):
            "The session of client \(clientID) expired before its change #\(sequence) applied; "
                + "whether an earlier attempt of that change applied is unknown."
        }
    }
}
