/// The voting configuration of a group: one majority configuration, or two during a joint
/// consensus membership change (Raft thesis §4.3), in which every decision — election, commit,
/// read quorum, check-quorum — needs a majority of each.
///
/// Outside a change ``outgoing`` is empty and the type behaves exactly like ``incoming``.
public struct JointConfig: Sendable, Hashable {
    /// The configuration being changed to (the only one outside a change).
    public let incoming: MajorityConfig
    /// The configuration being changed from; empty outside a joint change.
    public let outgoing: MajorityConfig

    public init(incoming: MajorityConfig, outgoing: MajorityConfig = MajorityConfig([])) {
        self.incoming = incoming
        self.outgoing = outgoing
    }

    /// Whether a joint change is in progress.
    public var isJoint: Bool { !outgoing.isEmpty }

    /// Every voter of either half, sorted.
    public var voters: [UInt64] { Array(Set(incoming.voters).union(outgoing.voters)).sorted() }

    public func contains(_ id: UInt64) -> Bool { incoming.contains(id) || outgoing.contains(id) }

    /// Whether `id` is the only voter (no round trip can add information).
    public func isSingleton(_ id: UInt64) -> Bool { voters == [id] }

    /// The highest index both halves have a majority for.
    public func committedIndex(_ acked: (UInt64) -> UInt64?) -> UInt64 {
        min(incoming.committedIndex(acked), outgoing.committedIndex(acked))
    }

    /// Won when both halves won, lost when either lost, pending otherwise.
    public func voteResult(_ votes: [UInt64: Bool]) -> VoteResult {
        let a = incoming.voteResult(votes)
        let b = outgoing.voteResult(votes)
        if a == .won && b == .won { return .won }
        if a == .lost || b == .lost { return .lost }
        return .pending
    }

    /// Whether `ids` hold a majority of each half.
    public func hasQuorum(_ ids: Set<UInt64>) -> Bool {
        incoming.hasQuorum(ids) && outgoing.hasQuorum(ids)
    }
}
