public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.GetReply`: `.ok` with the value, `.noKey`, `.wrongGroup` (re-query the
/// controller), or a retry outcome (`.wrongLeader` with an optional leader hint, `.timeout`).
public struct ShardKVGetReply: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: ShardKVOutcome
    public var value: [UInt8]
    public var leader: LeaderHint?

    public init(outcome: ShardKVOutcome, value: [UInt8] = [], leader: LeaderHint? = nil) {
        self.outcome = outcome
        self.value = value
        self.leader = leader
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__get_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__GetReply.self, initializer: skv__shardkv__get_reply__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.value = WireBytes.field(value, in: arena)
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__GetReply.self).pointee
        self.init(
            outcome: try ShardKVOutcome(wireValue: c.outcome), value: WireBytes.value(c.value),
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self))
    }
}
