/// Membership changes (Raft thesis chapter 4, etcd's `ConfChangeV2`): proposed by the leader as
/// ``Entry/Kind/configChange`` entries, in force on each member from the moment it applies the
/// entry (`advance`), one at a time.
///
/// Safety rules, where each is decided:
/// * One change at a time: the leader refuses a proposal while an earlier change in its log is
///   not applied (`pendingConfIndex`; a new leader sets it to its last index, since its log may
///   hold a change it cannot see is unapplied). With at most one voter changed directly, or any
///   change through a joint configuration in which every decision needs a majority of the old
///   and of the new voters, two majorities that could decide at the same time always intersect
///   (thesis §4.1, §4.3), so no two leaders are elected in one term across configurations and
///   no committed entry is lost.
/// * The entry carries the membership it leads to (``ConfChangeEntry``), computed by the leader
///   from the membership in force at that point of the log; members adopt it as is.
/// * A leader that is no longer a voter after a change keeps leading (it accepts no proposals)
///   and hands leadership to the most up-to-date voter, trying again every election timeout
///   (check-quorum or a higher term still end its leadership); a node that is not a voter never
///   campaigns. Stepping down at once could deadlock: the remaining voters may not know yet
///   that the change committed, count this node's vote, and be refused it because its log is
///   longer than theirs (found by `RandomizedMembershipTests`, seed 52).
extension RaftNode {
    /// The group's membership in force on this node (as of its applied index).
    public var membership: ConfState { confState }

    /// Leader only: proposes a membership change. Throws `.notLeader`,
    /// `.leadershipTransferInProgress`, `.confChangePending` (one change at a time),
    /// `.confChangeRefused` (the change does not apply to the membership), or, unless `force`,
    /// `.confChangeWouldLoseQuorum` when the voters heard from within an election timeout would
    /// not hold a quorum afterwards.
    ///
    /// A change that would leave this leader without a vote (removing or demoting it, or
    /// leaving a joint configuration it is only an outgoing voter of) is not proposed here:
    /// the leader starts handing leadership to the most up-to-date voter of the new membership
    /// and throws `.leadershipTransferInProgress`; the caller retries on the new leader, where
    /// this node is an ordinary follower. (A leader that applies its own removal could leave
    /// the others needing its vote before they learn the change committed; see the type's
    /// documentation.)
    @discardableResult
    public mutating func proposeConfChange(_ change: ConfChange, force: Bool = false) throws(RaftError)
        -> ProposalReceipt
    {
        guard role == .leader else { throw .notLeader(leaderHint: leader == 0 ? nil : leader) }
        if let transferee = leaderState.leadTransferee {
            throw .leadershipTransferInProgress(transferee: transferee)
        }
        guard pendingConfIndex <= raftLog.applied else { throw .confChangePending(index: pendingConfIndex) }
        let result: ConfState
        do {
            result = try ConfChanger.apply(change, to: confState)
        } catch {
            throw .confChangeRefused(error)
        }
        if !result.isJoint && !result.voters.contains(id) {
            let transferee = mostUpToDate(of: result.voters)
            guard let transferee else { throw .confChangeRefused(.removesAllVoters) }
            try transferLeadership(to: transferee)
            throw .leadershipTransferInProgress(transferee: transferee)
        }
        if !force {
            let healthy = healthyVoters(of: result)
            guard result.votersConfig.hasQuorum(Set(healthy)) else { throw .confChangeWouldLoseQuorum(healthy: healthy) }
        }
        let data = ConfChangeEntry(change: change, result: result).encoded()
        guard appendEntries([Entry(term: term, index: 0, kind: .configChange, data: data)]) else {
            throw .uncommittedBytesLimitExceeded(limit: maxUncommittedEntriesBytes)
        }
        pendingConfIndex = raftLog.lastIndex
        broadcastAppend()
        return ProposalReceipt(term: term, indices: pendingConfIndex...pendingConfIndex)
    }

    /// Voters of `state` this leader heard from within an election timeout (itself included).
    func healthyVoters(of state: ConfState) -> [UInt64] {
        state.votersConfig.voters.filter { voter in
            if voter == id { return true }
            guard let heard = leaderState.progress[voter]?.lastHeardTick else { return false }
            return ticksElapsed - heard <= UInt64(electionTimeout)
        }
    }

    /// Applies the membership changes among `entries` (just applied by the application), in
    /// order; undecodable ones are ignored alike by every member and recorded as dropped.
    mutating func applyConfChanges(in entries: [Entry]) {
        for entry in entries where entry.kind == .configChange {
            guard let change = ConfChangeEntry(decoding: entry.data) else {
                droppedMessages += 1
                lastDropReason = "membership change at index \(entry.index) is not decodable: ignored"
                continue
            }
            switchToConfig(change.result)
        }
        if role == .leader { maybeLeaveJoint() }
        if let transfer = campaignAfterApplying, !hasUnappliedConfChanges {
            campaignAfterApplying = nil
            hup(transfer: transfer)
        }
    }

