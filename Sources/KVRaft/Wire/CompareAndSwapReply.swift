public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.kv.CompareAndSwapReply`: `.ok` (swapped), `.compareFailed` or `.noKey` with the current
/// value, or a retry outcome.
public struct CompareAndSwapReply: Sendable, Hashable, ProtobufCConvertible {
    public var outcome: KVOutcome
    /// On `.compareFailed`: the current value (`currentPresent` false if the key does not exist).
    public var current: [UInt8]
    public var currentPresent: Bool
    public var leader: LeaderHint?

    public init(outcome: KVOutcome, current: [UInt8] = [], currentPresent: Bool = false, leader: LeaderHint? = nil) {
        self.outcome = outcome
        self.current = current
        self.currentPresent = currentPresent
        self.leader = leader
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__compare_and_swap_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__CompareAndSwapReply.self, initializer: skv__kv__compare_and_swap_reply__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.current = WireBytes.field(current, in: arena)
        m.pointee.current_present = currentPresent ? 1 : 0
        m.pointee.leader = try arena.message(leader, as: Skv__Rsm__LeaderHint.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__CompareAndSwapReply.self).pointee
        self.init(
            outcome: try KVOutcome(wireValue: c.outcome), current: WireBytes.value(c.current),
            currentPresent: c.current_present != 0, leader: try ProtobufCField.message(c.leader, as: LeaderHint.self))
    }
}
