public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.CommandResult`: what applying a ``ShardKVCommand`` produced (the reply bytes
/// the replicated state machine returns; for client writes also the reply a shard caches for
/// de-duplication, which migrates with the shard).
public struct ShardKVCommandResult: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: ShardKVOutcome
    /// Get: the value.
    public var value: [UInt8]
    /// Whether `value` is present (a key can hold the empty value).
    public var valuePresent: Bool
    /// Configuration commands: the group's current configuration number after the command;
    /// client operations: 0 (so a cached reply does not depend on when it was cached).
    public var configNum: UInt64

    public init(outcome: ShardKVOutcome, value: [UInt8] = [], valuePresent: Bool = false, configNum: UInt64 = 0) {
        self.outcome = outcome
        self.value = value
        self.valuePresent = valuePresent
        self.configNum = configNum
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__command_result__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__CommandResult.self, initializer: skv__shardkv__command_result__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.value = WireBytes.field(value, in: arena)
        m.pointee.value_present = valuePresent ? 1 : 0
        m.pointee.config_num = configNum
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__CommandResult.self).pointee
        self.init(
            outcome: try ShardKVOutcome(wireValue: c.outcome), value: WireBytes.value(c.value),
            valuePresent: c.value_present != 0, configNum: c.config_num)
    }
}
