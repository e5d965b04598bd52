import NIOCore
import RPCCore
import RPCHTTP2

/// Moves the bytes a sans-I/O connection wants to send into a channel.
///
/// Collects output only while the channel is writable (so a slow peer leaves data queued in
/// nghttp2 under HTTP/2 flow control rather than in an unbounded channel buffer), writes each
/// collected batch, and flushes once. Owned by one connection handler on its event loop.
///
/// The frames go straight from nghttp2's memory into one `ByteBuffer` per batch, which is
/// reused for the next batch once the channel has written it (the usual case: a flush writes
/// to the socket at once): collecting into an array first and copying that into a new buffer
/// had cost a copy of every byte sent and an allocation per batch (≈ 1 % of a 64-KiB echo
/// server's CPU per copy).
///
/// A class, not a struct: flushing the channel can re-enter the handler (a writability
/// change) and flush again; a mutating struct method would then be an overlapping access.
final class OutputPump {
    /// Rounds of collect-then-write per flush: collecting can produce events whose handling
    /// queues more frames, so a few rounds settle it; the bound keeps one flush finite.
    static let maxRoundsPerFlush = 16
    /// Largest batch buffer kept for reuse, in bytes (a bigger one, after a burst, is dropped).
    static let maxRetainedBufferBytes = 1 << 20

    private var output: ByteBuffer?
    /// Whether a batch was written and not flushed yet: a flush re-entered from `didCollect`
    /// (handling an event closes a drained connection: flush, then close) must flush the
    /// batches of the flush it interrupted too.
    private var unflushed = false

    /// Collects and writes output. `collect` hands the connection's pending frames to the sink
    /// it is given; `didCollect` handles events that collecting produced. Throws the connection
    /// error if collecting failed (the caller closes the connection).
    func flush(
        context: ChannelHandlerContext,
        collect: ((UnsafeBufferPointer<UInt8>) -> Void) throws(HTTP2ConnectionError) -> Void,
        didCollect: () -> Void
    ) throws(HTTP2ConnectionError) {
        for _ in 0..<Self.maxRoundsPerFlush {
            guard context.channel.isWritable else { break }
            // In place if the channel no longer holds the last batch; a fresh buffer otherwise.
            var buffer = output ?? context.channel.allocator.buffer(capacity: 0)
            output = nil
            buffer.clear()
            try collect { chunk in
                guard let source = chunk.baseAddress, !chunk.isEmpty else { return }
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk.count) { target in
                    ByteCopy.copy(to: target.baseAddress!, from: UnsafeRawPointer(source), count: chunk.count)
                    return chunk.count
                }
            }
            let collected = buffer.readableBytes > 0
            // Written before the events are handled: handling them can flush and close the
            // channel (a drained connection), which must not overtake these bytes.
            if collected {
                context.write(NIOAny(buffer), promise: nil)
                unflushed = true
            }
            if buffer.capacity <= Self.maxRetainedBufferBytes { output = buffer }
            didCollect()
            guard collected else { break }
        }
        if unflushed {
            unflushed = false
            context.flush()
        }
    }
}
