/// Sorts key/value pairs by key in byte order, fast for many keys: the first 16 bytes of each
/// key are read once into a contiguous array of integers, which the sort compares without
/// touching the keys' own storage; only keys that share those 16 bytes are compared in full.
/// (Comparing the key arrays directly chases a pointer to a different heap object per
/// comparison: at 1 million keys the cache misses cost seconds per snapshot.)
enum KeyOrder {
    private struct Prefix {
        /// Bytes 0..<8 and 8..<16 of the key, big-endian, zero-padded.
        var high: UInt64
        var low: UInt64
        var index: Int
    }

    /// `pairs` sorted by key (`lexicographicallyPrecedes` order).
    static func sorted(_ pairs: [(key: [UInt8], value: [UInt8])]) -> [(key: [UInt8], value: [UInt8])] {
        var order = pairs.indices.map { index in
            let (high, low) = prefix(of: pairs[index].key)
            return Prefix(high: high, low: low, index: index)
        }
        order.sort { a, b in
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return pairs[a.index].key.lexicographicallyPrecedes(pairs[b.index].key)
        }
        return order.map { pairs[$0.index] }
    }

    private static func prefix(of key: [UInt8]) -> (UInt64, UInt64) {
        key.withUnsafeBytes { bytes in
            var words: (UInt64, UInt64) = (0, 0)
            for offset in 0..<min(16, bytes.count) {
                let shift = UInt64(56 - 8 * (offset % 8))
                if offset < 8 {
                    words.0 |= UInt64(bytes[offset]) << shift
                } else {
                    words.1 |= UInt64(bytes[offset]) << shift
                }
            }
            return words
        }
    }
}
