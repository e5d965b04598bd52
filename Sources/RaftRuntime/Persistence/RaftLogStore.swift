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

    /// Writes the file of a snapshot the service took, off the owner's thread: `nil` (the
    /// default) if `compact(snapshot:)` must do all the work. Taken once, before the owner
    /// starts writing; see ``RaftSnapshotWriter``.
    var snapshotWriter: (any RaftSnapshotWriter)? { get }
    /// Reads a snapshot back from its file, from any thread: `nil` (the default) if the
    /// owner must keep every snapshot's data in memory. See ``RaftSnapshotReader``.
    var snapshotReader: (any RaftSnapshotReader)? { get }

    /// ``compact(snapshot:)`` for a snapshot whose file ``snapshotWriter`` already wrote
    /// durably: only the log through its index is discarded.
    func compactWritten(snapshot: Snapshot) throws(RaftStoreError)

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

/// Writes a snapshot's file for a ``RaftLogStore`` while the store's owner goes on persisting:
/// a large snapshot (≈ 110 MB at 1 M keys) takes as long to encode, write and fsync as hundreds
/// of log appends, and behind it on one queue every append waited, stalling acknowledgements
/// until the group elected another leader (bench-membership.sh's bulk load at 1 M keys).
///
/// Contract: `write` touches only the store's snapshot files, durably on return, and may run on
/// any thread concurrently with the store's other methods; the owner calls
/// ``RaftLogStore/compactWritten(snapshot:)`` afterwards (the order keeps the log's entries until
/// the snapshot replacing them is durable). Writes are made one at a time, in order.
public protocol RaftSnapshotWriter: Sendable {
    func write(_ snapshot: Snapshot) throws(RaftStoreError)
}

/// Reads back, from any thread, a snapshot that a ``RaftLogStore`` holds durably, so that its
/// owner need not keep the data in memory between transfers (≈ 110 MB at 1 M keys, on every
/// member, for the rare follower that needs it).
///
/// Contract: `read` touches only the store's snapshot files and may run concurrently with the
/// store's other methods and its ``RaftSnapshotWriter``. It throws if the file is gone (the
/// store keeps only the newest few) or damaged; the caller then treats the transfer as failed.
public protocol RaftSnapshotReader: Sendable {
    func read(index: UInt64) throws(RaftStoreError) -> Snapshot
}

extension RaftLogStore {
    public var snapshotWriter: (any RaftSnapshotWriter)? { nil }
    public var snapshotReader: (any RaftSnapshotReader)? { nil }

    public func compactWritten(snapshot: Snapshot) throws(RaftStoreError) {
        try compact(snapshot: snapshot)
    }
}
