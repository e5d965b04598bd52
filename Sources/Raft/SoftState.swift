/// Volatile state that is useful to the application (logging, routing clients) but need not
/// be persisted.
public struct SoftState: Sendable, Hashable {
    /// The known leader of the current term, or 0 if none is known.
    public var leader: UInt64
    public var role: Role

    public init(leader: UInt64, role: Role) {
        self.leader = leader
        self.role = role
    }
}

/// The role a node plays in the current term (Figure 4 of the Raft paper, plus the
/// pre-candidate phase of the thesis §9.6).
///
/// Legal transitions (all others are programmer errors and trap):
/// * follower → preCandidate (election timeout, pre-vote enabled) or candidate
/// * preCandidate → candidate (pre-vote quorum) or follower (rejected, or higher term seen)
/// * candidate → leader (vote quorum), candidate (new election) or follower
/// * leader → follower (higher term seen, or check-quorum failed)
public enum Role: Sendable, Hashable, CustomStringConvertible {
    case follower
    case preCandidate
    case candidate
    case leader

    public var description: String {
        switch self {
        case .follower: "follower"
        case .preCandidate: "preCandidate"
        case .candidate: "candidate"
        case .leader: "leader"
        }
    }
}
