import Testing

@testable import Raft

/// Pre-vote (Raft thesis §9.6): a node asks whether it could win before incrementing its
/// term, so a node rejoining after a partition cannot force a healthy cluster into a new
/// term. Tested on single nodes and in a 3-node cluster.
@Suite struct PreVoteTests {
    /// A timed-out follower becomes a pre-candidate without changing its term or vote, and
    /// asks for pre-votes for term + 1.
    @Test func preCandidateKeepsTermAndVote() {
        var node = makeNode(1) { $0.preVote = true }
        node.term = 5
        node.campaign()
        #expect(node.role == .preCandidate)
        #expect(node.term == 5)
        #expect(node.vote == 0)
        let msgs = node.takeMessages()
        #expect(msgs.count == 2)
        #expect(msgs.allSatisfy { $0.type == .preVote && $0.term == 6 })
    }

    /// Granting a pre-vote changes nothing on the voter: not its term, not its vote, not
    /// its election timer.
    @Test func grantingPreVoteChangesNothing() {
        var node = makeNode(1) { $0.preVote = true }
        node.term = 2
        node.tick(times: 3)
        node.step(Message(type: .preVote, from: 2, to: 1, term: 3, logTerm: 0, index: 0))
        #expect(
            node.takeMessages() == [
                Message(type: .preVoteResponse, from: 1, to: 2, term: 3)
            ])
        #expect(node.term == 2)
        #expect(node.vote == 0)
        #expect(node.electionElapsed == 3)
    }

    /// With a quorum of pre-votes the pre-candidate starts a real election in term + 1;
    /// a quorum of rejections sends it back to follower in its old term.
    @Test func preVoteQuorumStartsRealElection() {
        var node = makeNode(1) { $0.preVote = true }
        node.campaign()
        _ = node.takeMessages()
        node.step(Message(type: .preVoteResponse, from: 2, to: 1, term: 1))
        #expect(node.role == .candidate)
        #expect(node.term == 1)
        #expect(node.takeMessages().allSatisfy { $0.type == .requestVote && $0.term == 1 })

        var loser = makeNode(1, peers: [1, 2, 3]) { $0.preVote = true }
        loser.campaign()
        // Rejections carry the voter's own term (0 here).
        loser.step(Message(type: .preVoteResponse, from: 2, to: 1, term: 0, reject: true))
        loser.step(Message(type: .preVoteResponse, from: 3, to: 1, term: 0, reject: true))
        #expect(loser.role == .follower)
        #expect(loser.term == 0)
    }

    /// Elects a leader in a 3-node cluster (pre-vote and check-quorum both as `preVote`),
    /// then isolates a follower for 100 ticks (several election timeouts).
    func isolateFollowerForLong(preVote: Bool)
        -> (cluster: TestCluster, leader: UInt64, term: UInt64, victim: UInt64)
    {
        let cluster = TestCluster(seed: 7) {
            $0.preVote = preVote
            $0.checkQuorum = preVote
        }
        let leader = cluster.electLeader()
        let term = cluster[leader].term
        let victim = cluster.ids.first { $0 != leader }!
        cluster.isolate(victim)
        cluster.run(ticks: 100)
        return (cluster, leader, term, victim)
    }

    /// The disruption scenario: a follower partitioned away times out again and again. With
    /// pre-vote it never wins a pre-vote, so its term stays put and, when the partition
    /// heals, the leader keeps its leadership and term.
    @Test func partitionedNodeDoesNotDisruptLeaderOnRejoin() {
        let (cluster, leader, term, victim) = isolateFollowerForLong(preVote: true)
        #expect(cluster[victim].term == term, "pre-vote let the isolated node bump its term")
        cluster.heal()
        cluster.run(ticks: 30)
        #expect(cluster.leader == leader)
        #expect(cluster[leader].term == term)
        #expect(cluster[victim].leader == leader)
    }

    /// Contrast: without pre-vote (and without check-quorum) the rejoining node's inflated
    /// term forces an election, which is exactly what pre-vote prevents.
    @Test func withoutPreVoteRejoiningNodeForcesNewTerm() {
        let (cluster, _, term, victim) = isolateFollowerForLong(preVote: false)
        #expect(cluster[victim].term > term)
        cluster.heal()
        cluster.run(ticks: 40)
        for id in cluster.ids { #expect(cluster[id].term > term) }
    }

    /// A pre-candidate whose log is behind gets its pre-votes rejected and never bumps the
    /// cluster's term.
    @Test func staleLogLosesPreVote() {
        let cluster = TestCluster(seed: 3) {
            $0.preVote = true; $0.checkQuorum = false
        }
        let leader = cluster.electLeader()
        let victim = cluster.ids.first { $0 != leader }!
        cluster.isolate(victim)
        cluster.propose(.bytes("a"), on: leader)
        cluster.propose(.bytes("b"), on: leader)
        cluster.heal()
        // Stop the leader's heartbeats by cutting it from the victim only, then let the
        // victim campaign: the third node has a longer log and rejects it.
        cluster.cut(leader, victim)
        let term = cluster[leader].term
        cluster.nodes[victim]!.campaign()
        cluster.stabilize()
        // One rejection of three is not yet a lost pre-vote; either way no real election.
        #expect(cluster[victim].role == .preCandidate || cluster[victim].role == .follower)
        #expect(cluster[victim].term == term)
        #expect(cluster.leader == leader)
    }
}
