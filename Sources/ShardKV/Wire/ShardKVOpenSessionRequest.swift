public import RPCCore
public import RPCProtobuf
import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.OpenSessionRequest`: opens a client's exactly-once session on the shard of
/// `key` (ShardKV de-duplicates per shard; the session record moves with the shard). Changes no
/// data, so a retry is always safe.
public struct ShardKVOpenSessionRequest: Sendable, Hashable, ProtobufCConvertible {
    /// The client's id (non-zero).
    public var clientID: UInt64
    /// Any key of the shard to open the session on.
    public var key: [UInt8]

    public init(clientID: UInt64, key: [UInt8]) {
        self.clientID = clientID
        self.key = key
    }

    /// The log command that opens the session.
    /// - Throws: `INVALID_ARGUMENT` for client id 0.
    public func command() throws(RPCError) -> ShardKVCommand {
        let session = try OpenSessionRequest(clientID: clientID).openingSession()
        return .clientOperation(ShardKVOperation(kind: .openSession, key: key, session: session))
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__open_session_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Shardkv__OpenSessionRequest.self, initializer: skv__shardkv__open_session_request__init)
        m.pointee.client_id = clientID
        m.pointee.key = WireBytes.field(key, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__OpenSessionRequest.self).pointee
        self.init(clientID: c.client_id, key: WireBytes.value(c.key))
    }
}
