import RPCCore
import RPCHTTP2

/// Fuzzing of the gRPC-over-HTTP/2 server input path: a ``GRPCServerConnection`` fed
/// arbitrary client bytes, driven the way the NIO server drives it.
///
/// Input layout: one control byte, then the client's bytes. Control bits: 0 — prepend the
/// client connection preface (so the fuzzer need not find it); 1 — answer every opened
/// stream (headers, one message, status) as a handler would; 2 — pause inbound flow on
/// opened streams, resumed after the next chunk; bits 3–7 — chunk size (1 + value × 7 bytes),
/// so frames are split at arbitrary points as TCP may split them.
///
/// Oracles: no crash; after a `receive` error the connection only flushes and closes.
enum HTTP2ServerFuzzing {
    /// The HTTP/2 client connection preface (RFC 9113 §3.4).
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        var bytes = Array(input.dropFirst())
        if control & 1 != 0 { bytes = preface + bytes }
        let answers = control & 2 != 0
        let pauses = control & 4 != 0
        let chunkBytes = 1 + Int(control >> 3) * 7

        let connection = GRPCServerConnection()
        var output: [UInt8] = []
        var paused: [Int32] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkBytes, bytes.count)
            let failed = bytes[offset..<end].withUnsafeBytes { chunk in
                (try? connection.receive(chunk)) == nil
            }
            offset = end
            for streamID in paused { connection.resumeInbound(on: streamID) }
            paused.removeAll()
            for event in connection.takeEvents() {
                guard case .streamOpened(let streamID, _, _, _) = event else { continue }
                if pauses {
                    connection.pauseInbound(on: streamID)
                    paused.append(streamID)
                }
                if answers {
                    connection.send(.metadata([:]), on: streamID)
                    connection.send(.message([1, 2, 3]), on: streamID)
                    connection.send(.status(Status(code: .ok, message: ""), [:]), on: streamID)
                }
            }
            output.removeAll(keepingCapacity: true)
            // An output error (nghttp2 out of memory or a callback failure) ends the
            // connection like a receive error.
            let flushed = (try? connection.collectOutput(into: &output)) != nil
            _ = connection.takeEvents()
            if failed || !flushed || connection.isFinished { break }
        }
        connection.connectionClosed()
        _ = connection.takeEvents()
        check(connection.openStreamCount == 0, "streams remain open after the connection closed")
    }
}
