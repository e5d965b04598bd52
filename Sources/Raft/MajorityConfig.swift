/// A set of voters deciding by simple majority (§5.2, §5.3): what a quorum has acknowledged,
/// voted or replicated.
///
/// Pure and deterministic. An empty configuration agrees to everything (its committed index is
/// unbounded and every poll is won), so that it is neutral in a ``JointConfig`` whose outgoing
/// half is empty; a group never runs with an empty incoming configuration.
public struct MajorityConfig: Sendable, Hashable {
    /// The voting members, sorted and without duplicates.
    public let voters: [UInt64]

    public init<S: Sequence>(_ voters: S) where S.Element == UInt64 {
        self.voters = Array(Set(voters)).sorted()
    }

    public var isEmpty: Bool { voters.isEmpty }

    /// Votes needed for a majority.
    public var quorum: Int { voters.count / 2 + 1 }

    public func contains(_ id: UInt64) -> Bool { voters.contains(id) }

    /// The highest index a majority has reached, given each voter's acknowledged index
    /// (`acked(id)`; `nil` counts as 0). `UInt64.max` for the empty configuration.
    public func committedIndex(_ acked: (UInt64) -> UInt64?) -> UInt64 {
        guard !voters.isEmpty else { return .max }
        // On the stack (it runs on every append acknowledgement): the acknowledged indices,
        // sorted descending by insertion (a handful of voters).
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: voters.count) { matches in
            for (i, voter) in voters.enumerated() {
                let match = acked(voter) ?? 0
                var j = i
                while j > 0 && matches[j - 1] < match {
                    matches[j] = matches[j - 1]
                    j -= 1
                }
                matches[j] = match
            }
            return matches[quorum - 1]
        }
    }

    /// The result of a poll in which `votes` maps voters to their answers (absent: not yet
    /// answered; entries of non-voters are ignored).
    public func voteResult(_ votes: [UInt64: Bool]) -> VoteResult {
        guard !voters.isEmpty else { return .won }
        var yes = 0
        var missing = 0
        for voter in voters {
            switch votes[voter] {
            case true?: yes += 1
            case false?: break
            case nil: missing += 1
            }
        }
        if yes >= quorum { return .won }
        if yes + missing >= quorum { return .pending }
        return .lost
    }

    /// Whether the voters in `ids` form a majority.
    public func hasQuorum(_ ids: Set<UInt64>) -> Bool {
        voteResult(Dictionary(uniqueKeysWithValues: ids.map { ($0, true) })) == .won
    }
}
