/// Protobuf's base-128 varints, for the few encoders that write wire format by hand
/// (``ProtobufTrailingBytesField``, the KV state snapshot codec) rather than through protobuf-c.
package enum ProtobufVarint {
    /// Appends `value` as a varint: seven bits per byte, least significant first, the high bit
    /// set on every byte but the last.
    @inlinable
    package static func append(_ value: UInt64, to out: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    /// How many bytes ``append(_:to:)`` writes for `value` (1 to 10).
    @inlinable
    package static func byteCount(_ value: UInt64) -> Int {
        var bytes = 1
        var rest = value >> 7
        while rest != 0 {
            bytes += 1
            rest >>= 7
        }
        return bytes
    }
}
