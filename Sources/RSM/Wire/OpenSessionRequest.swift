public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.rsm.OpenSessionRequest`: opens a client's exactly-once session on a KVRaft or
/// ShardCtrler group (see ``SessionTable``'s eviction policy). Changes nothing else, so a retry is
/// always safe.
public struct OpenSessionRequest: Sendable, Hashable, ProtobufCConvertible {
    /// The client's id (non-zero; 0 means "no session" on the wire).
    public var clientID: UInt64

    public init(clientID: UInt64) {
        self.clientID = clientID
    }

    /// The session this request opens: the client's id with the opening sequence number.
    /// - Throws: `INVALID_ARGUMENT` for client id 0.
    public func openingSession() throws(RPCError) -> ClientSession {
        guard clientID != 0 else {
            throw RPCError(code: .invalidArgument, message: "OpenSession needs a non-zero client id.")
        }
        return ClientSession(clientID: clientID, sequence: SessionTable.openingSequence)
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__rsm__open_session_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Rsm__OpenSessionRequest.self, initializer: skv__rsm__open_session_request__init)
        m.pointee.client_id = clientID
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        clientID = message.assumingMemoryBound(to: Skv__Rsm__OpenSessionRequest.self).pointee.client_id
    }
}
