@testable import RPCHTTP2
import RPCCore
import RPCHTTP2NIO
import RPCTestSupport
import Testing

/// Feeds malformed input to a live server over loopback. Each case must get a clean error
/// (GOAWAY, RST_STREAM or an error status) and must not disturb other connections.
@Suite(.serialized) struct BadInputTests {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    /// An empty SETTINGS frame.
    static let settings: [UInt8] = [0, 0, 0, 4, 0, 0, 0, 0, 0]

    /// Runs `body` against a server, then checks that the server still answers a well-behaved
    /// client. The timeouts are long unless a test is about one of them: a close the test waits
    /// for must come from the bad input, and a loaded machine can take longer than a short
    /// timeout between a raw client's connect and its first write (a CI run saw the handshake
    /// timeout close the connection before the garbage was sent).
    func withServer(
        handshakeTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(30),
        _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        var configuration = HTTP2ServerTransport.Configuration()
        configuration.handshakeTimeout = handshakeTimeout
        configuration.idleTimeout = idleTimeout
        let settings = configuration
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(configuration: settings) { port in
                try await body(port)
                try await withClient(port: port) { client in
                    let reply = try await client.unary(
                        request: ClientRequest(message: "still here"), descriptor: EchoService.get,
                        serializer: StringCoder(), deserializer: StringCoder())
                    #expect(reply.message == "still here")
                }
            }
        }
    }

    /// Sends `bytes` on a connection the server will close `timeout` after `start`. A loaded
    /// machine can reach the write after the timeout has closed the connection: that is the
    /// outcome the caller waits for, so the failed write is accepted once the timeout has passed.
    static func send(
        _ bytes: [UInt8], to raw: RawConnection, closingAfter timeout: Duration, from start: ContinuousClock.Instant
    ) async throws {
        do {
            try await raw.send(bytes)
        } catch {
            #expect(ContinuousClock.now - start >= timeout, "the write failed before the timeout: \(error)")
        }
    }

    /// Decodes what the server sent with a client-side HTTP/2 session.
    func events(from bytes: [UInt8], session: HTTP2Session) throws -> [HTTP2Event] {
        try bytes.withUnsafeBytes { try session.receive($0) }
        return session.takeEvents()
    }

    @Test func garbageBytesCloseTheConnection() async throws {
        try await withServer { port in
            let raw = try await RawConnection.connect(port: port)
            try await raw.send(Array(repeating: 0xAB, count: 4096))
            #expect(await raw.closedByPeer(within: .seconds(5)))
        }
    }

    @Test func wrongPrefaceClosesTheConnection() async throws {
        try await withServer { port in
            let raw = try await RawConnection.connect(port: port)
            try await raw.send(Array("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".utf8) + Self.settings)
            #expect(await raw.closedByPeer(within: .seconds(5)))
        }
    }

    @Test func truncatedFrameThenSilenceIsClosedWhenIdle() async throws {
        let timeout = Duration.milliseconds(400)
        try await withServer(idleTimeout: timeout) { port in
            let start = ContinuousClock.now
            let raw = try await RawConnection.connect(port: port)
            // A HEADERS frame header announcing 100 bytes, followed by only 3.
            try await Self.send(
                Self.preface + Self.settings + [0, 0, 100, 1, 4, 0, 0, 0, 1, 0x82, 0x86, 0x84],
                to: raw, closingAfter: timeout, from: start)
            #expect(await raw.closedByPeer(within: .seconds(5)))
            #expect(ContinuousClock.now - start >= timeout, "closed before the idle timeout")
        }
    }

    @Test func halfOpenConnectionIsClosedAfterHandshakeTimeout() async throws {
        let timeout = Duration.milliseconds(300)
        try await withServer(handshakeTimeout: timeout) { port in
            let start = ContinuousClock.now
            let raw = try await RawConnection.connect(port: port)
            try await Self.send(Array(Self.preface.prefix(10)), to: raw, closingAfter: timeout, from: start)
            #expect(await raw.closedByPeer(within: .seconds(5)))
            #expect(ContinuousClock.now - start >= timeout, "closed before the handshake timeout")
        }
    }

    @Test func headersWithoutPathAreRejected() async throws {
        try await withServer { port in
            let session = HTTP2Session(role: .client)
            let streamID = try #require(session.submitRequest(headers: [
                HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":authority", "x"),
                HeaderField("content-type", "application/grpc"),
            ]))
            session.finishData(on: streamID, trailers: nil)
            var out: [UInt8] = []
            try session.collectOutput(into: &out)
            let raw = try await RawConnection.connect(port: port)
            try await raw.send(out)
            var reset = false
            for _ in 0..<100 where !reset {
                try await Task.sleep(for: .milliseconds(20))
                let fresh = HTTP2Session(role: .client)
                _ = fresh.submitRequest(headers: [HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":path", "/a/b"), HeaderField(":authority", "x")])
                var ignored: [UInt8] = []
                try fresh.collectOutput(into: &ignored)
                for event in (try? events(from: raw.received, session: fresh)) ?? [] {
                    if case .streamClosed(1, let code) = event, code != 0 { reset = true }
                }
            }
            #expect(reset, "expected RST_STREAM for a request without :path")
            await raw.close()
        }
    }

    @Test func oversizedLengthPrefixIsResourceExhausted() async throws {
        try await withServer { port in
            let session = HTTP2Session(role: .client)
            let streamID = try #require(session.submitRequest(headers: [
                HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":path", EchoService.bytes.path),
                HeaderField(":authority", "x"), HeaderField("content-type", "application/grpc"), HeaderField("te", "trailers"),
            ]))
            session.enqueueData([0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3], on: streamID)
            session.finishData(on: streamID, trailers: nil)
            var out: [UInt8] = []
            try session.collectOutput(into: &out)
            let raw = try await RawConnection.connect(port: port)
            try await raw.send(out)
            var grpcStatus: String?
            for _ in 0..<100 where grpcStatus == nil {
                try await Task.sleep(for: .milliseconds(20))
                let decoder = HTTP2Session(role: .client)
                _ = decoder.submitRequest(headers: [HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":path", "/a/b"), HeaderField(":authority", "x")])
                var ignored: [UInt8] = []
                try decoder.collectOutput(into: &ignored)
                for case .headers(1, let fields, _) in (try? events(from: raw.received, session: decoder)) ?? [] {
                    if let value = GRPCHeaders.value("grpc-status", in: fields) { grpcStatus = value }
                }
            }
            #expect(grpcStatus == "8")
            await raw.close()
        }
    }
}

extension BadInputTests {
    /// A client that vanishes while its handler is still running: the handler's later writes
    /// must fail quietly, not crash the server.
    @Test func clientDisappearsMidCall() async throws {
        try await withServer { port in
            let session = HTTP2Session(role: .client)
            let streamID = try #require(session.submitRequest(headers: [
                HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":path", EchoService.delay.path),
                HeaderField(":authority", "x"), HeaderField("content-type", "application/grpc"), HeaderField("te", "trailers"),
            ]))
            session.enqueueData(GRPCMessageFramer.frame(Array("200".utf8)), on: streamID)
            session.finishData(on: streamID, trailers: nil)
            var out: [UInt8] = []
            try session.collectOutput(into: &out)
            let raw = try await RawConnection.connect(port: port)
            try await raw.send(out)
            try await Task.sleep(for: .milliseconds(50))
            await raw.close()
            // The handler wakes up after the connection is gone and writes its response.
            try await Task.sleep(for: .milliseconds(400))
        }
    }
}
