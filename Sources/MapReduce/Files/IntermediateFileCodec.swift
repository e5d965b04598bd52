/// The encoding of intermediate files `mr-X-Y`: one pair per line, `key TAB value LF`, with
/// `\` , TAB and LF inside keys and values escaped as `\\`, `\t` and `\n`.
///
/// Chosen over JSON for speed and because it is trivially inspectable with shell tools.
public enum IntermediateFileCodec {
    private static let backslash = UInt8(ascii: "\\")
    private static let tab = UInt8(ascii: "\t")
    private static let newline = UInt8(ascii: "\n")

    public static func encode(_ pairs: [KeyValue]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pairs.count * 16)
        for pair in pairs {
            append(pair.key, to: &out)
            out.append(tab)
            append(pair.value, to: &out)
            out.append(newline)
        }
        return out
    }

    /// - Throws: ``MapReduceError/Code/malformedIntermediateFile`` for a line without a TAB,
    ///   a bad escape, or a final line without LF (a truncated file).
    public static func decode(_ bytes: [UInt8]) throws(MapReduceError) -> [KeyValue] {
        var pairs: [KeyValue] = []
        var lineStart = 0
        var tabIndex: Int? = nil
        var hasEscape = false
        for index in bytes.indices {
            switch bytes[index] {
            case tab where tabIndex == nil:
                tabIndex = index
            case backslash:
                hasEscape = true
            case newline:
                guard let separator = tabIndex else { throw malformed("line without a tab at byte \(lineStart)") }
                let key = try field(bytes[lineStart..<separator], escaped: hasEscape)
                let value = try field(bytes[(separator + 1)..<index], escaped: hasEscape)
                pairs.append(KeyValue(key, value))
                lineStart = index + 1
                tabIndex = nil
                hasEscape = false
            default:
                break
            }
        }
        guard lineStart == bytes.count else { throw malformed("truncated last line at byte \(lineStart)") }
        return pairs
    }

    private static func append(_ string: String, to out: inout [UInt8]) {
        let utf8 = string.utf8
        // The common case, nothing to escape, in one scan and one copy over contiguous bytes.
        let copied = utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 == backslash || $0 == tab || $0 == newline }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied == true { return }
        for byte in utf8 {
            switch byte {
            case backslash: out.append(backslash); out.append(backslash)
            case tab: out.append(backslash); out.append(UInt8(ascii: "t"))
            case newline: out.append(backslash); out.append(UInt8(ascii: "n"))
            default: out.append(byte)
            }
        }
    }

    private static func field(_ bytes: ArraySlice<UInt8>, escaped: Bool) throws(MapReduceError) -> String {
        guard escaped, bytes.contains(backslash) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            guard byte == backslash else { out.append(byte); continue }
            switch iterator.next() {
            case backslash: out.append(backslash)
            case UInt8(ascii: "t"): out.append(tab)
            case UInt8(ascii: "n"): out.append(newline)
            default: throw malformed("bad escape sequence")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func malformed(_ detail: String) -> MapReduceError {
        MapReduceError(code: .malformedIntermediateFile, message: "malformed intermediate file: \(detail)")
    }
}
