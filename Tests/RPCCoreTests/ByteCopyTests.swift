import RPCCore
import Testing

/// `ByteCopy` copies every byte, whatever the size (below, at and across the piece size) and the
/// relative alignment of source and destination.
@Suite("Byte copy")
struct ByteCopyTests {
    static let sizes = [0, 1, 63, ByteCopy.pieceBytes - 1, ByteCopy.pieceBytes, ByteCopy.pieceBytes + 1, 65_536 + 17]

    @Test(arguments: sizes)
    func copiesEveryByteAtEveryAlignment(count: Int) {
        let source = (0..<(count + 64)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for offset in [0, 1, 13, 32, 63] {
            var target = [UInt8](repeating: 0xAA, count: count + 128)
            target.withUnsafeMutableBytes { out in
                source.withUnsafeBytes { from in
                    ByteCopy.copy(to: out.baseAddress! + offset, from: from.baseAddress! + 3, count: count)
                }
            }
            #expect(Array(target[offset..<(offset + count)]) == Array(source[3..<(3 + count)]), "offset \(offset)")
            #expect(target[..<offset].allSatisfy { $0 == 0xAA }, "offset \(offset)")
            #expect(target[(offset + count)...].allSatisfy { $0 == 0xAA }, "offset \(offset)")
        }
        let copied = source.withUnsafeBytes { ByteCopy.array(UnsafeRawBufferPointer(rebasing: $0[5..<(5 + count)])) }
        #expect(copied == Array(source[5..<(5 + count)]))
    }
}
