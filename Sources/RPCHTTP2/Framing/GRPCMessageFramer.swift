/// Adds the gRPC length prefix to outbound messages: 1 byte compressed flag (always 0: we
/// never compress) and a 4-byte big-endian length, then the message bytes.
enum GRPCMessageFramer {
    static let prefixBytes = 5

    static func frame(_ message: [UInt8], into buffer: inout [UInt8]) {
        let length = UInt32(truncatingIfNeeded: message.count)
        precondition(message.count <= Int(UInt32.max), "message of \(message.count) bytes cannot be framed")
        // Grown geometrically: reserving the exact size on every call into a buffer that
        // collects several messages would reallocate it each time.
        let needed = buffer.count + prefixBytes + message.count
        if buffer.capacity < needed { buffer.reserveCapacity(max(needed, 2 * buffer.capacity)) }
        buffer.append(0)
        buffer.append(UInt8(truncatingIfNeeded: length >> 24))
        buffer.append(UInt8(truncatingIfNeeded: length >> 16))
        buffer.append(UInt8(truncatingIfNeeded: length >> 8))
        buffer.append(UInt8(truncatingIfNeeded: length))
        buffer.append(contentsOf: message)
    }

    static func frame(_ message: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        frame(message, into: &buffer)
        return buffer
    }

    /// The 5-byte prefix of a message of `length` bytes (uncompressed), to send before the
    /// message itself (``HTTP2Session/enqueueData(head:body:on:)`` keeps it inline beside the
    /// message, which is not copied to be framed).
    static func prefix(length: Int) -> (UInt8, UInt8, UInt8, UInt8, UInt8) {
        precondition(length >= 0 && length <= Int(UInt32.max), "message of \(length) bytes cannot be framed")
        let length = UInt32(truncatingIfNeeded: length)
        return (
            0, UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
            UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)
        )
    }
}
