/// Linearizable reads without writing to the log: ReadIndex with `ReadOnlyOption.safe`
/// (Raft thesis §6.4).
///
/// 1. The leader records its commit index as the read index, but only once it has committed
///    an entry of its own term (before that, its commit index may be stale).
/// 2. It confirms it is still leader by a heartbeat round carrying the request's context; a
///    quorum of acknowledgements (itself included) completes the request and every earlier
///    one.
/// 3. The `ReadState` goes to the requester: this node's `Ready.readStates`, or a
///    `readIndexResponse` to the follower that forwarded it.
extension RaftNode {
    var committedEntryInCurrentTerm: Bool {
        raftLog.termOrZero(raftLog.committed) == term
    }

    /// Whether the leader holds `maxPendingReadIndexRequests` unanswered requests.
    var readIndexQueueIsFull: Bool {
        leaderState.readOnly.count + leaderState.pendingReadIndexRequests.count
            >= maxPendingReadIndexRequests
    }

    mutating func handleReadIndexRequest(from requester: UInt64, context: [UInt8]) {
        // First, also with one voter: a restarted node's commit index may lag what it
        // acknowledged (commit-only changes need not be synced), and without the election
        // no-op nothing of this term has committed yet to bring it up to date.
        guard committedEntryInCurrentTerm else {
            leaderState.pendingReadIndexRequests.append((requester, context))
            return
        }
        if votersConfig.isSingleton(id) || holdsLease {
            // Nobody else can be leader (alone, or within the lease): no round is needed.
            respondToReadIndex(index: raftLog.committed, to: requester, context: context)
            return
        }
        leaderState.readOnly.add(index: raftLog.committed, from: requester, context: context, atTick: ticksElapsed)
        _ = leaderState.readOnly.recordAck(from: id, context: context)
        broadcastHeartbeat(context: context)
    }

    mutating func releasePendingReadIndexRequests() {
        guard committedEntryInCurrentTerm, !leaderState.pendingReadIndexRequests.isEmpty else {
            return
        }
        let pending = leaderState.pendingReadIndexRequests
        leaderState.pendingReadIndexRequests = []
        for request in pending {
            handleReadIndexRequest(from: request.from, context: request.context)
        }
    }

    /// A heartbeat response carrying a read context: count it, and complete the requests
    /// it confirms once a quorum acknowledged.
    mutating func handleReadIndexAck(from peer: UInt64, context: [UInt8]) {
        guard !context.isEmpty,
            let acks = leaderState.readOnly.recordAck(from: peer, context: context)
        else { return }
        guard votersConfig.hasQuorum(acks) else { return }
        let confirmed = leaderState.readOnly.advance(through: context)
        if case .leaseBased = readOnlyOption, !leaderState.sentTimeoutNow, leaderState.leadTransferee == nil,
            let newest = confirmed.last
        {
            leaderState.leaseStartTick = max(leaderState.leaseStartTick ?? 0, newest.arrivedAtTick)
        }
        for request in confirmed {
            respondToReadIndex(index: request.index, to: request.from, context: request.context)
        }
    }

    /// Lease-based reads: ticks a lease lasts from the round that confirmed it — the election
    /// timeout shrunk by the clock-drift bound, less one tick for the tick's granularity.
    var leaseTicks: UInt64 {
        guard case .leaseBased(let drift) = readOnlyOption else { return 0 }
        return UInt64(max(0, electionTimeout * 100 / (100 + drift) - 1))
    }

    /// Whether this leader may answer a read from its lease now (see `Config.ReadOnlyOption`).
    var holdsLease: Bool {
        guard role == .leader, case .leaseBased = readOnlyOption, !leaderState.sentTimeoutNow, leaderState.leadTransferee == nil,
            let start = leaderState.leaseStartTick
        else { return false }
        return ticksElapsed < start + leaseTicks
    }

    /// With lease-based reads, a node refuses votes for its first election timeout: before a
    /// crash it may have acknowledged a leader's lease that has not run out.
    var startingUnderLeases: Bool {
        guard case .leaseBased = readOnlyOption else { return false }
        return ticksElapsed < UInt64(electionTimeout)
    }

    mutating func respondToReadIndex(index: UInt64, to requester: UInt64, context: [UInt8]) {
        if requester == id {
            readStates.append(ReadState(index: index, context: context))
        } else {
            send(Message(type: .readIndexResponse, to: requester, index: index, context: context))
        }
    }

    mutating func broadcastHeartbeat(context: [UInt8]?) {
        for peer in replicationTargets {
            // Never tell a follower to commit beyond what it is known to hold.
            let commit = min(leaderState.progress[peer]!.match, raftLog.committed)
            send(Message(type: .heartbeat, to: peer, commit: commit, context: context ?? []))
        }
    }
}
