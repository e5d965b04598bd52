import Testing

@testable import Raft

/// Leadership transfer (Raft thesis §3.10): the leader brings the target up to date, then
/// sends it `timeoutNow`; the target campaigns at once, bypassing pre-vote and the leader
/// lease of the voters.
@Suite struct LeadershipTransferTests {
    func cluster(seed: UInt64 = 21) -> TestCluster {
        TestCluster(seed: seed) {
            $0.preVote = true; $0.checkQuorum = true
        }
    }

    @Test func transferToUpToDateFollower() throws {
        let c = cluster()
        c.campaign(1)
        c.propose(.bytes("x"), on: 1)
        let term = c[1].term
        try c.nodes[1]!.transferLeadership(to: 2)
        c.stabilize()
        #expect(c.leader == 2)
        #expect(c[2].term == term + 1)
        #expect(c[1].role == .follower)
        #expect(c[1].leader == 2)
    }

    /// A lagging target is first caught up with appendEntries, then gets `timeoutNow`.
    @Test func transferToLaggingFollowerCatchesItUpFirst() throws {
        let c = cluster()
        c.campaign(1)
        c.isolate(3)
        for i in 0..<5 { c.propose([UInt8(i)], on: 1) }
        c.heal()
        #expect(c[3].lastIndex < c[1].lastIndex)
        try c.nodes[1]!.transferLeadership(to: 3)
        c.stabilize()
        #expect(c.leader == 3)
        #expect(c[3].commitIndex == c[3].lastIndex)
        #expect(c[3].lastIndex == c[1].lastIndex)
    }

    /// During a transfer the leader refuses proposals (they could be lost).
    @Test func proposalsRejectedDuringTransfer() throws {
        let c = cluster()
        c.campaign(1)
        c.isolate(2)
        try c.nodes[1]!.transferLeadership(to: 2)
        #expect(throws: RaftError.leadershipTransferInProgress(transferee: 2)) {
            try c.nodes[1]!.propose(.bytes("y"))
        }
    }

    /// A transfer to an unreachable node is abandoned after an election timeout, and the
    /// leader accepts proposals again.
    @Test func transferAbortedAfterElectionTimeout() throws {
        let c = cluster()
        c.campaign(1)
        c.cut(1, 2)
        try c.nodes[1]!.transferLeadership(to: 2)
        #expect(c[1].leaderState.leadTransferee == 2)
        for _ in 0..<10 { c.tick(1); c.stabilize() }
        #expect(c[1].leaderState.leadTransferee == nil)
        #expect(c[1].role == .leader)
        #expect(throws: Never.self) { try c.nodes[1]!.propose(.bytes("z")) }
    }

    @Test func transferRequestErrors() throws {
        let c = cluster()
        c.campaign(1)
        #expect(throws: RaftError.notLeader(leaderHint: 1)) {
            try c.nodes[2]!.transferLeadership(to: 3)
        }
        #expect(throws: RaftError.unknownNode(9)) {
            try c.nodes[1]!.transferLeadership(to: 9)
        }
        // Transferring to itself is a no-op.
        try c.nodes[1]!.transferLeadership(to: 1)
        #expect(c[1].leaderState.leadTransferee == nil)
        #expect(c[1].role == .leader)
    }

    /// `timeoutNow` overrides the voters' leader lease: they grant the vote although they
    /// heard from the leader within the election timeout.
    @Test func timeoutNowBypassesLease() {
        var node = makeNode(3) {
            $0.checkQuorum = true; $0.preVote = true
        }
        node.step(Message(type: .heartbeat, from: 1, to: 3, term: 1))
        _ = node.takeMessages()
        node.step(
            Message(
                type: .requestVote, from: 2, to: 3, term: 2,
                context: Message.campaignTransferContext))
        #expect(node.vote == 2)
        #expect(node.term == 2)
    }
}
