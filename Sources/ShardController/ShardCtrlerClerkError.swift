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

    public var description: String {
        switch self {
        case .timedOut(let limit): "No shard controller server completed the operation within \(limit)."
        case .cancelled: "The operation was cancelled."
        case .rejected(let error): "The shard controller rejected the request: \(error)"
        case .wouldOrphanShards:
            "The Leave would remove the last groups and leave every shard without a group; nothing changed."
        }
    }
}
