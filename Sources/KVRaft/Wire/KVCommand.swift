public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.kv.Command`: one KV operation as stored in the Raft log (inside an `skv.rsm.Envelope`).
public struct KVCommand: Sendable, Hashable, ProtobufCConvertible {
    public enum Kind: Sendable, Hashable {
        case get, put, append, delete, compareAndSwap
    }

    public var kind: Kind
    public var key: [UInt8]
    /// Put/Append: the value; CompareAndSwap: the new value.
    public var value: [UInt8]
    /// CompareAndSwap: the value the key must have (unless `expectAbsent`).
    public var expected: [UInt8]
    /// CompareAndSwap: succeed only if the key does not exist.
    public var expectAbsent: Bool

    public init(kind: Kind, key: [UInt8], value: [UInt8] = [], expected: [UInt8] = [], expectAbsent: Bool = false) {
        self.kind = kind
        self.key = key
        self.value = value
        self.expected = expected
        self.expectAbsent = expectAbsent
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__command__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__Command.self, initializer: skv__kv__command__init)
        m.pointee.kind = switch kind {
        case .get: SKV__KV__COMMAND_KIND__COMMAND_GET
        case .put: SKV__KV__COMMAND_KIND__COMMAND_PUT
        case .append: SKV__KV__COMMAND_KIND__COMMAND_APPEND
        case .delete: SKV__KV__COMMAND_KIND__COMMAND_DELETE
        case .compareAndSwap: SKV__KV__COMMAND_KIND__COMMAND_COMPARE_AND_SWAP
        }
        m.pointee.key = WireBytes.field(key, in: arena)
        m.pointee.value = WireBytes.field(value, in: arena)
        m.pointee.expected = WireBytes.field(expected, in: arena)
        m.pointee.expect_absent = expectAbsent ? 1 : 0
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__Command.self).pointee
        switch c.kind {
        case SKV__KV__COMMAND_KIND__COMMAND_GET: kind = .get
        case SKV__KV__COMMAND_KIND__COMMAND_PUT: kind = .put
        case SKV__KV__COMMAND_KIND__COMMAND_APPEND: kind = .append
        case SKV__KV__COMMAND_KIND__COMMAND_DELETE: kind = .delete
        case SKV__KV__COMMAND_KIND__COMMAND_COMPARE_AND_SWAP: kind = .compareAndSwap
        default: throw RPCError(code: .invalidArgument, message: "Unknown skv.kv.CommandKind \(c.kind.rawValue).")
        }
        key = WireBytes.value(c.key)
        value = WireBytes.value(c.value)
        expected = WireBytes.value(c.expected)
        expectAbsent = c.expect_absent != 0
    }
}
