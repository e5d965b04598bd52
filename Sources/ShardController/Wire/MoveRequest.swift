public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.MoveRequest`: assigns one shard to one group, without rebalancing. With a
/// session the change applies exactly once across retries.
public struct MoveRequest: Sendable, Hashable, ProtobufCConvertible {
    public var session: ClientSession?
    public var shard: UInt32
    public var gid: UInt64

    public init(session: ClientSession?, shard: UInt32, gid: UInt64) {
        self.session = session
        self.shard = shard
        self.gid = gid
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__move_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__MoveRequest.self, initializer: skv__shardctrler__move_request__init)
        m.pointee.session = try arena.message(session.map(WireSession.init), as: Skv__Rsm__Session.self)
        m.pointee.shard = shard
        m.pointee.gid = gid
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__MoveRequest.self).pointee
        self.init(
            session: try ProtobufCField.message(c.session, as: WireSession.self)?.session, shard: c.shard, gid: c.gid)
    }
}
