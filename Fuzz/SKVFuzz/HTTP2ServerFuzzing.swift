import RPCCore
import RPCHTTP2

/// Fuzzing of the gRPC-over-HTTP/2 server input path: a ``GRPCServerConnection`` fed
/// arbitrary client bytes, driven the way the NIO server drives it.
///
/// Input layout: one control byte, then the client's bytes. Control bits: 0 — prepend the
/// client connection preface (so the fuzzer need not find it); 1 — answer every opened
/// stream (headers, one message, status) as a handler would; 2 — pause inbound flow on
/// opened streams, resumed after the next chunk; 3 — the bytes are not raw HTTP/2 but one
/// structured request (``structuredRequest(_:)``: header fields the harness HPACK-encodes,
/// then a DATA payload), which reaches the gRPC header validation directly; bits 4–7 —
/// chunk size (1 + value × 15 bytes), so frames are split at arbitrary points as TCP may.
///
/// Oracles: no crash; after the connection closed no stream is left open.
enum HTTP2ServerFuzzing {
    /// The HTTP/2 client connection preface (RFC 9113 §3.4).
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        var bytes = Array(input.dropFirst())
        if control & 8 != 0 { bytes = structuredRequest(bytes) }
        if control & 1 != 0 { bytes = preface + bytes }
        let answers = control & 2 != 0
        let pauses = control & 4 != 0
        let chunkBytes = 1 + Int(control >> 4) * 15

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

    /// Builds a SETTINGS frame and one request on stream 1 from `spec`: header fields as
    /// `nameLength` (1 byte) | name | `valueLength` (1 byte) | value, up to a zero name length
    /// (lengths modulo 127), each sent as an HPACK literal without indexing; the rest of `spec`
    /// is the DATA payload, which ends the stream.
    static func structuredRequest(_ spec: [UInt8]) -> [UInt8] {
        var block: [UInt8] = []
        var offset = 0
        func take() -> [UInt8] {
            guard offset < spec.count else { return [] }
            let length = Int(spec[offset] % 127)
            let end = min(offset + 1 + length, spec.count)
            defer { offset = end }
            return Array(spec[(offset + 1)..<end])
        }
        while offset < spec.count, spec[offset] % 127 != 0 {
            let name = take()
            let value = take()
            block.append(0)  // literal header field without indexing, new name
            block.append(UInt8(name.count))
            block.append(contentsOf: name)
            block.append(UInt8(value.count))
            block.append(contentsOf: value)
        }
        let payload = offset < spec.count ? Array(spec[(offset + 1)...]) : []
        return frame(type: 4, flags: 0, stream: 0, payload: [])
            + frame(type: 1, flags: 4, stream: 1, payload: block)
            + frame(type: 0, flags: 1, stream: 1, payload: payload)
    }

    /// The inverse of ``structuredRequest(_:)``'s header part, for seeds.
    static func structuredSpec(fields: [(String, String)], payload: [UInt8]) -> [UInt8] {
        var spec: [UInt8] = []
        for (name, value) in fields {
            spec.append(UInt8(name.utf8.count))
            spec.append(contentsOf: name.utf8)
            spec.append(UInt8(value.utf8.count))
            spec.append(contentsOf: value.utf8)
        }
        return spec + [0] + payload
    }

    /// One HTTP/2 frame (RFC 9113 §4.1); payloads here stay below the 16 KiB default limit or
    /// are the fuzzer's to make oversized.
    static func frame(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = UInt32(truncatingIfNeeded: payload.count)
        return [
            UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8),
            UInt8(truncatingIfNeeded: length), type, flags,
            UInt8(truncatingIfNeeded: stream >> 24), UInt8(truncatingIfNeeded: stream >> 16),
            UInt8(truncatingIfNeeded: stream >> 8), UInt8(truncatingIfNeeded: stream),
        ] + payload
    }
}
