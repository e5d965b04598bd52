package import CProtobufC

/// Conversions between `[UInt8]` and protobuf-c `bytes` fields, for the `Wire/` conformances
/// of every service module.
package enum WireBytes {
    /// Copies `bytes` into `arena` as a `ProtobufCBinaryData` (empty: `{0, NULL}`).
    package static func field(_ bytes: [UInt8], in arena: ProtobufCArena) -> ProtobufCBinaryData {
        let copy = arena.copyBytes(bytes)
        return ProtobufCBinaryData(len: copy.count, data: copy.pointer)
    }

    /// Copies a `bytes` field out of an unpacked message.
    package static func value(_ field: ProtobufCBinaryData) -> [UInt8] {
        ProtobufCField.bytes(field.data, count: field.len)
    }
}
