/// The outcome of an RPC: a gRPC status code and a human-readable message.
///
/// `Status` is what a server sends in its trailers (`grpc-status`, `grpc-message`). A non-OK
/// status is surfaced to Swift code as an ``RPCError``.
public struct Status: Sendable, Hashable, CustomStringConvertible {
    /// The canonical gRPC status codes (numbers are fixed by the gRPC specification).
    public enum Code: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case ok = 0
        case cancelled = 1
        case unknown = 2
        case invalidArgument = 3
        case deadlineExceeded = 4
        case notFound = 5
        case alreadyExists = 6
        case permissionDenied = 7
        case resourceExhausted = 8
        case failedPrecondition = 9
        case aborted = 10
        case outOfRange = 11
        case unimplemented = 12
        case `internal` = 13
        case unavailable = 14
        case dataLoss = 15
        case unauthenticated = 16

        public var description: String {
            switch self {
            case .ok: "OK"
            case .cancelled: "CANCELLED"
            case .unknown: "UNKNOWN"
            case .invalidArgument: "INVALID_ARGUMENT"
            case .deadlineExceeded: "DEADLINE_EXCEEDED"
            case .notFound: "NOT_FOUND"
            case .alreadyExists: "ALREADY_EXISTS"
            case .permissionDenied: "PERMISSION_DENIED"
            case .resourceExhausted: "RESOURCE_EXHAUSTED"
            case .failedPrecondition: "FAILED_PRECONDITION"
            case .aborted: "ABORTED"
            case .outOfRange: "OUT_OF_RANGE"
            case .unimplemented: "UNIMPLEMENTED"
            case .internal: "INTERNAL"
            case .unavailable: "UNAVAILABLE"
            case .dataLoss: "DATA_LOSS"
            case .unauthenticated: "UNAUTHENTICATED"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = Status(code: .ok)

    /// Maps a wire value of `grpc-status`; unknown numbers become ``Code/unknown`` as the
    /// gRPC specification requires.
    public init(wireCode: Int, message: String) {
        self.init(code: Code(rawValue: wireCode) ?? .unknown, message: message)
    }

    public var description: String {
        message.isEmpty ? code.description : "\(code): \(message)"
    }
}
