public import RPCCore

/// A Swift value that has a protobuf-c message as its wire form.
///
/// Each service adopts this in its `Wire/` folder, one conformance per message, and never
/// touches packing, unpacking or freeing itself: ``ProtobufSerializer`` and
/// ``ProtobufDeserializer`` own that lifecycle. A conformance only maps fields:
///
/// ```swift
/// extension Payload: ProtobufCConvertible {
///     public static var protobufCDescriptor: ProtobufCDescriptor {
///         ProtobufCDescriptor(initializer: grpc__testing__payload__init)
///     }
///     public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
///         let message = arena.allocate(Grpc__Testing__Payload.self, initializer: grpc__testing__payload__init)
///         let body = arena.copyBytes(body)
///         message.pointee.body = ProtobufCBinaryData(len: body.count, data: body.pointer)
///         return ProtobufCMessagePointer(message)
///     }
///     public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
///         let c = message.assumingMemoryBound(to: Grpc__Testing__Payload.self).pointee
///         self.init(body: ProtobufCField.bytes(c.body.data, count: c.body.len))
///     }
/// }
/// ```
///
/// The C types stay behind `internal import CProtos` in the conforming file: every requirement
/// is expressed in this module's opaque types, so no C type reaches a public signature.
public protocol ProtobufCConvertible: Sendable {
    /// The descriptor of the C message type (`<prefix>__descriptor`), obtained through the
    /// generated `<prefix>__init` function. Called once per deserialization and per
    /// serialization (to check that ``makeProtobufCMessage(in:)`` built the right type).
    static var protobufCDescriptor: ProtobufCDescriptor { get }

    /// Builds the C message for `self` inside `arena` and returns it.
    ///
    /// Called once per serialization, on the serializing task. The returned struct and
    /// everything it points to (strings, bytes, nested messages, repeated-field arrays) must be
    /// allocated in `arena` (or be static data): the arena frees all of it, in one place, after
    /// `protobuf_c_message_pack` returns. Throw ``RPCError`` (`INTERNAL`) for a value that has no
    /// wire form (for example a string containing NUL; ``ProtobufCArena/copyString(_:)`` does).
    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer

    /// Reads a value out of an unpacked C message of this type.
    ///
    /// `message` is borrowed: it is valid only during this call and is freed by the caller, so
    /// copy every field (``ProtobufCField`` has helpers). Throw ``RPCError``
    /// (`INVALID_ARGUMENT`) for content the C library accepted but the Swift type cannot
    /// represent (for example a string that is not UTF-8).
    init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError)
}
