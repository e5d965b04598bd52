import RPCCore
import RPCHTTP2

/// Fuzzing of the gRPC-over-HTTP/2 client input path: a ``GRPCClientConnection`` with three
/// calls in flight, fed arbitrary server bytes (what a clerk, a Raft peer or a MapReduce
/// worker reads from a server that is broken or not a gRPC server at all).
///
/// Input layout: one control byte, then the server's bytes. Control bits 0–3: chunk size
/// (1 + value × 31 bytes); bit 4: pause inbound flow on the first call, resumed after each
/// chunk; bit 5: cancel the second call after the first chunk.
///
/// Oracles: no crash; each call gets at most one status; after the connection closed every
/// call has one and no stream is left open.
enum HTTP2ClientFuzzing {
    static let method = MethodDescriptor(service: "skv.kv.KV", method: "Get")

    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        let bytes = Array(input.dropFirst())
        let chunkBytes = 1 + Int(control & 0x0F) * 31
        let client = GRPCClientConnection(configuration: .init(authority: "localhost"))
        let streams = openCalls(on: client)
        var statuses: [Int32: Int] = [:]
        var output: [UInt8] = []
        _ = try? client.collectOutput(into: &output)
        if control & 0x10 != 0, let first = streams.first { client.pauseInbound(on: first) }

        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkBytes, bytes.count)
            let failed = bytes[offset..<end].withUnsafeBytes { chunk in (try? client.receive(chunk)) == nil }
            if offset == 0, control & 0x20 != 0, streams.count > 1 { client.cancel(streams[1]) }
            offset = end
            if control & 0x10 != 0, let first = streams.first {
                client.resumeInbound(on: first)
                client.pauseInbound(on: first)
            }
            output.removeAll(keepingCapacity: true)
            let flushed = (try? client.collectOutput(into: &output)) != nil
            count(client.takeEvents(), into: &statuses)
            if failed || !flushed { break }
        }
        client.connectionClosed(reason: "fuzz input ended")
        count(client.takeEvents(), into: &statuses)
        check(client.openStreamCount == 0, "streams remain open after the connection closed")
        for stream in streams {
            check(statuses[stream] == 1, "call \(stream) got \(statuses[stream] ?? 0) statuses")
        }
    }

    /// Opens three unary calls the way the RPC client does (headers, one message, half-close).
    static func openCalls(on client: GRPCClientConnection) -> [Int32] {
        var metadata = Metadata()
        metadata.addString("fuzz", forKey: "x-custom")
        var streams: [Int32] = []
        for index in 0..<3 {
            guard let stream = client.openStream(
                descriptor: method, metadata: metadata, timeout: index == 0 ? .seconds(5) : nil)
            else { continue }
            client.sendMessage([0x0A, 0x01, UInt8(index)], on: stream)
            client.finishRequest(on: stream)
            streams.append(stream)
        }
        return streams
    }

    private static func count(_ events: [GRPCClientConnection.Event], into statuses: inout [Int32: Int]) {
        for case .responsePart(let streamID, .status) in events { statuses[streamID, default: 0] += 1 }
    }
}
