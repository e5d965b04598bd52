package import RPCCore
package import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.rsm.Envelope`: one log entry's payload — a service command and the client session it
/// belongs to (`clientID` 0: no session, not de-duplicated).
package struct Envelope: Sendable, Hashable, ProtobufCConvertible {
    package var clientID: UInt64
    package var sequence: UInt64
    package var command: [UInt8]

    package init(clientID: UInt64, sequence: UInt64, command: [UInt8]) {
        self.clientID = clientID
        self.sequence = sequence
        self.command = command
    }

    /// The session, if the envelope has one.
    package var session: ClientSession? {
        clientID == 0 ? nil : ClientSession(clientID: clientID, sequence: sequence)
    }

    package static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__rsm__envelope__init)
    }

    package func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Rsm__Envelope.self, initializer: skv__rsm__envelope__init)
        m.pointee.client_id = clientID
        m.pointee.sequence = sequence
        let command = arena.copyBytes(command)
        m.pointee.command = ProtobufCBinaryData(len: command.count, data: command.pointer)
        return ProtobufCMessagePointer(m)
    }

    package init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Rsm__Envelope.self).pointee
        self.init(
            clientID: c.client_id, sequence: c.sequence,
            command: ProtobufCField.bytes(c.command.data, count: c.command.len))
    }
}
