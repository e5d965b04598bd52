public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.PullShardsReply`: `.ok` with the requested shards' data (and session records),
/// `.notReady` (the owner is not in the requested configuration, or no longer holds a shard),
/// or `.wrongLeader`.
public struct PullShardsReply: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: ShardKVOutcome
    /// `.ok`: the shards, in request order.
    public var shards: [ShardData]
    /// The answering group's current configuration number.
    public var configNum: UInt64
    public var leader: LeaderHint?

    public init(
        outcome: ShardKVOutcome, shards: [ShardData] = [], configNum: UInt64 = 0, leader: LeaderHint? = nil
    ) {
        self.outcome = outcome
        self.shards = shards
        self.configNum = configNum
        self.leader = leader
    }

    /// The reply carrying a state machine's answer (`configNum` is the answering group's).
    public init(_ answer: ShardPullAnswer, configNum: UInt64) {
        switch answer {
        case .ready(let data): self.init(outcome: .ok, shards: data, configNum: configNum)
        case .notReady(let current): self.init(outcome: .notReady, configNum: current)
        }
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__pull_shards_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Shardkv__PullShardsReply.self, initializer: skv__shardkv__pull_shards_reply__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.n_shards = shards.count
        m.pointee.shards = try arena.messages(shards, as: Skv__Shardkv__ShardData.self)
        m.pointee.config_num = configNum
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__PullShardsReply.self).pointee
        self.init(
            outcome: try ShardKVOutcome(wireValue: c.outcome),
            shards: try ProtobufCField.messages(c.shards, count: c.n_shards, as: ShardData.self),
            configNum: c.config_num,
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self))
    }
}
