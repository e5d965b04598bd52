/// Log replication (§5.3), commitment (§5.4.2), flow control and snapshots (§7).
extension RaftNode {
    // MARK: Leader: appending and committing

    /// Leader: stamps `entries` with our term and the next indices and appends them to the
    /// log. Our own copy counts towards a quorum only once it is stable (see
    /// ``countOwnStableEntries(through:term:)``). Returns false (appending nothing) if the
    /// proposal would exceed `maxUncommittedEntriesBytes`.
    mutating func appendEntries(_ entries: [Entry]) -> Bool {
        var entries = entries
        let last = raftLog.lastIndex
        for i in entries.indices {
            entries[i].term = term
            entries[i].index = last + 1 + UInt64(i)
        }
        guard increaseUncommittedBytes(entries) else { return false }
        _ = raftLog.append(entries)
        return true
    }

    /// Leader: our own entries through `index` (of `term`) are on stable storage, so our copy
    /// now counts towards their quorum (etcd's self-acknowledgement after the storage write).
    ///
    /// Safety: an entry is committed only once a quorum holds it *durably*. A leader that
    /// counted its unsynced copy could commit an entry with fewer durable copies than a quorum
    /// (3 voters: the leader's unsynced copy and one follower's); if the leader then crashed
    /// and lost it, the two others could elect a leader without it and lose a committed entry.
    /// Counting only what the driver reported stable (`advance`) keeps the quorum durable even
    /// when the driver writes asynchronously and receives followers' acknowledgements before
    /// its own write completes.
    mutating func countOwnStableEntries(through index: UInt64, term entryTerm: UInt64) {
        guard role == .leader, entryTerm == term, raftLog.termOrZero(index) == entryTerm else { return }
        guard leaderState.progress[id]!.maybeUpdate(index) else { return }
        // A single-node cluster commits here, which may release waiting reads.
        if maybeCommit() {
            releasePendingReadIndexRequests()
            announceCommit()
        }
    }

    /// Advances the commit index to the highest index replicated on a quorum, provided
    /// that entry is from the current term (§5.4.2). Returns whether it advanced.
    mutating func maybeCommit() -> Bool {
        let progress = leaderState.progress
        return raftLog.maybeCommit(maxIndex: votersConfig.committedIndex { progress[$0]?.match }, term: term)
    }

    mutating func increaseUncommittedBytes(_ entries: [Entry]) -> Bool {
        let bytes = entries.reduce(0) { $0 + $1.data.count }
        // Always accept something when nothing is uncommitted, so that a single entry
        // larger than the limit can still make progress.
        if leaderState.uncommittedBytes > 0 && bytes > 0
            && leaderState.uncommittedBytes + bytes > maxUncommittedEntriesBytes
        {
            return false
        }
        leaderState.uncommittedBytes += bytes
        return true
    }

    mutating func reduceUncommittedBytes(_ entries: [Entry]) {
        let bytes = entries.reduce(0) { $0 + $1.data.count }
        // Entries appended in an earlier term were never counted; clamp at zero.
        leaderState.uncommittedBytes = max(0, leaderState.uncommittedBytes - bytes)
    }

    // MARK: Leader: sending

    /// Sends an appendEntries (or, if the needed entries are compacted, an installSnapshot)
    /// to `peer` unless its progress is paused. With `sendIfEmpty == false`, sends only if
    /// there are entries to send. Returns whether a message was sent.
    @discardableResult
    mutating func sendAppend(to peer: UInt64, sendIfEmpty: Bool = true) -> Bool {
        guard var pr = leaderState.progress[peer], !pr.isPaused else { return false }
        let prevIndex = pr.next - 1
        let prevTerm = try? raftLog.term(prevIndex)
        let entries = try? raftLog.entries(from: pr.next, maxBytes: maxEntriesBytesPerAppend)
        if let entries, entries.isEmpty, !sendIfEmpty { return false }

        guard let prevTerm, let entries else {
            // The follower needs entries we compacted: send the snapshot instead, but only
            // to a follower we recently heard from (snapshots are expensive).
            guard pr.recentActive else { return false }
            let snapshot: Snapshot
            do {
                snapshot = try raftLog.snapshot()
            } catch .snapshotTemporarilyUnavailable {
                return false
            } catch {
                preconditionFailure("\(id) failed to read snapshot for \(peer): \(error)")
            }
            precondition(!snapshot.isEmpty, "\(id) needs a non-empty snapshot to send to \(peer)")
            pr.becomeSnapshot(snapshot.metadata.index)
            leaderState.progress[peer] = pr
            send(Message(type: .installSnapshot, to: peer, snapshot: snapshot))
            return true
        }

        switch pr.state {
        case .replicate:
            if let last = entries.last {
                // Pipelining: assume success and keep streaming within the window.
                pr.optimisticUpdate(last.index)
                pr.inflights.add(last.index)
            }
        case .probe:
            // One probe at a time until a response or heartbeat response arrives.
            pr.probeSent = true
        case .snapshot:
            preconditionFailure("\(id) is sending append in unhandled state \(pr.state) to \(peer)")
        }
        leaderState.progress[peer] = pr
        send(
            Message(
                type: .appendEntries, to: peer, logTerm: prevTerm, index: prevIndex,
                entries: entries, commit: raftLog.committed))
        return true
    }

