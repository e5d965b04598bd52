public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.rsm.LeaderHint`: who a replica believes leads its group, so a caller (a clerk, or
/// another group's migration driver) can go there directly. Every service's replies carry it
/// (KV, shard controller, ShardKV).
public struct LeaderHint: Sendable, Hashable, ProtobufCConvertible {
    /// The leader's Raft id (0 = unknown).
    public var leaderID: UInt64
    /// The leader's client address ("" = unknown).
    public var address: String

    public init(leaderID: UInt64, address: String = "") {
        self.leaderID = leaderID
        self.address = address
    }

    /// The hint for a replica id reported by the log (`nil`: no hint), with that member's
    /// address from `memberAddresses` when it is listed.
    public init?(leaderID: UInt64?, memberAddresses: [UInt64: String]) {
        guard let leaderID else { return nil }
        self.init(leaderID: leaderID, address: memberAddresses[leaderID] ?? "")
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__rsm__leader_hint__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Rsm__LeaderHint.self, initializer: skv__rsm__leader_hint__init)
        m.pointee.leader_id = leaderID
        if !address.isEmpty { m.pointee.address = try arena.copyString(address) }
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Rsm__LeaderHint.self).pointee
        self.init(leaderID: c.leader_id, address: try ProtobufCField.string(c.address))
    }
}
