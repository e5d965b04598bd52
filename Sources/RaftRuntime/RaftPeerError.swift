import Raft

/// Why a ``RaftPeer`` request (``RaftPeer/readIndex(timeout:)``,
/// ``RaftPeer/transferLeadership(to:)``) failed. All are expected outcomes: retry on the
/// leader, or later.
public enum RaftPeerError: Error, Equatable, Sendable {
    /// This peer is not the leader; `leaderHint` is the leader it knows of, if any.
    case notLeader(leaderHint: UInt64?)
    /// This peer stopped being leader before the request completed.
    case leadershipLost
    /// The request did not complete within its time limit (e.g. no quorum reachable).
    case timeout
    /// ``RaftPeer/Configuration/maxPendingReads`` reads are already waiting.
    case tooManyPendingReads(limit: Int)
    /// A leadership transfer is in progress.
    case leadershipTransferInProgress(transferee: UInt64)
    /// The node id is not a member of the cluster.
    case unknownNode(UInt64)
    /// The peer was killed, or stopped itself after a store failure.
    case stopped
    /// A membership change at `index` is not applied yet; one change at a time.
    case membershipChangePending(index: UInt64)
    /// The membership change does not apply to the group's membership.
    case membershipChangeRefused(reason: String)
    /// The change would leave the voters heard from recently (`healthy`) without a quorum.
    case membershipChangeWouldLoseQuorum(healthy: [UInt64])

    init(_ error: RaftError) {
        switch error {
        case .notLeader(let hint): self = .notLeader(leaderHint: hint)
        case .leadershipTransferInProgress(let transferee): self = .leadershipTransferInProgress(transferee: transferee)
        case .uncommittedBytesLimitExceeded(let limit), .readIndexQueueFull(let limit): self = .tooManyPendingReads(limit: limit)
        case .unknownNode(let id): self = .unknownNode(id)
        case .confChangePending(let index): self = .membershipChangePending(index: index)
        case .confChangeRefused(let refusal): self = .membershipChangeRefused(reason: refusal.description)
        case .confChangeWouldLoseQuorum(let healthy): self = .membershipChangeWouldLoseQuorum(healthy: healthy)
        }
    }
}