    /// Sends every follower what it lacks (an empty append if nothing), each carrying the
    /// commit index.
    mutating func broadcastAppend() {
        leaderState.commitUnannounced = false
        for peer in replicationTargets {
            sendAppend(to: peer)
        }
    }

    /// The commit index advanced: tells the followers now, or with the next broadcast
    /// (`Config.CommitBroadcast`; `tickHeartbeat` sends one if no proposal did first).
    mutating func announceCommit() {
        switch commitBroadcast {
        case .immediate: broadcastAppend()
        case .nextTick: leaderState.commitUnannounced = true
        }
    }

    mutating func sendTimeoutNow(to peer: UInt64) {
        leaderState.sentTimeoutNow = true
        leaderState.leaseStartTick = nil
        send(Message(type: .timeoutNow, to: peer))
    }

    // MARK: Leader: handling responses

    mutating func stepLeader(_ m: Message) {
        if m.type == .readIndex {
            // Forwarded requests beyond the limit are dropped; the follower's caller retries.
            guard leaderState.progress[m.from] != nil, !readIndexQueueIsFull else { return }
            handleReadIndexRequest(from: m.from, context: m.context)
            return
        }
        guard var pr = leaderState.progress[m.from] else { return }
        switch m.type {
        case .appendEntriesResponse:
            pr.recentActive = true
            pr.lastHeardTick = ticksElapsed
            if m.reject {
                // Fast back-off: the follower told us the last index that may match and
                // its term there; skip every entry of ours with a larger term as well.
                var nextProbeIndex = m.rejectHint
                if m.logTerm > 0 {
                    nextProbeIndex =
                        raftLog.findConflictByTerm(index: m.rejectHint, term: m.logTerm).index
                }
                let decreased = pr.maybeDecrTo(rejected: m.index, matchHint: nextProbeIndex)
                if decreased && pr.state == .replicate { pr.becomeProbe() }
                leaderState.progress[m.from] = pr
                if decreased { sendAppend(to: m.from) }
                return
            }
            guard m.index <= raftLog.lastIndex else {
                // A follower cannot hold entries this leader never had.
                drop(m, because: "acknowledges index \(m.index) beyond the last index \(raftLog.lastIndex)")
                return
            }
            let wasPaused = pr.isPaused
            guard pr.maybeUpdate(m.index) else {
                leaderState.progress[m.from] = pr
                return
            }
            switch pr.state {
            case .probe:
                pr.becomeReplicate()
            case .snapshot where pr.match >= pr.pendingSnapshot:
                pr.becomeProbe()
                pr.becomeReplicate()
            case .replicate:
                pr.inflights.freeLE(m.index)
            case .snapshot:
                break
            }
            leaderState.progress[m.from] = pr
            let committed = maybeCommit()
            if committed {
                releasePendingReadIndexRequests()
                announceCommit()
            }
            // A follower that was paused hears from us now, unless the broadcast just did it.
            if wasPaused && (!committed || leaderState.commitUnannounced) {
                sendAppend(to: m.from)
            }
            // Fill the window. Terminates: each send advances `next` (replicate) or pauses
            // the progress (probe), and there are finitely many entries.
            while sendAppend(to: m.from, sendIfEmpty: false) {}
            if m.from == leaderState.leadTransferee
                && leaderState.progress[m.from]!.match == raftLog.lastIndex
            {
                sendTimeoutNow(to: m.from)
            }
        case .heartbeatResponse:
            pr.recentActive = true
            pr.lastHeardTick = ticksElapsed
            pr.probeSent = false
            // The follower is alive, but if every append filling the window was lost, no
            // response will ever free it: free one slot so that an append goes out; a
            // rejection then resets the progress to probe.
            if pr.state == .replicate && pr.inflights.isFull {
                pr.inflights.freeFirstOne()
            }
            leaderState.progress[m.from] = pr
            if pr.match < raftLog.lastIndex {
                sendAppend(to: m.from)
            }
            handleReadIndexAck(from: m.from, context: m.context)
        default:
            // Stale vote responses, timeoutNow, readIndexResponse: not for a leader.
            break
        }
    }

