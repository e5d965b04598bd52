import Testing

@testable import Raft

/// Log replication beyond the paper's basics: fast back-off on divergent logs, flow
/// control (probe state, in-flight window), batching, and the uncommitted-bytes limit.
@Suite struct ReplicationTests {
    /// A follower whose last 100 entries diverge from the leader's (different term) is
    /// repaired in a constant number of round trips thanks to the conflict-term hint, not
    /// one round trip per entry (6.824 TestBackup2B's requirement).
    @Test(arguments: [
        // (follower's divergent tail terms, leader's tail terms, max rejections)
        ([UInt64](repeating: 2, count: 100), [UInt64](repeating: 3, count: 100), 2),
        ([], [UInt64](repeating: 3, count: 100), 1),
        ((0..<100).map { 2 + UInt64($0 / 10) }, [UInt64](repeating: 20, count: 30), 2),
    ])
    func fastBackoffRepairsLongDivergentLog(
        followerTail: [UInt64], leaderTail: [UInt64], maxRejections: Int
    ) {
        let common = [UInt64](repeating: 1, count: 50)
        let leaderStorage = storageWithTerms(common + leaderTail)
        let followerStorage = storageWithTerms(common + followerTail)
        let thirdStorage = storageWithTerms(common + leaderTail)
        let term = max(leaderTail.max() ?? 1, followerTail.max() ?? 1)
        for s in [leaderStorage, followerStorage, thirdStorage] {
            s.setHardState(HardState(term: term, vote: 0, commit: 50))
        }
        let c = TestCluster(storages: [1: leaderStorage, 2: followerStorage, 3: thirdStorage]) {
            $0.preVote = false
            $0.checkQuorum = false
        }
        c.recordSent = true
        c.campaign(1)
        #expect(c[1].role == .leader)
        let rejections = c.sentMessages.filter {
            $0.type == .appendEntriesResponse && $0.from == 2 && $0.reject
        }
        #expect(rejections.count <= maxRejections, "\(rejections)")
        #expect(c[2].allEntries == c[1].allEntries)
        #expect(c[2].commitIndex == c[1].lastIndex)
    }

    /// The leader-side walk-back uses its own log too: given a hint (index, term), it jumps
    /// to the last index whose term is at most the hinted term.
    @Test func leaderUsesConflictTermHint() {
        var leader = makeNode(1, storage: storageWithTerms([1, 1, 1, 4, 4, 5, 5, 6, 6, 6]))
        leader.term = 7
        leader.forceLeader()
        _ = leader.takeMessages()
        // Probe from the end: next = 11 (after the no-op at 11, next was set to 11).
        leader.leaderState.progress[2]!.next = 11
        leader.leaderState.progress[2]!.probeSent = true
        // Follower (f) of Figure 7 rejects index 10 with hint: its last index <= 10 with
        // term <= 6 is 10... it has term 3 there, so hint (10, 3).
        leader.step(
            Message(
                type: .appendEntriesResponse, from: 2, to: 1, term: 8, logTerm: 3, index: 10,
                reject: true, rejectHint: 10))
        // The leader's last index with term <= 3 is 3: it probes right after it.
        let msgs = leader.takeMessages()
        #expect(msgs.count == 1)
        #expect(msgs.first?.index == 3)
        #expect(msgs.first?.logTerm == 1)
    }

    /// In the probe state a leader sends one appendEntries and waits for its response (or a
    /// heartbeat response) before sending the next.
    @Test func probeSendsOneAppendAtATime() throws {
        var leader = makeNode(1)
        leader.forceLeader()
        _ = leader.takeMessages()
        for i in 0..<5 { try leader.propose([UInt8(i)]) }
        let toTwo = leader.takeMessages().filter { $0.to == 2 && $0.type == .appendEntries }
        #expect(toTwo.count == 1, "probe state sent more than one append")
        try leader.propose([9])
        #expect(leader.takeMessages().filter { $0.to == 2 }.isEmpty)
        leader.step(Message(type: .heartbeatResponse, from: 2, to: 1, term: 1))
        #expect(leader.takeMessages().filter { $0.to == 2 && $0.type == .appendEntries }.count == 1)
    }

    /// In the replicate state at most `maxInflightAppends` messages are unacknowledged;
    /// acknowledgements free the window in order.
    @Test func inflightWindowBoundsUnacknowledgedAppends() throws {
        var leader = makeNode(1) { $0.maxInflightAppends = 3 }
        leader.forceLeader()
        commitNoop(&leader)
        #expect(leader.leaderState.progress[2]!.state == .replicate)
        var sent: [Message] = []
        for i in 0..<10 {
            try leader.propose([UInt8(i)])
            sent += leader.takeMessages().filter { $0.to == 2 && $0.type == .appendEntries }
        }
        #expect(sent.count == 3)
        #expect(leader.leaderState.progress[2]!.isPaused)
        #expect(leader.leaderState.progress[2]!.inflights.count == 3)
        // Acknowledge the first message: one slot frees, and the backlog goes out batched.
        leader.step(appendResponse(from: 2, term: 1, index: sent[0].entries.last!.index))
        let next = leader.takeMessages().filter { $0.to == 2 && $0.type == .appendEntries }
        #expect(next.count == 1)
        #expect(next[0].entries.count == 7, "backlog was not batched into one append")
        #expect(leader.leaderState.progress[2]!.inflights.count == 3)
    }

