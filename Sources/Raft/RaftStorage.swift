/// The read side of the stable storage that backs a `RaftNode`, modelled on etcd's
/// `raft.Storage`.
///
/// Contract:
/// * The application writes (entries from `Ready.entries`, `Ready.hardState`,
///   `Ready.snapshot`, compaction) and Raft only reads, on the node's owning thread, from
///   inside `RaftNode` calls. The storage must reflect every `Ready` the application has
///   persisted, and nothing newer than what `RaftNode` handed out.
/// * Indices: `firstIndex()` is the first index still available as an entry;
///   entries in `firstIndex()...lastIndex()` are contiguous. The entry before `firstIndex()`
///   was compacted into `snapshot()`, but its term stays available from `term(_:)`.
/// * An empty, uncompacted storage has `firstIndex() == 1` and `lastIndex() == 0`.
public protocol RaftStorage {
    /// The persisted `HardState` and the membership as of the snapshot (the log's start), read
    /// once by `RaftNode.init`, which then applies the membership changes of the log's applied
    /// entries. ``ConfState/unknown`` for a node that joins an existing group.
    func initialState() -> (hardState: HardState, confState: ConfState)
    /// Entries in `lo..<hi`, at most `maxBytes` of `Entry.approximateBytes` but always at
    /// least one if any are requested. Throws `.compacted` if `lo <= ` the snapshot index
    /// and `.unavailable` if `hi` is beyond `lastIndex() + 1`.
    func entries(from lo: UInt64, to hi: UInt64, maxBytes: Int) throws(StorageError) -> [Entry]
    /// The term of the entry at `index`, for `index` in `firstIndex() - 1 ... lastIndex()`.
    func term(_ index: UInt64) throws(StorageError) -> UInt64
    func firstIndex() -> UInt64
    func lastIndex() -> UInt64
    /// The most recent snapshot. Throws `.snapshotTemporarilyUnavailable` if it is being
    /// produced; Raft then retries later.
    func snapshot() throws(StorageError) -> Snapshot
}

/// Why a `RaftStorage` read could not be served.
public enum StorageError: Error, Hashable, Sendable {
    /// The requested index precedes the first available entry (it is in the snapshot).
    case compacted
    /// The requested index is beyond the last entry.
    case unavailable
    /// A snapshot older than the one already held was offered.
    case snapshotOutOfDate
    /// No snapshot can be produced right now.
    case snapshotTemporarilyUnavailable
}
