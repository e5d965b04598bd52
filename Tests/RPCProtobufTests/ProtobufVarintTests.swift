import RPCProtobuf
import Testing

/// ``ProtobufVarint``: the protobuf specification's examples, and the byte count at every
/// length boundary (1 to 10 bytes).
@Suite struct ProtobufVarintTests {
    @Test(arguments: [
        (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (150, [0x96, 0x01]),
        (300, [0xAC, 0x02]), (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ] as [(UInt64, [UInt8])])
    func encodesAsTheSpecificationSays(value: UInt64, bytes: [UInt8]) {
        var out: [UInt8] = [0xAA]
        ProtobufVarint.append(value, to: &out)
        #expect(out == [0xAA] + bytes)
        #expect(ProtobufVarint.byteCount(value) == bytes.count)
    }

    @Test func byteCountMatchesWhatIsWrittenAtEveryBoundary() {
        for bits in 0..<64 {
            for value in [UInt64(1) << bits - 1, UInt64(1) << bits] {
                var out: [UInt8] = []
                ProtobufVarint.append(value, to: &out)
                #expect(ProtobufVarint.byteCount(value) == out.count, "value \(value)")
                #expect(out.count == max(1, (64 - value.leadingZeroBitCount + 6) / 7), "value \(value)")
            }
        }
    }
}
