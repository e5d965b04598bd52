import RPCCore
import RPCHTTP2NIO

/// The network transports of `server` and `client`: the only place this executable names a
/// concrete transport (gRPC over HTTP/2, plaintext or TLS, from `RPCHTTP2NIO`).
enum NetworkTransports {
    /// A bound server transport plus a way to learn the port it listens on.
    struct Listener {
        var transport: any ServerTransport
        var listeningPort: @Sendable () async throws -> Int
    }

    static func makeServer(host: String, port: Int, tls: TransportTLS?) throws -> Listener {
        var configuration = HTTP2ServerTransport.Configuration()
        configuration.tls = tls
        let transport = HTTP2ServerTransport(host: host, port: port, configuration: configuration)
        return Listener(transport: transport, listeningPort: { try await transport.listeningPort() })
    }

    static func makeClient(host: String, port: Int, tls: TransportTLS?) throws -> any ClientTransport {
        var configuration = HTTP2ClientTransport.Configuration()
        configuration.tls = tls
        return HTTP2ClientTransport(host: host, port: port, configuration: configuration)
    }
}
