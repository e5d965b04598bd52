public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.AppendRequest`. With a session the write applies exactly once across retries,
/// also when the key's shard moves to another group between the attempts.
public struct ShardKVAppendRequest: Sendable, Hashable, ProtobufCConvertible {
    public var session: ClientSession?
    public var key: [UInt8]
    public var value: [UInt8]

    public init(session: ClientSession?, key: [UInt8], value: [UInt8]) {
        self.session = session
        self.key = key
        self.value = value
    }

    /// The log command that executes this request.
    public var command: ShardKVCommand {
        .clientOperation(ShardKVOperation(kind: .append, key: key, value: value, session: session))
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__append_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Shardkv__AppendRequest.self, initializer: skv__shardkv__append_request__init)
        let session: WireSession? = self.session.map { WireSession($0) }
        m.pointee.session = try arena.message(session, as: Skv__Rsm__Session.self)
        m.pointee.key = WireBytes.field(key, in: arena)
        m.pointee.value = WireBytes.field(value, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__AppendRequest.self).pointee
        self.init(
            session: try ProtobufCField.message(c.session, as: WireSession.self)?.session,
            key: WireBytes.value(c.key), value: WireBytes.value(c.value))
    }
}
