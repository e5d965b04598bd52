@testable import RPCHTTP2
import RPCCore
import RPCHTTP2NIO
import RPCTestSupport
import Synchronization
import Testing

/// The server transport ends a call at the client's `grpc-timeout` itself
/// (`HTTP2ServerTransport.enforcesDeadlines`), without the client's help: a raw client that
/// sends a deadline and then neither resets the stream nor goes away still gets
/// `DEADLINE_EXCEEDED`, and the handler is cancelled.
@Suite(.serialized) struct ServerDeadlineTests {
    /// The `grpc-status` values the server sent on stream `stream` (of the first `streams`
    /// client streams: 1, 3, 5, ...) so far.
    static func statuses(in bytes: [UInt8], stream: Int32 = 1, streams: Int = 1) -> [String] {
        let decoder = HTTP2Session(role: .client)
        for _ in 0..<streams {
            _ = decoder.submitRequest(headers: [
                HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":path", "/a/b"),
                HeaderField(":authority", "x"),
            ])
        }
        var ignored: [UInt8] = []
        guard (try? decoder.collectOutput(into: &ignored)) != nil,
            (try? bytes.withUnsafeBytes { try decoder.receive($0) }) != nil
        else { return [] }
        var found: [String] = []
        for case .headers(let id, let fields, _) in decoder.takeEvents() where id == stream {
            if let value = GRPCHeaders.value("grpc-status", in: fields) { found.append(value) }
        }
        return found
    }

    /// The bytes of a client connection that opens one `Sleep` call per entry of `timeouts`
    /// (each a `grpc-timeout` value) with an empty request message (streams 1, 3, ...).
    static func sleepCalls(timeouts: [String]) throws -> [UInt8] {
        let session = HTTP2Session(role: .client)
        for timeout in timeouts {
            let streamID = try #require(session.submitRequest(headers: [
                HeaderField(":method", "POST"), HeaderField(":scheme", "http"),
                HeaderField(":path", EchoService.sleep.path), HeaderField(":authority", "x"),
                HeaderField("content-type", "application/grpc"), HeaderField("te", "trailers"),
                HeaderField("grpc-timeout", timeout),
            ]))
            session.enqueueData(GRPCMessageFramer.frame([]), on: streamID)
            session.finishData(on: streamID, trailers: nil)
        }
        var out: [UInt8] = []
        try session.collectOutput(into: &out)
        return out
    }

    /// Sends `bytes` on `raw`, then waits (up to 5 s) for the first `grpc-status` on `stream`
    /// (see ``statuses(in:stream:streams:)``): the statuses then, and the time since the send
    /// started.
    static func send(
        _ bytes: [UInt8], on raw: RawConnection, awaitingStatusOn stream: Int32 = 1, streams: Int = 1
    ) async throws -> (statuses: [String], elapsed: Duration) {
        // Before the send: the server's timer starts once it has read the headers, and the
        // send's completion may reach this task much later on a loaded machine.
        let start = ContinuousClock.now
        try await raw.send(bytes)
        var statuses: [String] = []
        for _ in 0..<250 where statuses.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            statuses = Self.statuses(in: raw.received, stream: stream, streams: streams)
        }
        return (statuses, ContinuousClock.now - start)
    }

    /// The transport alone, with a handler that ignores deadlines (no `RPCServer` racing it
    /// against a timer task).
    @Test func serverEndsACallAtItsDeadlineWithoutTheClient() async throws {
        let transport = HTTP2ServerTransport(host: "127.0.0.1", port: 0)
        #expect(transport.enforcesDeadlines)
        let cancelled = CancelledCount()
        try await withTimeLimit(.seconds(30)) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await transport.listen { stream, _ in
                        do {
                            try await Task.sleep(for: .seconds(300))
                        } catch {
                            cancelled.value.withLock { $0 += 1 }
                        }
                        try? await stream.outbound.write(.status(Status(code: .ok, message: ""), [:]))
                    }
                }
                let port = try await transport.listeningPort()
                let out = try Self.sleepCalls(timeouts: ["200m"])
                let raw = try await RawConnection.connect(port: port)
                let (statuses, elapsed) = try await Self.send(out, on: raw)
                #expect(statuses == ["4"], "expected one DEADLINE_EXCEEDED status, got \(statuses)")
                #expect(elapsed >= .milliseconds(150), "the status came before the deadline: \(elapsed)")
                try await waitUntil { cancelled.value.withLock { $0 } != 0 }
                #expect(cancelled.value.withLock { $0 } == 1)
                // The handler's own OK status, written after it was cancelled, is not sent.
                try await Task.sleep(for: .milliseconds(100))
                #expect(Self.statuses(in: raw.received) == ["4"])
                await raw.close()
                transport.beginGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// One timer serves a connection's deadlines: a stream with a short `grpc-timeout` opened
    /// after one with a long timeout still ends at its own deadline; the long one goes on.
    @Test func aShortDeadlineAfterALongOneEndsOnTime() async throws {
        let transport = HTTP2ServerTransport(host: "127.0.0.1", port: 0)
        try await withTimeLimit(.seconds(30)) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await transport.listen { stream, _ in
                        try? await Task.sleep(for: .seconds(300))
                        try? await stream.outbound.write(.status(Status(code: .ok, message: ""), [:]))
                    }
                }
                let port = try await transport.listeningPort()
                let out = try Self.sleepCalls(timeouts: ["20S", "200m"])
                let raw = try await RawConnection.connect(port: port)
                let (statuses, elapsed) = try await Self.send(out, on: raw, awaitingStatusOn: 3, streams: 2)
                #expect(statuses == ["4"], "expected DEADLINE_EXCEEDED on stream 3, got \(statuses)")
                #expect(elapsed >= .milliseconds(150), "the status came before the deadline: \(elapsed)")
                #expect(Self.statuses(in: raw.received, stream: 1, streams: 2).isEmpty)
                await raw.close()
                transport.beginGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}

/// How many handlers saw their cancellation.
private final class CancelledCount: Sendable {
    let value = Mutex(0)
}
