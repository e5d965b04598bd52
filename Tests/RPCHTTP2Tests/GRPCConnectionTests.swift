@testable import RPCHTTP2
import RPCCore
import Testing

/// Connects a sans-I/O client connection to a sans-I/O server connection through memory and
/// checks the gRPC exchange end to end, with no sockets.
@Suite struct GRPCConnectionTests {
    /// Moves bytes between the two sides until neither has anything to send.
    final class Pipe {
        let client: GRPCClientConnection
        let server: GRPCServerConnection
        var clientEvents: [GRPCClientConnection.Event] = []
        var serverEvents: [GRPCServerConnection.Event] = []

        init(serverConfiguration: GRPCServerConnection.Configuration = .init(),
             clientConfiguration: GRPCClientConnection.Configuration = .init(authority: "test")) {
            client = GRPCClientConnection(configuration: clientConfiguration)
            server = GRPCServerConnection(configuration: serverConfiguration)
        }

        func pump() throws {
            for _ in 0..<10_000 {
                var toServer: [UInt8] = []
                try client.collectOutput(into: &toServer)
                var toClient: [UInt8] = []
                try server.collectOutput(into: &toClient)
                if toServer.isEmpty && toClient.isEmpty { break }
                try toServer.withUnsafeBytes { try server.receive($0) }
                try toClient.withUnsafeBytes { try client.receive($0) }
                serverEvents += server.takeEvents()
                clientEvents += client.takeEvents()
            }
            serverEvents += server.takeEvents()
            clientEvents += client.takeEvents()
        }

        func responseParts(_ streamID: Int32) -> [RPCResponsePart] {
            clientEvents.compactMap {
                if case .responsePart(streamID, let part) = $0 { return part } else { return nil }
            }
        }
    }

    static let method = MethodDescriptor(service: "test.Echo", method: "Get")

