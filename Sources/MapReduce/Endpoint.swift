/// A `host:port` network address as given on command lines (`127.0.0.1:7000`,
/// `[::1]:7000`, `node3:7000`).
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; brackets around an IPv6 host are removed.
    /// - Parameter allowPortZero: whether port 0 ("any free port", for listeners) is valid.
    /// - Throws: ``MapReduceError/Code/invalidArgument`` with a one-line reason.
    public init(parsing text: String, allowPortZero: Bool = false) throws(MapReduceError) {
        let trimmed = String(text.filter { !$0.isWhitespace })
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw MapReduceError(code: .invalidArgument, message: "invalid address '\(text)': expected HOST:PORT")
        }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(trimmed[trimmed.index(after: colon)...]),
            (allowPortZero ? 0 : 1)...65535 ~= port
        else {
            throw MapReduceError(code: .invalidArgument, message: "invalid address '\(text)': expected HOST:PORT")
        }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
