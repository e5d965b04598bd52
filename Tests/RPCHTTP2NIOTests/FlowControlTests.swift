import RPCCore
import RPCHTTP2NIO
import RPCTestSupport
import Synchronization
import Testing

/// Back-pressure end to end: a handler that does not read its request stream must hold the
/// client back through HTTP/2 flow control (bounded buffering on the server), and every
/// message must still arrive once it reads.
@Suite(.serialized) struct FlowControlTests {
    /// A client-streaming method whose handler waits for the test to open a gate before it
    /// reads, then counts the bytes it received.
    final class GatedService: RegistrableRPCService {
        static let method = MethodDescriptor(service: "test.Gated", method: "Upload")
        let gate: AsyncStream<Void>
        let opener: AsyncStream<Void>.Continuation

        init() { (gate, opener) = AsyncStream.makeStream(of: Void.self) }

        func registerMethods(with router: inout RPCRouter) {
            router.registerClientStreaming(Self.method, deserializer: IdentityCoder(), serializer: StringCoder()) { [gate] request, _ in
                for await _ in gate { break }
                var total = 0
                for try await message in request.messages { total += message.count }
                return ServerResponse(message: "\(total)")
            }
        }
    }

    final class Counter: Sendable {
        let value = Atomic(0)
    }

    @Test func slowReaderHoldsBackTheSender() async throws {
        let service = GatedService()
        let messageBytes = 1 << 20
        let messageCount = 64
        let written = Counter()
        let transport = HTTP2ServerTransport(host: "127.0.0.1", port: 0)
        let server = RPCServer(transport: transport, services: [service])
        let serving = Task { try await server.serve() }
        let port = try await transport.listeningPort()
        try await withTimeLimit(.seconds(60)) {
            try await withClient(port: port) { client in
                let call = Task {
                    try await client.clientStreaming(
                        request: StreamingClientRequest { writer in
                            let payload = [UInt8](repeating: 7, count: messageBytes)
                            for _ in 0..<messageCount {
                                try await writer.write(payload)
                                written.value.add(1, ordering: .relaxed)
                            }
                        },
                        descriptor: GatedService.method, serializer: IdentityCoder(), deserializer: StringCoder())
                }
                // Give the client ample time to push everything it is allowed to.
                try await Task.sleep(for: .milliseconds(700))
                let beforeOpening = written.value.load(ordering: .relaxed)
                // Allowed in flight: the server's inbound high-water mark (1 MiB) + the stream
                // window (4 MiB) + the client's outbound high-water mark (1 MiB) + slack.
                #expect(beforeOpening < 16, "the client wrote \(beforeOpening) MiB while the server read nothing")
                service.opener.yield()
                let response = try await call.value
                #expect(response.message == "\(messageBytes * messageCount)")
                #expect(written.value.load(ordering: .relaxed) == messageCount)
            }
        }
        server.beginGracefulShutdown()
        try await serving.value
    }
}
