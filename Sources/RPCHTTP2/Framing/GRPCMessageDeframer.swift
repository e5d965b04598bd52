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
    private var buffer: [UInt8] = []
    private var readIndex = 0

    init(maxMessageBytes: Int) {
        precondition(maxMessageBytes >= 0, "maxMessageBytes must not be negative")
        self.maxMessageBytes = maxMessageBytes
    }

    /// Adds received bytes.
    func append(_ bytes: some Collection<UInt8>) {
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, or `nil` if more bytes are needed.
    func nextMessage() throws(Failure) -> [UInt8]? {
        let available = buffer.count - readIndex
        guard available >= GRPCMessageFramer.prefixBytes else { return nil }
        let flag = buffer[readIndex]
        switch flag {
        case 0: break
        case 1: throw .compressedWithoutEncoding
        default: throw .invalidCompressionFlag(flag)
        }
        let length = Int(buffer[readIndex + 1]) << 24 | Int(buffer[readIndex + 2]) << 16
            | Int(buffer[readIndex + 3]) << 8 | Int(buffer[readIndex + 4])
        guard length <= maxMessageBytes else {
            throw .messageTooLarge(length: length, limit: maxMessageBytes)
        }
        guard available - GRPCMessageFramer.prefixBytes >= length else { return nil }
        let start = readIndex + GRPCMessageFramer.prefixBytes
        let message = Array(buffer[start..<(start + length)])
        readIndex = start + length
        // Compact once the consumed prefix dominates, so a long stream does not grow the buffer.
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 65_536 && readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        return message
    }

    /// Checks that the stream ended on a message boundary.
    func finish() throws(Failure) {
        let buffered = buffer.count - readIndex
        if buffered != 0 { throw .truncated(buffered: buffered) }
    }
}
