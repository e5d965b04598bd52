public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.DeleteShardsRequest`: the new owner of `shards` in configuration `configNum`,
/// now holding their data, tells the previous owner to drop its copy (from a
/// ``ShardKVStateMachine/garbageCollectionTasks`` entry). Decoding rejects
/// (`INVALID_ARGUMENT`) shard numbers out of range.
public struct DeleteShardsRequest: Sendable, Hashable, ProtobufCConvertible {
    public var configNum: UInt64
    public var shards: [Int]

    public init(configNum: UInt64, shards: [Int]) {
        self.configNum = configNum
        self.shards = shards
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__delete_shards_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Shardkv__DeleteShardsRequest.self, initializer: skv__shardkv__delete_shards_request__init)
        m.pointee.config_num = configNum
        m.pointee.n_shards = shards.count
        m.pointee.shards = WireShards.field(shards, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__DeleteShardsRequest.self).pointee
        self.init(configNum: c.config_num, shards: try WireShards.values(c.shards, count: c.n_shards))
    }
}
