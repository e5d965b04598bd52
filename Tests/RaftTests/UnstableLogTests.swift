import Testing

@testable import Raft

/// `UnstableLog` (etcd's log_unstable_test): acknowledging persisted entries, truncation
/// on conflicting appends, unstable snapshots.
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
