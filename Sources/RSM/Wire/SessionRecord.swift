package import RPCCore
package import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.rsm.SessionRecord`: a client's last write — its sequence number, the reply, and the
/// log index where it applied.
package struct SessionRecord: Sendable, Hashable, ProtobufCConvertible {
    package var clientID: UInt64
    package var sequence: UInt64
    package var reply: [UInt8]
    package var lastIndex: UInt64

    package init(clientID: UInt64, sequence: UInt64, reply: [UInt8], lastIndex: UInt64) {
        self.clientID = clientID
        self.sequence = sequence
        self.reply = reply
        self.lastIndex = lastIndex
    }

    package static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__rsm__session_record__init)
    }

    package func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Rsm__SessionRecord.self, initializer: skv__rsm__session_record__init)
        m.pointee.client_id = clientID
        m.pointee.sequence = sequence
        let reply = arena.copyBytes(reply)
        m.pointee.reply = ProtobufCBinaryData(len: reply.count, data: reply.pointer)
        m.pointee.last_index = lastIndex
        return ProtobufCMessagePointer(m)
    }

    package init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Rsm__SessionRecord.self).pointee
        self.init(
            clientID: c.client_id, sequence: c.sequence, reply: ProtobufCField.bytes(c.reply.data, count: c.reply.len),
            lastIndex: c.last_index)
    }
}
