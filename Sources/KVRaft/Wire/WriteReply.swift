public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.kv.WriteReply`: the outcome of a Put, Append or Delete.
public struct WriteReply: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: KVOutcome
    public var leader: LeaderHint?

    public init(outcome: KVOutcome, leader: LeaderHint? = nil) {
        self.outcome = outcome
        self.leader = leader
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__write_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__WriteReply.self, initializer: skv__kv__write_reply__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__WriteReply.self).pointee
        self.init(
            outcome: try KVOutcome(wireValue: c.outcome),
            leader: try ProtobufCField.message(c.leader, as: LeaderHint.self))
    }
}
