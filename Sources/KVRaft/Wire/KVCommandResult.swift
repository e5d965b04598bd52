public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.kv.CommandResult`: what applying a ``KVCommand`` produced (the reply bytes the
/// replicated state machine returns, and caches for de-duplicated writes).
public struct KVCommandResult: Sendable, Hashable, ProtobufCConvertible {
    /// `.ok`, `.noKey` or `.compareFailed` (never a retry outcome).
    public var outcome: KVOutcome
    /// Get: the value; CompareAndSwap that failed: the current value.
    public var value: [UInt8]
    /// Whether `value` is present (a key can hold the empty value).
    public var valuePresent: Bool

    public init(outcome: KVOutcome, value: [UInt8] = [], valuePresent: Bool = false) {
        self.outcome = outcome
        self.value = value
        self.valuePresent = valuePresent
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__command_result__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__CommandResult.self, initializer: skv__kv__command_result__init)
        m.pointee.outcome = outcome.wireValue
        m.pointee.value = WireBytes.field(value, in: arena)
        m.pointee.value_present = valuePresent ? 1 : 0
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__CommandResult.self).pointee
        self.init(
            outcome: try KVOutcome(wireValue: c.outcome), value: WireBytes.value(c.value),
            valuePresent: c.value_present != 0)
    }
}
