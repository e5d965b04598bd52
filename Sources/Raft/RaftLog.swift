/// The log as `RaftNode` sees it: stable storage followed by unstable entries, plus the
/// commit and apply cursors (etcd's `raftLog`).
///
/// Invariants (violations trap with the values involved):
/// `firstIndex - 1 <= applied <= committed <= lastIndex`.
struct RaftLog {
    let storage: any RaftStorage
    var unstable: UnstableLog
    /// Highest index known to be committed (`commitIndex` in the paper).
    var committed: UInt64
    /// Highest index handed to the application in `Ready.committedEntries` and acknowledged
    /// by `advance` (`lastApplied` in the paper).
    var applied: UInt64

    init(storage: any RaftStorage) {
        self.storage = storage
        let first = storage.firstIndex()
        let last = storage.lastIndex()
        unstable = UnstableLog(offset: last + 1)
        committed = first - 1
        applied = first - 1
    }

    var firstIndex: UInt64 {
        unstable.maybeFirstIndex ?? storage.firstIndex()
    }

    var lastIndex: UInt64 {
        unstable.maybeLastIndex ?? storage.lastIndex()
    }

    var lastTerm: UInt64 {
        guard let t = try? term(lastIndex) else {
            preconditionFailure("unexpected error when getting the last term at \(lastIndex)")
        }
        return t
    }

    /// The term of the entry at `index`; 0 for an index outside `firstIndex - 1 ... lastIndex`
    /// that is not compacted (etcd semantics). Throws `.compacted` for compacted indices.
    func term(_ index: UInt64) throws(StorageError) -> UInt64 {
        let dummy = firstIndex - 1
        if index < dummy || index > lastIndex { return 0 }
        if let t = unstable.maybeTerm(index) { return t }
        do {
            return try storage.term(index)
        } catch .compacted {
            throw .compacted
        } catch .unavailable {
            throw .unavailable
        } catch {
            preconditionFailure("unexpected storage error \(error) for term(\(index))")
        }
    }

    /// `term(index)`, or 0 if it is compacted or unavailable.
    func termOrZero(_ index: UInt64) -> UInt64 {
        (try? term(index)) ?? 0
    }

    /// Whether our log holds an entry of `term` at `index` (never beyond the last index, where
    /// `term(_:)` answers 0).
    func matchTerm(index: UInt64, term: UInt64) -> Bool {
        guard index <= lastIndex, let t = try? self.term(index) else { return false }
        return t == term
    }

    /// §5.4.1: a candidate's log (`lastIndex`, `lastTerm`) is at least as up-to-date as ours.
    func isUpToDate(lastIndex candidateIndex: UInt64, term candidateTerm: UInt64) -> Bool {
        candidateTerm > lastTerm || (candidateTerm == lastTerm && candidateIndex >= lastIndex)
    }

    /// Follower side of appendEntries: if our log has (`index`, `logTerm`), appends `entries`
    /// after it (truncating the first conflicting suffix), advances `committed` to
    /// `min(commit, last new index)`, and returns the last new index. Returns nil on mismatch.
    mutating func maybeAppend(index: UInt64, logTerm: UInt64, commit: UInt64, entries: [Entry])
        -> UInt64?
    {
        guard matchTerm(index: index, term: logTerm) else { return nil }
        let lastNew = index + UInt64(entries.count)
        let conflict = findConflict(entries)
        if conflict != 0 {
            precondition(
                conflict > committed,
                "entry \(conflict) conflicts with committed entry [committed(\(committed))]")
            let start = Int(conflict - (index + 1))
            append(Array(entries[start...]))
        }
        commitTo(min(commit, lastNew))
        return lastNew
    }

    /// Appends entries to the unstable log; returns the new last index.
    @discardableResult
    mutating func append(_ entries: [Entry]) -> UInt64 {
        guard let first = entries.first else { return lastIndex }
        precondition(
            first.index - 1 >= committed,
            "after(\(first.index - 1)) is out of range [committed(\(committed))]")
        unstable.truncateAndAppend(entries)
        return lastIndex
    }

    /// The index of the first entry whose term differs from ours (or that we do not have),
    /// or 0 if all given entries are already in the log.
    func findConflict(_ entries: [Entry]) -> UInt64 {
        for entry in entries where !matchTerm(index: entry.index, term: entry.term) {
            return entry.index
        }
        return 0
    }

