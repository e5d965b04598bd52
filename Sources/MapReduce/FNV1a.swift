/// The 32-bit FNV-1a hash (Fowler–Noll–Vo), as Go's `hash/fnv.New32a`.
public enum FNV1a {
    public static let offsetBasis: UInt32 = 0x811c_9dc5
    public static let prime: UInt32 = 0x0100_0193

    /// Hashes bytes.
    public static func hash32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* prime
        }
        return hash
    }

    /// Hashes a string's UTF-8 bytes.
    public static func hash32(_ string: String) -> UInt32 {
        var string = string
        return string.withUTF8 { hash32($0) }
    }
}
