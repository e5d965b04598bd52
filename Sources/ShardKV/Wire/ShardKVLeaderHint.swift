public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.LeaderHint`: who a server believes leads its group, so the caller (a clerk or
/// another group's driver) can go there directly.
public struct ShardKVLeaderHint: Sendable, Hashable, ProtobufCConvertible {
    /// The leader's Raft id (0 = unknown).
    public var leaderID: UInt64
    /// The leader's address ("" = unknown).
    public var address: String

    public init(leaderID: UInt64, address: String = "") {
        self.leaderID = leaderID
        self.address = address
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__leader_hint__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__LeaderHint.self, initializer: skv__shardkv__leader_hint__init)
        m.pointee.leader_id = leaderID
        if !address.isEmpty { m.pointee.address = try arena.copyString(address) }
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__LeaderHint.self).pointee
        self.init(leaderID: c.leader_id, address: try ProtobufCField.string(c.address))
    }
}
