public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.BoolValue`: a wrapped bool, so that "unset" (`nil` field) and `false` differ.
public struct BoolValue: Hashable, Sendable {
    public var value: Bool

    public init(value: Bool = false) { self.value = value }
}

extension BoolValue: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__bool_value__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Grpc__Testing__BoolValue.self, initializer: grpc__testing__bool_value__init)
        message.pointee.value = value ? 1 : 0
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__BoolValue.self).pointee
        self.init(value: c.value != 0)
    }
}
