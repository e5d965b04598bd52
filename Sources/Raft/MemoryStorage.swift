/// A `RaftStorage` kept in memory, like etcd's `MemoryStorage`: the reference implementation,
/// used by tests and simulations, and by a persistent driver as the cache in front of its WAL.
///
/// It is a class because the application and `RaftNode` share it: the application writes
/// (`append`, `setHardState`, `applySnapshot`, `createSnapshot`, `compact`) and the node
/// reads. Not thread-safe; confine it with the node to one owner.
///
/// Driver recipe for each `Ready` (see `Ready`): `applySnapshot(ready.snapshot)` if any,
/// `append(ready.entries)`, `setHardState(ready.hardState)` if any.
///
/// Log compaction (the application decides when, e.g. when the log exceeds a size): after
/// applying up to index `i`, serialize the state machine to `data`, then call
/// `createSnapshot(index: i, data: data)` followed by `compact(index: i)`. A leader that
/// later needs an entry at or before `i` sends this snapshot instead.
public final class MemoryStorage: RaftStorage {
    private var hardState: HardState
    private var currentSnapshot: Snapshot
    /// `entries[0]` is a dummy entry holding the index and term of the snapshot, so that
    /// `term(snapshotIndex)` works after compaction. Real entries follow contiguously.
    private var entries: [Entry]

    /// Creates an empty storage for a brand-new cluster with the given voters.
    public convenience init(voters: [UInt64]) {
        self.init(confState: ConfState(voters: voters))
    }

    /// Creates an empty storage whose log starts with membership `confState`
    /// (``ConfState/unknown`` for a node that joins an existing group).
    public init(confState: ConfState) {
        hardState = .empty
        currentSnapshot = Snapshot(metadata: .init(index: 0, term: 0, confState: confState))
        entries = [Entry(term: 0, index: 0)]
    }

    public func initialState() -> (hardState: HardState, confState: ConfState) {
        (hardState, currentSnapshot.metadata.confState)
    }

    /// The membership as of `index` (at least the snapshot's, at most `lastIndex()`): the result
    /// of the last membership-change entry at or before it, or the snapshot's.
    public func confState(at index: UInt64) -> ConfState {
        var i = Int(min(index, lastIndex()) - min(offset, index))
        while i > 0 {
            if entries[i].kind == .configChange, let entry = ConfChangeEntry(decoding: entries[i].data) {
                return entry.result
            }
            i -= 1
        }
        return currentSnapshot.metadata.confState
    }

    /// The persisted hard state (for tests and inspection).
    public var persistedHardState: HardState { hardState }

    public func setHardState(_ state: HardState) {
        hardState = state
    }

    private var offset: UInt64 { entries[0].index }

    public func firstIndex() -> UInt64 { offset + 1 }

    public func lastIndex() -> UInt64 { offset + UInt64(entries.count) - 1 }

    public func entries(from lo: UInt64, to hi: UInt64, maxBytes: Int) throws(StorageError)
        -> [Entry]
    {
        if lo <= offset { throw .compacted }
        if hi > lastIndex() + 1 {
            preconditionFailure("entries(\(lo)..<\(hi)) out of bound, lastIndex \(lastIndex())")
        }
        // Only the dummy entry: nothing beyond the snapshot.
        if entries.count == 1 { throw .unavailable }
        let slice = Array(entries[Int(lo - offset)..<Int(hi - offset)])
        return slice.limited(toBytes: maxBytes)
    }

    public func term(_ index: UInt64) throws(StorageError) -> UInt64 {
        if index < offset { throw .compacted }
        if index - offset >= UInt64(entries.count) { throw .unavailable }
        return entries[Int(index - offset)].term
    }

    public func snapshot() throws(StorageError) -> Snapshot { currentSnapshot }

    /// Drops the data of the current snapshot if it is the one at `index`, keeping its
    /// metadata: for a driver that holds the data durably elsewhere and puts it back into an
    /// `installSnapshot` message before sending it (`snapshot()` then returns empty data).
    public func releaseSnapshotData(index: UInt64) {
        guard currentSnapshot.metadata.index == index, index > 0 else { return }
        currentSnapshot.data = []
    }

    /// Bytes of snapshot data held (see `releaseSnapshotData(index:)`).
    public var snapshotDataBytes: Int { currentSnapshot.data.count }

    /// Replaces the whole log with `snapshot` (a follower receiving `Ready.snapshot`).
    /// Throws `.snapshotOutOfDate` if it is not newer than the current snapshot.
    public func applySnapshot(_ snapshot: Snapshot) throws(StorageError) {
        if snapshot.metadata.index <= currentSnapshot.metadata.index { throw .snapshotOutOfDate }
        currentSnapshot = snapshot
        entries = [Entry(term: snapshot.metadata.term, index: snapshot.metadata.index)]
    }

    /// Records a snapshot of the application state through `index` (which must be at most
    /// `lastIndex()` and should be at most the applied index). Does not discard entries;
    /// call `compact(index:)` for that. Throws `.snapshotOutOfDate` if `index` is not newer
    /// than the current snapshot.
    @discardableResult
    public func createSnapshot(index: UInt64, data: [UInt8], context: [UInt8] = []) throws(StorageError) -> Snapshot {
        if index <= currentSnapshot.metadata.index { throw .snapshotOutOfDate }
        precondition(
            index <= lastIndex(), "snapshot \(index) is out of bound lastIndex \(lastIndex())")
        let term = entries[Int(index - offset)].term
        currentSnapshot = Snapshot(
            metadata: .init(index: index, term: term, confState: confState(at: index), context: context), data: data)
        return currentSnapshot
    }

    /// Discards every entry up to and including `index`, keeping its term. `index` must not
    /// exceed `lastIndex()` and should be covered by a snapshot. Throws `.compacted` if it
    /// already was.
    public func compact(index: UInt64) throws(StorageError) {
        if index <= offset { throw .compacted }
        precondition(
            index <= lastIndex(), "compact \(index) is out of bound lastIndex \(lastIndex())")
        let i = Int(index - offset)
        var kept = [Entry(term: entries[i].term, index: entries[i].index)]
        kept.append(contentsOf: entries[(i + 1)...])
        entries = kept
    }

    /// Appends `newEntries` (from `Ready.entries`), replacing any conflicting suffix.
    /// Entries already compacted are ignored. The first new entry must not leave a gap.
    public func append(_ newEntries: [Entry]) {
        guard let firstNew = newEntries.first else { return }
        let first = firstIndex()
        let last = firstNew.index + UInt64(newEntries.count) - 1
        if last < first { return }
        var toAppend = newEntries[...]
        if first > firstNew.index {
            toAppend = newEntries[Int(first - firstNew.index)...]
        }
        let start = toAppend.first!.index
        precondition(
            start <= lastIndex() + 1,
            "missing log entry [last: \(lastIndex()), append at: \(start)]")
        let keep = Int(start - offset)
        entries.removeSubrange(keep...)
        entries.append(contentsOf: toAppend)
    }
}
