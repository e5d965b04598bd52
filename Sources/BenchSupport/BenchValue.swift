/// The values `skv kv bench` writes, and the form its history keeps them in.
///
/// A written value is its writer's unique prefix `c<client>s<sequence>;` padded with dots to the
/// bench's value size (`--value-bytes`; 0: unpadded); appends concatenate such values. The
/// history keeps each value without its padding (``recorded(_:valueBytes:)``), so that a run with
/// 64-KiB values does not keep two 64-KiB strings per operation in memory (the page faults of
/// that growing history were about a tenth of such a run's client CPU) nor compare them in the
/// check.
public enum BenchValue {
    /// Client `client`'s `sequence`-th value, `valueBytes` long unless its prefix is longer.
    public static func make(client: Int, sequence: Int, valueBytes: Int) -> String {
        let prefix = "c\(client)s\(sequence);"
        let count = max(valueBytes, prefix.utf8.count)
        guard count > prefix.utf8.count else { return prefix }
        // Byte by byte: padding with `String.prefix` walked the padding character by character
        // and took half of a 64-KiB bench's CPU.
        return String(unsafeUninitializedCapacity: count) { buffer in
            let (_, end) = buffer.initialize(from: prefix.utf8)
            buffer[end...].initialize(repeating: UInt8(ascii: "."))
            return count
        }
    }

    /// `value` as the history records it: a concatenation of well-formed bench values (each
    /// prefix followed by exactly the dots that pad it to `valueBytes`) becomes the concatenation
    /// of their prefixes, which determines it; anything else (a truncated or altered value, an
    /// earlier run's values of another size) is kept whole behind a `!`, which no recorded
    /// well-formed value starts with, so it can never pass for one in the check.
    public static func recorded(_ value: String, valueBytes: Int) -> String {
        guard valueBytes > 0, !value.isEmpty else { return value }
        var value = value
        let prefixes = value.withUTF8 { prefixesIfWellFormed($0, valueBytes: valueBytes) }
        guard let prefixes else { return "!" + value }
        return String(decoding: prefixes, as: UTF8.self)
    }

    private static func prefixesIfWellFormed(_ bytes: UnsafeBufferPointer<UInt8>, valueBytes: Int) -> [UInt8]? {
        var prefixes: [UInt8] = []
        var start = 0
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: ";")), end > start,
                !bytes[start..<end].contains(UInt8(ascii: "."))
            else { return nil }
            let pieceEnd = start + max(valueBytes, end + 1 - start)
            guard pieceEnd <= bytes.count, allDots(bytes.baseAddress! + end + 1, count: pieceEnd - end - 1) else {
                return nil
            }
            prefixes.append(contentsOf: bytes[start...end])
            start = pieceEnd
        }
        return prefixes
    }

    /// Whether the `count` bytes at `start` are all dots, eight at a time (a byte-by-byte check
    /// of a 64-KiB value took a third of a bench's CPU).
    private static func allDots(_ start: UnsafePointer<UInt8>, count: Int) -> Bool {
        let raw = UnsafeRawPointer(start)
        let eightDots = UInt64(0x2E2E_2E2E_2E2E_2E2E)
        var offset = 0
        while offset + 8 <= count {
            guard raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) == eightDots else { return false }
            offset += 8
        }
        while offset < count {
            guard start[offset] == UInt8(ascii: ".") else { return false }
            offset += 1
        }
        return true
    }
}
