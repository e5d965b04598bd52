public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.StateSnapshot`: every configuration, in order from #0 (groups sorted by
/// gid, so replicas write identical bytes). Decoding rejects (`INVALID_ARGUMENT`) an empty
/// history and one not numbered 0, 1, 2, … in order.
public struct ShardCtrlerStateSnapshot: Sendable, Hashable, ProtobufCConvertible {
    public var configs: [ShardConfig]

    public init(configs: [ShardConfig]) { self.configs = configs }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__state_snapshot__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Shardctrler__StateSnapshot.self, initializer: skv__shardctrler__state_snapshot__init)
        m.pointee.n_configs = configs.count
        m.pointee.configs = try arena.messages(configs, as: Skv__Shardctrler__Config.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__StateSnapshot.self).pointee
        let configs = try ProtobufCField.messages(c.configs, count: c.n_configs, as: ShardConfig.self)
        guard !configs.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "A controller snapshot holds at least configuration 0.")
        }
        for (index, config) in configs.enumerated() where config.num != UInt64(index) {
            throw RPCError(
                code: .invalidArgument,
                message: "Configuration \(config.num) is at position \(index) of the controller snapshot.")
        }
        self.init(configs: configs)
    }
}
