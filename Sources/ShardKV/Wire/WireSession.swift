import RPCCore
import RPCProtobuf
import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.Session` on the wire; client id 0 means "no session".
struct WireSession: ProtobufCConvertible {
    var clientID: UInt64
    var sequence: UInt64

    init(_ session: ClientSession) {
        clientID = session.clientID
        sequence = session.sequence
    }

    /// The session, or `nil` for client id 0.
    var session: ClientSession? {
        clientID == 0 ? nil : ClientSession(clientID: clientID, sequence: sequence)
    }

    static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__session__init)
    }

    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__Session.self, initializer: skv__shardkv__session__init)
        m.pointee.client_id = clientID
        m.pointee.sequence = sequence
        return ProtobufCMessagePointer(m)
    }

    init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__Session.self).pointee
        clientID = c.client_id
        sequence = c.sequence
    }
}
