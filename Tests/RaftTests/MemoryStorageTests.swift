import Testing

@testable import Raft

/// `MemoryStorage` (the etcd storage_test cases that matter): index bookkeeping, size
/// limits, compaction, conflicting appends and snapshots.
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
