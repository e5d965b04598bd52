public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.Config`: groups sorted by gid. Decoding rejects (`INVALID_ARGUMENT`) a
/// shard array that does not have ``ShardConfig/shardCount`` entries, a gid 0 group, and a gid
/// listed twice.
extension ShardConfig: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__config__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__Config.self, initializer: skv__shardctrler__config__init)
        m.pointee.num = num
        m.pointee.n_shards = shards.count
        m.pointee.shards = WireRepeated.field(shards, in: arena)
        let groups = WireGroup.sorted(groups)
        m.pointee.n_groups = groups.count
        m.pointee.groups = try arena.messages(groups, as: Skv__Shardctrler__Group.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__Config.self).pointee
        let shards = WireRepeated.values(c.shards, count: c.n_shards)
        guard shards.count == Self.shardCount else {
            throw RPCError(
                code: .invalidArgument,
                message: "A configuration has \(Self.shardCount) shards, not \(shards.count).")
        }
        let wireGroups = try ProtobufCField.messages(c.groups, count: c.n_groups, as: WireGroup.self)
        let groups = try WireGroup.dictionary(wireGroups, in: "Configuration \(c.num)")
        guard groups[Self.noGroup] == nil else {
            throw RPCError(code: .invalidArgument, message: "Configuration \(c.num) has a group with gid 0.")
        }
        self.init(num: c.num, shards: shards, groups: groups)
    }
}