    // MARK: Follower

    mutating func stepFollower(_ m: Message) {
        switch m.type {
        case .appendEntries:
            electionElapsed = 0
            leader = m.from
            handleAppendEntries(m)
        case .heartbeat:
            electionElapsed = 0
            leader = m.from
            handleHeartbeat(m)
        case .installSnapshot:
            electionElapsed = 0
            leader = m.from
            handleSnapshot(m)
        case .timeoutNow:
            // Leadership transfer: campaign immediately, skipping pre-vote, with a context
            // that overrides the voters' leader lease.
            hup(transfer: true)
        case .readIndexResponse:
            readStates.append(ReadState(index: m.index, context: m.context))
        default:
            // Responses meant for a leader or candidate we no longer are; readIndex
            // requests from peers (only leaders serve them).
            break
        }
    }

    mutating func handleAppendEntries(_ m: Message) {
        if m.index < raftLog.committed {
            // Everything up to our commit index matches the leader's log by the Leader
            // Completeness property; tell it where we are.
            send(Message(type: .appendEntriesResponse, to: m.from, index: raftLog.committed))
            return
        }
        if let lastNew = raftLog.maybeAppend(
            index: m.index, logTerm: m.logTerm, commit: m.commit, entries: m.entries)
        {
            send(Message(type: .appendEntriesResponse, to: m.from, index: lastNew))
            return
        }
        // Reject, with a hint for fast back-off: the last index at or before the probed
        // one whose term is at most the probed term. The leader can then skip every index
        // after it in a single round trip (instead of one index per round trip).
        let hint = raftLog.findConflictByTerm(
            index: min(m.index, raftLog.lastIndex), term: m.logTerm)
        send(
            Message(
                type: .appendEntriesResponse, to: m.from, logTerm: hint.term, index: m.index,
                reject: true, rejectHint: hint.index))
    }

    mutating func handleHeartbeat(_ m: Message) {
        // The leader caps `commit` at our match index, so a correct leader never sends one
        // beyond our log. One that does (our log was lost, say a wiped data directory under
        // the old id, or the sender is broken) must not crash us: the commit is ignored (we
        // cannot tell which of our entries match) and we answer as usual.
        if m.commit <= raftLog.lastIndex { raftLog.commitTo(m.commit) }
        send(Message(type: .heartbeatResponse, to: m.from, context: m.context))
    }

    mutating func handleSnapshot(_ m: Message) {
        guard let snapshot = m.snapshot else { return }
        if restore(snapshot) {
            send(Message(type: .appendEntriesResponse, to: m.from, index: raftLog.lastIndex))
        } else {
            send(Message(type: .appendEntriesResponse, to: m.from, index: raftLog.committed))
        }
    }

    /// Follower: replaces the log with `snapshot` if it is newer than our commit index and
    /// not already covered by our log. Returns whether the snapshot was taken (it then
    /// appears in the next `Ready`).
    mutating func restore(_ snapshot: Snapshot) -> Bool {
        let index = snapshot.metadata.index
        if index <= raftLog.committed { return false }
        precondition(role == .follower, "\(id) received a snapshot as \(role) in term \(term)")
        if raftLog.matchTerm(index: index, term: snapshot.metadata.term) {
            // We already have the snapshot's last entry: fast-forward the commit index.
            raftLog.commitTo(index)
            return false
        }
        var snapshot = snapshot
        if snapshot.metadata.confState.isUnknown {
            // A snapshot that names no membership keeps ours, and says so in what the driver
            // persists: a restart reads the membership from the stored snapshot, and without
            // it the node would not be a member of its own group.
            snapshot.metadata.confState = confState
        } else {
            confState = snapshot.metadata.confState
            votersConfig = confState.votersConfig
        }
        raftLog.restore(snapshot)
        return true
    }
}

extension RaftNode {
    /// Leader: every member but itself (voters and learners), in id order.
    var replicationTargets: [UInt64] { leaderState.peers }
}
