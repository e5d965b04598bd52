import Interop
import RPCCore
import RPCInProcess
import Testing

/// Runs every standard interop case against `TestServiceImplementation` over the in-process
/// transport: the client cases, the server behaviour and the protobuf-c coding are checked
/// together, without sockets. Each case gets its own server so failures stay independent.
@Suite struct InProcessInteropTests {
    static func withInteropClient<R: Sendable>(
        _ body: @Sendable (InteropClient) async throws -> R
    ) async throws -> R {
        let (serverTransport, clientTransport) = InProcessTransport.makePair()
        let server = RPCServer(transport: serverTransport, services: [TestServiceImplementation()])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            return try await body(InteropClient(client: RPCClient(transport: clientTransport), caseTimeout: .seconds(20)))
        }
    }

    @Test(arguments: InteropCase.allCases)
    func interopCasePasses(_ testCase: InteropCase) async throws {
        try await Self.withInteropClient { client in
            try await client.run(testCase)
        }
    }

    @Test func halfDuplexAnswersAfterHalfClose() async throws {
        let sizes = try await Self.withInteropClient { client in
            try await client.testService.halfDuplexCall(StreamingClientRequest { writer in
                for size in [3, 1, 2] {
                    try await writer.write(StreamingOutputCallRequest(responseParameters: [ResponseParameters(size: Int32(size))]))
                }
            }) { response in
                var sizes: [Int] = []
                for try await message in response.messages { sizes.append(message.payload?.body.count ?? -1) }
                return sizes
            }
        }
        #expect(sizes == [3, 1, 2])
    }

    @Test func streamingOutputHonoursIntervals() async throws {
        let start = ContinuousClock.now
        let count = try await Self.withInteropClient { client in
            let request = StreamingOutputCallRequest(
                responseParameters: [ResponseParameters(size: 1, intervalMicroseconds: 50_000), ResponseParameters(size: 1, intervalMicroseconds: 50_000)])
            return try await client.testService.streamingOutputCall(ClientRequest(message: request)) { response in
                var count = 0
                for try await _ in response.messages { count += 1 }
                return count
            }
        }
        #expect(count == 2)
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }

    @Test func expectCompressedIsRejected() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await Self.withInteropClient { client in
                try await client.testService.unaryCall(ClientRequest(message: SimpleRequest(expectCompressed: BoolValue(value: true))))
            }
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func oversizedResponseIsRefused() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await Self.withInteropClient { client in
                try await client.testService.unaryCall(ClientRequest(message: SimpleRequest(responseSize: .max)))
            }
        }
        #expect(error?.code == .resourceExhausted)
    }
}
