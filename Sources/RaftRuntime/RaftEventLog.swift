import Logging
import Raft

/// The operator's view of one Raft peer in the log: a structured line (swift-log metadata)
/// for each event an operator of a cluster looks for — a term change, this peer's role
/// change, a new leader, a snapshot taken or installed, a peer becoming unreachable or
/// answering again, the store failing. Owned by its ``RaftPeer`` (mutated only on the
/// actor); silent without a logger, as in the simulated labs.
///
/// Levels: `notice` for leadership, role and term changes (`debug` for a follower's pre-vote
/// and its return, which a cut-off member repeats every election timeout), `info` for
/// snapshots, `warning` for an unreachable peer or a dropped malformed message, `error` for a failed store. Each line carries `term`, and the peer id comes from the logger's own metadata.
struct RaftEventLog {
    private let logger: Logger?
    private var term: UInt64 = 0
    private var soft = SoftState(leader: 0, role: .follower)
    /// The last leader this peer knew of (0: none yet), also without a logger: the leader-change
    /// count (`skv_raft_leader_changes_total`) comes from ``observe(term:softState:)``.
    private var lastKnownLeader: UInt64 = 0
    /// Peers whose last `Step` failed, so one line marks each outage and one its end.
    private var unreachable: Set<UInt64> = []

    init(logger: Logger?, term: UInt64) {
        self.logger = logger
        self.term = term
    }

    /// Records the term and role of a `Ready` (either may be absent: unchanged); returns whether
    /// it names a known leader other than the last one known (a leader change to count).
    @discardableResult
    mutating func observe(term newTerm: UInt64?, softState: SoftState?) -> Bool {
        var newLeader = false
        if let leader = softState?.leader, leader != 0, leader != lastKnownLeader {
            lastKnownLeader = leader
            newLeader = true
        }
        guard let logger else { return newLeader }
        if let newTerm, newTerm != term {
            logger.notice("term changed", metadata: ["term": "\(newTerm)", "previous-term": "\(term)"])
            term = newTerm
        }
        guard let softState, softState != soft else { return newLeader }
        if softState.role != soft.role {
            // A cut-off member pre-votes every election timeout and falls back; those
            // transitions alone go to debug, so a partition does not flood the log.
            let preVoteOnly = [softState.role, soft.role].allSatisfy { $0 == .follower || $0 == .preCandidate }
            logger.log(
                level: preVoteOnly ? .debug : .notice, "role changed",
                metadata: ["term": "\(term)", "role": "\(softState.role)", "previous-role": "\(soft.role)"])
        }
        if softState.leader != soft.leader {
            logger.notice(
                softState.leader == 0 ? "leader lost" : "leader changed",
                metadata: ["term": "\(term)", "leader": "\(softState.leader)", "previous-leader": "\(soft.leader)"])
        }
        soft = softState
        return newLeader
    }

    /// A `Step` to `peer` failed (unreachable, timed out or refused).
    mutating func stepFailed(to peer: UInt64, error: any Error) {
        guard let logger, unreachable.insert(peer).inserted else { return }
        logger.warning("peer unreachable", metadata: ["peer": "\(peer)", "term": "\(term)", "error": "\(error)"])
    }

    /// `peer` answered a `Step`.
    mutating func stepAnswered(by peer: UInt64) {
        guard let logger, unreachable.remove(peer) != nil else { return }
        logger.notice("peer reachable again", metadata: ["peer": "\(peer)", "term": "\(term)"])
    }

    /// The service handed over a snapshot through `index` and the log before it was discarded.
    func snapshotTaken(index: UInt64, bytes: Int) {
        logger?.info("snapshot taken", metadata: ["index": "\(index)", "bytes": "\(bytes)", "term": "\(term)"])
    }

    /// A snapshot from the leader replaced this peer's state.
    func snapshotInstalled(index: UInt64, snapshotTerm: UInt64, bytes: Int) {
        logger?.info(
            "snapshot installed",
            metadata: ["index": "\(index)", "snapshot-term": "\(snapshotTerm)", "bytes": "\(bytes)", "term": "\(term)"])
    }

    /// The core dropped a malformed message (`RaftNode.lastDropReason`: the message and why);
    /// a broken or hostile sender.
    func messageDropped(_ reason: String, count: UInt64) {
        logger?.warning(
            "dropped a malformed Raft message",
            metadata: ["reason": "\(reason)", "dropped": "\(count)", "term": "\(term)"])
    }

    /// A membership change applied here (`change` as proposed, `result` the membership it
    /// leads to).
    func membershipChanged(index: UInt64, change: String, result: ConfState) {
        logger?.notice(
            "membership changed",
            metadata: ["index": "\(index)", "change": "\(change)", "membership": "\(result)", "term": "\(term)"])
    }

    /// Member `peer` answered that this node was removed from the group; the peer stops.
    func removedFromGroup(toldBy peer: UInt64) {
        logger?.error(
            "this node was removed from its group; the peer stops", metadata: ["told-by": "\(peer)", "term": "\(term)"])
    }

    /// The store failed; the peer stops.
    func storeFailed(_ error: RaftStoreError) {
        logger?.error("storage failed; the peer stops", metadata: ["error": "\(error)", "term": "\(term)"])
    }
}
