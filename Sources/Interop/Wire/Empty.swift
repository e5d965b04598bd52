public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.Empty`: a message with no fields, which packs to zero bytes.
public struct Empty: Hashable, Sendable {
    public init() {}
}

extension Empty: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__empty__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        ProtobufCMessagePointer(arena.allocate(Grpc__Testing__Empty.self, initializer: grpc__testing__empty__init))
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        self.init()
    }
}
