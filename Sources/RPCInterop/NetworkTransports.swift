import RPCCore
import RPCHTTP2NIO

/// The network transports of `server` and `client`: the only place this executable names a
/// concrete transport (gRPC over HTTP/2, plaintext, from `RPCHTTP2NIO`).
enum NetworkTransports {
    /// A bound server transport plus a way to learn the port it listens on.
    struct Listener {
        var transport: any ServerTransport
        var listeningPort: @Sendable () async throws -> Int
    }

    static func makeServer(host: String, port: Int) throws -> Listener {
        let transport = HTTP2ServerTransport(host: host, port: port, configuration: .init())
        return Listener(transport: transport, listeningPort: { try await transport.listeningPort() })
    }

    static func makeClient(host: String, port: Int) throws -> any ClientTransport {
        HTTP2ClientTransport(host: host, port: port, configuration: .init())
    }
}
