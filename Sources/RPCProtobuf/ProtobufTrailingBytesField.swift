/// A message's last field, when it is a large `bytes` field (a snapshot's data), written by
/// hand after the packed rest of the message instead of through protobuf-c.
///
/// Through protobuf-c such a field is copied twice: into the C message's arena, then into the
/// packed output, so encoding a 116-MB snapshot held three copies at once (the source, the
/// arena's, the output) — the largest term of a member's peak memory at 1 M keys (issue 15).
/// Here: pack the message with the field left empty (proto3 omits it), then append the field's
/// tag, length and bytes in place, or hand its header and the bytes to a writer as separate chunks.
///
/// The result is byte for byte what protobuf-c packs, *provided the field has the message's
/// highest field number* (protobuf-c writes fields in field-number order); callers name such a
/// field only. An empty payload is omitted, as protobuf-c omits an empty proto3 `bytes` field.
public enum ProtobufTrailingBytesField {
    /// The largest payload: protobuf-c reads lengths as 32-bit varints.
    public static let maxPayloadBytes = Int(UInt32.max)
    /// A length takes at most this many bytes as a varint (32 bits, 7 per byte).
    static let maxLengthBytes = 5

    /// The field's tag and the varint length of a `payloadBytes`-byte payload: what precedes
    /// the payload on the wire (empty for an empty payload, which is omitted).
    public static func header(field: UInt32, payloadBytes: Int) -> [UInt8] {
        precondition(field >= 1 && field < 1 << 29, "field number \(field) is out of range")
        precondition((0...maxPayloadBytes).contains(payloadBytes), "a \(payloadBytes)-byte payload is out of range")
        guard payloadBytes > 0 else { return [] }
        var header: [UInt8] = []
        ProtobufVarint.append(UInt64(field) << 3 | 2, to: &header)
        ProtobufVarint.append(UInt64(payloadBytes), to: &header)
        return header
    }

    /// Appends the field whose payload `writePayload` appends to `out` (reserving its own
    /// capacity, so that nothing is copied on the way): the length, unknown until then, is
    /// written in front afterwards, moving the payload in place by at most four bytes.
    public static func append(field: UInt32, to out: inout [UInt8], writePayload: (inout [UInt8]) -> Void) {
        precondition(field >= 1 && field < 1 << 29, "field number \(field) is out of range")
        var tag: [UInt8] = []
        ProtobufVarint.append(UInt64(field) << 3 | 2, to: &tag)
        let tagStart = out.count
        out.append(contentsOf: tag)
        out.append(contentsOf: repeatElement(0, count: maxLengthBytes))
        let payloadStart = out.count
        writePayload(&out)
        precondition(out.count >= payloadStart, "the payload writer removed bytes it did not write")
        let payloadBytes = out.count - payloadStart
        guard payloadBytes > 0 else {
            out.removeLast(out.count - tagStart)
            return
        }
        var length: [UInt8] = []
        ProtobufVarint.append(UInt64(payloadBytes), to: &length)
        precondition(length.count <= maxLengthBytes, "a \(payloadBytes)-byte payload is out of range")
        let lengthStart = payloadStart - maxLengthBytes
        let gap = maxLengthBytes - length.count
        out.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            (base + lengthStart + length.count).copyMemory(from: base + payloadStart, byteCount: payloadBytes)
            for (offset, byte) in length.enumerated() { buffer[lengthStart + offset] = byte }
        }
        out.removeLast(gap)
    }
}