    @Test func unaryExchange() throws {
        let pipe = Pipe()
        let id = try #require(pipe.client.openStream(descriptor: Self.method, metadata: ["k": .string("v"), "b-bin": .binary([1, 2, 3])], timeout: .seconds(5)))
        pipe.client.sendMessage(Array("ping".utf8), on: id)
        pipe.client.finishRequest(on: id)
        try pipe.pump()

        var opened: (Int32, Metadata, Duration?)?
        var messages: [[UInt8]] = []
        var ended = false
        for event in pipe.serverEvents {
            switch event {
            case .streamOpened(let sid, let d, let md, let timeout):
                #expect(d == Self.method)
                opened = (sid, md, timeout)
            case .message(_, let bytes): messages.append(bytes)
            case .requestEnded: ended = true
            default: break
            }
        }
        let (sid, metadata, timeout) = try #require(opened)
        #expect(metadata[stringValues: "k"] == ["v"])
        #expect(metadata[binaryValues: "b-bin"] == [[1, 2, 3]])
        #expect(timeout == .seconds(5))
        #expect(messages == [Array("ping".utf8)])
        #expect(ended)

        pipe.server.send(.metadata(["x": .string("y")]), on: sid)
        pipe.server.send(.message(Array("pong".utf8)), on: sid)
        pipe.server.send(.status(Status(code: .ok), ["t": .string("1")]), on: sid)
        try pipe.pump()
        let parts = pipe.responseParts(id)
        #expect(parts.count == 3)
        guard parts.count == 3 else { return }
        if case .metadata(let md) = parts[0] { #expect(md[stringValues: "x"] == ["y"]) } else { Issue.record("no metadata") }
        if case .message(let m) = parts[1] { #expect(m == Array("pong".utf8)) } else { Issue.record("no message") }
        if case .status(let s, let t) = parts[2] {
            #expect(s.code == .ok)
            #expect(t[stringValues: "t"] == ["1"])
        } else { Issue.record("no status") }
        #expect(pipe.server.openStreamCount == 0)
    }

    /// The request headers that do not change between calls are laid out once per method
    /// (`HeaderBlock`): calls of two methods, with and without a deadline and metadata, in
    /// turn, each reach the server with its own path, timeout and metadata.
    @Test func requestHeadersPerCallOverTheCachedOnes() throws {
        let pipe = Pipe()
        let other = MethodDescriptor(service: "test.Echo", method: "Put")
        let calls: [(MethodDescriptor, Metadata, Duration?)] = [
            (Self.method, [:], .seconds(3)), (other, ["k": .string("1")], nil), (Self.method, ["k": .string("2")], nil),
            (other, [:], .milliseconds(250)), (Self.method, [:], nil),
        ]
        var ids: [Int32] = []
        for (descriptor, metadata, timeout) in calls {
            let id = try #require(pipe.client.openStream(descriptor: descriptor, metadata: metadata, timeout: timeout))
            pipe.client.finishRequest(on: id)
            ids.append(id)
        }
        try pipe.pump()
        var opened: [Int32: (MethodDescriptor, Metadata, Duration?)] = [:]
        for case .streamOpened(let sid, let descriptor, let metadata, let timeout) in pipe.serverEvents {
            opened[sid] = (descriptor, metadata, timeout)
        }
        for (id, call) in zip(ids, calls) {
            var (descriptor, metadata, timeout) = try #require(opened[id])
            #expect(metadata[stringValues: "user-agent"] == ["skv-rpc/0.1"], "stream \(id)")
            metadata.removeAll(forKey: "user-agent")
            #expect(descriptor == call.0 && metadata == call.1 && timeout == call.2, "stream \(id)")
        }
    }

    @Test func trailersOnlyErrorWithSpecialCharacters() throws {
        let pipe = Pipe()
        let id = try #require(pipe.client.openStream(descriptor: Self.method, metadata: [:], timeout: nil))
        pipe.client.finishRequest(on: id)
        try pipe.pump()
        guard case .streamOpened(let sid, _, _, _)? = pipe.serverEvents.first else {
            Issue.record("stream not opened"); return
        }
        let message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
        pipe.server.send(.status(Status(code: .unknown, message: message), [:]), on: sid)
        try pipe.pump()
        guard case .status(let status, _)? = pipe.responseParts(id).last else {
            Issue.record("no status"); return
        }
        #expect(status.code == .unknown)
        #expect(status.message == message)
    }

    @Test func largeMessageCrossesFlowControlWindows() throws {
        let pipe = Pipe()
        let payload = (0..<(17 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let id = try #require(pipe.client.openStream(descriptor: Self.method, metadata: [:], timeout: nil))
        pipe.client.sendMessage(payload, on: id)
        pipe.client.finishRequest(on: id)
        try pipe.pump()
        let received = pipe.serverEvents.compactMap { if case .message(_, let b) = $0 { return b } else { return nil } }
        #expect(received.count == 1)
        #expect(received.first == payload)
    }

    @Test func oversizedRequestIsResourceExhausted() throws {
        var config = GRPCServerConnection.Configuration()
        config.maxReceiveMessageBytes = 1024
        let pipe = Pipe(serverConfiguration: config)
        let id = try #require(pipe.client.openStream(descriptor: Self.method, metadata: [:], timeout: nil))
        pipe.client.sendMessage([UInt8](repeating: 7, count: 2048), on: id)
        pipe.client.finishRequest(on: id)
        try pipe.pump()
        #expect(pipe.serverEvents.contains { if case .streamFailed = $0 { return true } else { return false } })
        guard case .status(let status, _)? = pipe.responseParts(id).last else {
            Issue.record("no status"); return
        }
        #expect(status.code == .resourceExhausted)
    }

    @Test func unsupportedEncodingIsUnimplemented() throws {
        let pipe = Pipe()
        let id = try #require(pipe.client.openStream(descriptor: Self.method, metadata: [:], timeout: nil))
        // The encoding header is transport-owned, so it is set by hand through the session.
        _ = id
        let session = HTTP2Session(role: .client)
        let server = GRPCServerConnection()
        let sid = try #require(session.submitRequest(headers: [
            HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":path", "/a.B/C"),
            HeaderField(":authority", "x"), HeaderField("content-type", "application/grpc"),
            HeaderField("grpc-encoding", "gzip"),
        ]))
        session.finishData(on: sid, trailers: nil)
        var fields: [HeaderField] = []
        for _ in 0..<10 {
            var a: [UInt8] = []; try session.collectOutput(into: &a)
            try a.withUnsafeBytes { try server.receive($0) }
            var b: [UInt8] = []; try server.collectOutput(into: &b)
            try b.withUnsafeBytes { try session.receive($0) }
            for case .headers(_, let f, _) in session.takeEvents() { fields += f }
        }
        #expect(GRPCHeaders.value("grpc-status", in: fields) == "12")
        #expect(GRPCHeaders.value("grpc-accept-encoding", in: fields) == "identity")
        #expect(server.takeEvents().allSatisfy { if case .streamOpened = $0 { return false } else { return true } })
    }

    @Test func garbagePrefaceIsAConnectionError() throws {
        let server = GRPCServerConnection()
        let garbage = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        #expect(throws: HTTP2ConnectionError.self) {
            try garbage.withUnsafeBytes { try server.receive($0) }
        }
    }

    @Test func clientResetCancelsServerStream() throws {
        let pipe = Pipe()
        let id = try #require(pipe.client.openStream(descriptor: Self.method, metadata: [:], timeout: nil))
        try pipe.pump()
        pipe.client.cancel(id)
        try pipe.pump()
        #expect(pipe.serverEvents.contains { if case .streamFailed(_, let e) = $0 { return e.code == .cancelled } else { return false } })
        guard case .status(let status, _)? = pipe.responseParts(id).last else {
            Issue.record("no status"); return
        }
        #expect(status.code == .cancelled)
    }
}
