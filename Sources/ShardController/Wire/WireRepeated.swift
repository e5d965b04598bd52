internal import CProtobufC
import RPCCore
import RPCProtobuf

/// Conversions of repeated scalar fields (`uint64 *`, `char **` with a count), shared by this
/// folder.
enum WireRepeated {
    /// Copies `values` into `arena` for a `repeated uint64` field (`nil` when empty).
    static func field(_ values: [UInt64], in arena: ProtobufCArena) -> UnsafeMutablePointer<UInt64>? {
        guard let array = arena.allocateArray(of: UInt64.self, count: values.count) else { return nil }
        for (i, value) in values.enumerated() { (array + i).initialize(to: value) }
        return array
    }

    /// Copies `strings` into `arena` for a `repeated string` field (`nil` when empty).
    static func field(
        _ strings: [String], in arena: ProtobufCArena
    ) throws(RPCError) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard let array = arena.allocateArray(of: UnsafeMutablePointer<CChar>?.self, count: strings.count) else {
            return nil
        }
        for (i, string) in strings.enumerated() { (array + i).initialize(to: try arena.copyString(string)) }
        return array
    }

    /// Copies a `repeated uint64` field out of an unpacked message.
    static func values(_ pointer: UnsafeMutablePointer<UInt64>?, count: Int) -> [UInt64] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Copies a `repeated string` field out of an unpacked message.
    static func strings(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int
    ) throws(RPCError) -> [String] {
        guard let pointer, count > 0 else { return [] }
        var strings: [String] = []
        strings.reserveCapacity(count)
        for i in 0..<count { strings.append(try ProtobufCField.string(pointer[i])) }
        return strings
    }
}
