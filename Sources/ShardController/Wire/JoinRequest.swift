public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.JoinRequest`: adds groups (gid → servers) and rebalances. With a session
/// the change applies exactly once across retries. A gid listed twice does not decode
/// (`INVALID_ARGUMENT`).
public struct JoinRequest: Sendable, Hashable, ProtobufCConvertible {
    public var session: ClientSession?
    public var groups: [UInt64: [String]]

    public init(session: ClientSession?, groups: [UInt64: [String]]) {
        self.session = session
        self.groups = groups
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__join_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__JoinRequest.self, initializer: skv__shardctrler__join_request__init)
        m.pointee.session = try arena.message(session.map(WireSession.init), as: Skv__Rsm__Session.self)
        let groups = WireGroup.sorted(groups)
        m.pointee.n_groups = groups.count
        m.pointee.groups = try arena.messages(groups, as: Skv__Shardctrler__Group.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__JoinRequest.self).pointee
        let groups = try ProtobufCField.messages(c.groups, count: c.n_groups, as: WireGroup.self)
        self.init(
            session: try ProtobufCField.message(c.session, as: WireSession.self)?.session,
            groups: try WireGroup.dictionary(groups, in: "The Join request"))
    }
}
