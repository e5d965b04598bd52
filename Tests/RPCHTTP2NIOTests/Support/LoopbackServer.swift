import RPCCore
import RPCHTTP2NIO
import RPCTestSupport

/// Runs an `RPCServer` with the echo service on 127.0.0.1 (an ephemeral port) for the
/// duration of `body`, then shuts it down gracefully and waits for it to stop.
func withLoopbackServer<R: Sendable>(
    service: EchoService = EchoService(),
    configuration: HTTP2ServerTransport.Configuration = .init(),
    authorization: PeerAuthorization? = nil,
    _ body: @Sendable (_ port: Int) async throws -> R
) async throws -> R {
    let transport = HTTP2ServerTransport(host: "127.0.0.1", port: 0, configuration: configuration)
    let server = RPCServer(transport: transport, services: [service], authorization: authorization)
    return try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask {
            try await server.serve()
            return nil
        }
        let port = try await transport.listeningPort()
        do {
            let result = try await body(port)
            server.beginGracefulShutdown()
            while try await group.next() != nil {}
            return result
        } catch {
            server.beginGracefulShutdown()
            group.cancelAll()
            throw error
        }
    }
}

/// Runs `body` with a client transport to `port`, closing it afterwards.
func withClient<R: Sendable>(
    port: Int,
    host: String = "127.0.0.1",
    configuration: HTTP2ClientTransport.Configuration = .init(),
    _ body: @Sendable (RPCClient) async throws -> R
) async throws -> R {
    let transport = HTTP2ClientTransport(host: host, port: port, configuration: configuration)
    do {
        let result = try await body(RPCClient(transport: transport))
        await transport.close()
        return result
    } catch {
        await transport.close()
        throw error
    }
}

/// Fails the test if `body` takes longer than `limit` (every wait in these tests is bounded).
func withTimeLimit<R: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: R.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimeLimitExceeded(limit: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

struct TimeLimitExceeded: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "the test exceeded its time limit of \(limit)" }
}

/// Polls `condition` every 10 ms until it holds or 3 s have passed (the caller then checks what
/// it waited for: this bounds the wait, it asserts nothing).
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<300 where !condition() {
        try await Task.sleep(for: .milliseconds(10))
    }
}
