public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.ChangeReply`: the outcome of a Join, Leave or Move, and on `.ok` the number
/// of the configuration it created.
public struct ChangeReply: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: ShardCtrlerOutcome
    public var configNum: UInt64
    public var leader: LeaderHint?

    public init(outcome: ShardCtrlerOutcome, configNum: UInt64 = 0, leader: LeaderHint? = nil) {
        self.outcome = outcome
        self.configNum = configNum
        self.leader = leader
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__change_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__ChangeReply.self, initializer: skv__shardctrler__change_reply__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.config_num = configNum
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__ChangeReply.self).pointee
        self.init(
            outcome: try ShardCtrlerOutcome(wireValue: c.outcome), configNum: c.config_num,
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self))
    }
}
