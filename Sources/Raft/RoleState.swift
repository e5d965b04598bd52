/// The role of a `RaftNode` together with the state only that role has, so that, e.g., a
/// follower cannot hold replication progress and a leader cannot hold election votes.
///
/// Transitions are listed on `Role`. Each `become…` method of `RaftNode` replaces the whole
/// value; role-specific state never leaks into the next role.
enum RoleState {
    case follower
    /// Pre-vote responses received so far (thesis §9.6).
    case preCandidate(votes: [UInt64: Bool])
    /// Vote responses received so far in this term.
    case candidate(votes: [UInt64: Bool])
    case leader(LeaderState)

    var role: Role {
        switch self {
        case .follower: .follower
        case .preCandidate: .preCandidate
        case .candidate: .candidate
        case .leader: .leader
        }
    }
}
