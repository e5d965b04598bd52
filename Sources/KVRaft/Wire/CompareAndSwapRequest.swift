public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.kv.CompareAndSwapRequest`: sets `key` to `value` if it currently equals `expected`, or,
/// with `expectAbsent`, if it does not exist (create-if-absent).
public struct CompareAndSwapRequest: Sendable, Hashable, ProtobufCConvertible {
    public var session: ClientSession?
    public var key: [UInt8]
    /// The value the key must have; ignored when `expectAbsent` is set.
    public var expected: [UInt8]
    public var expectAbsent: Bool
    public var value: [UInt8]

    public init(session: ClientSession?, key: [UInt8], expected: [UInt8], expectAbsent: Bool, value: [UInt8]) {
        self.session = session
        self.key = key
        self.expected = expected
        self.expectAbsent = expectAbsent
        self.value = value
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__compare_and_swap_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Kv__CompareAndSwapRequest.self, initializer: skv__kv__compare_and_swap_request__init)
        m.pointee.session = try arena.message(session.map(WireSession.init), as: Skv__Rsm__Session.self)
        m.pointee.key = WireBytes.field(key, in: arena)
        m.pointee.expected = WireBytes.field(expected, in: arena)
        m.pointee.expect_absent = expectAbsent ? 1 : 0
        m.pointee.value = WireBytes.field(value, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__CompareAndSwapRequest.self).pointee
        self.init(
            session: try ProtobufCField.message(c.session, as: WireSession.self)?.session, key: WireBytes.value(c.key),
            expected: WireBytes.value(c.expected), expectAbsent: c.expect_absent != 0, value: WireBytes.value(c.value))
    }
}
