public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.Command`: one controller operation as stored in the Raft log (inside an
/// `skv.rsm.Envelope`). Join's groups are encoded sorted by gid; a gid listed twice does not
/// decode (`INVALID_ARGUMENT`). A Leave's `force` is stored inverted (`refuse_orphaning`), so
/// that Leaves logged before the field existed (which always applied) replay the same.
public enum ShardCtrlerCommand: Sendable, Hashable, ProtobufCConvertible {
    /// Adds the groups (gid → servers) and rebalances.
    case join([UInt64: [String]])
    /// Removes the groups and rebalances. Without `force`, a Leave that would remove the last
    /// groups (leaving every shard to gid 0) answers ``ShardCtrlerOutcome/wouldOrphanShards``.
    case leave([UInt64], force: Bool)
    /// Assigns `shard` to `gid`, without rebalancing.
    case move(shard: UInt32, gid: UInt64)
    /// Replaces existing groups' server lists (gid → servers), moving no shard.
    case setServers([UInt64: [String]])
    /// Configuration `num` (-1 or past the latest: the latest). Changes nothing.
    case query(Int64)

    /// Why the command can never be executed, whatever the state (gid 0, a group without
    /// servers or with a server name containing NUL, a shard out of range, nothing to join or
    /// leave, a query number below -1), or `nil`. Servers reject such requests with
    /// `INVALID_ARGUMENT`; the state machine answers `.invalidCommand` should one reach the log
    /// anyway.
    public var invalidReason: String? {
        switch self {
        case .join(let groups), .setServers(let groups):
            if groups.isEmpty { return "A \(isJoin ? "Join" : "SetServers") needs at least one group." }
            if groups[ShardConfig.noGroup] != nil { return "gid 0 is not a group." }
            if let gid = groups.keys.sorted().first(where: { groups[$0]?.isEmpty ?? true }) {
                return "Group \(gid) has no servers."
            }
            if let gid = groups.keys.sorted().first(where: { groups[$0]?.contains { $0.utf8.contains(0) } ?? false }) {
                return "A server name of group \(gid) contains NUL."
            }
            return nil
        case .leave(let gids, _):
            if gids.isEmpty { return "A Leave needs at least one gid." }
            if gids.contains(ShardConfig.noGroup) { return "gid 0 is not a group." }
            return nil
        case .move(let shard, let gid):
            if shard >= ShardConfig.shardCount {
                return "Shard \(shard) does not exist (there are \(ShardConfig.shardCount))."
            }
            if gid == ShardConfig.noGroup { return "gid 0 is not a group." }
            return nil
        case .query(let num):
            return num < QueryRequest.latest ? "Configuration \(num) does not exist." : nil
        }
    }

    private var isJoin: Bool {
        if case .join = self { return true }
        return false
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__command__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__Command.self, initializer: skv__shardctrler__command__init)
        switch self {
        case .join(let groups):
            m.pointee.kind = SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_JOIN
            let groups = WireGroup.sorted(groups)
            m.pointee.n_groups = groups.count
            m.pointee.groups = try arena.messages(groups, as: Skv__Shardctrler__Group.self)
        case .setServers(let groups):
            m.pointee.kind = SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_SET_SERVERS
            let groups = WireGroup.sorted(groups)
            m.pointee.n_groups = groups.count
            m.pointee.groups = try arena.messages(groups, as: Skv__Shardctrler__Group.self)
        case .leave(let gids, let force):
            m.pointee.kind = SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_LEAVE
            m.pointee.n_gids = gids.count
            m.pointee.gids = WireRepeated.field(gids, in: arena)
            m.pointee.refuse_orphaning = force ? 0 : 1
        case .move(let shard, let gid):
            m.pointee.kind = SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_MOVE
            m.pointee.shard = shard
            m.pointee.gid = gid
        case .query(let num):
            m.pointee.kind = SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_QUERY
            m.pointee.num = num
        }
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__Command.self).pointee
        switch c.kind {
        case SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_JOIN:
            let groups = try ProtobufCField.messages(c.groups, count: c.n_groups, as: WireGroup.self)
            self = .join(try WireGroup.dictionary(groups, in: "The Join command"))
        case SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_SET_SERVERS:
            let groups = try ProtobufCField.messages(c.groups, count: c.n_groups, as: WireGroup.self)
            self = .setServers(try WireGroup.dictionary(groups, in: "The SetServers command"))
        case SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_LEAVE:
            self = .leave(WireRepeated.values(c.gids, count: c.n_gids), force: c.refuse_orphaning == 0)
        case SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_MOVE:
            self = .move(shard: c.shard, gid: c.gid)
        case SKV__SHARDCTRLER__COMMAND_KIND__COMMAND_QUERY:
            self = .query(c.num)
        default:
            throw RPCError(
                code: .invalidArgument, message: "Unknown skv.shardctrler.CommandKind \(c.kind.rawValue).")
        }
    }
}
