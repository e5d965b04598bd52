import DurableStorage

/// Recomputes the CRC-32C fields of a storage file the way the writers compute them, so that
/// a mutated file passes its checksums (see ``StorageFuzzing``). Only fields whose framing is
/// intact are repaired; anything else is left as the fuzzer made it.
enum ChecksumRepair {
    /// `kind`: the file kind of ``StorageFuzzing/path(kind:name:)`` (0…5).
    static func repair(_ bytes: inout [UInt8], kind: UInt8) {
        switch kind {
        case 0, 5: repairSegment(&bytes)
        case 1, 4: repairSnapshot(&bytes)
        default: repairAtomicFile(&bytes)
        }
    }

    /// Segment header CRC (bytes 28..<32 over 0..<28), then every record whose length field
    /// is plausible: CRC at +4 over its body; a sync-marker-shaped record (type 0, 17 body
    /// bytes) gets the marker's masked CRC.
    static func repairSegment(_ bytes: inout [UInt8]) {
        guard bytes.count >= 32 else { return }
        store(CRC32C.checksum(bytes[0..<28]), at: 28, in: &bytes)
        var offset = 32
        while offset + 8 <= bytes.count {
            let length = Int(load(at: offset, in: bytes))
            guard length >= 9, offset + 8 + length <= bytes.count else { return }
            let body = (offset + 8)..<(offset + 8 + length)
            var checksum = CRC32C.checksum(bytes[body])
            if length == 17 && bytes[offset + 8] == 0 { checksum ^= 0x5359_4E43 }
            store(checksum, at: offset + 4, in: &bytes)
            offset = body.upperBound
        }
    }

    /// Snapshot file: data CRC (24..<28 over the data after the 32-byte header) and header
    /// CRC (28..<32 over 0..<28).
    static func repairSnapshot(_ bytes: inout [UInt8]) {
        guard bytes.count >= 32 else { return }
        store(CRC32C.checksum(bytes[32...]), at: 24, in: &bytes)
        store(CRC32C.checksum(bytes[0..<28]), at: 28, in: &bytes)
    }

    /// Atomic file (hard state): CRC (12..<16) over the length field (8..<12) and the payload.
    static func repairAtomicFile(_ bytes: inout [UInt8]) {
        guard bytes.count >= 16 else { return }
        var crc = CRC32C()
        crc.update(bytes[8..<12])
        crc.update(bytes[16...])
        store(crc.value, at: 12, in: &bytes)
    }

    private static func load(at offset: Int, in bytes: [UInt8]) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    private static func store(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }
}
