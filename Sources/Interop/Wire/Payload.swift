public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.Payload`: a block of data that makes a message as large as a case needs.
public struct Payload: Hashable, Sendable {
    public var type: PayloadType
    public var body: [UInt8]

    public init(type: PayloadType = .compressable, body: [UInt8] = []) {
        self.type = type
        self.body = body
    }

    /// A payload of `size` zero bytes, as every interop case uses.
    public static func zeros(_ size: Int) -> Payload {
        Payload(body: [UInt8](repeating: 0, count: size))
    }
}

extension Payload: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__payload__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Grpc__Testing__Payload.self, initializer: grpc__testing__payload__init)
        message.pointee.type = Grpc__Testing__PayloadType(rawValue: .init(truncatingIfNeeded: type.rawValue))
        let body = arena.copyBytes(body)
        message.pointee.body = ProtobufCBinaryData(len: body.count, data: body.pointer)
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__Payload.self).pointee
        self.init(
            type: PayloadType(rawValue: Int32(truncatingIfNeeded: c.type.rawValue)),
            body: ProtobufCField.bytes(c.body.data, count: c.body.len))
    }
}
