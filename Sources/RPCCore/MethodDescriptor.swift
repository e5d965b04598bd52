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
        guard path.first == "/" else { return nil }
        let rest = path.dropFirst()
        guard let slash = rest.lastIndex(of: "/") else { return nil }
        let service = rest[..<slash]
        let method = rest[rest.index(after: slash)...]
        guard !service.isEmpty, !method.isEmpty, !method.contains("/") else { return nil }
        self.service = String(service)
        self.method = String(method)
    }

    /// The HTTP/2 `:path` for this method: `/service/method`.
    public var path: String { "/\(service)/\(method)" }

    public var description: String { "\(service)/\(method)" }
}
