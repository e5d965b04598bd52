import Raft
import RPCCore
import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.raft.Entry` on the wire: a `Raft.Entry` in protobuf-c form.
struct WireEntry: ProtobufCConvertible {
    var entry: Entry

    static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__entry__init)
    }

    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__Entry.self, initializer: skv__raft__entry__init)
        m.pointee.term = entry.term
        m.pointee.index = entry.index
        m.pointee.kind = switch entry.kind {
        case .normal: SKV__RAFT__ENTRY_KIND__ENTRY_NORMAL
        case .noop: SKV__RAFT__ENTRY_KIND__ENTRY_NOOP
        case .configChange: SKV__RAFT__ENTRY_KIND__ENTRY_CONFIG_CHANGE
        }
        let data = arena.copyBytes(entry.data)
        m.pointee.data = ProtobufCBinaryData(len: data.count, data: data.pointer)
        return ProtobufCMessagePointer(m)
    }

    init(_ entry: Entry) { self.entry = entry }

    init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Raft__Entry.self).pointee
        let kind: Entry.Kind
        switch c.kind {
        case SKV__RAFT__ENTRY_KIND__ENTRY_NORMAL: kind = .normal
        case SKV__RAFT__ENTRY_KIND__ENTRY_NOOP: kind = .noop
        case SKV__RAFT__ENTRY_KIND__ENTRY_CONFIG_CHANGE: kind = .configChange
        default: throw RPCError(code: .invalidArgument, message: "Unknown Raft entry kind \(c.kind.rawValue).")
        }
        guard RaftLimits.accepts(c.term, c.index) else {
            throw RPCError(
                code: .invalidArgument, message: "A Raft entry's term or index exceeds \(RaftLimits.maxTermOrIndex).")
        }
        entry = Entry(term: c.term, index: c.index, kind: kind, data: ProtobufCField.bytes(c.data.data, count: c.data.len))
    }
}

/// `skv.raft.SnapshotMetadata`.
struct WireSnapshotMetadata: ProtobufCConvertible {
    var metadata: Snapshot.Metadata

    static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__snapshot_metadata__init)
    }

    init(_ metadata: Snapshot.Metadata) { self.metadata = metadata }

    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__SnapshotMetadata.self, initializer: skv__raft__snapshot_metadata__init)
        m.pointee.index = metadata.index
        m.pointee.term = metadata.term
        let state = metadata.confState
        (m.pointee.n_voters, m.pointee.voters) = Self.ids(state.voters, in: arena)
        (m.pointee.n_voters_outgoing, m.pointee.voters_outgoing) = Self.ids(state.votersOutgoing, in: arena)
        (m.pointee.n_learners, m.pointee.learners) = Self.ids(state.learners, in: arena)
        (m.pointee.n_learners_next, m.pointee.learners_next) = Self.ids(state.learnersNext, in: arena)
        (m.pointee.n_auto_promote, m.pointee.auto_promote) = Self.ids(state.autoPromote, in: arena)
        m.pointee.auto_leave = state.autoLeave ? 1 : 0
        let context = arena.copyBytes(metadata.context)
        m.pointee.context = ProtobufCBinaryData(len: context.count, data: context.pointer)
        return ProtobufCMessagePointer(m)
    }

    /// A `repeated uint64` field's count and array, copied into `arena` (also for `WireMembership`).
    static func ids(_ list: [UInt64], in arena: ProtobufCArena) -> (Int, UnsafeMutablePointer<UInt64>?) {
        guard !list.isEmpty, let buffer = arena.allocateArray(of: UInt64.self, count: list.count) else { return (0, nil) }
        for (i, id) in list.enumerated() { (buffer + i).initialize(to: id) }
        return (list.count, buffer)
    }

    /// The ids of a `repeated uint64` field.
    static func ids(_ count: Int, _ pointer: UnsafeMutablePointer<UInt64>?) -> [UInt64] {
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Raft__SnapshotMetadata.self).pointee
        guard RaftLimits.accepts(c.index, c.term) else {
            throw RPCError(
                code: .invalidArgument,
                message: "A Raft snapshot's index or term exceeds \(RaftLimits.maxTermOrIndex).")
        }
        let lists = [
            Self.ids(c.n_voters, c.voters), Self.ids(c.n_voters_outgoing, c.voters_outgoing),
            Self.ids(c.n_learners, c.learners), Self.ids(c.n_learners_next, c.learners_next),
            Self.ids(c.n_auto_promote, c.auto_promote),
        ]
        guard lists.allSatisfy({ $0.count <= ConfChangeEntry.maxIDsPerList }) else {
            throw RPCError(
                code: .invalidArgument,
                message: "A Raft snapshot's membership lists more than \(ConfChangeEntry.maxIDsPerList) nodes.")
        }
        let confState = ConfState(
            voters: lists[0], votersOutgoing: lists[1], learners: lists[2], learnersNext: lists[3],
            autoLeave: c.auto_leave != 0, autoPromote: lists[4])
        metadata = Snapshot.Metadata(
            index: c.index, term: c.term, confState: confState,
            context: ProtobufCField.bytes(c.context.data, count: c.context.len))
    }
}

/// `skv.raft.Snapshot`.
struct WireSnapshot: ProtobufCConvertible {
    var snapshot: Snapshot

    static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__snapshot__init)
    }

    init(_ snapshot: Snapshot) { self.snapshot = snapshot }

    /// `data`'s field number: the message's last, so ``encodedChunks(_:)`` may append it.
    static let dataField: UInt32 = 2

    /// The encoding of `snapshot` as chunks to write one after the other: the packed metadata
    /// with `data`'s tag and length, then `data` itself (not copied; see
    /// `ProtobufTrailingBytesField`). Concatenated, byte for byte what
    /// `ProtobufSerializer<WireSnapshot>` packs.
    static func encodedChunks(_ snapshot: Snapshot) -> [[UInt8]] {
        var head: [UInt8]
        do {
            head = try ProtobufSerializer<WireSnapshot>().serialize(
                WireSnapshot(Snapshot(metadata: snapshot.metadata, data: [])))
        } catch {
            preconditionFailure("a Raft snapshot's metadata could not be encoded: \(error)")
        }
        head += ProtobufTrailingBytesField.header(field: dataField, payloadBytes: snapshot.data.count)
        return snapshot.data.isEmpty ? [head] : [head, snapshot.data]
    }

    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__Snapshot.self, initializer: skv__raft__snapshot__init)
        m.pointee.metadata = try arena.message(Optional(WireSnapshotMetadata(snapshot.metadata)), as: Skv__Raft__SnapshotMetadata.self)
        let data = arena.copyBytes(snapshot.data)
        m.pointee.data = ProtobufCBinaryData(len: data.count, data: data.pointer)
        return ProtobufCMessagePointer(m)
    }

    init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Raft__Snapshot.self).pointee
        let metadata = try ProtobufCField.message(c.metadata, as: WireSnapshotMetadata.self)?.metadata ?? Snapshot.Metadata()
        snapshot = Snapshot(metadata: metadata, data: ProtobufCField.bytes(c.data.data, count: c.data.len))
    }
}
