/// A string used as a dictionary or set key by its UTF-8 bytes: two strings are the same key
/// only if their bytes are equal (Go's map semantics), unlike `String`'s own `Hashable`, which
/// merges canonically equivalent spellings.
public struct UTF8Key: Hashable, Sendable {
    public let string: String

    public init(_ string: String) {
        self.string = string
    }

    public static func == (lhs: UTF8Key, rhs: UTF8Key) -> Bool {
        lhs.string.utf8.count == rhs.string.utf8.count && UTF8Order.compare(lhs.string, rhs.string) == 0
    }

    public func hash(into hasher: inout Hasher) {
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }
}
