@testable import RPCHTTP2
import Testing

/// A stream's queued DATA (inline heads and bodies) reaches the peer byte for byte, also when
/// the peer's flow-control window cuts the frames inside a head.
struct HTTP2SessionDataTests {
    @Test(arguments: [1, 2, 3, 4, 7, 16_384])
    func headsAndBodiesArriveInOrderThroughAnyWindow(windowBytes: Int) throws {
        let client = HTTP2Session(role: .client)
        var settings = HTTP2Session.Settings()
        settings.initialStreamWindowBytes = UInt32(windowBytes)
        let server = HTTP2Session(role: .server, settings: settings)
        // SETTINGS both ways first, so that the client sends within the small window.
        for _ in 0..<3 {
            var toServer: [UInt8] = []
            try client.collectOutput(into: &toServer)
            try toServer.withUnsafeBytes { try server.receive($0) }
            var toClient: [UInt8] = []
            try server.collectOutput(into: &toClient)
            try toClient.withUnsafeBytes { try client.receive($0) }
        }
        let streamID = try #require(client.submitRequest(headers: [
            HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":path", "/a/b"),
            HeaderField(":authority", "test"),
        ]))
        let bodies: [[UInt8]] = [[], [7], Array(0..<200), [], Array(repeating: 9, count: 3)]
        var expected: [UInt8] = []
        for (index, body) in bodies.enumerated() {
            let head = (UInt8(index), UInt8(0xA0), UInt8(0xB0), UInt8(0xC0), UInt8(body.count))
            client.enqueueData(head: head, body: body, on: streamID)
            expected += [UInt8(index), 0xA0, 0xB0, 0xC0, UInt8(body.count)] + body
        }
        client.enqueueData([1, 2, 3], on: streamID)  // a chunk without a head
        expected += [1, 2, 3]
        client.finishData(on: streamID, trailers: nil)

        var received: [UInt8] = []
        var ended = false
        var largestFrame = 0
        for _ in 0..<10_000 where !ended {
            var toServer: [UInt8] = []
            try client.collectOutput(into: &toServer)
            var toClient: [UInt8] = []
            try server.collectOutput(into: &toClient)
            if toServer.isEmpty && toClient.isEmpty { break }
            try toServer.withUnsafeBytes { try server.receive($0) }
            try toClient.withUnsafeBytes { try client.receive($0) }
            for event in server.takeEvents() {
                switch event {
                case .data(let id, let bytes):
                    received += bytes
                    largestFrame = max(largestFrame, bytes.count)
                    server.consume(connectionBytes: bytes.count)
                    server.consume(streamBytes: bytes.count, on: id)  // reopen the window
                case .endStream: ended = true
                default: break
                }
            }
        }
        #expect(ended)
        #expect(received == expected)
        #expect(largestFrame <= windowBytes)
    }
}
