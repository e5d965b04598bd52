public import RPCCore
internal import CProtobufC

/// Deserializes a ``ProtobufCConvertible`` value with libprotobuf-c: the one place where a
/// message is unpacked into C memory and freed.
///
/// For each call: `protobuf_c_message_unpack` parses the bytes with the type's descriptor and
/// the default allocator; the conformance copies the fields out of the borrowed C message; a
/// `defer` frees it with `protobuf_c_message_free_unpacked`, exactly once, also when the
/// conformance throws. Malformed input never crashes: it throws `INVALID_ARGUMENT`.
public struct ProtobufDeserializer<Message: ProtobufCConvertible>: MessageDeserializer {
    public init() {}

    public func deserialize(_ bytes: [UInt8]) throws(RPCError) -> Message {
        let descriptor = Message.protobufCDescriptor
        // protobuf_c_message_unpack: returns the message, or NULL when the bytes are malformed
        // (bad tag or wire type, truncated field, length past the end, ...) or an allocation
        // failed. Both are reported as INVALID_ARGUMENT: allocation failure for a message that
        // already arrived in memory only happens for hostile lengths.
        let unpacked = bytes.withUnsafeBufferPointer { buffer in
            protobuf_c_message_unpack(descriptor.pointer, nil, buffer.count, buffer.baseAddress)
        }
        guard let unpacked else {
            throw RPCError(
                code: .invalidArgument,
                message: "Could not decode a \(descriptor.fullName) message from \(bytes.count) bytes.")
        }
        // protobuf_c_message_free_unpacked: returns nothing; frees the message and everything
        // it owns (strings, bytes, nested and repeated messages, unknown fields).
        defer { protobuf_c_message_free_unpacked(unpacked, nil) }
        return try Message(protobufCMessage: ProtobufCMessagePointer(raw: UnsafeMutableRawPointer(unpacked)))
    }
}
