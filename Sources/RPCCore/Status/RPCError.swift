/// A failed RPC, as seen by Swift code on either side of a call.
///
/// A server handler throws an `RPCError` to end its call with that status and trailing
/// metadata; any other error thrown by a handler becomes ``Status/Code/unknown``. A client
/// sees an `RPCError` for every non-OK status, including ones raised locally (deadline,
/// cancellation, connection loss, oversized message).
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Status.Code
    public var message: String
    /// Trailing metadata sent with the status (client side: as received).
    public var metadata: Metadata

    public init(code: Status.Code, message: String, metadata: Metadata = [:]) {
        precondition(code != .ok, "an RPCError cannot have status OK")
        self.code = code
        self.message = message
        self.metadata = metadata
    }

    /// Converts any error into an `RPCError`: passes `RPCError` through, maps task
    /// cancellation to `CANCELLED`, and everything else to `UNKNOWN`.
    public init(wrapping error: any Error) {
        if let rpcError = error as? RPCError {
            self = rpcError
        } else if error is CancellationError {
            self.init(code: .cancelled, message: "The RPC was cancelled.")
        } else {
            self.init(code: .unknown, message: "Handler failed: \(error)")
        }
    }

    public var status: Status { Status(code: code, message: message) }

    public var description: String { "\(code): \(message)" }
}
