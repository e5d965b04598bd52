import NIOCore
import RPCCore
import RPCHTTP2NIO

/// An HTTP/2 client transport to `address`, over TLS when `tls` is given.
func makeClientTransport(
    to address: Address, tls: TransportTLS?, configuration: HTTP2ClientTransport.Configuration = .init(),
    group: (any EventLoopGroup)? = nil
) -> HTTP2ClientTransport {
    var configuration = configuration
    configuration.tls = tls
    return HTTP2ClientTransport(host: address.host, port: address.port, configuration: configuration, group: group)
}

/// Runs `body` with one HTTP/2 client transport per endpoint (in order, over TLS when `tls` is
/// given), then closes them.
func withClientTransports<T>(
    to endpoints: [Endpoint], tls: TransportTLS?, _ body: ([HTTP2ClientTransport]) async -> T
) async -> T {
    let transports = endpoints.map { makeClientTransport(to: $0.address, tls: tls) }
    let result = await body(transports)
    for transport in transports { await transport.close() }
    return result
}

/// Why none of `endpoints` can be reached, if that is why an operation timed out: each is
/// probed with one call to a method no server has (bounded by `probeTimeout`); a server that
/// answers (`UNIMPLEMENTED`) means the connection is fine and gives `""`. Otherwise the
/// first connection error, as ` (HOST:PORT: reason)`, to append to the timeout's message; it
/// tells a TLS mismatch or a refused certificate from a slow cluster.
func connectionProblem(_ endpoints: [Endpoint], tls: TransportTLS?) async -> String {
    let probe = MethodDescriptor(service: "skv.Probe", method: "Connect")
    var first: String?
    for endpoint in endpoints {
        let transport = makeClientTransport(to: endpoint.address, tls: tls)
        let connectionError: String?
        do {
            _ = try await RPCClient(transport: transport).unary(
                request: ClientRequest(message: [UInt8]()), descriptor: probe, serializer: ProbeBytes(),
                deserializer: ProbeBytes(), options: CallOptions(timeout: probeTimeout))
            connectionError = nil
        } catch let error as RPCError where error.code == .unavailable {
            connectionError = error.message
        } catch {
            connectionError = nil
        }
        await transport.close()
        guard let connectionError else { return "" }
        if first == nil { first = " (\(endpoint.address): \(connectionError))" }
    }
    return first ?? ""
}

/// How long ``connectionProblem(_:tls:)`` waits for each endpoint.
private let probeTimeout: Duration = .seconds(1)

/// The probe's messages: raw bytes (the probe's method does not exist).
private struct ProbeBytes: MessageSerializer, MessageDeserializer {
    func serialize(_ message: [UInt8]) throws(RPCError) -> [UInt8] { message }
    func deserialize(_ bytes: [UInt8]) throws(RPCError) -> [UInt8] { bytes }
}
