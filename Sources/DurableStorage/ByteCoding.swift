// Little-endian fixed-width integer encoding shared by every on-disk format in this module.

extension Array where Element == UInt8 {
    mutating func appendLittleEndian(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendLittleEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// Overwrites four bytes at `offset` (used to back-patch length and checksum fields).
    mutating func storeLittleEndian(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= count, "store at \(offset) beyond \(count)")
        Swift.withUnsafeBytes(of: value.littleEndian) { source in
            for index in 0..<4 { self[offset + index] = source[index] }
        }
    }

    func loadLittleEndianUInt32(at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= count, "load at \(offset) beyond \(count)")
        return withUnsafeBytes {
            UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }
    }

    func loadLittleEndianUInt64(at offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset + 8 <= count, "load at \(offset) beyond \(count)")
        return withUnsafeBytes {
            UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
    }
}

/// Sixteen lower-case hex digits, the fixed-width file-name form of a sequence number
/// (sorting names as strings sorts them numerically).
func hexName(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

/// Parses exactly sixteen hex digits; nil otherwise.
func parseHexName(_ text: Substring) -> UInt64? {
    guard text.count == 16, text.allSatisfy({ $0.isHexDigit }) else { return nil }
    return UInt64(text, radix: 16)
}

/// Joins a directory and a file name with one slash.
func joinPath(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

/// The directory part of a path ("." when it has none): what to `syncDirectory` to make the
/// path's own entry durable.
public func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}
