public import RPCCore
import RPCProtobuf

/// `skv.kv.StateSnapshot` written and read directly between a key/value collection and its
/// wire bytes, without the intermediate `KVStateSnapshot` value and protobuf-c message (which
/// copy every key and value twice more: at 1 million keys, hundreds of megabytes and seconds
/// per snapshot).
///
/// The bytes are the protobuf encoding of `KVStateSnapshot` exactly as protobuf-c writes it
/// (`pairs` = field 1; in each `KeyValue`, `key` = 1 and `value` = 2, each omitted when empty),
/// so either side can read what the other wrote. Decoding accepts any valid encoding of the
/// message (fields in any order, repeated scalar fields: the last wins, unknown fields
/// skipped) and rejects malformed bytes with an `RPCError` (`invalidArgument`), never a crash.
public enum KVStateSnapshotCodec {
    private static let pairsTag: UInt8 = 0x0A  // field 1, length-delimited
    private static let keyTag: UInt8 = 0x0A  // field 1, length-delimited
    private static let valueTag: UInt8 = 0x12  // field 2, length-delimited

    /// The encoding of `pairs`, in the given order (sort them for identical bytes on every
    /// replica).
    public static func encode(_ pairs: some Collection<(key: [UInt8], value: [UInt8])>) -> [UInt8] {
        var out: [UInt8] = []
        encode(pairs, appendingTo: &out)
        return out
    }

    /// As ``encode(_:)``, appended to `out`, whose capacity is first made exactly enough (so
    /// the encoding is never copied by a growing buffer).
    public static func encode(
        _ pairs: some Collection<(key: [UInt8], value: [UInt8])>, appendingTo out: inout [UInt8]
    ) {
        var total = 0
        for pair in pairs {
            let inner = innerBytes(pair)
            total += 1 + ProtobufVarint.byteCount(UInt64(inner)) + inner
        }
        let start = out.count
        out.reserveCapacity(start + total)
        for pair in pairs {
            out.append(pairsTag)
            ProtobufVarint.append(UInt64(innerBytes(pair)), to: &out)
            appendField(keyTag, pair.key, to: &out)
            appendField(valueTag, pair.value, to: &out)
        }
        assert(out.count - start == total, "snapshot size \(out.count - start) is not the \(total) computed")
    }

    /// Calls `body` with each pair of `bytes`, in order.
    ///
    /// - Throws: `RPCError` (`invalidArgument`) if `bytes` are not a `StateSnapshot`.
    public static func decode(_ bytes: [UInt8], _ body: (_ key: [UInt8], _ value: [UInt8]) -> Void) throws(RPCError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(RPCError) in
            var reader = Reader(buffer: buffer, position: 0, end: buffer.count)
            while !reader.isAtEnd {
                let (field, wireType) = try reader.tag()
                guard field == 1, wireType == 2 else {
                    try reader.skip(wireType: wireType)
                    continue
                }
                var pair = try reader.embedded()
                var key: [UInt8] = []
                var value: [UInt8] = []
                while !pair.isAtEnd {
                    let (innerField, innerType) = try pair.tag()
                    switch (innerField, innerType) {
                    case (1, 2): key = try pair.lengthDelimited()
                    case (2, 2): value = try pair.lengthDelimited()
                    default: try pair.skip(wireType: innerType)
                    }
                }
                body(key, value)
            }
        }
    }

    /// The number of pairs in `bytes` (fields 1 at the top level), read without decoding them:
    /// what a decoder reserves room for. A key repeated in several pairs counts each time.
    ///
    /// - Throws: `RPCError` (`invalidArgument`) if the top level of `bytes` is malformed.
    public static func pairCount(_ bytes: [UInt8]) throws(RPCError) -> Int {
        try bytes.withUnsafeBufferPointer { (buffer) throws(RPCError) in
            var reader = Reader(buffer: buffer, position: 0, end: buffer.count)
            var count = 0
            while !reader.isAtEnd {
                let (field, wireType) = try reader.tag()
                if field == 1, wireType == 2 { count += 1 }
                try reader.skip(wireType: wireType)
            }
            return count
        }
    }

    // MARK: Encoding

    private static func innerBytes(_ pair: (key: [UInt8], value: [UInt8])) -> Int {
        fieldBytes(pair.key) + fieldBytes(pair.value)
    }

    private static func fieldBytes(_ field: [UInt8]) -> Int {
        field.isEmpty ? 0 : 1 + ProtobufVarint.byteCount(UInt64(field.count)) + field.count
    }

    private static func appendField(_ tag: UInt8, _ field: [UInt8], to out: inout [UInt8]) {
        guard !field.isEmpty else { return }
        out.append(tag)
        ProtobufVarint.append(UInt64(field.count), to: &out)
        out.append(contentsOf: field)
    }

    // MARK: Decoding

    /// Reads protobuf wire format from `buffer[position..<end]`, checking every bound.
    private struct Reader {
        let buffer: UnsafeBufferPointer<UInt8>
        var position: Int
        let end: Int

        var isAtEnd: Bool { position >= end }

        static func malformed(_ what: String) -> RPCError {
            RPCError(code: .invalidArgument, message: "The KV state snapshot is malformed: \(what).")
        }

        mutating func varint() throws(RPCError) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < end else { throw Self.malformed("a varint runs past its end") }
                guard shift < 64 else { throw Self.malformed("a varint is longer than 10 bytes") }
                let byte = buffer[position]
                position += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }

        mutating func tag() throws(RPCError) -> (field: UInt64, wireType: UInt64) {
            let tag = try varint()
            guard tag >> 3 != 0 else { throw Self.malformed("a field number is 0") }
            return (tag >> 3, tag & 7)
        }

        /// The length of a length-delimited field, checked against the bytes left.
        mutating func length() throws(RPCError) -> Int {
            let length = try varint()
            guard length <= UInt64(end - position) else { throw Self.malformed("a field runs past its end") }
            return Int(length)
        }

        mutating func lengthDelimited() throws(RPCError) -> [UInt8] {
            let count = try length()
            defer { position += count }
            return Array(UnsafeBufferPointer(rebasing: buffer[position..<position + count]))
        }

        /// A reader of the embedded message that comes next; this one moves past it.
        mutating func embedded() throws(RPCError) -> Reader {
            let count = try length()
            defer { position += count }
            return Reader(buffer: buffer, position: position, end: position + count)
        }

        mutating func skip(wireType: UInt64) throws(RPCError) {
            switch wireType {
            case 0: _ = try varint()
            case 1: try advance(8)
            case 2: try advance(length())
            case 5: try advance(4)
            default: throw Self.malformed("wire type \(wireType) is not supported")
            }
        }

        private mutating func advance(_ count: Int) throws(RPCError) {
            guard count <= end - position else { throw Self.malformed("a field runs past its end") }
            position += count
        }
    }
}
