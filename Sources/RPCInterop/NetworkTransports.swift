import RPCCore

/// The network transports of `server` and `client`: the only place this executable names a
/// concrete transport.
///
/// PLACEHOLDER until `RPCHTTP2NIO` provides `HTTP2ServerTransport`/`HTTP2ClientTransport`:
/// both functions throw. `NetworkTransports.swift.pending` is the real implementation; to wire
/// it in, delete this file, rename that one to `.swift`, and drop its `exclude:` entry in
/// Package.swift.
enum NetworkTransports {
    /// A bound server transport plus a way to learn the port it listens on.
    struct Listener {
        var transport: any ServerTransport
        var listeningPort: @Sendable () async throws -> Int
    }

    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "The HTTP/2 transport (RPCHTTP2NIO) is not built into this binary yet; use self-test." }
    }

    static func makeServer(host: String, port: Int) throws -> Listener {
        throw Unavailable()
    }

    static func makeClient(host: String, port: Int) throws -> any ClientTransport {
        throw Unavailable()
    }
}
