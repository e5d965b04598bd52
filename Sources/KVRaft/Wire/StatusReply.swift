public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.kv.StatusReply`: one server's view of its Raft group (for operators and tools).
public struct StatusReply: Sendable, Hashable, ProtobufCConvertible {
    public var id: UInt64
    public var term: UInt64
    public var isLeader: Bool
    public var leader: LeaderHint?
    /// Highest committed index this server knows (0 = not reported).
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    /// Bytes of persisted Raft state (log and hard state, snapshot excluded).
    public var raftStateBytes: UInt64
    public var snapshotIndex: UInt64

    public init(
        id: UInt64, term: UInt64, isLeader: Bool, leader: LeaderHint?, commitIndex: UInt64, appliedIndex: UInt64,
        raftStateBytes: UInt64, snapshotIndex: UInt64
    ) {
        self.id = id
        self.term = term
        self.isLeader = isLeader
        self.leader = leader
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.raftStateBytes = raftStateBytes
        self.snapshotIndex = snapshotIndex
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__status_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__StatusReply.self, initializer: skv__kv__status_reply__init)
        m.pointee.id = id
        m.pointee.term = term
        m.pointee.is_leader = isLeader ? 1 : 0
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        m.pointee.commit_index = commitIndex
        m.pointee.applied_index = appliedIndex
        m.pointee.raft_state_bytes = raftStateBytes
        m.pointee.snapshot_index = snapshotIndex
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__StatusReply.self).pointee
        self.init(
            id: c.id, term: c.term, isLeader: c.is_leader != 0,
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self), commitIndex: c.commit_index,
            appliedIndex: c.applied_index, raftStateBytes: c.raft_state_bytes, snapshotIndex: c.snapshot_index)
    }
}
