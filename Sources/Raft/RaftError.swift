/// Operating errors of `RaftNode` requests (`propose`, `transferLeadership`, `readIndex`).
/// These are expected outcomes the caller must handle, typically by retrying elsewhere or
/// later; programmer errors trap instead.
public enum RaftError: Error, Hashable, Sendable {
    /// This node is not the leader. `leaderHint` is the leader it knows of, if any: route
    /// the request there.
    case notLeader(leaderHint: UInt64?)
    /// The leader is handing leadership to another node and accepts no proposals meanwhile.
    case leadershipTransferInProgress(transferee: UInt64)
    /// Accepting the proposal would exceed `Config.maxUncommittedEntriesBytes`; retry after
    /// some entries commit.
    case uncommittedBytesLimitExceeded(limit: Int)
    /// The leader already holds `Config.maxPendingReadIndexRequests` unconfirmed reads;
    /// retry later.
    case readIndexQueueFull(limit: Int)
    /// The node id is not a member of the cluster (for a leadership transfer: not a voter).
    case unknownNode(UInt64)
    /// A membership change at `index` is not applied yet; one change at a time.
    case confChangePending(index: UInt64)
    /// The membership change cannot apply to the current membership.
    case confChangeRefused(ConfChanger.Refusal)
    /// After the change the voters heard from within an election timeout (`healthy`) would not
    /// form a quorum of each voting configuration; propose with `force` to do it anyway.
    case confChangeWouldLoseQuorum(healthy: [UInt64])
}
