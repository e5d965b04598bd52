import Testing

@testable import Raft

/// Check-quorum and the leader lease (Raft thesis §6.2, §4.2.3): a leader that cannot
/// reach a quorum for an election timeout steps down, and followers that recently heard
/// from a leader ignore vote requests.
@Suite struct CheckQuorumTests {
    /// An isolated leader steps down after one election timeout without hearing a quorum.
    @Test func isolatedLeaderStepsDown() {
        let cluster = TestCluster(seed: 11) { $0.checkQuorum = true }
        let leader = cluster.electLeader()
        cluster.isolate(leader)
        // The first check may see activity from before the partition; the second cannot.
        for _ in 0..<(2 * 10 + 1) {
            cluster.tick(leader)
            cluster.stabilize()
        }
        #expect(cluster[leader].role == .follower)
        #expect(cluster[leader].leader == 0)
    }

    /// A leader that hears from a quorum keeps leading indefinitely.
    @Test func connectedLeaderStaysLeader() {
        let cluster = TestCluster(seed: 12) { $0.checkQuorum = true }
        let leader = cluster.electLeader()
        let term = cluster[leader].term
        cluster.run(ticks: 200)
        #expect(cluster.leader == leader)
        #expect(cluster[leader].term == term)
    }

    /// A leader in a 5-node cluster with two followers left keeps its quorum; with one
    /// left, it steps down.
    @Test func leaderNeedsMajorityNotAll() {
        let cluster = TestCluster(ids: [1, 2, 3, 4, 5], seed: 13) { $0.checkQuorum = true }
        cluster.campaign(1)
        cluster.partition([1, 2, 3], [4, 5])
        for _ in 0..<25 { cluster.tick(1); cluster.stabilize() }
        #expect(cluster[1].role == .leader)
        cluster.partition([1, 2], [3, 4, 5])
        for _ in 0..<25 { cluster.tick(1); cluster.stabilize() }
        #expect(cluster[1].role != .leader)
    }

    /// Leader lease: a follower that heard from its leader within the election timeout
    /// ignores a higher-term vote request (no term change, no response).
    @Test func followerInLeaseIgnoresVoteRequest() {
        var node = makeNode(1) { $0.checkQuorum = true }
        node.step(Message(type: .heartbeat, from: 2, to: 1, term: 2))
        _ = node.takeMessages()
        node.step(Message(type: .requestVote, from: 3, to: 1, term: 3, logTerm: 3, index: 9))
        #expect(node.term == 2)
        #expect(node.vote == 0)
        #expect(node.takeMessages().isEmpty)
        // Once the lease has expired, the vote is granted.
        node.tick(times: 10)
        node.step(Message(type: .requestVote, from: 3, to: 1, term: 3, logTerm: 3, index: 9))
        #expect(node.term == 3)
        #expect(node.vote == 3)
    }

    /// A node that falls behind in term (a stale leader) learns the new term from the
    /// response to its heartbeats and steps down, even though votes do not reach it.
    @Test func staleLeaderStepsDownOnHigherTermResponse() {
        var follower = makeNode(2) { $0.checkQuorum = true }
        follower.term = 5
        follower.step(Message(type: .heartbeat, from: 1, to: 2, term: 3))
        #expect(
            follower.takeMessages() == [
                Message(type: .appendEntriesResponse, from: 2, to: 1, term: 5)
            ])
        var leader = makeNode(1) { $0.checkQuorum = true }
        leader.term = 2
        leader.forceLeader()
        leader.step(Message(type: .appendEntriesResponse, from: 2, to: 1, term: 5))
        #expect(leader.role == .follower)
        #expect(leader.term == 5)
    }
}
