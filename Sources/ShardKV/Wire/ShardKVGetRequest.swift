public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.GetRequest`.
public struct ShardKVGetRequest: Sendable, Hashable, ProtobufCConvertible {
    public var key: [UInt8]

    public init(key: [UInt8]) { self.key = key }

    /// The command that executes this request (through the log, or as a query on the
    /// ReadIndex path).
    public var command: ShardKVCommand { .clientOperation(ShardKVOperation(kind: .get, key: key)) }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__get_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__GetRequest.self, initializer: skv__shardkv__get_request__init)
        m.pointee.key = WireBytes.field(key, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__GetRequest.self).pointee
        self.init(key: WireBytes.value(c.key))
    }
}
