package import RPCCore
package import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.rsm.Session` on the wire, as every service's write requests carry it; client id 0
/// means "no session".
package struct WireSession: ProtobufCConvertible {
    package var clientID: UInt64
    package var sequence: UInt64

    package init(_ session: ClientSession) {
        clientID = session.clientID
        sequence = session.sequence
    }

    /// The session, or `nil` for client id 0.
    package var session: ClientSession? {
        clientID == 0 ? nil : ClientSession(clientID: clientID, sequence: sequence)
    }

    package static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__rsm__session__init)
    }

    package func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Rsm__Session.self, initializer: skv__rsm__session__init)
        m.pointee.client_id = clientID
        m.pointee.sequence = sequence
        return ProtobufCMessagePointer(m)
    }

    package init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Rsm__Session.self).pointee
        clientID = c.client_id
        sequence = c.sequence
    }
}
