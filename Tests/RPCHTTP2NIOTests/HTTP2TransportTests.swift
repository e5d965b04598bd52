import NIOCore
import RPCCore
import RPCHTTP2
import RPCHTTP2NIO
import RPCTestSupport
import Testing

/// End-to-end tests of the HTTP/2 transport over real loopback sockets: every call type,
/// metadata, large messages, concurrency, limits, deadlines, cancellation, shutdown and
/// reconnection.
@Suite(.serialized) struct HTTP2TransportTests {
    @Test func allCallTypesOverLoopback() async throws {
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer { port in
                try await withClient(port: port) { client in
                    let unary = try await client.unary(
                        request: ClientRequest(message: "hi", metadata: ["x-k": .string("v"), "x-b-bin": .binary([0, 255, 7])]),
                        descriptor: EchoService.get, serializer: StringCoder(), deserializer: StringCoder())
                    #expect(unary.message == "hi")
                    #expect(unary.metadata[stringValues: "initial"] == ["yes"])
                    #expect(unary.trailingMetadata[stringValues: "x-k"] == ["v"])
                    #expect(unary.trailingMetadata[binaryValues: "x-b-bin"] == [[0, 255, 7]])

                    let collected = try await client.clientStreaming(
                        request: StreamingClientRequest { w in for s in ["a", "b", "c"] { try await w.write(s) } },
                        descriptor: EchoService.collect, serializer: StringCoder(), deserializer: StringCoder())
                    #expect(collected.message == "a b c")

                    let expanded = try await client.serverStreaming(
                        request: ClientRequest(message: "x y z"), descriptor: EchoService.expand,
                        serializer: StringCoder(), deserializer: StringCoder()
                    ) { response in
                        var all: [String] = []
                        for try await m in response.messages { all.append(m) }
                        return all
                    }
                    #expect(expanded == ["x", "y", "z"])

                    let updated = try await client.bidirectionalStreaming(
                        request: StreamingClientRequest { w in for s in ["p", "q"] { try await w.write(s) } },
                        descriptor: EchoService.update, serializer: StringCoder(), deserializer: StringCoder()
                    ) { response in
                        var all: [String] = []
                        for try await m in response.messages { all.append(m) }
                        return all
                    }
                    #expect(updated == ["P", "Q"])
                }
            }
        }
    }

    @Test func errorsAndUnknownMethods() async throws {
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer { port in
                try await withClient(port: port) { client in
                    let failed = await #expect(throws: RPCError.self) {
                        try await client.unary(
                            request: ClientRequest(message: "why ☺\n"), descriptor: EchoService.fail,
                            serializer: StringCoder(), deserializer: StringCoder())
                    }
                    #expect(failed?.code == .failedPrecondition)
                    #expect(failed?.message == "why ☺\n")
                    #expect(failed?.metadata[stringValues: "reason"] == ["asked"])

                    let unknown = await #expect(throws: RPCError.self) {
                        try await client.unary(
                            request: ClientRequest(message: ""), descriptor: MethodDescriptor(service: "no.Such", method: "Thing"),
                            serializer: StringCoder(), deserializer: StringCoder())
                    }
                    #expect(unknown?.code == .unimplemented)
                }
            }
        }
    }

    @Test func sixteenMebibyteMessagesBothWays() async throws {
        try await withTimeLimit(.seconds(60)) {
            try await withLoopbackServer { port in
                try await withClient(port: port) { client in
                    var payload = [UInt8](repeating: 0, count: 16 << 20)
                    for i in stride(from: 0, to: payload.count, by: 4096) { payload[i] = UInt8(truncatingIfNeeded: i >> 12) }
                    let response = try await client.unary(
                        request: ClientRequest(message: payload), descriptor: EchoService.bytes,
                        serializer: IdentityCoder(), deserializer: IdentityCoder())
                    #expect(response.message == payload)
                }
            }
        }
    }

    @Test func messageOverTheServerLimitIsResourceExhausted() async throws {
        var settings = HTTP2ServerTransport.Configuration()
        settings.connection.maxReceiveMessageBytes = 1024
        let configuration = settings
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(configuration: configuration) { port in
                try await withClient(port: port) { client in
                    let error = await #expect(throws: RPCError.self) {
                        try await client.unary(
                            request: ClientRequest(message: [UInt8](repeating: 1, count: 4096)), descriptor: EchoService.bytes,
                            serializer: IdentityCoder(), deserializer: IdentityCoder())
                    }
                    #expect(error?.code == .resourceExhausted)
                    // The connection keeps serving.
                    let ok = try await client.unary(
                        request: ClientRequest(message: [1, 2, 3]), descriptor: EchoService.bytes,
                        serializer: IdentityCoder(), deserializer: IdentityCoder())
                    #expect(ok.message == [1, 2, 3])
                }
            }
        }
    }

    @Test func manyConcurrentStreamsOnOneConnection() async throws {
        try await withTimeLimit(.seconds(60)) {
            try await withLoopbackServer { port in
                try await withClient(port: port) { client in
                    let count = 500
                    let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                        for i in 0..<count {
                            group.addTask {
                                let r = try await client.unary(
                                    request: ClientRequest(message: "m\(i)"), descriptor: EchoService.get,
                                    serializer: StringCoder(), deserializer: StringCoder())
                                return r.message == "m\(i)"
                            }
                        }
                        var ok = 0
                        for try await good in group where good { ok += 1 }
                        return ok
                    }
                    #expect(results == count)
                }
            }
        }
    }

    @Test func deadlineExpiresAndServerHandlerIsCancelled() async throws {
        let service = EchoService()
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(service: service) { port in
                try await withClient(port: port) { client in
                    let error = await #expect(throws: RPCError.self) {
                        try await client.unary(
                            request: ClientRequest(message: ""), descriptor: EchoService.sleep,
                            serializer: StringCoder(), deserializer: StringCoder(), options: CallOptions(timeout: .milliseconds(200)))
                    }
                    #expect(error?.code == .deadlineExceeded)
                    try await waitUntil { service.cancelledHandlers.current != 0 }
                    #expect(service.cancelledHandlers.current == 1)
                }
            }
        }
    }

    /// One timer enforces a connection's deadlines: a short deadline set after a long one still
    /// expires on time, calls that completed leave nothing behind that fails a later call, and a
    /// call with a long deadline outlives the short ones.
    @Test func deadlinesOfManyCallsOnOneConnection() async throws {
        let service = EchoService()
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(service: service) { port in
                try await withClient(port: port) { client in
                    let long = Task {
                        try await client.unary(
                            request: ClientRequest(message: "long"), descriptor: EchoService.sleep,
                            serializer: StringCoder(), deserializer: StringCoder(),
                            options: CallOptions(timeout: .seconds(20)))
                    }
                    for i in 0..<100 {
                        let reply = try await client.unary(
                            request: ClientRequest(message: "\(i)"), descriptor: EchoService.get,
                            serializer: StringCoder(), deserializer: StringCoder(),
                            options: CallOptions(timeout: .milliseconds(300 + i)))
                        #expect(reply.message == "\(i)")
                    }
                    for timeout in [Duration.milliseconds(150), .milliseconds(50)] {
                        let started = ContinuousClock.now
                        let error = await #expect(throws: RPCError.self) {
                            try await client.unary(
                                request: ClientRequest(message: ""), descriptor: EchoService.sleep,
                                serializer: StringCoder(), deserializer: StringCoder(),
                                options: CallOptions(timeout: timeout))
                        }
                        let took = ContinuousClock.now - started
                        #expect(error?.code == .deadlineExceeded)
                        #expect(took >= timeout && took < .seconds(5), "expired after \(took)")
                    }
                    // The echo calls' deadlines (300-399 ms) have passed: they failed nothing.
                    try await Task.sleep(for: .milliseconds(400))
                    let reply = try await client.unary(
                        request: ClientRequest(message: "after"), descriptor: EchoService.get,
                        serializer: StringCoder(), deserializer: StringCoder(),
                        options: CallOptions(timeout: .seconds(5)))
                    #expect(reply.message == "after")
                    // Still running (it sleeps until cancelled): ended by the cancellation, not a deadline.
                    long.cancel()
                    let outcome = await long.result
                    #expect(throws: CancellationError.self) { try outcome.get() }
                }
            }
        }
    }

    /// A task that prefers the transport's executor runs on the connection's loop: its calls
    /// write and read there directly, and deadlines still expire.
    @Test func callsFromATaskOnTheTransportsLoop() async throws {
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer { port in
                let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
                let client = RPCClient(transport: transport)
                let outcome = await Task(executorPreference: transport.taskExecutor) { () async throws -> [String] in
                    var replies: [String] = []
                    for i in 0..<20 {
                        let reply = try await client.unary(
                            request: ClientRequest(message: "m\(i)"), descriptor: EchoService.get,
                            serializer: StringCoder(), deserializer: StringCoder())
                        let onLoop = transport.eventLoop.inEventLoop
                        #expect(onLoop)
                        replies.append(reply.message)
                    }
                    let error = await #expect(throws: RPCError.self) {
                        try await client.unary(
                            request: ClientRequest(message: ""), descriptor: EchoService.sleep,
                            serializer: StringCoder(), deserializer: StringCoder(),
                            options: CallOptions(timeout: .milliseconds(100)))
                    }
                    #expect(error?.code == .deadlineExceeded)
                    return replies
                }.result
                await transport.close()
                let replies = try outcome.get()
                #expect(replies == (0..<20).map { "m\($0)" })
            }
        }
    }

    /// Many tasks on the connection's loop, each making calls as its previous reply arrives:
    /// with a write limit of 1 and 3 requests, or groups of a half of the calls in flight
    /// (`requestWriteGroups` 2: 16 of 32), requests are written from inside the call that
    /// finished a group (the rest after the loop's queued work), and every call gets its own
    /// reply.
    @Test(arguments: [(1, 4), (3, 4), (1, 2)])
    func callsFromManyTasksOnTheLoopWithAWriteLimit(maxRequestsPerWrite: Int, requestWriteGroups: Int) async throws {
        try await withTimeLimit(.seconds(60)) {
            try await withLoopbackServer { port in
                var configuration = HTTP2ClientTransport.Configuration()
                configuration.maxRequestsPerWrite = maxRequestsPerWrite
                configuration.requestWriteGroups = requestWriteGroups
                let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)
                let client = RPCClient(transport: transport)
                let (tasks, callsPerTask) = (32, 20)
                let matched = try await withThrowingTaskGroup(of: Int.self) { group in
                    for task in 0..<tasks {
                        group.addTask(executorPreference: transport.taskExecutor) {
                            var matched = 0
                            for call in 0..<callsPerTask {
                                let message = "t\(task)c\(call)"
                                let reply = try await client.unary(
                                    request: ClientRequest(message: message), descriptor: EchoService.get,
                                    serializer: StringCoder(), deserializer: StringCoder())
                                if reply.message == message { matched += 1 }
                            }
                            return matched
                        }
                    }
                    return try await group.reduce(0, +)
                }
                await transport.close()
                #expect(matched == tasks * callsPerTask)
            }
        }
    }

    @Test func clientCancellationCancelsTheServerHandler() async throws {
        let service = EchoService()
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(service: service) { port in
                try await withClient(port: port) { client in
                    let call = Task {
                        try await client.unary(
                            request: ClientRequest(message: ""), descriptor: EchoService.sleep,
                            serializer: StringCoder(), deserializer: StringCoder())
                    }
                    try await waitUntil { service.sleepersStarted.current != 0 }
                    call.cancel()
                    let result = await call.result
                    #expect(throws: (any Error).self) { try result.get() }
                    try await waitUntil { service.cancelledHandlers.current != 0 }
                    #expect(service.cancelledHandlers.current == 1)
                }
            }
        }
    }

    @Test func gracefulShutdownLetsInFlightCallsFinish() async throws {
        try await withTimeLimit(.seconds(30)) {
            let transport = HTTP2ServerTransport(host: "127.0.0.1", port: 0)
            let server = RPCServer(transport: transport, services: [EchoService()])
            let serving = Task { try await server.serve() }
            let port = try await transport.listeningPort()
            try await withClient(port: port) { client in
                let slow = Task {
                    try await client.unary(
                        request: ClientRequest(message: "500"), descriptor: EchoService.delay,
                        serializer: StringCoder(), deserializer: StringCoder())
                }
                try await Task.sleep(for: .milliseconds(100))
                server.beginGracefulShutdown()
                let response = try await slow.value
                #expect(response.message == "500")
                try await serving.value  // serve() returns once drained
                // New calls now fail: nothing listens any more.
                let error = await #expect(throws: RPCError.self) {
                    try await client.unary(
                        request: ClientRequest(message: "x"), descriptor: EchoService.get,
                        serializer: StringCoder(), deserializer: StringCoder())
                }
                #expect(error?.code == .unavailable)
            }
        }
    }

    @Test func clientReconnectsAfterServerRestart() async throws {
        try await withTimeLimit(.seconds(60)) {
            var clientConfiguration = HTTP2ClientTransport.Configuration()
            clientConfiguration.initialBackoff = .milliseconds(50)
            clientConfiguration.maxBackoff = .milliseconds(200)
            let first = HTTP2ServerTransport(host: "127.0.0.1", port: 0)
            let firstServer = RPCServer(transport: first, services: [EchoService()])
            let firstServing = Task { try await firstServer.serve() }
            let port = try await first.listeningPort()
            try await withClient(port: port, configuration: clientConfiguration) { client in
                let a = try await client.unary(
                    request: ClientRequest(message: "a"), descriptor: EchoService.get, serializer: StringCoder(), deserializer: StringCoder())
                #expect(a.message == "a")
                firstServer.beginGracefulShutdown()
                try await firstServing.value

                let down = await #expect(throws: RPCError.self) {
                    try await client.unary(
                        request: ClientRequest(message: "b"), descriptor: EchoService.get, serializer: StringCoder(), deserializer: StringCoder())
                }
                #expect(down?.code == .unavailable)

                let second = HTTP2ServerTransport(host: "127.0.0.1", port: port)
                let secondServer = RPCServer(transport: second, services: [EchoService()])
                let secondServing = Task { try await secondServer.serve() }
                _ = try await second.listeningPort()
                var reply: String?
                for _ in 0..<100 where reply == nil {
                    reply = try? await client.unary(
                        request: ClientRequest(message: "c"), descriptor: EchoService.get, serializer: StringCoder(), deserializer: StringCoder()
                    ).message
                    if reply == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(reply == "c")
                secondServer.beginGracefulShutdown()
                try await secondServing.value
            }
        }
    }
}
