/// Reads fuzzer bytes as a program: small numbers, choices and flags, with zeros once the
/// input is used up (so every input is a complete program).
struct FuzzInput {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    /// A value in `0..<count` (`count` > 0).
    mutating func below(_ count: Int) -> Int { Int(byte()) % count }

    /// Eight bytes, little-endian.
    mutating func uint64() -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(byte()) << (8 * UInt64(i)) }
        return value
    }

    /// A number near `base` (within ±3), 0, `UInt64.max`, or any 64-bit value: what a
    /// message's term or index fields hold when they are plausible, stale or hostile.
    mutating func number(near base: UInt64) -> UInt64 {
        let choice = byte()
        switch choice % 16 {
        case 0: return 0
        case 1: return UInt64.max
        case 2: return uint64()
        case 3, 4, 5: return base &- UInt64(choice / 16 % 4)
        default: return base &+ UInt64(choice / 16 % 4)
        }
    }
}
