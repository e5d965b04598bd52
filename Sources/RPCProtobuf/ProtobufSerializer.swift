public import RPCCore
internal import CProtobufC

/// Serializes a ``ProtobufCConvertible`` value with libprotobuf-c: the one place where a
/// message is built into C memory, packed, and freed.
///
/// For each call: a fresh ``ProtobufCArena`` receives the C message built by the value's
/// conformance; the message is validated (`protobuf_c_message_check`), measured
/// (`protobuf_c_message_get_packed_size`) and packed (`protobuf_c_message_pack`) into a new
/// `[UInt8]`; the arena is then freed by a `defer`, on success and on every error path.
public struct ProtobufSerializer<Message: ProtobufCConvertible>: MessageSerializer {
    public init() {}

    /// Throws `INTERNAL` if the value has no wire form (see
    /// ``ProtobufCConvertible/makeProtobufCMessage(in:)``) or the built C message fails
    /// protobuf-c's validity check. A conformance that builds a message of another type, or a
    /// packer that writes a different length than it measured, is a programmer error and traps.
    public func serialize(_ message: Message) throws(RPCError) -> [UInt8] {
        let arena = ProtobufCArena()
        defer { arena.deallocateAll() }
        let built = try message.makeProtobufCMessage(in: arena)
        let descriptor = Message.protobufCDescriptor
        precondition(
            built.descriptor == descriptor.pointer,
            "\(Message.self).makeProtobufCMessage built a message of another type than \(descriptor.fullName)")

        // protobuf_c_message_check: TRUE if every required field is set and every string and
        // message pointer that must be non-NULL is; FALSE means the conformance built an
        // incomplete struct, reported as INTERNAL rather than packed into garbage.
        guard protobuf_c_message_check(built.base) != 0 else {
            throw RPCError(code: .internal, message: "The C message for \(descriptor.fullName) is incomplete.")
        }
        // protobuf_c_message_get_packed_size: the exact number of bytes pack will write; it
        // has no failure value.
        let size = protobuf_c_message_get_packed_size(built.base)
        guard size > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initializedCount in
            // protobuf_c_message_pack: returns the number of bytes written, which must equal
            // the measured size (anything else is a library bug: trap, never send it).
            let written = protobuf_c_message_pack(built.base, buffer.baseAddress)
            precondition(written == size, "protobuf_c_message_pack wrote \(written) bytes, measured \(size)")
            initializedCount = written
        }
    }
}
