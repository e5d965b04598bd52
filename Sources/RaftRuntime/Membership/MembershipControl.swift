/// Reads and changes a Raft group's membership through one of its peers (``RaftPeer``
/// conforms). The `skv.raft.Membership` service is written against this.
public protocol MembershipControl: Sendable {
    /// The membership as this peer has applied it.
    func membership() async -> Membership

    /// Leader only: proposes `request` and returns the membership once the change is applied
    /// on this peer. Unless `force`, refuses a change that would leave the voters heard from
    /// recently without a quorum.
    ///
    /// - Throws: ``RaftPeerError``: `notLeader(leaderHint:)`, `membershipChangePending`,
    ///   `membershipChangeRefused` (also for an id that was removed, or an address already
    ///   taken), `membershipChangeWouldLoseQuorum`, `leadershipTransferInProgress` (removing
    ///   the leader: it hands over first; ask the new leader), `timeout`, `stopped`.
    func changeMembership(_ request: MembershipRequest, force: Bool, timeout: Duration) async throws(RaftPeerError)
        -> Membership
}
