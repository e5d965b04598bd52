public import RPCCore
public import RPCProtobuf
public import RSM
internal import CProtobufC
internal import CProtos

/// `skv.kv.DeleteRequest`: removes a key (`.noKey` if it does not exist).
public struct DeleteRequest: Sendable, Hashable, ProtobufCConvertible {
    public var session: ClientSession?
    public var key: [UInt8]

    public init(session: ClientSession?, key: [UInt8]) {
        self.session = session
        self.key = key
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__delete_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__DeleteRequest.self, initializer: skv__kv__delete_request__init)
        m.pointee.session = try arena.message(session.map(WireSession.init), as: Skv__Rsm__Session.self)
        m.pointee.key = WireBytes.field(key, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__DeleteRequest.self).pointee
        self.init(
            session: try ProtobufCField.message(c.session, as: WireSession.self)?.session, key: WireBytes.value(c.key))
    }
}
