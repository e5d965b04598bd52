import Testing

@testable import Raft

/// `MemoryStorage`, `UnstableLog` and `RaftLog` (the etcd storage_test / log_test /
/// log_unstable_test cases that matter): index bookkeeping, compaction, snapshots,
/// conflict detection and the commit/apply cursors.
@Suite struct MemoryStorageTests {
    func storage() -> MemoryStorage {
        // Entries 3...5 (terms 3, 4, 5) after a snapshot at index 3, term 3.
        let s = MemoryStorage(voters: [1, 2, 3])
        s.append(entries(terms: [1, 2, 3, 4, 5]))
        try! s.createSnapshot(index: 3, data: [])
        try! s.compact(index: 3)
        return s
    }

    @Test func indicesAndTerms() throws {
        let s = storage()
        #expect(s.firstIndex() == 4)
        #expect(s.lastIndex() == 5)
        #expect(throws: StorageError.compacted) { try s.term(2) }
        #expect(try s.term(3) == 3)
        #expect(try s.term(5) == 5)
        #expect(throws: StorageError.unavailable) { try s.term(6) }
    }

    @Test func entriesRespectBoundsAndSize() throws {
        let s = storage()
        #expect(throws: StorageError.compacted) { try s.entries(from: 3, to: 5, maxBytes: .max) }
        #expect(try s.entries(from: 4, to: 6, maxBytes: .max).map(\.index) == [4, 5])
        // The size limit always lets one entry through.
        #expect(try s.entries(from: 4, to: 6, maxBytes: 0).map(\.index) == [4])
        #expect(
            try s.entries(from: 4, to: 6, maxBytes: 2 * Entry.overheadBytes).map(\.index) == [4, 5])
    }

    @Test func compactionErrors() throws {
        let s = storage()
        #expect(throws: StorageError.compacted) { try s.compact(index: 3) }
        try s.compact(index: 4)
        #expect(s.firstIndex() == 5)
        #expect(try s.term(4) == 4)
    }

    @Test func appendTruncatesConflictsAndIgnoresCompacted() throws {
        let s = storage()
        s.append(entries(terms: [9, 9, 9], from: 2))  // 2, 3 are compacted; 4 replaced
        #expect(try s.entries(from: 4, to: 5, maxBytes: .max) == [Entry(term: 9, index: 4)])
        #expect(s.lastIndex() == 4)
        s.append(entries(terms: [10], from: 5))
        #expect(s.lastIndex() == 5)
    }

    @Test func applySnapshotReplacesLog() throws {
        let s = storage()
        #expect(throws: StorageError.snapshotOutOfDate) {
            try s.applySnapshot(Snapshot(metadata: .init(index: 3, term: 3, voters: [1])))
        }
        try s.applySnapshot(
            Snapshot(metadata: .init(index: 10, term: 7, voters: [1, 2, 3]), data: [1]))
        #expect(s.firstIndex() == 11)
        #expect(s.lastIndex() == 10)
        #expect(try s.term(10) == 7)
        #expect(try s.snapshot().data == [1])
        #expect(throws: StorageError.snapshotOutOfDate) {
            try s.createSnapshot(index: 10, data: [])
        }
    }
}

@Suite struct UnstableLogTests {
    @Test func stableToIgnoresReplacedEntries() {
        var u = UnstableLog(offset: 5)
        u.truncateAndAppend(entries(terms: [1, 1], from: 5))
        u.stableTo(index: 5, term: 2)  // term mismatch: ignored
        #expect(u.offset == 5)
        u.stableTo(index: 5, term: 1)
        #expect(u.offset == 6)
        #expect(u.entries.map(\.index) == [6])
    }

    @Test(arguments: [
        // (append at, terms, expected offset, expected indices)
        (UInt64(7), [UInt64(2)], UInt64(5), [UInt64(5), 6, 7]),  // after the end
        (6, [2], 5, [5, 6]),  // replace the suffix
        (4, [2, 2], 4, [4, 5]),  // before the offset: replace everything
    ])
    func truncateAndAppend(at: UInt64, terms: [UInt64], offset: UInt64, indices: [UInt64]) {
        var u = UnstableLog(offset: 5)
        u.truncateAndAppend(entries(terms: [1, 1], from: 5))
        u.truncateAndAppend(entries(terms: terms, from: at))
        #expect(u.offset == offset)
        #expect(u.entries.map(\.index) == indices)
    }

    @Test func snapshotTerms() {
        var u = UnstableLog(offset: 1)
        u.restore(Snapshot(metadata: .init(index: 4, term: 2, voters: [1])))
        #expect(u.maybeFirstIndex == 5)
        #expect(u.maybeLastIndex == 4)
        #expect(u.maybeTerm(4) == 2)
        #expect(u.maybeTerm(3) == nil)
        u.stableSnapshotTo(4)
        #expect(u.snapshot == nil)
    }
}

@Suite struct RaftLogTests {
    func log(_ terms: [UInt64]) -> RaftLog {
        RaftLog(storage: storageWithTerms(terms))
    }

