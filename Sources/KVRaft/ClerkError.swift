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

    public var description: String {
        switch self {
        case .timedOut(let limit): "No KV server completed the operation within \(limit)."
        case .cancelled: "The operation was cancelled."
        case .rejected(let error): "The KV server rejected the request: \(error)"
        }
    }
}
