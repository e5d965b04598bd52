/// A TLS certificate, key or trust-root file that cannot be used; ``message`` is one line
/// that names the file.
public struct TransportTLSError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
