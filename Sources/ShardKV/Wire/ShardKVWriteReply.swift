public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.WriteReply`: the outcome of a Put, Append or Delete (`.ok`, `.noKey`,
/// `.wrongGroup`, `.wrongLeader` with an optional leader hint, `.timeout`).
public struct ShardKVWriteReply: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: ShardKVOutcome
    public var leader: LeaderHint?

    public init(outcome: ShardKVOutcome, leader: LeaderHint? = nil) {
        self.outcome = outcome
        self.leader = leader
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__write_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__WriteReply.self, initializer: skv__shardkv__write_reply__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__WriteReply.self).pointee
        self.init(
            outcome: try ShardKVOutcome(wireValue: c.outcome),
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self))
    }
}
