public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.StatusReply`: one controller replica's view of its Raft group and the
/// latest configuration it applied (for operators and the status page; not linearizable).
public struct ShardCtrlerStatusReply: Sendable, Hashable, ProtobufCConvertible {
    public var id: UInt64
    public var term: UInt64
    public var isLeader: Bool
    public var leader: LeaderHint?
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    public var configNum: UInt64

    public init(
        id: UInt64, term: UInt64, isLeader: Bool, leader: LeaderHint?, commitIndex: UInt64, appliedIndex: UInt64,
        configNum: UInt64
    ) {
        self.id = id
        self.term = term
        self.isLeader = isLeader
        self.leader = leader
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.configNum = configNum
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__status_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__StatusReply.self, initializer: skv__shardctrler__status_reply__init)
        m.pointee.id = id
        m.pointee.term = term
        m.pointee.is_leader = isLeader ? 1 : 0
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        m.pointee.commit_index = commitIndex
        m.pointee.applied_index = appliedIndex
        m.pointee.config_num = configNum
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__StatusReply.self).pointee
        self.init(
            id: c.id, term: c.term, isLeader: c.is_leader != 0,
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self), commitIndex: c.commit_index,
            appliedIndex: c.applied_index, configNum: c.config_num)
    }
}