    @Test(arguments: [
        // (entries' terms from index, first index, expected conflict)
        ([UInt64](), UInt64(1), UInt64(0)),
        ([1, 2, 3], 1, 0),
        ([2, 3], 2, 0),
        ([3], 3, 0),
        ([1, 2, 3, 4, 4], 1, 4),
        ([4, 4], 4, 4),
        ([4, 4], 1, 1),
        ([1, 4, 4], 1, 2),
        ([1, 2, 4, 4], 1, 3),
    ])
    func findConflict(terms: [UInt64], from: UInt64, expected: UInt64) {
        #expect(log([1, 2, 3]).findConflict(entries(terms: terms, from: from)) == expected)
    }

    @Test(arguments: [
        // (index, term, expected (index, term)); log terms [1, 1, 3, 3, 5]
        (UInt64(5), UInt64(5), UInt64(5), UInt64(5)),
        (5, 4, 4, 3),
        (5, 3, 4, 3),
        (5, 2, 2, 1),
        (4, 2, 2, 1),
        (2, 1, 2, 1),
        (5, 0, 0, 0),
    ])
    func findConflictByTerm(index: UInt64, term: UInt64, hintIndex: UInt64, hintTerm: UInt64) {
        let result = log([1, 1, 3, 3, 5]).findConflictByTerm(index: index, term: term)
        #expect(result.index == hintIndex)
        #expect(result.term == hintTerm)
    }

    @Test func maybeAppendCommitsAndRejects() {
        var l = log([1, 2, 3])
        #expect(l.maybeAppend(index: 3, logTerm: 2, commit: 3, entries: []) == nil)
        #expect(
            l.maybeAppend(index: 3, logTerm: 3, commit: 5, entries: entries(terms: [4], from: 4))
                == 4)
        #expect(l.committed == 4)
        // A shorter duplicate append neither truncates nor moves commit backwards.
        #expect(
            l.maybeAppend(index: 1, logTerm: 1, commit: 2, entries: entries(terms: [2], from: 2))
                == 2)
        #expect(l.lastIndex == 4)
        #expect(l.committed == 4)
    }

    @Test func isUpToDate() {
        let l = log([1, 2, 3])
        #expect(l.isUpToDate(lastIndex: 3, term: 3))
        #expect(l.isUpToDate(lastIndex: 1, term: 4))
        #expect(!l.isUpToDate(lastIndex: 2, term: 3))
        #expect(!l.isUpToDate(lastIndex: 9, term: 2))
    }

    @Test func committedEntriesAndApplyCursor() {
        var l = log([1, 1, 1])
        l.commitTo(2)
        #expect(l.nextCommittedEntries(maxBytes: .max).map(\.index) == [1, 2])
        #expect(l.nextCommittedEntries(maxBytes: 0).map(\.index) == [1])
        l.appliedTo(2)
        #expect(!l.hasNextCommittedEntries)
        l.append(entries(terms: [2], from: 4))
        l.commitTo(4)
        #expect(l.nextCommittedEntries(maxBytes: .max).map(\.index) == [3, 4])
    }

    @Test func sliceAcrossStableAndUnstable() throws {
        var l = log([1, 1, 1])
        l.append(entries(terms: [2, 2], from: 4))
        #expect(try l.slice(2, 6, maxBytes: .max).map(\.index) == [2, 3, 4, 5])
        #expect(try l.slice(2, 6, maxBytes: 3 * Entry.overheadBytes).map(\.index) == [2, 3, 4])
        #expect(try l.entries(from: 6, maxBytes: .max).isEmpty)
    }
}

@Suite struct ProgressTests {
    @Test(arguments: [
        // (state, match, next, rejected, hint, decreased, new next)
        (Progress.State.replicate, UInt64(5), UInt64(10), UInt64(5), UInt64(5), false, UInt64(10)),  // stale
        (.replicate, 5, 10, 9, 9, true, 6),
        (.probe, 0, 10, 5, 5, false, 10),  // not the last probe: stale
        (.probe, 0, 10, 9, 9, true, 9),
        (.probe, 0, 10, 9, 2, true, 3),  // hint jumps back
        (.probe, 0, 2, 1, 0, true, 1),  // never below 1
    ])
    func maybeDecrTo(
        state: Progress.State, match: UInt64, next: UInt64, rejected: UInt64, hint: UInt64,
        decreased: Bool, newNext: UInt64
    ) {
        var pr = Progress(match: match, next: next, maxInflight: 4)
        pr.state = state
        #expect(pr.maybeDecrTo(rejected: rejected, matchHint: hint) == decreased)
        #expect(pr.next == newNext)
    }

    @Test func snapshotStateTransitions() {
        var pr = Progress(match: 1, next: 2, maxInflight: 4)
        pr.becomeSnapshot(10)
        #expect(pr.isPaused)
        pr.becomeProbe()
        #expect(pr.next == 11, "leaving snapshot assumes the follower has it")
        pr.becomeReplicate()
        #expect(pr.next == 2)
    }

    @Test func inflightsWindow() {
        var window = Inflights(capacity: 3)
        window.add(1)
        window.add(5)
        window.add(9)
        #expect(window.isFull)
        window.freeLE(5)
        #expect(window.indices == [9])
        window.freeFirstOne()
        #expect(window.count == 0)
    }
}
