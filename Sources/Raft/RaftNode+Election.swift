/// Leader election: role transitions, timers, pre-vote and vote handling (§5.2, §5.4.1,
/// thesis §9.6 pre-vote, §4.2.3/§6.2 check-quorum and leader lease, §3.10 transfer).
extension RaftNode {
    enum CampaignType {
        case preElection
        case election
        /// An election forced by `timeoutNow` during leadership transfer.
        case transfer
    }

    /// Whether this node may become leader (it is a voter).
    var promotable: Bool { votersConfig.contains(id) }

    // MARK: Transitions

    mutating func becomeFollower(term newTerm: UInt64, leader newLeader: UInt64) {
        reset(term: newTerm)
        leader = newLeader
        roleState = .follower
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "invalid transition [leader -> preCandidate] at term \(term)")
        // Pre-candidates keep their term and vote: a pre-vote changes nothing durable.
        leader = 0
        roleState = .preCandidate(votes: [:])
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "invalid transition [leader -> candidate] at term \(term)")
        reset(term: term + 1)
        vote = id
        roleState = .candidate(votes: [:])
    }

    mutating func becomeLeader() {
        precondition(role != .follower, "invalid transition [follower -> leader] at term \(term)")
        reset(term: term)
        leader = id
        let lastIndex = raftLog.lastIndex
        var progress: [UInt64: Progress] = [:]
        for voter in Set(confState.members).union([id]) {
            // Followers start optimistic (§5.3: nextIndex = last log index + 1) and in probe.
            var pr = Progress(match: 0, next: lastIndex + 1, maxInflight: maxInflightAppends)
            if voter == id {
                // Our own log matches itself by definition.
                pr.match = lastIndex
                pr.becomeReplicate()
                pr.recentActive = true
            }
            progress[voter] = pr
        }
        roleState = .leader(LeaderState(progress: progress, leader: id))
        // A membership change in our log may not be applied yet: no other until it is.
        pendingConfIndex = lastIndex
        // Append an empty entry of our term: entries from earlier terms can only be
        // committed indirectly, by committing one of ours after them (§5.4.2, Figure 8).
        // The no-op does not count against the uncommitted-bytes limit.
        if appendsNoopOnElection {
            let appended = appendEntries([Entry(term: term, index: 0, kind: .noop)])
            precondition(appended, "empty entry was dropped by the uncommitted-bytes limit")
        }
    }

    /// Resets per-term volatile state shared by all roles (each `become…` then installs its
    /// own `roleState`). A new term clears the vote.
    mutating func reset(term newTerm: UInt64) {
        if term != newTerm {
            term = newTerm
            vote = 0
            campaignAfterApplying = nil
        }
        leader = 0
        electionElapsed = 0
        heartbeatElapsed = 0
        resetRandomizedElectionTimeout()
    }

    /// Picks a fresh election timeout uniformly in [T, 2T) so that split votes are rare
    /// (§5.2).
    mutating func resetRandomizedElectionTimeout() {
        randomizedElectionTimeout =
            electionTimeout + Int(random.next(below: UInt64(electionTimeout)))
    }

    mutating func abortLeaderTransfer() {
        leaderState.leadTransferee = nil
    }

    // MARK: Timers

    mutating func tickElection() {
        electionElapsed += 1
        if promotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            hup(transfer: false)
        }
    }

    mutating func tickHeartbeat() {
        heartbeatElapsed += 1
        electionElapsed += 1

        // A snapshot that has not been acknowledged for a whole election timeout was
        // probably lost; probe again (the leader resends it if still needed). Not when the
        // driver reports every snapshot's outcome: a slow transfer is not a lost one. Hash
        // order is harmless here: each iteration updates only its own peer's progress and
        // emits nothing.
        for (peer, var pr) in leaderState.progress where pr.state == .snapshot && !driverReportsSnapshots {
            pr.snapshotTicks += 1
            if pr.snapshotTicks >= electionTimeout {
                pr.abandonSnapshot()
            }
            leaderState.progress[peer] = pr
        }

        if electionElapsed >= electionTimeout {
            electionElapsed = 0
            if checkQuorum {
                checkQuorumActive()
            }
            // Abort a transfer that did not finish within an election timeout.
            if role == .leader && leaderState.leadTransferee != nil {
                abortLeaderTransfer()
            }
            // A leader removed from the voters whose hand-over did not finish tries again. It
            // does not just step down: until the remaining voters learn that the change
            // committed they may still need this node's vote, which it would refuse them if
            // its log were longer than theirs.
            if role == .leader && !promotable {
                handOverLeadershipAfterRemoval()
            }
        }
        guard role == .leader else { return }
        if leaderState.commitUnannounced { broadcastAppend() }
        tickLearnerPromotion()
        if heartbeatElapsed >= heartbeatTimeout {
            heartbeatElapsed = 0
            broadcastHeartbeat(context: leaderState.readOnly.lastPendingContext)
        }
    }

    /// Check-quorum: step down unless a quorum was heard from since the last round.
    mutating func checkQuorumActive() {
        let active = Set(voters.filter { $0 == id || leaderState.progress[$0]?.recentActive == true })
        if !votersConfig.hasQuorum(active) {
            becomeFollower(term: term, leader: 0)
            return
        }
        for peer in leaderState.progress.keys where peer != id {
            leaderState.progress[peer]!.recentActive = false
        }
    }

    // MARK: Campaigning

    mutating func hup(transfer: Bool) {
        guard role != .leader else { return }
        if hasUnappliedConfChanges {
            // Campaigning now would ask the voters of a membership about to change (etcd
            // refuses such a campaign; this one runs once the changes are applied).
            campaignAfterApplying = transfer || campaignAfterApplying == true
            return
        }
        guard promotable else { return }
        if preVote && !transfer {
            campaign(.preElection)
        } else {
            campaign(transfer ? .transfer : .election)
        }
    }

    mutating func campaign(_ type: CampaignType) {
        let voteType: Message.Kind
        let voteTerm: UInt64
        if type == .preElection {
            becomePreCandidate()
            voteType = .preVote
            // Ask for votes for the term we would campaign in, without entering it.
            voteTerm = term + 1
        } else {
            becomeCandidate()
            voteType = .requestVote
            voteTerm = term
        }
        if poll(from: id, granted: true) == .won {
            // Single-node cluster: we won by voting for ourselves.
            if type == .preElection {
                campaign(.election)
            } else {
                becomeLeader()
            }
            return
        }
        for peer in voters where peer != id {
            send(
                Message(
                    type: voteType, to: peer, term: voteTerm,
                    logTerm: raftLog.lastTerm, index: raftLog.lastIndex,
                    context: type == .transfer ? Message.campaignTransferContext : []))
        }
    }

    /// Records a vote response and tallies the election.
    mutating func poll(from peer: UInt64, granted: Bool) -> VoteResult {
        var votes: [UInt64: Bool]
        switch roleState {
        case .preCandidate(let received), .candidate(let received):
            votes = received
        case .follower, .leader:
            preconditionFailure("\(id) counted a vote from \(peer) as \(role) in term \(term)")
        }
        if votes[peer] == nil { votes[peer] = granted }
        roleState = role == .preCandidate ? .preCandidate(votes: votes) : .candidate(votes: votes)
        return votersConfig.voteResult(votes)
    }

    /// Grants or refuses a vote or pre-vote (§5.2, §5.4.1). Term checks already happened in
    /// `step`.
    mutating func handleVoteRequest(_ m: Message) {
        // We can vote for the candidate we already voted for (a retransmission), or for
        // anyone if we have not voted and know no leader in this term, or pre-vote for a
        // future term.
        let canVote =
            vote == m.from
            || (vote == 0 && leader == 0)
            || (m.type == .preVote && m.term > term)
        if canVote && raftLog.isUpToDate(lastIndex: m.index, term: m.logTerm) {
            // The response carries the request's term so the (pre-)candidate does not drop
            // it as stale.
            send(Message(type: m.type.voteResponse, to: m.from, term: m.term))
            if m.type == .requestVote {
                // Granting a vote resets the election timer; pre-votes must not (a granted
                // pre-vote does not mean the candidate will win).
                electionElapsed = 0
                vote = m.from
            }
        } else {
            send(Message(type: m.type.voteResponse, to: m.from, term: term, reject: true))
        }
    }

    mutating func stepCandidate(_ m: Message) {
        let myResponseType: Message.Kind =
            role == .preCandidate ? .preVoteResponse : .requestVoteResponse
        switch m.type {
        case .appendEntries:
            // A leader exists in this term (term checks are done): follow it.
            becomeFollower(term: m.term, leader: m.from)
            handleAppendEntries(m)
        case .heartbeat:
            becomeFollower(term: m.term, leader: m.from)
            handleHeartbeat(m)
        case .installSnapshot:
            becomeFollower(term: m.term, leader: m.from)
            handleSnapshot(m)
        case myResponseType:
            switch poll(from: m.from, granted: !m.reject) {
            case .won where !promotable:
                // A change applied while campaigning removed this node from the voters.
                becomeFollower(term: term, leader: 0)
            case .won:
                if role == .preCandidate {
                    campaign(.election)
                } else {
                    becomeLeader()
                    broadcastAppend()
                }
            case .lost:
                // A rejected pre-vote or vote with our term: back to follower of this term.
                becomeFollower(term: term, leader: 0)
            case .pending:
                break
            }
        default:
            // timeoutNow (we are already campaigning), stale responses, readIndex without a
            // leader: ignored.
            break
        }
    }
}
