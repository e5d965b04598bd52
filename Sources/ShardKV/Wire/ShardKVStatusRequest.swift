public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.StatusRequest` (no fields).
public struct ShardKVStatusRequest: Sendable, Hashable, ProtobufCConvertible {
    public init() {}

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__status_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        ProtobufCMessagePointer(
            arena.allocate(Skv__Shardkv__StatusRequest.self, initializer: skv__shardkv__status_request__init))
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {}
}
