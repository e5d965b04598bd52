public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.PullShardsRequest`: the new owner of `shards` in configuration `configNum`
/// asks their owner in configuration `configNum - 1` for the data (from a
/// ``ShardKVStateMachine/pullTasks`` entry). Decoding rejects (`INVALID_ARGUMENT`) shard
/// numbers out of range.
public struct PullShardsRequest: Sendable, Hashable, ProtobufCConvertible {
    public var configNum: UInt64
    public var shards: [Int]

    public init(configNum: UInt64, shards: [Int]) {
        self.configNum = configNum
        self.shards = shards
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__pull_shards_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Shardkv__PullShardsRequest.self, initializer: skv__shardkv__pull_shards_request__init)
        m.pointee.config_num = configNum
        m.pointee.n_shards = shards.count
        m.pointee.shards = WireShards.field(shards, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__PullShardsRequest.self).pointee
        self.init(configNum: c.config_num, shards: try WireShards.values(c.shards, count: c.n_shards))
    }
}
