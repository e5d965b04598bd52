package import RPCCore
package import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.rsm.Snapshot`: what a ``ReplicatedStateMachine`` hands its log as a snapshot — the
/// session table (sorted by client id, so replicas write identical bytes) and the state
/// machine's own snapshot.
package struct ServiceSnapshot: Sendable, Hashable, ProtobufCConvertible {
    package var sessions: [SessionRecord]
    package var state: [UInt8]

    package init(sessions: [SessionRecord], state: [UInt8]) {
        self.sessions = sessions
        self.state = state
    }

    /// `state`'s field number: the message's last (see `ReplicatedStateMachine.makeSnapshot`).
    package static let stateField: UInt32 = 2

    package static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__rsm__snapshot__init)
    }

    package func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Rsm__Snapshot.self, initializer: skv__rsm__snapshot__init)
        m.pointee.n_sessions = sessions.count
        m.pointee.sessions = try arena.messages(sessions, as: Skv__Rsm__SessionRecord.self)
        let state = arena.copyBytes(state)
        m.pointee.state = ProtobufCBinaryData(len: state.count, data: state.pointer)
        return ProtobufCMessagePointer(m)
    }

    package init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Rsm__Snapshot.self).pointee
        self.init(
            sessions: try ProtobufCField.messages(c.sessions, count: c.n_sessions, as: SessionRecord.self),
            state: ProtobufCField.bytes(c.state.data, count: c.state.len))
    }
}
