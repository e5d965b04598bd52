internal import CProtobufC

/// Identifies one protobuf-c message type: a pointer to its generated, immutable, static
/// `ProtobufCMessageDescriptor`.
///
/// Swift cannot take the address of the generated `extern const` descriptor directly (it
/// imports it as a read-only value, and a copy would not do: unpacked messages keep pointing at
/// the descriptor they were parsed with). The generated `<prefix>__init` function stores the
/// real address in `base.descriptor`, so ``init(initializer:)`` reads it from there.
public struct ProtobufCDescriptor {
    let pointer: UnsafePointer<ProtobufCMessageDescriptor>

    /// Reads the descriptor of `CMessage` by running its generated initializer on a temporary.
    ///
    /// Pass the generated function, e.g. `ProtobufCDescriptor(initializer: grpc__testing__payload__init)`.
    /// A descriptor without protobuf-c's magic number means the initializer is not a generated
    /// message initializer: a programmer error, so it traps.
    public init<CMessage>(initializer: (UnsafeMutablePointer<CMessage>) -> Void) {
        precondition(
            MemoryLayout<CMessage>.size >= MemoryLayout<ProtobufCMessage>.size,
            "\(CMessage.self) is too small to be a protobuf-c message")
        let descriptor = withUnsafeTemporaryAllocation(of: CMessage.self, capacity: 1) { buffer in
            let message = buffer.baseAddress!
            initializer(message)
            return UnsafeRawPointer(message).load(as: UnsafePointer<ProtobufCMessageDescriptor>?.self)
        }
        guard let descriptor, descriptor.pointee.magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC else {
            preconditionFailure("the initializer of \(CMessage.self) did not set a protobuf-c message descriptor")
        }
        self.pointer = descriptor
    }

    /// The fully qualified protobuf name, e.g. `grpc.testing.Payload`.
    public var fullName: String {
        String(cString: pointer.pointee.name)
    }
}

extension ProtobufCDescriptor: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.pointer == rhs.pointer }
}
