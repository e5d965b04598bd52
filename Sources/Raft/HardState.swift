/// The Raft state that must be on stable storage before any message that depends on it is
/// sent (Figure 2 of the Raft paper: `currentTerm`, `votedFor`, plus `commitIndex`, which
/// the paper keeps volatile but which saves re-deciding commits after a restart).
public struct HardState: Sendable, Hashable {
    /// The latest term this server has seen.
    public var term: UInt64
    /// The candidate voted for in `term`, or 0 (no node has id 0) if none.
    public var vote: UInt64
    /// The highest log index known to be committed.
    public var commit: UInt64

    public init(term: UInt64 = 0, vote: UInt64 = 0, commit: UInt64 = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    /// The state of a node that has never run.
    public static let empty = HardState()

    public var isEmpty: Bool { self == .empty }
}