    /// Whether a committed membership change is not applied yet.
    var hasUnappliedConfChanges: Bool {
        guard raftLog.committed > raftLog.applied else { return false }
        var next = max(raftLog.applied + 1, raftLog.firstIndex)
        while next <= raftLog.committed {
            guard let page = try? raftLog.slice(next, raftLog.committed + 1, maxBytes: 1 << 20), let last = page.last
            else { return false }
            if page.contains(where: { $0.kind == .configChange }) { return true }
            next = last.index + 1
        }
        return false
    }

    /// Puts `state` in force.
    mutating func switchToConfig(_ state: ConfState) {
        confState = state
        votersConfig = state.votersConfig
        guard role == .leader else { return }
        let lastIndex = raftLog.lastIndex
        let members = Set(state.members)
        for member in members where leaderState.progress[member] == nil {
            leaderState.progress[member] = Progress(match: 0, next: lastIndex + 1, maxInflight: maxInflightAppends)
        }
        for member in leaderState.progress.keys where member != id && !members.contains(member) {
            leaderState.progress[member] = nil
        }
        leaderState.peers = leaderState.progress.keys.filter { $0 != id }.sorted()
        if let transferee = leaderState.leadTransferee, !votersConfig.contains(transferee) {
            abortLeaderTransfer()
        }
        if maybeCommit() {
            releasePendingReadIndexRequests()
        }
        broadcastAppend()
        if !votersConfig.contains(id) {
            handOverLeadershipAfterRemoval()
        }
    }

    /// A leader that is no longer a voter transfers leadership to the voter with the highest
    /// match index (it keeps replicating meanwhile, so that one catches up), or steps down when
    /// there is none; `tickHeartbeat` calls it again after an election timeout.
    mutating func handOverLeadershipAfterRemoval() {
        guard let best = mostUpToDate(of: votersConfig.voters) else {
            becomeFollower(term: term, leader: 0)
            return
        }
        try? transferLeadership(to: best)
    }

    /// Leader: the node among `candidates` (other than itself) with the highest match index,
    /// the lowest id among equals.
    func mostUpToDate(of candidates: [UInt64]) -> UInt64? {
        candidates.filter { $0 != id && leaderState.progress[$0] != nil }.max {
            (leaderState.progress[$0]!.match, $1) < (leaderState.progress[$1]!.match, $0)
        }
    }

    /// Leader: proposes the empty change that leaves a joint configuration entered with
    /// auto-leave, once that change is applied. (A leader that is only an outgoing voter hands
    /// leadership to an incoming one instead, through `proposeConfChange`; the new leader then
    /// leaves the joint configuration.)
    mutating func maybeLeaveJoint() {
        guard confState.isJoint, confState.autoLeave, pendingConfIndex <= raftLog.applied,
            leaderState.leadTransferee == nil
        else { return }
        _ = try? proposeConfChange(.leaveJoint, force: true)
    }

    /// Leader, every tick: promotes a learner added to become a voter once it has been caught
    /// up for `learnerPromotionTicks` (one promotion at a time, like every change).
    mutating func tickLearnerPromotion() {
        guard !confState.autoPromote.isEmpty else { return }
        let lastIndex = raftLog.lastIndex
        var ready: UInt64?
        for learner in confState.autoPromote {
            guard var pr = leaderState.progress[learner] else { continue }
            if pr.match > 0 && pr.match + UInt64(learnerPromotionMaxLagEntries) >= lastIndex {
                let since = pr.caughtUpSinceTick ?? ticksElapsed
                pr.caughtUpSinceTick = since
                if ready == nil && ticksElapsed - since >= UInt64(learnerPromotionTicks) { ready = learner }
            } else {
                pr.caughtUpSinceTick = nil
            }
            leaderState.progress[learner] = pr
        }
        if let learner = ready, pendingConfIndex <= raftLog.applied, leaderState.leadTransferee == nil {
            _ = try? proposeConfChange(ConfChange([.init(.addVoter, learner)]))
        }
    }

    /// The membership in force after `base` once the membership changes among the entries in
    /// `(from, through]` of `storage` apply (a restart replays what it had applied).
    static func membership(
        after base: ConfState, in storage: any RaftStorage, from: UInt64, through: UInt64
    ) -> ConfState {
        var state = base
        var next = from + 1
        while next <= through {
            guard let entries = try? storage.entries(from: next, to: through + 1, maxBytes: 16 << 20),
                let last = entries.last
            else { break }
            for entry in entries where entry.kind == .configChange {
                if let change = ConfChangeEntry(decoding: entry.data) { state = change.result }
            }
            next = last.index + 1
        }
        return state
    }
}
