import Testing

@testable import DurableStorage

/// Checks the Castagnoli checksum against published check values and checks that the
/// slicing-by-8 path agrees with byte-at-a-time updates at every split point.
@Suite struct CRC32CTests {
    @Test func standardCheckValues() {
        #expect(CRC32C.checksum([]) == 0)
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, and of 0xFF.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func incrementalUpdatesMatchOneShot() {
        let bytes = (0..<257).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let expected = CRC32C.checksum(bytes)
        for split in 0...bytes.count {
            var crc = CRC32C()
            crc.update(bytes[..<split])
            crc.update(bytes[split...])
            #expect(crc.value == expected, "split at \(split)")
        }
    }
}
