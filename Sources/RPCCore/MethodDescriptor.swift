/// Names one RPC method: the fully qualified service (`package.Service`) and the method.
///
/// On the wire (gRPC over HTTP/2) a method is addressed by the `:path` pseudo-header
/// `/package.Service/Method`; ``path`` produces it and ``init(path:)`` parses it.
public struct MethodDescriptor: Hashable, Sendable, CustomStringConvertible {
    /// Fully qualified service name, e.g. `grpc.testing.TestService`.
    public var service: String
    /// Method name, e.g. `UnaryCall`.
    public var method: String

    public init(service: String, method: String) {
        self.service = service
        self.method = method
    }

    /// Parses a `:path` of the form `/service/method`; `nil` if it has another shape.
    public init?(path: String) {
        // On the UTF-8 bytes: `/` is ASCII, so its positions are character boundaries, and
        // no grapheme breaking is needed to find them.
        let bytes = path.utf8
        guard bytes.first == UInt8(ascii: "/"), let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let serviceStart = bytes.index(after: bytes.startIndex)
        let methodStart = bytes.index(after: slash)
        guard slash > serviceStart, methodStart < bytes.endIndex else { return nil }
        self.service = String(path[serviceStart..<slash])
        self.method = String(path[methodStart...])
    }

    /// The HTTP/2 `:path` for this method: `/service/method`.
    public var path: String { "/\(service)/\(method)" }

    public var description: String { "\(service)/\(method)" }
}
