public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.LeaveRequest`: removes groups and gives their shards to the remaining
/// ones. With a session the change applies exactly once across retries.
public struct LeaveRequest: Sendable, Hashable, ProtobufCConvertible {
    public var session: ClientSession?
    public var gids: [UInt64]
    /// Apply the Leave even if no group would remain (every shard then goes to gid 0);
    /// without it such a Leave answers ``ShardCtrlerOutcome/wouldOrphanShards``.
    public var force: Bool

    public init(session: ClientSession?, gids: [UInt64], force: Bool = false) {
        self.session = session
        self.gids = gids
        self.force = force
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__leave_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__LeaveRequest.self, initializer: skv__shardctrler__leave_request__init)
        m.pointee.session = try arena.message(session.map(WireSession.init), as: Skv__Rsm__Session.self)
        m.pointee.n_gids = gids.count
        m.pointee.gids = WireRepeated.field(gids, in: arena)
        m.pointee.force = force ? 1 : 0
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__LeaveRequest.self).pointee
        self.init(
            session: try ProtobufCField.message(c.session, as: WireSession.self)?.session,
            gids: WireRepeated.values(c.gids, count: c.n_gids), force: c.force != 0)
    }
}
