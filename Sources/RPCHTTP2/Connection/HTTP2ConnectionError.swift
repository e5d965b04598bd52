/// An error that ends a whole HTTP/2 connection.
public struct HTTP2ConnectionError: Error, Sendable, CustomStringConvertible {
    /// nghttp2's error code.
    public var code: Int
    public var message: String
    public var description: String { "HTTP/2 connection error \(code): \(message)" }
}
