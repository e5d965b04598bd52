import RPCCore
import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.Group`: one replica group's gid and servers, in order.
struct WireGroup: ProtobufCConvertible {
    var gid: UInt64
    var servers: [String]

    init(gid: UInt64, servers: [String]) {
        self.gid = gid
        self.servers = servers
    }

    /// The groups of `groups`, sorted by gid (so every replica writes identical bytes).
    static func sorted(_ groups: [UInt64: [String]]) -> [WireGroup] {
        groups.keys.sorted().map { WireGroup(gid: $0, servers: groups[$0] ?? []) }
    }

    /// The groups as a dictionary; a gid listed twice is `INVALID_ARGUMENT`.
    static func dictionary(_ groups: [WireGroup], in message: String) throws(RPCError) -> [UInt64: [String]] {
        var dictionary: [UInt64: [String]] = [:]
        for group in groups {
            guard dictionary.updateValue(group.servers, forKey: group.gid) == nil else {
                throw RPCError(code: .invalidArgument, message: "\(message) lists gid \(group.gid) twice.")
            }
        }
        return dictionary
    }

    static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__group__init)
    }

    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__Group.self, initializer: skv__shardctrler__group__init)
        m.pointee.gid = gid
        m.pointee.n_servers = servers.count
        m.pointee.servers = try WireRepeated.field(servers, in: arena)
        return ProtobufCMessagePointer(m)
    }

    init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__Group.self).pointee
        gid = c.gid
        servers = try WireRepeated.strings(c.servers, count: c.n_servers)
    }
}
