/// The domain outcome of a `skv.raft.Membership` request (`skv.raft.MembershipStatus` and the
/// reply fields that go with it). Transport failures and malformed requests are RPC errors.
public enum MembershipOutcome: Sendable, Hashable {
    case ok
    /// The replica does not lead; the leader it knows of, and its address, when known.
    case notLeader(leaderID: UInt64?, leaderAddress: String?)
    /// Another change (at `index`) is not applied yet: one change at a time.
    case changePending(index: UInt64)
    /// The change does not apply to the membership.
    case refused(reason: String)
    /// The change would leave the voters heard from recently (`healthy`) without a quorum.
    case wouldLoseQuorum(healthy: [UInt64])
    /// Removing the leader: it hands leadership to `transferee` first; retry there.
    case transferringLeadership(transferee: UInt64, address: String?)
    /// The change was not applied within the request's timeout (it may still apply).
    case timeout
    /// The replica is stopping.
    case stopped
}
