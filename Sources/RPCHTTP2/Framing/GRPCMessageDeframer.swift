import RPCCore

/// Splits the DATA bytes of one gRPC stream into messages, incrementally: bytes may arrive in
/// any chunking (one byte at a time, several messages per chunk).
///
/// The deframer enforces `maxMessageBytes` as soon as a length prefix is read, before any
/// payload is buffered, so an oversized prefix costs no memory.
///
/// A class rather than a struct so that per-stream state stored in a dictionary is mutated in
/// place: a struct copy would duplicate a large, partially received message on every chunk.
final class GRPCMessageDeframer {
    enum Failure: Error, Equatable {
        /// The length prefix announced more than the limit.
        case messageTooLarge(length: Int, limit: Int)
        /// The compressed flag was set, but no compression was negotiated.
        case compressedWithoutEncoding
        /// The compressed-flag byte had a value other than 0 or 1.
        case invalidCompressionFlag(UInt8)
        /// The stream ended inside a message.
        case truncated(buffered: Int)
    }

    let maxMessageBytes: Int
    /// At most this much is allocated for a message when its prefix arrives (its bytes then go
    /// straight into it, one copy); a longer one grows as its bytes arrive, so a prefix that
    /// announces a large message reserves no more than this until the bytes come.
    static let initialReservationBytes = 128 << 10

    // `@exclusivity(unchecked)` on its state: a deframer belongs to one stream of one
    // connection (one owner), and none of its methods calls out while holding an access; the
    // runtime's checks on these were a measurable part of each call's CPU (`perf record`).

    /// The prefix being read (`prefixCount` of its 5 bytes so far), while no message is open.
    @exclusivity(unchecked) private var prefix: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
    @exclusivity(unchecked) private var prefixCount = 0
    /// The message being filled (its first `filled` bytes received; allocated ahead, zeroed, so
    /// that each chunk is copied in by ``ByteCopy``) and its announced length (`nil`: reading a
    /// prefix).
    @exclusivity(unchecked) private var message: [UInt8] = []
    @exclusivity(unchecked) private var filled = 0
    @exclusivity(unchecked) private var length: Int?
    /// The oldest complete message not yet taken (kept apart so that a stream's usual one
    /// message needs no array), then the others in order, from `readyHead` on.
    @exclusivity(unchecked) private var firstReady: [UInt8]?
    @exclusivity(unchecked) private var ready: [[UInt8]] = []
    @exclusivity(unchecked) private var readyHead = 0
    /// The first bad prefix: thrown by ``nextMessage()`` once the messages before it are taken.
    @exclusivity(unchecked) private var failure: Failure?

    init(maxMessageBytes: Int) {
        precondition(maxMessageBytes >= 0, "maxMessageBytes must not be negative")
        self.maxMessageBytes = maxMessageBytes
    }

    /// Adds received bytes. The payload is copied once, into its message (no intermediate
    /// buffer); nothing after a bad prefix is kept.
    func append(_ bytes: some Collection<UInt8>) {
        guard failure == nil else { return }
        if bytes.withContiguousStorageIfAvailable({ append(contiguous: $0) }) == nil {
            Array(bytes).withUnsafeBufferPointer { append(contiguous: $0) }
        }
    }

    private func append(contiguous bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while index < bytes.count {
            guard let length else {
                index += readPrefix(UnsafeBufferPointer(rebasing: bytes[index...]))
                if failure != nil { return }
                continue
            }
            let take = min(length - filled, bytes.count - index)
            if filled + take > message.count {
                // Longer than its first allocation: grow (geometrically) as its bytes arrive.
                var grown = [UInt8](repeating: 0, count: min(length, max(filled + take, message.count * 2)))
                if filled > 0 {
                    grown.withUnsafeMutableBytes { target in
                        message.withUnsafeBytes { source in
                            ByteCopy.copy(to: target.baseAddress!, from: source.baseAddress!, count: filled)
                        }
                    }
                }
                message = grown
            }
            message.withUnsafeMutableBytes { target in
                ByteCopy.copy(to: target.baseAddress! + filled, from: bytes.baseAddress! + index, count: take)
            }
            filled += take
            index += take
            if filled == length { completeMessage() }
        }
    }

    /// Reads prefix bytes from `bytes`; returns how many it used. Opens the message (or fails)
    /// once the prefix is whole.
    private func readPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let take = min(GRPCMessageFramer.prefixBytes - prefixCount, bytes.count)
        withUnsafeMutableBytes(of: &prefix) { raw in
            for i in 0..<take { raw[prefixCount + i] = bytes[i] }
        }
        prefixCount += take
        guard prefixCount == GRPCMessageFramer.prefixBytes else { return take }
        switch prefix.0 {
        case 0: break
        case 1: failure = .compressedWithoutEncoding; return take
        default: failure = .invalidCompressionFlag(prefix.0); return take
        }
        let announced = Int(prefix.1) << 24 | Int(prefix.2) << 16 | Int(prefix.3) << 8 | Int(prefix.4)
        guard announced <= maxMessageBytes else {
            failure = .messageTooLarge(length: announced, limit: maxMessageBytes)
            return take
        }
        prefixCount = 0
        length = announced
        message = [UInt8](repeating: 0, count: min(announced, Self.initialReservationBytes))
        if announced == 0 { completeMessage() }
        return take
    }

    private func completeMessage() {
        if firstReady == nil && readyHead == ready.count {
            firstReady = message
        } else {
            ready.append(message)
        }
        message = []
        filled = 0
        length = nil
    }

    /// The next complete message, or `nil` if more bytes are needed. Throws the failure of a bad
    /// prefix once the messages before it are taken.
    func nextMessage() throws(Failure) -> [UInt8]? {
        if let first = firstReady {
            firstReady = nil
            return first
        }
        guard readyHead < ready.count else {
            if let failure { throw failure }
            return nil
        }
        let next = ready[readyHead]
        readyHead += 1
        if readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
        }
        return next
    }

    /// Appends a stream's received bytes and hands each message they complete to `deliver`, in
    /// order; `.malformed` once a bad prefix is reached (the messages before it delivered).
    func feed(_ bytes: [UInt8], deliver: ([UInt8]) -> Void) -> DataChunkOutcome {
        append(bytes)
        do throws(Failure) {
            while let message = try nextMessage() { deliver(message) }
            return .deframed
        } catch {
            return .malformed(error)
        }
    }

    /// Checks that the stream ended on a message boundary.
    func finish() throws(Failure) {
        let buffered = length == nil ? prefixCount : GRPCMessageFramer.prefixBytes + filled
        if buffered != 0 { throw .truncated(buffered: buffered) }
    }
}
