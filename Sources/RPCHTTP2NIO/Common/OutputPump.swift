import NIOCore
import RPCHTTP2

/// Moves the bytes a sans-I/O connection wants to send into a channel.
///
/// Collects output only while the channel is writable (so a slow peer leaves data queued in
/// nghttp2 under HTTP/2 flow control rather than in an unbounded channel buffer), writes each
/// collected batch, and flushes once. Owned by one connection handler on its event loop.
///
/// A class, not a struct: flushing the channel can re-enter the handler (a writability
/// change) and flush again; a mutating struct method would then be an overlapping access.
final class OutputPump {
    /// Rounds of collect-then-write per flush: collecting can produce events whose handling
    /// queues more frames, so a few rounds settle it; the bound keeps one flush finite.
    static let maxRoundsPerFlush = 16

    private var output: [UInt8] = []

    /// Collects and writes output. `collect` appends the connection's pending frames;
    /// `didCollect` handles events that collecting produced. Throws the connection error if
    /// collecting failed (the caller closes the connection).
    func flush(
        context: ChannelHandlerContext,
        collect: (inout [UInt8]) throws(HTTP2ConnectionError) -> Void,
        didCollect: () -> Void
    ) throws(HTTP2ConnectionError) {
        var wrote = false
        for _ in 0..<Self.maxRoundsPerFlush {
            guard context.channel.isWritable else { break }
            try collect(&output)
            didCollect()
            guard !output.isEmpty else { break }
            context.write(NIOAny(context.channel.allocator.buffer(bytes: output)), promise: nil)
            output.removeAll(keepingCapacity: true)
            wrote = true
        }
        if wrote { context.flush() }
    }
}
