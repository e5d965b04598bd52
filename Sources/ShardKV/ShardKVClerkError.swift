public import RPCCore

/// Why a ``ShardKVClerk`` operation ended without an answer.
public enum ShardKVClerkError: Error, Sendable, CustomStringConvertible {
    /// No group completed the operation within the clerk's operation timeout.
    case timedOut(Duration)
    /// The calling task was cancelled.
    case cancelled
    /// A server refused the request for a reason retrying cannot fix (e.g. a key over the size
    /// limit: `INVALID_ARGUMENT`).
    case rejected(RPCError)
    /// The write's session was not held by its shard (evicted past the group's per-shard session
    /// limit while this clerk was idle): it was not applied now, and if it had been sent before,
    /// whether it applied then is unknown. The clerk opened a new session for its next write.
    case sessionExpired(clientID: UInt64, sequence: UInt64)

    public var description: String {
        switch self {
        case .timedOut(let limit): "No ShardKV group completed the operation within \(limit)."
        case .cancelled: "The operation was cancelled."
        case .rejected(let error): "The server refused the request: \(error)"
        case .sessionExpired(let clientID, let sequence):
            "The session of client \(clientID) expired before its write #\(sequence) applied; "
                + "whether an earlier attempt of that write applied is unknown."
        }
    }
}
