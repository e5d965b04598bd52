public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.QueryReply`: `.ok` with the configuration, or a retry outcome
/// (`.wrongLeader` with an optional leader hint, `.timeout`).
public struct QueryReply: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: ShardCtrlerOutcome
    /// The configuration (`.ok` only).
    public var config: ShardConfig?
    public var leader: LeaderHint?

    public init(outcome: ShardCtrlerOutcome, config: ShardConfig? = nil, leader: LeaderHint? = nil) {
        self.outcome = outcome
        self.config = config
        self.leader = leader
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__query_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__QueryReply.self, initializer: skv__shardctrler__query_reply__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.config = try arena.message(config, as: Skv__Shardctrler__Config.self)
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__QueryReply.self).pointee
        self.init(
            outcome: try ShardCtrlerOutcome(wireValue: c.outcome),
            config: try ProtobufCField.message(c.config, as: ShardConfig.self),
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self))
    }
}
