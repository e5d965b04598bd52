import Raft
import Testing

/// Majority counting: committed index, vote results and quorum checks (etcd's
/// quorum/majority tests, in table form).
@Suite struct MajorityConfigTests {
    @Test(arguments: [
        // (voters, acked indexes by voter, committed)
        ([1], [1: 5], 5 as UInt64),
        ([1, 2], [1: 5, 2: 3], 3),
        ([1, 2, 3], [1: 5, 2: 3], 3),
        ([1, 2, 3], [1: 5], 0),
        ([1, 2, 3, 4], [1: 9, 2: 8, 3: 7, 4: 1], 7),
        ([1, 2, 3, 4, 5], [1: 9, 2: 8, 3: 7, 4: 1, 5: 1], 7),
        ([1, 2, 3], [1: 5, 2: 5, 7: 100], 5),  // a non-voter's index does not count
    ] as [([UInt64], [UInt64: UInt64], UInt64)])
    func committedIndexIsTheHighestAQuorumReached(voters: [UInt64], acked: [UInt64: UInt64], committed: UInt64) {
        #expect(MajorityConfig(voters).committedIndex { acked[$0] } == committed)
    }

    @Test func anEmptyConfigurationIsNeutral() {
        let empty = MajorityConfig([])
        #expect(empty.committedIndex { _ in 3 } == .max)
        #expect(empty.voteResult([:]) == .won)
        #expect(empty.hasQuorum([]))
    }

    @Test(arguments: [
        ([1, 2, 3], [1: true], VoteResult.pending),
        ([1, 2, 3], [1: true, 2: true], .won),
        ([1, 2, 3], [1: true, 2: false], .pending),
        ([1, 2, 3], [2: false, 3: false], .lost),
        ([1, 2, 3, 4], [1: true, 2: true], .pending),
        ([1, 2, 3, 4], [1: true, 2: false, 3: false], .lost),  // at most 2 of 4 yes: no majority
        ([1, 2, 3, 4], [1: true, 2: true, 3: true], .won),
        ([1], [1: false], .lost),
        ([1, 2, 3], [1: true, 9: true], .pending),  // a non-voter's vote does not count
    ] as [([UInt64], [UInt64: Bool], VoteResult)])
    func voteResults(voters: [UInt64], votes: [UInt64: Bool], result: VoteResult) {
        #expect(MajorityConfig(voters).voteResult(votes) == result)
    }

    @Test func duplicatesAreIgnored() {
        let config = MajorityConfig([3, 1, 3, 2])
        #expect(config.voters == [1, 2, 3])
        #expect(config.quorum == 2)
        #expect(config.hasQuorum([1, 3]))
        #expect(!config.hasQuorum([3]))
    }
}