    /// Fast back-off: the largest index `<= index` whose term is `<= term`, with its term.
    /// Any entry after it is known not to match an entry of term `term` at `index`, so the
    /// leader (or follower) can skip all of them in one round trip.
    func findConflictByTerm(index: UInt64, term: UInt64) -> (index: UInt64, term: UInt64) {
        var i = index
        while true {
            let ourTerm: UInt64
            do {
                ourTerm = try self.term(i)
            } catch {
                return (i, 0)
            }
            if ourTerm <= term { return (i, ourTerm) }
            if i == 0 { return (0, 0) }
            i -= 1
        }
    }

    var unstableEntries: [Entry] { unstable.entries }

    /// Committed entries not yet applied, from `max(applied + 1, firstIndex)`, limited to
    /// `maxBytes` (at least one entry).
    func nextCommittedEntries(maxBytes: Int) -> [Entry] {
        let lo = max(applied + 1, firstIndex)
        guard committed + 1 > lo else { return [] }
        do {
            return try slice(lo, committed + 1, maxBytes: maxBytes)
        } catch {
            preconditionFailure(
                "unexpected error \(error) reading committed entries [\(lo), \(committed + 1))")
        }
    }

    var hasNextCommittedEntries: Bool {
        committed + 1 > max(applied + 1, firstIndex)
    }

    func snapshot() throws(StorageError) -> Snapshot {
        if let s = unstable.snapshot { return s }
        return try storage.snapshot()
    }

    mutating func commitTo(_ index: UInt64) {
        guard committed < index else { return }
        precondition(
            lastIndex >= index,
            "tocommit(\(index)) is out of range [lastIndex(\(lastIndex))]. "
                + "Was the raft log corrupted, truncated, or lost?")
        committed = index
    }

    mutating func appliedTo(_ index: UInt64) {
        guard index != 0 else { return }
        precondition(
            committed >= index && index >= applied,
            "applied(\(index)) is out of range [prevApplied(\(applied)), committed(\(committed))]")
        applied = index
    }

    /// Commits `maxIndex` if its entry is from `term` (§5.4.2: only entries of the current
    /// term are committed by counting replicas). Returns whether `committed` advanced.
    mutating func maybeCommit(maxIndex: UInt64, term: UInt64) -> Bool {
        if maxIndex > committed && termOrZero(maxIndex) == term {
            commitTo(maxIndex)
            return true
        }
        return false
    }

    mutating func restore(_ snapshot: Snapshot) {
        committed = snapshot.metadata.index
        unstable.restore(snapshot)
    }

    /// Entries starting at `index`, up to `maxBytes`.
    func entries(from index: UInt64, maxBytes: Int) throws(StorageError) -> [Entry] {
        if index > lastIndex { return [] }
        return try slice(index, lastIndex + 1, maxBytes: maxBytes)
    }

    /// Entries in `lo..<hi` from storage and/or the unstable buffer, limited to `maxBytes`.
    func slice(_ lo: UInt64, _ hi: UInt64, maxBytes: Int) throws(StorageError) -> [Entry] {
        precondition(lo <= hi, "invalid slice \(lo) > \(hi)")
        let first = firstIndex
        if lo < first { throw .compacted }
        precondition(hi <= lastIndex + 1, "slice[\(lo),\(hi)) out of bound [\(first),\(lastIndex)]")
        if lo == hi { return [] }
        var result: [Entry] = []
        if lo < unstable.offset {
            let stored: [Entry]
            do {
                stored = try storage.entries(
                    from: lo, to: min(hi, unstable.offset), maxBytes: maxBytes)
            } catch .compacted {
                throw .compacted
            } catch {
                let upper = min(hi, unstable.offset)
                preconditionFailure("entries[\(lo):\(upper)) unavailable from storage: \(error)")
            }
            // Storage returned fewer entries than asked because of the size limit.
            if UInt64(stored.count) < min(hi, unstable.offset) - lo { return stored }
            result = stored
        }
        if hi > unstable.offset {
            let fresh = unstable.slice(max(lo, unstable.offset), hi)
            result = result.isEmpty ? fresh : result + fresh
        }
        return result.limited(toBytes: maxBytes)
    }
}
