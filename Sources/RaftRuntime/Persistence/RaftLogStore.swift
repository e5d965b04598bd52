public import Raft

/// Stable storage of one Raft peer, written incrementally: the driver's persistence seam.
///
/// Contract (the driver is `RaftPeer`):
/// - **One owner.** The peer owns the store exclusively and calls it from its actor only;
///   implementations need no locks and need not be `Sendable`.
/// - **Order.** `load()` once, before the `RaftNode` is created. Then `persist` once per
///   `Ready`, *before* that `Ready`'s messages are sent, and `compact` when the service
///   takes a snapshot. `close()` once, from `kill()`.
/// - **Durability.** When `persist` returns, everything it was given survives a crash if
///   `mustSync` was true (entries, term and vote); a commit-only change (`mustSync` false)
///   may be written lazily. `compact` is durable on return.
/// - **Failure.** A thrown error means the state on stable storage is unknown. The peer
///   stops (a peer that cannot persist must not vote or acknowledge) and never calls the
///   store again except `close()`.
public protocol RaftLogStore: AnyObject {
    /// What was persisted (empty for a new peer).
    func load() throws(RaftStoreError) -> PersistedRaftState

    /// Persists one `Ready`: `snapshot` first if any (it replaces the whole log), then
    /// `entries` (replacing any conflicting suffix; entries at or below the snapshot are
    /// ignored), then `hardState` if any.
    func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool)
        throws(RaftStoreError)

    /// Stores `snapshot` (taken by the service) and discards the log through its index.
    func compact(snapshot: Snapshot) throws(RaftStoreError)

    /// Bytes of persisted Raft state, snapshot excluded (the labs' `RaftStateSize`, which a
    /// service compares with its snapshot threshold).
    var raftStateBytes: Int { get }

    /// Releases files and locks so that a new peer can open the same storage.
    func close()
}

/// What a `RaftLogStore` holds: the hard state, the newest snapshot (nil if none) and the
/// log entries after it, contiguous.
public struct PersistedRaftState: Sendable, Equatable {
    public var hardState: HardState
    public var snapshot: Snapshot?
    public var entries: [Entry]

    public init(hardState: HardState = .empty, snapshot: Snapshot? = nil, entries: [Entry] = []) {
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
    }
}
