import Testing

@testable import Raft

/// ReadIndex (Raft thesis §6.4, `ReadOnlyOption.safe`): reads are served at the commit
/// index once a heartbeat round confirms leadership, without writing to the log.
@Suite struct ReadIndexTests {
    /// On the leader: the read state appears only after a quorum acknowledged the
    /// heartbeat, and carries the commit index at request time.
    @Test func leaderReadNeedsHeartbeatQuorum() throws {
        let c = TestCluster(seed: 31)
        c.campaign(1)
        c.propose(.bytes("a"), on: 1)
        let commit = c[1].commitIndex
        try c.nodes[1]!.readIndex(context: .bytes("req-1"))
        c.processAllReady()
        #expect(c.readStates[1, default: []].isEmpty, "answered before confirming leadership")
        #expect(c.inFlight.filter { $0.type == .heartbeat }.count == 2)
        #expect(c.inFlight.allSatisfy { $0.context == .bytes("req-1") })
        c.stabilize()
        #expect(c.readStates[1] == [ReadState(index: commit, context: .bytes("req-1"))])
    }

    /// A follower forwards the request to the leader and receives the read state back.
    @Test func followerReadIsForwarded() throws {
        let c = TestCluster(seed: 32)
        c.campaign(1)
        c.propose(.bytes("a"), on: 1)
        try c.nodes[2]!.readIndex(context: .bytes("req-f"))
        c.stabilize()
        #expect(c.readStates[2] == [ReadState(index: c[1].commitIndex, context: .bytes("req-f"))])
        #expect(c.readStates[1, default: []].isEmpty)
    }

    /// A leader cut off from the quorum never answers: its read could be stale.
    @Test func isolatedLeaderDoesNotServeReads() throws {
        let c = TestCluster(seed: 33) { $0.checkQuorum = false }
        c.campaign(1)
        c.isolate(1)
        try c.nodes[1]!.readIndex(context: .bytes("stale?"))
        for _ in 0..<5 { c.tick(1); c.stabilize() }
        #expect(c.readStates[1, default: []].isEmpty)
    }

    /// A new leader postpones reads until it has committed an entry of its own term: its
    /// commit index may lag the previous leader's.
    @Test func newLeaderPostponesReadsUntilItsTermCommits() throws {
        let c = TestCluster(seed: 34) {
            $0.preVote = false; $0.checkQuorum = false
        }
        c.campaign(1)
        c.propose(.bytes("a"), on: 1)
        c.isolate(1)
        c.nodes[2]!.campaign()
        c.processAllReady()
        // Deliver only the election (votes), not the no-op replication.
        c.partition([1], [2, 3])
        for _ in 0..<10 where c[2].role != .leader {
            let batch = c.inFlight.filter { $0.type != .appendEntries }
            c.inFlight = []
            for m in batch { c.deliver(m) }
            c.processAllReady()
        }
        try #require(c[2].role == .leader)
        c.inFlight.removeAll { $0.type == .appendEntries }
        try c.nodes[2]!.readIndex(context: .bytes("early"))
        #expect(c[2].leaderState.pendingReadIndexRequests.count == 1)
        #expect(!c[2].committedEntryInCurrentTerm)
        c.tick(2)
        c.stabilize()
        #expect(c[2].committedEntryInCurrentTerm)
        #expect(c.readStates[2] == [ReadState(index: c[2].commitIndex, context: .bytes("early"))])
    }

    /// One heartbeat round confirms every earlier pending request too, in order.
    @Test func laterAckCompletesEarlierRequests() throws {
        var leader = makeNode(1)
        leader.forceLeader()
        commitNoop(&leader)
        try leader.readIndex(context: [1])
        try leader.readIndex(context: [2])
        _ = leader.takeMessages()
        leader.step(Message(type: .heartbeatResponse, from: 2, to: 1, term: 1, context: [2]))
        #expect(leader.readStates.map(\.context) == [[1], [2]])
    }

    /// The leader bounds unconfirmed reads: local requests beyond the limit throw,
    /// forwarded ones are dropped.
    @Test func pendingReadsAreBounded() throws {
        var leader = makeNode(1) { $0.maxPendingReadIndexRequests = 2 }
        leader.forceLeader()
        commitNoop(&leader)
        try leader.readIndex(context: [1])
        try leader.readIndex(context: [2])
        #expect(throws: RaftError.readIndexQueueFull(limit: 2)) {
            try leader.readIndex(context: [3])
        }
        _ = leader.takeMessages()
        leader.step(Message(type: .readIndex, from: 2, to: 1, context: [4]))
        #expect(leader.takeMessages().isEmpty)
        // Confirmation frees the queue.
        leader.step(Message(type: .heartbeatResponse, from: 2, to: 1, term: 1, context: [2]))
        #expect(leader.readStates.count == 2)
        try leader.readIndex(context: [5])
    }

    /// A single-node cluster answers at once (once its election no-op is stable and so
    /// committed).
    @Test func singleNodeAnswersImmediately() throws {
        var node = makeNode(1, peers: [1])
        node.campaign()
        #expect(node.role == .leader)
        node.persistOwnEntries()
        try node.readIndex(context: [7])
        #expect(node.readStates == [ReadState(index: node.commitIndex, context: [7])])
    }

    /// Without a known leader, the request fails fast with a typed error.
    @Test func noLeaderThrows() {
        var node = makeNode(1)
        #expect(throws: RaftError.notLeader(leaderHint: nil)) { try node.readIndex(context: [1]) }
        node.campaign()
        #expect(throws: RaftError.notLeader(leaderHint: nil)) { try node.readIndex(context: [1]) }
    }
}
