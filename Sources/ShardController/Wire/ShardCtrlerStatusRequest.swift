public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.StatusRequest` (no fields).
public struct ShardCtrlerStatusRequest: Sendable, Hashable, ProtobufCConvertible {
    public init() {}

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__status_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        ProtobufCMessagePointer(
            arena.allocate(Skv__Shardctrler__StatusRequest.self, initializer: skv__shardctrler__status_request__init))
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {}
}