    /// Batching respects `maxEntriesBytesPerAppend`: every append stays within the limit
    /// (a single oversized entry still goes alone).
    @Test func appendsRespectByteLimit() throws {
        let limit = 3 * (Entry.overheadBytes + 10)
        var leader = makeNode(1) {
            $0.maxInflightAppends = 100
            $0.maxEntriesBytesPerAppend = limit
        }
        leader.forceLeader()
        _ = leader.takeMessages()
        for _ in 0..<10 { try leader.propose([UInt8](repeating: 7, count: 10)) }
        try leader.propose([UInt8](repeating: 8, count: 500))
        _ = leader.takeMessages()
        // Node 2 is in probe with a probe outstanding; its response releases the backlog.
        leader.step(appendResponse(from: 2, term: 1, index: 1))
        let msgs = leader.takeMessages().filter { $0.to == 2 && $0.type == .appendEntries }
        #expect(msgs.map(\.entries.count) == [3, 3, 3, 1, 1])
        for m in msgs where m.entries.count > 1 {
            #expect(m.entries.reduce(0) { $0 + $1.approximateBytes } <= limit)
        }
        #expect(msgs.last!.entries[0].data.count == 500)
    }

    /// `propose(contentsOf:)` appends a batch as consecutive entries and replicates it with
    /// one message per follower.
    @Test func batchProposalIsOneAppendPerFollower() throws {
        var leader = makeNode(1)
        leader.forceLeader()
        commitNoop(&leader)
        let receipt = try leader.propose(contentsOf: [[1], [2], [3], [4], [5]])
        #expect(receipt.indices == 2...6)
        #expect(receipt.term == 1)
        let msgs = leader.takeMessages()
        #expect(msgs.count == 2)
        #expect(msgs.allSatisfy { $0.entries.map(\.data) == [[1], [2], [3], [4], [5]] })
    }

    /// The leader refuses proposals beyond `maxUncommittedEntriesBytes` until entries
    /// commit and are applied.
    @Test func uncommittedBytesLimit() throws {
        let storage = MemoryStorage(voters: [1, 2, 3])
        var leader = makeNode(1, storage: storage) { $0.maxUncommittedEntriesBytes = 100 }
        leader.forceLeader()
        commitNoop(&leader)
        leader.persistAll(into: storage)
        let first = try leader.propose([UInt8](repeating: 1, count: 60))
        #expect(throws: RaftError.uncommittedBytesLimitExceeded(limit: 100)) {
            try leader.propose([UInt8](repeating: 2, count: 60))
        }
        // Empty proposals are always accepted.
        try leader.propose([])
        leader.step(appendResponse(from: 2, term: 1, index: first.index + 1))
        leader.persistAll(into: storage)
        #expect(leader.leaderState.uncommittedBytes == 0)
        #expect(throws: Never.self) { try leader.propose([UInt8](repeating: 3, count: 60)) }
    }

    /// Proposals to a non-leader fail with a hint naming the leader.
    @Test func proposalOnFollowerNamesLeader() {
        let c = TestCluster(seed: 51)
        c.campaign(1)
        #expect(throws: RaftError.notLeader(leaderHint: 1)) { try c.nodes[2]!.propose([1]) }
        var lone = makeNode(1)
        #expect(throws: RaftError.notLeader(leaderHint: nil)) { try lone.propose([1]) }
    }

    /// A single-node cluster elects itself and commits an entry as soon as it is stable
    /// (not before: its own copy is the whole quorum).
    @Test func singleNodeCommitsOnceTheEntryIsStable() throws {
        let storage = MemoryStorage(voters: [1])
        var node = makeNode(1, peers: [1], storage: storage)
        node.campaign()
        #expect(node.role == .leader)
        let receipt = try node.propose(.bytes("solo"))
        #expect(node.commitIndex < receipt.index)
        let applied = node.persistAll(into: storage)
        #expect(node.commitIndex == receipt.index)
        #expect(applied.map(\.kind) == [.noop, .normal])
        #expect(applied.last?.data == .bytes("solo"))
    }

    /// A follower acknowledges an appendEntries older than its commit index with its commit
    /// index (it cannot conflict), so a leader recovers from reordered messages.
    @Test func staleAppendIsAnsweredWithCommitIndex() {
        var node = makeNode(2, storage: storageWithTerms([1, 1, 1]))
        node.becomeFollower(term: 1, leader: 1)
        node.raftLog.commitTo(3)
        node.step(
            Message(
                type: .appendEntries, from: 1, to: 2, term: 1, logTerm: 1, index: 1,
                entries: entries(terms: [1], from: 2)))
        #expect(node.takeMessages() == [appendResponse(from: 2, to: 1, term: 1, index: 3)])
    }

    /// A heartbeat whose commit index lies beyond the follower's log (a follower whose log was
    /// lost, or a broken or hostile sender; found by fuzzing the Raft wire into a node) is
    /// answered without committing anything, instead of trapping.
    @Test func heartbeatCommitBeyondTheLogIsIgnored() {
        var node = makeNode(2, storage: storageWithTerms([1, 1]))
        node.step(Message(type: .heartbeat, from: 1, to: 2, term: 1, commit: 63_990))
        #expect(node.commitIndex == 0)
        #expect(node.takeMessages().map(\.type) == [.heartbeatResponse])
        // A correct heartbeat still commits.
        node.step(Message(type: .heartbeat, from: 1, to: 2, term: 1, commit: 2))
        #expect(node.commitIndex == 2)
    }
}
