import RPCHTTP2NIO

/// Runs `body` with one HTTP/2 client transport per endpoint (in order), then closes them.
func withClientTransports<T>(to endpoints: [Endpoint], _ body: ([HTTP2ClientTransport]) async -> T) async -> T {
    let transports = endpoints.map { HTTP2ClientTransport(host: $0.address.host, port: $0.address.port) }
    let result = await body(transports)
    for transport in transports { await transport.close() }
    return result
}
