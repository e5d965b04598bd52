import NIOCore
import NIOPosix
import RPCCore
import RPCHTTP2NIO
import RPCTestSupport
import Testing

/// PING keepalive: a healthy connection survives many keepalive rounds, and a server that
/// stops answering (a black hole: it accepts TCP but never speaks HTTP/2) fails the client's
/// calls with UNAVAILABLE after the keepalive timeout instead of hanging.
@Suite(.serialized) struct KeepaliveTests {
    @Test func healthyConnectionSurvivesKeepalives() async throws {
        var configuration = HTTP2ClientTransport.Configuration()
        configuration.keepalive = KeepaliveConfiguration(interval: .milliseconds(50), timeout: .milliseconds(500))
        let clientConfiguration = configuration
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer { port in
                try await withClient(port: port, configuration: clientConfiguration) { client in
                    for i in 0..<5 {
                        let r = try await client.unary(
                            request: ClientRequest(message: "\(i)"), descriptor: EchoService.get,
                            serializer: StringCoder(), deserializer: StringCoder())
                        #expect(r.message == "\(i)")
                        try await Task.sleep(for: .milliseconds(150))
                    }
                }
            }
        }
    }

    @Test func blackHoleServerFailsCallsAfterKeepaliveTimeout() async throws {
        final class Discard: ChannelInboundHandler, Sendable {
            typealias InboundIn = ByteBuffer
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
        }
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Discard()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        var configuration = HTTP2ClientTransport.Configuration()
        configuration.keepalive = KeepaliveConfiguration(interval: .milliseconds(100), timeout: .milliseconds(300))
        let clientConfiguration = configuration
        let start = ContinuousClock.now
        try await withTimeLimit(.seconds(30)) {
            try await withClient(port: port, configuration: clientConfiguration) { client in
                let error = await #expect(throws: RPCError.self) {
                    try await client.unary(
                        request: ClientRequest(message: "anyone?"), descriptor: EchoService.get,
                        serializer: StringCoder(), deserializer: StringCoder())
                }
                #expect(error?.code == .unavailable)
            }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        try await listener.close()
    }
}
