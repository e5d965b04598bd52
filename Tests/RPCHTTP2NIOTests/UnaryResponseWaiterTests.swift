import RPCCore
import RPCHTTP2NIO
import RPCTestSupport
import Testing

/// A unary call over HTTP/2 gathers its response on the connection's loop
/// (`UnaryResponseWaiter`): it must end every call as the general path does, including
/// responses no unary method sends (a streaming method called as unary), and cancellation.
@Suite("Unary response over HTTP/2")
struct UnaryResponseWaiterTests {
    /// Method and request: one message, none, two, an error status, one message of a unary method.
    static let calls: [(MethodDescriptor, String)] = [
        (EchoService.expand, "one"), (EchoService.expand, ""), (EchoService.expand, "one two three"),
        (EchoService.fail, "refused"), (EchoService.get, "hello"),
    ]

    @Test func endsEachCallAsTheGeneralPathDoes() async throws {
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer { port in
                try await withClient(port: port) { client in
                    for (descriptor, message) in Self.calls {
                        let request = ClientRequest(message: message, metadata: ["m": .string("1")])
                        let unary = await CallOutcome.of {
                            try await client.unary(
                                request: request, descriptor: descriptor, serializer: StringCoder(),
                                deserializer: StringCoder())
                        }
                        let general = await CallOutcome.of {
                            try await client.clientStreaming(
                                request: StreamingClientRequest(single: request), descriptor: descriptor,
                                serializer: StringCoder(), deserializer: StringCoder())
                        }
                        #expect(!unary.isUnexpected && !general.isUnexpected, "\(descriptor) \(message)")
                        #expect(unary == general, "\(descriptor) \(message)")
                    }
                    // The calls cut short (three messages) left the connection usable.
                    let reply = try await client.unary(
                        request: ClientRequest(message: "after"), descriptor: EchoService.get,
                        serializer: StringCoder(), deserializer: StringCoder())
                    #expect(reply.message == "after")
                }
            }
        }
    }

    /// A call made by a task cancelled before it starts, and one cancelled while its server
    /// sleeps, both end with `CancellationError`; the connection serves the next call.
    @Test func cancelledCallsThrowCancellationError() async throws {
        let service = EchoService()
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(service: service) { port in
                try await withClient(port: port) { client in
                    let early = Task {
                        withUnsafeCurrentTask { $0?.cancel() }
                        return try await client.unary(
                            request: ClientRequest(message: "x"), descriptor: EchoService.get,
                            serializer: StringCoder(), deserializer: StringCoder())
                    }
                    await #expect(throws: CancellationError.self) { try await early.value }
                    let sleeping = Task {
                        try await client.unary(
                            request: ClientRequest(message: ""), descriptor: EchoService.sleep,
                            serializer: StringCoder(), deserializer: StringCoder())
                    }
                    try await waitUntil { service.sleepersStarted.current != 0 }
                    #expect(service.sleepersStarted.current == 1)
                    sleeping.cancel()
                    await #expect(throws: CancellationError.self) { try await sleeping.value }
                    let reply = try await client.unary(
                        request: ClientRequest(message: "after"), descriptor: EchoService.get,
                        serializer: StringCoder(), deserializer: StringCoder())
                    #expect(reply.message == "after")
                }
            }
        }
    }
}
