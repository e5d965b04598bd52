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

    public var description: String {
        switch self {
        case .timedOut(let limit): "No ShardKV group completed the operation within \(limit)."
        case .cancelled: "The operation was cancelled."
        case .rejected(let error): "The server refused the request: \(error)"
        }
    }
}
