/// Entries and a snapshot that `RaftNode` has accepted but the application has not yet
/// persisted (etcd's `unstable`). They move to stable storage through `Ready` and leave this
/// buffer in `RaftNode.advance(_:)`.
///
/// Invariant: `entries[i]` has index `offset + i`; if `snapshot` is set, `offset` is at most
/// its index + 1.
struct UnstableLog {
    var snapshot: Snapshot?
    var entries: [Entry] = []
    var offset: UInt64

    init(offset: UInt64) {
        self.offset = offset
    }

    /// The first index if there is an unstable snapshot (the entry after it).
    var maybeFirstIndex: UInt64? {
        snapshot.map { $0.metadata.index + 1 }
    }

    var maybeLastIndex: UInt64? {
        if !entries.isEmpty { return offset + UInt64(entries.count) - 1 }
        return snapshot?.metadata.index
    }

    func maybeTerm(_ index: UInt64) -> UInt64? {
        if index < offset {
            if let snapshot, snapshot.metadata.index == index { return snapshot.metadata.term }
            return nil
        }
        guard let last = maybeLastIndex, index <= last else { return nil }
        // index may equal a snapshot index with no entries after it.
        if entries.isEmpty { return snapshot?.metadata.term }
        return entries[Int(index - offset)].term
    }

    /// The application persisted entries up to (`index`, `term`). Ignored if the entry was
    /// since replaced by a newer leader's entry (the term no longer matches).
    mutating func stableTo(index: UInt64, term: UInt64) {
        guard let t = maybeTerm(index), t == term, index >= offset else { return }
        entries.removeFirst(Int(index + 1 - offset))
        offset = index + 1
    }

    mutating func stableSnapshotTo(_ index: UInt64) {
        if let snapshot, snapshot.metadata.index == index { self.snapshot = nil }
    }

    mutating func restore(_ snapshot: Snapshot) {
        offset = snapshot.metadata.index + 1
        entries = []
        self.snapshot = snapshot
    }

    mutating func truncateAndAppend(_ newEntries: [Entry]) {
        guard let first = newEntries.first else { return }
        let after = first.index
        if after == offset + UInt64(entries.count) {
            entries.append(contentsOf: newEntries)
        } else if after <= offset {
            // Replace everything unstable, including entries before the current offset that
            // are already stable: the new entries supersede them.
            offset = after
            entries = newEntries
        } else {
            entries = Array(entries[0..<Int(after - offset)]) + newEntries
        }
    }

    /// Entries in `lo..<hi`, all of which must be unstable.
    func slice(_ lo: UInt64, _ hi: UInt64) -> [Entry] {
        let upper = offset + UInt64(entries.count)
        precondition(
            offset <= lo && lo <= hi && hi <= upper,
            "unstable.slice[\(lo),\(hi)) out of bound [\(offset),\(upper)]")
        return Array(entries[Int(lo - offset)..<Int(hi - offset)])
    }
}
