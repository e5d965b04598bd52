import Testing

@testable import Raft

/// `RaftLog` (etcd's log_test): conflict detection, the fast back-off hint, appends from a
/// leader, the up-to-date check, the commit/apply cursors and slicing across storage and
/// unstable entries.
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
