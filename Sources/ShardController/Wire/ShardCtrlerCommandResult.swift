public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.CommandResult`: what applying a ``ShardCtrlerCommand`` produced (the reply
/// bytes the replicated state machine returns, and caches for de-duplicated changes).
public struct ShardCtrlerCommandResult: Sendable, Hashable, ProtobufCConvertible {
    /// `.ok`, `.groupExists`, `.noGroup` or `.invalidCommand` (never a retry outcome).
    public var outcome: ShardCtrlerOutcome
    /// Join, Leave, Move with `.ok`: the number of the configuration created.
    public var configNum: UInt64
    /// Query with `.ok`: the configuration.
    public var config: ShardConfig?

    public init(outcome: ShardCtrlerOutcome, configNum: UInt64 = 0, config: ShardConfig? = nil) {
        self.outcome = outcome
        self.configNum = configNum
        self.config = config
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__command_result__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Shardctrler__CommandResult.self, initializer: skv__shardctrler__command_result__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.config_num = configNum
        m.pointee.config = try arena.message(config, as: Skv__Shardctrler__Config.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__CommandResult.self).pointee
        self.init(
            outcome: try ShardCtrlerOutcome(wireValue: c.outcome), configNum: c.config_num,
            config: try ProtobufCField.message(c.config, as: ShardConfig.self))
    }
}
