internal import CProtobufC

/// An untyped pointer to a protobuf-c message struct (a C struct whose first member is
/// `ProtobufCMessage base`), as handed between this module and a ``ProtobufCConvertible``
/// conformance.
///
/// It owns nothing: during serialization the ``ProtobufCArena`` owns the struct, during
/// deserialization ``ProtobufDeserializer`` does. Do not keep it beyond the call that
/// received it. It is deliberately not `Sendable`.
public struct ProtobufCMessagePointer {
    let raw: UnsafeMutableRawPointer

    /// Wraps a pointer to a generated C message struct (for example `Grpc__Testing__Payload`).
    public init<CMessage>(_ pointer: UnsafeMutablePointer<CMessage>) {
        self.raw = UnsafeMutableRawPointer(pointer)
    }

    init(raw: UnsafeMutableRawPointer) {
        self.raw = raw
    }

    /// The message as its generated C struct type. The caller must name the type that matches
    /// the message's descriptor (the conformance that made or requested it knows it).
    public func assumingMemoryBound<CMessage>(to type: CMessage.Type) -> UnsafeMutablePointer<CMessage> {
        raw.assumingMemoryBound(to: type)
    }

    /// The message's `base` member, which is what protobuf-c's generic functions take.
    ///
    /// Every generated struct starts with `ProtobufCMessage base`, and C guarantees that a
    /// pointer to a struct, suitably converted, points to its first member.
    var base: UnsafeMutablePointer<ProtobufCMessage> {
        raw.assumingMemoryBound(to: ProtobufCMessage.self)
    }

    /// The descriptor stored in the message's `base` (set by the generated `__init`).
    var descriptor: UnsafePointer<ProtobufCMessageDescriptor>? {
        raw.load(as: UnsafePointer<ProtobufCMessageDescriptor>?.self)
    }
}
