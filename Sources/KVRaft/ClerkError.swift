public import RPCCore

/// Why a ``Clerk`` operation ended without a result.
public enum ClerkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No server completed the operation within ``Clerk/Configuration/operationTimeout``. A
    /// write may still have applied (or apply later).
    case timedOut(Duration)
    /// The calling task was cancelled. A write may still have applied (or apply later).
    case cancelled
    /// A server refused the request for a reason retrying cannot fix (for example a key or
    /// value over the size limits: `INVALID_ARGUMENT`).
    case rejected(RPCError)
    /// The write's session was not held by the group (evicted past the group's session limit
    /// while this clerk was idle; see `SessionTable`): it was not applied now, and if it had been
    /// sent before (a retry), whether it applied then is unknown. The clerk has opened a new
    /// session for its next write; deciding whether to repeat this one is the caller's.
    case sessionExpired(clientID: UInt64, sequence: UInt64)

    public var description: String {
        switch self {
        case .timedOut(let limit): "No KV server completed the operation within \(limit)."
        case .cancelled: "The operation was cancelled."
        case .rejected(let error): "The KV server rejected the request: \(error)"
        case .sessionExpired(let clientID, let sequence):
            "The session of client \(clientID) expired before its write #\(sequence) applied; "
                + "whether an earlier attempt of that write applied is unknown."
        }
    }
}
