public import Raft
public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.raft.Message`: a `Raft.Message` in protobuf-c form.
struct WireMessage: ProtobufCConvertible {
    var message: Message

    static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__message__init)
    }

    init(_ message: Message) { self.message = message }

    /// Wire numbers of `Message.Kind` (fixed by raft.proto).
    static let kinds: [Message.Kind] = [
        .appendEntries, .appendEntriesResponse, .requestVote, .requestVoteResponse, .preVote,
        .preVoteResponse, .installSnapshot, .heartbeat, .heartbeatResponse, .timeoutNow,
        .readIndex, .readIndexResponse,
    ]

    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__Message.self, initializer: skv__raft__message__init)
        let number = Self.kinds.firstIndex(of: message.type)!
        m.pointee.type = Skv__Raft__MessageType(rawValue: UInt32(number))
        m.pointee.from = message.from
        m.pointee.to = message.to
        m.pointee.term = message.term
        m.pointee.log_term = message.logTerm
        m.pointee.index = message.index
        m.pointee.n_entries = message.entries.count
        m.pointee.entries = try arena.messages(message.entries.map(WireEntry.init), as: Skv__Raft__Entry.self)
        m.pointee.commit = message.commit
        m.pointee.reject = message.reject ? 1 : 0
        m.pointee.reject_hint = message.rejectHint
        m.pointee.snapshot = try arena.message(message.snapshot.map(WireSnapshot.init), as: Skv__Raft__Snapshot.self)
        let context = arena.copyBytes(message.context)
        m.pointee.context = ProtobufCBinaryData(len: context.count, data: context.pointer)
        return ProtobufCMessagePointer(m)
    }

    init(protobufCMessage pointer: ProtobufCMessagePointer) throws(RPCError) {
        let c = pointer.assumingMemoryBound(to: Skv__Raft__Message.self).pointee
        let number = Int(c.type.rawValue)
        guard Self.kinds.indices.contains(number) else {
            throw RPCError(code: .invalidArgument, message: "Unknown Raft message type \(number).")
        }
        guard RaftLimits.accepts(c.term, c.log_term, c.index, c.commit, c.reject_hint) else {
            throw RPCError(
                code: .invalidArgument,
                message: "A Raft message's term or index exceeds \(RaftLimits.maxTermOrIndex).")
        }
        message = Message(
            type: Self.kinds[number], from: c.from, to: c.to, term: c.term, logTerm: c.log_term, index: c.index,
            entries: try ProtobufCField.messages(c.entries, count: c.n_entries, as: WireEntry.self).map(\.entry),
            commit: c.commit, reject: c.reject != 0, rejectHint: c.reject_hint,
            snapshot: try ProtobufCField.message(c.snapshot, as: WireSnapshot.self)?.snapshot,
            context: ProtobufCField.bytes(c.context.data, count: c.context.len))
    }
}

/// `skv.raft.StepRequest`: messages from one peer to another.
public struct StepRequest: Sendable, ProtobufCConvertible {
    public var messages: [Message]

    public init(messages: [Message]) { self.messages = messages }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__step_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__StepRequest.self, initializer: skv__raft__step_request__init)
        m.pointee.n_messages = messages.count
        m.pointee.messages = try arena.messages(messages.map(WireMessage.init), as: Skv__Raft__Message.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage pointer: ProtobufCMessagePointer) throws(RPCError) {
        let c = pointer.assumingMemoryBound(to: Skv__Raft__StepRequest.self).pointee
        messages = try ProtobufCField.messages(c.messages, count: c.n_messages, as: WireMessage.self).map(\.message)
    }
}

/// `skv.raft.StepResponse`: the receiver's answers addressed back to the sender.
public struct StepResponse: Sendable, ProtobufCConvertible {
    public var messages: [Message]

    public init(messages: [Message]) { self.messages = messages }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__step_response__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__StepResponse.self, initializer: skv__raft__step_response__init)
        m.pointee.n_messages = messages.count
        m.pointee.messages = try arena.messages(messages.map(WireMessage.init), as: Skv__Raft__Message.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage pointer: ProtobufCMessagePointer) throws(RPCError) {
        let c = pointer.assumingMemoryBound(to: Skv__Raft__StepResponse.self).pointee
        messages = try ProtobufCField.messages(c.messages, count: c.n_messages, as: WireMessage.self).map(\.message)
    }
}

/// `skv.raft.PersistentState`: hard state plus the log after the snapshot, as one blob.
public struct PersistentState: Sendable, ProtobufCConvertible {
    public var hardState: HardState
    public var entries: [Entry]
    public var snapshot: Snapshot.Metadata

    public init(hardState: HardState, entries: [Entry], snapshot: Snapshot.Metadata) {
        self.hardState = hardState
        self.entries = entries
        self.snapshot = snapshot
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__persistent_state__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__PersistentState.self, initializer: skv__raft__persistent_state__init)
        m.pointee.term = hardState.term
        m.pointee.vote = hardState.vote
        m.pointee.commit = hardState.commit
        m.pointee.n_entries = entries.count
        m.pointee.entries = try arena.messages(entries.map(WireEntry.init), as: Skv__Raft__Entry.self)
        m.pointee.snapshot = try arena.message(Optional(WireSnapshotMetadata(snapshot)), as: Skv__Raft__SnapshotMetadata.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage pointer: ProtobufCMessagePointer) throws(RPCError) {
        let c = pointer.assumingMemoryBound(to: Skv__Raft__PersistentState.self).pointee
        guard RaftLimits.accepts(c.term, c.commit) else {
            throw RPCError(
                code: .invalidArgument,
                message: "A Raft hard state's term or commit exceeds \(RaftLimits.maxTermOrIndex).")
        }
        hardState = HardState(term: c.term, vote: c.vote, commit: c.commit)
        entries = try ProtobufCField.messages(c.entries, count: c.n_entries, as: WireEntry.self).map(\.entry)
        snapshot = try ProtobufCField.message(c.snapshot, as: WireSnapshotMetadata.self)?.metadata ?? Snapshot.Metadata()
    }
}
