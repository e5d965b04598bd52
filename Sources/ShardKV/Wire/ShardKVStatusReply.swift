public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.StatusReply`: one replica's view of itself and its group (for operators and
/// tools; any replica answers, so it may lag the leader).
public struct ShardKVStatusReply: Sendable, Hashable, ProtobufCConvertible {
    /// `skv.shardkv.ShardInfo`: one shard the replica holds something for.
    public struct Shard: Sendable, Hashable, ProtobufCConvertible {
        public var shard: Int
        public var status: ShardStatus
        /// Keys stored for the shard (0 while ``ShardStatus/pulling``).
        public var keys: UInt64

        public init(shard: Int, status: ShardStatus, keys: UInt64) {
            self.shard = shard
            self.status = status
            self.keys = keys
        }

        public static var protobufCDescriptor: ProtobufCDescriptor {
            ProtobufCDescriptor(initializer: skv__shardkv__shard_info__init)
        }

        public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
            let m = arena.allocate(Skv__Shardkv__ShardInfo.self, initializer: skv__shardkv__shard_info__init)
            m.pointee.shard = UInt32(shard)
            m.pointee.status = status.wireValue
            m.pointee.keys = keys
            return ProtobufCMessagePointer(m)
        }

        public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
            let c = message.assumingMemoryBound(to: Skv__Shardkv__ShardInfo.self).pointee
            self.init(shard: try WireShards.shard(c.shard), status: try ShardStatus(wireValue: c.status), keys: c.keys)
        }
    }

    public var id: UInt64
    public var gid: UInt64
    public var term: UInt64
    public var isLeader: Bool
    public var leader: LeaderHint?
    /// Highest committed index this replica knows (0 = not reported).
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    /// The configuration this replica has applied.
    public var configNum: UInt64
    /// Ascending by shard; shards the replica holds nothing for are not listed.
    public var shards: [Shard]

    public init(
        id: UInt64, gid: UInt64, term: UInt64, isLeader: Bool, leader: LeaderHint?, commitIndex: UInt64,
        appliedIndex: UInt64, configNum: UInt64, shards: [Shard]
    ) {
        self.id = id
        self.gid = gid
        self.term = term
        self.isLeader = isLeader
        self.leader = leader
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.configNum = configNum
        self.shards = shards
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__status_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__StatusReply.self, initializer: skv__shardkv__status_reply__init)
        m.pointee.id = id
        m.pointee.gid = gid
        m.pointee.term = term
        m.pointee.is_leader = isLeader ? 1 : 0
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        m.pointee.commit_index = commitIndex
        m.pointee.applied_index = appliedIndex
        m.pointee.config_num = configNum
        m.pointee.n_shards = shards.count
        m.pointee.shards = try arena.messages(shards, as: Skv__Shardkv__ShardInfo.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__StatusReply.self).pointee
        self.init(
            id: c.id, gid: c.gid, term: c.term, isLeader: c.is_leader != 0,
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self), commitIndex: c.commit_index,
            appliedIndex: c.applied_index, configNum: c.config_num,
            shards: try ProtobufCField.messages(c.shards, count: c.n_shards, as: Shard.self))
    }
}
