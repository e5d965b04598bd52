public import RaftRuntime

/// The consensus log a ``ReplicatedStateMachine`` runs on: the part of `RaftPeer`'s API it
/// uses, as a protocol so the state-machine layer can be tested against a scripted log.
///
/// `RaftPeer` conforms (see `RaftPeer+ReplicatedLog.swift`). The semantics are RaftPeer's:
/// ``propose(_:)`` returns at once with the index the command will have if it commits;
/// ``applyStream`` delivers committed commands and installed snapshots in log order, each
/// index once, and finishes when the peer is killed; ``snapshot(index:data:)`` lets the log
/// discard everything through `index`.
public protocol ReplicatedLog: Sendable {
    /// Committed commands and installed snapshots, in log order, in batches. Read by exactly one
    /// consumer.
    var applyStream: ApplyStream { get }

    /// Appends `command` if this replica leads; returns its future index, the current term,
    /// and whether it was appended.
    func propose(_ command: [UInt8]) async -> (index: UInt64, term: UInt64, isLeader: Bool)

    /// Leader only: an index such that a query of the state machine, made once it has applied
    /// that index, is linearizable with respect to this call (Raft's ReadIndex).
    /// - Throws: `RaftPeerError` — not leader (with a hint), leadership lost, timeout, too many
    ///   pending reads, stopped.
    func readIndex(timeout: Duration) async throws(RaftPeerError) -> UInt64

    /// The current term and whether this replica believes it leads.
    func state() async -> (term: UInt64, isLeader: Bool)

    /// The replica this one believes leads, if it knows (a hint for clients; may be stale).
    func leaderHint() async -> UInt64?

    /// The highest log index known to be committed (for operators; 0 if unknown).
    func commitIndex() async -> UInt64

    /// Bytes of persisted consensus state (log and hard state, snapshot excluded).
    func raftStateSize() async -> Int

    /// Whether a snapshot handed to ``snapshot(index:data:)`` is still being written (the log
    /// through its index not yet released). The machine takes no other snapshot meanwhile:
    /// ``raftStateSize()`` stays high until the write ends, and each further snapshot would
    /// encode the whole state again for nothing.
    func snapshotInProgress() async -> Bool

    /// The service's state through `index` is `data`: the log up to `index` may be discarded.
    func snapshot(index: UInt64, data: [UInt8]) async
}

extension ReplicatedLog {
    /// A log whose ``snapshot(index:data:)`` releases the log before it returns.
    public func snapshotInProgress() async -> Bool { false }
}
