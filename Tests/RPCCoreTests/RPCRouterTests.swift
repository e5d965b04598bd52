import RPCCore
import RPCInProcess
import RPCTestSupport
import Testing

/// Exercises the router, server and client over the in-process transport: every call type,
/// status and metadata mapping, unknown methods, deadlines and cancellation.
@Suite struct RPCRouterTests {
    /// Starts a server for `service` and runs `body` with a client connected to it.
    func withEcho<R: Sendable>(_ service: EchoService = EchoService(), _ body: @Sendable (RPCClient) async throws -> R) async throws -> R {
        let (serverTransport, clientTransport) = InProcessTransport.makePair()
        let server = RPCServer(transport: serverTransport, services: [service])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            return try await body(RPCClient(transport: clientTransport))
        }
    }

    @Test func unaryCarriesMessageAndMetadata() async throws {
        let response = try await withEcho { client in
            try await client.unary(
                request: ClientRequest(message: "hello", metadata: ["x-key": .string("v"), "x-bin": .binary([0, 1, 255])]),
                descriptor: EchoService.get, serializer: StringCoder(), deserializer: StringCoder())
        }
        #expect(response.message == "hello")
        #expect(response.metadata[stringValues: "initial"] == ["yes"])
        #expect(response.trailingMetadata[stringValues: "x-key"] == ["v"])
        #expect(response.trailingMetadata[binaryValues: "x-bin"] == [[0, 1, 255]])
    }

    @Test func clientStreamingCollectsAllMessages() async throws {
        let response = try await withEcho { client in
            try await client.clientStreaming(
                request: StreamingClientRequest { writer in
                    for word in ["a", "b", "c"] { try await writer.write(word) }
                },
                descriptor: EchoService.collect, serializer: StringCoder(), deserializer: StringCoder())
        }
        #expect(response.message == "a b c")
    }

    @Test func serverStreamingYieldsMessagesThenTrailers() async throws {
        let parts = try await withEcho { client in
            try await client.serverStreaming(
                request: ClientRequest(message: "one two three"),
                descriptor: EchoService.expand, serializer: StringCoder(), deserializer: StringCoder()
            ) { response in
                var parts: [String] = []
                for try await part in response.bodyParts {
                    switch part {
                    case .message(let m): parts.append(m)
                    case .trailingMetadata(let t): parts.append("count=\(t[stringValues: "count"].first ?? "?")")
                    }
                }
                return parts
            }
        }
        #expect(parts == ["one", "two", "three", "count=3"])
    }

    @Test func bidirectionalStreamingEchoesEachMessage() async throws {
        let replies = try await withEcho { client in
            try await client.bidirectionalStreaming(
                request: StreamingClientRequest { writer in
                    for word in ["x", "y"] { try await writer.write(word) }
                },
                descriptor: EchoService.update, serializer: StringCoder(), deserializer: StringCoder()
            ) { response in
                var all: [String] = []
                for try await message in response.messages { all.append(message) }
                return all
            }
        }
        #expect(replies == ["X", "Y"])
    }

    @Test func handlerErrorBecomesStatusWithTrailers() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await withEcho { client in
                try await client.unary(
                    request: ClientRequest(message: "nope"), descriptor: EchoService.fail,
                    serializer: StringCoder(), deserializer: StringCoder())
            }
        }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message == "nope")
        #expect(error?.metadata[stringValues: "reason"] == ["asked"])
    }

    @Test(arguments: [
        MethodDescriptor(service: "test.Echo", method: "Missing"),
        MethodDescriptor(service: "test.Missing", method: "Get"),
    ])
    func unknownMethodIsUnimplemented(descriptor: MethodDescriptor) async throws {
        let error = await #expect(throws: RPCError.self) {
            try await withEcho { client in
                try await client.unary(
                    request: ClientRequest(message: ""), descriptor: descriptor,
                    serializer: StringCoder(), deserializer: StringCoder())
            }
        }
        #expect(error?.code == .unimplemented)
    }

    @Test func malformedRequestMessageIsInvalidArgument() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await withEcho { client in
                try await client.unary(
                    request: ClientRequest(message: [0xff, 0xfe]), descriptor: EchoService.get,
                    serializer: IdentityCoder(), deserializer: StringCoder())
            }
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func deadlineCancelsHandlerAndFailsCall() async throws {
        let service = EchoService()
        let start = ContinuousClock.now
        let error = await #expect(throws: RPCError.self) {
            try await withEcho(service) { client in
                try await client.unary(
                    request: ClientRequest(message: "zz"), descriptor: EchoService.sleep,
                    serializer: StringCoder(), deserializer: StringCoder(),
                    options: CallOptions(timeout: .milliseconds(100)))
            }
        }
        #expect(error?.code == .deadlineExceeded)
        // Far below the handler's 300-s sleep; a starved CI machine has taken 14 s here.
        #expect(ContinuousClock.now - start < .seconds(60))
        // The server-side handler is cancelled too (bounded wait).
        for _ in 0..<200 where service.cancelledHandlers.current == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(service.cancelledHandlers.current == 1)
    }
}
