public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.kv.SnapshotReply`: `.ok` with a consistent copy of the group's state (an
/// `skv.rsm.Snapshot` through log index `index`), or a retry outcome (`.wrongLeader` with an
/// optional leader hint, `.timeout`).
public struct SnapshotReply: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: KVOutcome
    public var leader: LeaderHint?
    /// The last log index the copy includes (0 unless `.ok`).
    public var index: UInt64
    /// The session table and the KV state, as `skv.rsm.Snapshot` bytes (empty unless `.ok`).
    public var snapshot: [UInt8]

    public init(outcome: KVOutcome, leader: LeaderHint? = nil, index: UInt64 = 0, snapshot: [UInt8] = []) {
        self.outcome = outcome
        self.leader = leader
        self.index = index
        self.snapshot = snapshot
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__snapshot_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__SnapshotReply.self, initializer: skv__kv__snapshot_reply__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        m.pointee.index = index
        m.pointee.snapshot = WireBytes.field(snapshot, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__SnapshotReply.self).pointee
        self.init(
            outcome: try KVOutcome(wireValue: c.outcome),
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self), index: c.index,
            snapshot: WireBytes.value(c.snapshot))
    }
}
