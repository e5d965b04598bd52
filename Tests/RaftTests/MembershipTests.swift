import Testing

@testable import Raft

/// Membership changes through the log (`RaftNode+Membership`): learners, direct single-voter
/// changes, joint consensus, one change at a time, a removed leader handing over, the healthy
/// quorum check, and the membership surviving restarts and snapshots.
@Suite struct MembershipTests {
    /// A 3-node cluster with node 1 leading.
    static func cluster(configure: @escaping (inout Config) -> Void = { _ in }) -> TestCluster {
        let c = TestCluster(ids: [1, 2, 3], configure: configure)
        c.campaign(1)
        #expect(c.leader == 1)
        return c
    }

    /// Proposes `change` on the leader, lets it commit and apply everywhere, and returns its index.
    @discardableResult
    static func change(_ c: TestCluster, _ change: ConfChange, force: Bool = false) throws -> UInt64 {
        let receipt = try c.nodes[c.leader!]!.proposeConfChange(change, force: force)
        c.stabilize()
        return receipt.index
    }

    /// Ticks every node and stabilizes, `times` times.
    static func run(_ c: TestCluster, ticks times: Int) {
        for _ in 0..<times {
            c.tickAll()
            c.stabilize()
        }
    }

    @Test func aLearnerReceivesTheLogButNeitherVotesNorCounts() throws {
        let c = Self.cluster()
        c.propose([1])
        c.join(4)
        try Self.change(c, ConfChange([.init(.addLearner, 4)]))
        Self.run(c, ticks: 2)
        #expect(c[4].membership == ConfState(voters: [1, 2, 3], learners: [4]))
        #expect(c[1].membership == c[4].membership)
        #expect(c[4].lastIndex == c[1].lastIndex && c[4].commitIndex == c[1].commitIndex)
        #expect(c.appliedData[4] == [[1]])

        // Only 4 acknowledges: nothing commits.
        c.isolate(2)
        c.isolate(3)
        let before = c[1].commitIndex
        let receipt = try c[1].propose([2])
        c.stabilize()
        #expect(c[4].lastIndex == receipt.index)
        #expect(c[1].commitIndex == before)

        // A learner never campaigns.
        c.heal()
        c.isolate(1)
        c.tick(4, times: 100)
        c.stabilize()
        #expect(c[4].role == .follower)
    }

    @Test func aLearnerAddedToVoteIsPromotedOnceCaughtUp() throws {
        let c = Self.cluster { $0.learnerPromotionTicks = 5 }
        for i in 0..<20 { c.propose([UInt8(i)]) }
        c.join(4)
        try Self.change(c, ConfChange([.init(.addVoterWhenCaughtUp, 4)]))
        #expect(c[1].membership.learners == [4] && c[1].membership.autoPromote == [4])
        Self.run(c, ticks: 10)
        #expect(c[1].membership == ConfState(voters: [1, 2, 3, 4]))
        #expect(c[4].membership == c[1].membership)
        // Now it counts: with 2 and 3 down, 1 and 4 are not a quorum of four.
        c.isolate(2)
        c.isolate(3)
        let before = c[1].commitIndex
        _ = try c[1].propose([9])
        c.stabilize()
        #expect(c[1].commitIndex == before)
    }

    @Test func aLaggingLearnerIsNotPromoted() throws {
        let c = Self.cluster { $0.learnerPromotionTicks = 5 }
        c.join(4)
        c.isolate(4)
        try Self.change(c, ConfChange([.init(.addVoterWhenCaughtUp, 4)]))
        for i in 0..<100 { c.propose([UInt8(i)]) }
        Self.run(c, ticks: 20)
        #expect(c[1].membership.learners == [4] && c[1].membership.voters == [1, 2, 3])
    }

    @Test func aRemovedFollowerStopsCountingAndNeverCampaigns() throws {
        let c = Self.cluster()
        try Self.change(c, ConfChange([.init(.removeNode, 3)]))
        #expect(c[1].membership == ConfState(voters: [1, 2]))
        c.isolate(3)
        let index = c.propose([5])
        #expect(c[1].commitIndex == index)
        c.heal()
        let term = c[3].term
        c.isolate(3)
        c.tick(3, times: 100)
        c.stabilize()
        #expect(c[3].role == .follower && c[3].term == term)
    }

    @Test func oneChangeAtATime() throws {
        let c = Self.cluster()
        c.join(4)
        c.join(5)
        let first = try c[1].proposeConfChange(ConfChange([.init(.addLearner, 4)]))
        #expect(throws: RaftError.confChangePending(index: first.index)) {
            try c[1].proposeConfChange(ConfChange([.init(.addLearner, 5)]))
        }
        c.stabilize()
        try Self.change(c, ConfChange([.init(.addLearner, 5)]))
        #expect(c[1].membership.learners == [4, 5])
    }

    @Test func aChangeTheChangerRefusesIsNotProposed() {
        let c = Self.cluster()
        let last = c[1].lastIndex
        #expect(throws: RaftError.confChangeRefused(.zeroNodeID)) {
            try c[1].proposeConfChange(ConfChange([.init(.addVoter, 0)]))
        }
        #expect(throws: RaftError.confChangeRefused(.removesAllVoters)) {
            try c[1].proposeConfChange(ConfChange([.init(.removeNode, 1), .init(.removeNode, 2), .init(.removeNode, 3)]))
        }
        #expect(throws: RaftError.confChangeRefused(.notJoint)) { try c[1].proposeConfChange(.leaveJoint) }
        #expect(c[1].lastIndex == last)
    }

    /// {1, 2, 3} -> {1, 4, 5} in one joint change: while joint, both majorities are needed;
    /// the leader leaves the joint configuration by itself.
    @Test func aJointChangeNeedsBothMajoritiesAndLeavesByItself() throws {
        let c = Self.cluster()
        c.join(4)
        c.join(5)
        try Self.change(c, ConfChange([.init(.addLearner, 4)]))
        try Self.change(c, ConfChange([.init(.addLearner, 5)]))
        // Explicit leave first, to look at the joint state.
        try Self.change(
            c, ConfChange([.init(.addVoter, 4), .init(.addVoter, 5), .init(.removeNode, 2), .init(.removeNode, 3)],
                transition: .joint(autoLeave: false)))
        let joint = ConfState(voters: [1, 4, 5], votersOutgoing: [1, 2, 3])
        for id: UInt64 in 1...5 { #expect(c[id].membership == joint, "node \(id)") }
        // 1, 2, 3 are a majority of the old voters only.
        c.isolate(4)
        c.isolate(5)
        let before = c[1].commitIndex
        _ = try c[1].propose([1])
        c.stabilize()
        #expect(c[1].commitIndex == before)
        c.heal()
        Self.run(c, ticks: 2)
        #expect(c[1].commitIndex > before)
        try Self.change(c, .leaveJoint)
        #expect(c[1].membership == ConfState(voters: [1, 4, 5]))

        // The same change with auto-leave ends in the new membership without a second proposal.
        let d = Self.cluster()
        d.join(4)
        d.join(5)
        try Self.change(d, ConfChange([.init(.addLearner, 4)]))
        try Self.change(d, ConfChange([.init(.addLearner, 5)]))
        try Self.change(d, ConfChange([.init(.addVoter, 4), .init(.addVoter, 5), .init(.removeNode, 2), .init(.removeNode, 3)]))
        Self.run(d, ticks: 1)
        for id: UInt64 in [1, 4, 5] { #expect(d[id].membership == ConfState(voters: [1, 4, 5]), "node \(id)") }
    }

    /// Removing the leader: it hands leadership to the most up-to-date remaining voter first,
    /// and the removal is proposed again on the new leader, where node 1 is a follower.
    @Test func removingTheLeaderTransfersLeadershipFirst() throws {
        let c = Self.cluster()
        c.propose([1])
        c.isolate(3)
        c.propose([2])
        c.heal()
        let removal = ConfChange([.init(.removeNode, 1)])
        #expect(throws: RaftError.leadershipTransferInProgress(transferee: 2)) { try c[1].proposeConfChange(removal) }
        c.stabilize()
        #expect(c.leader == 2)
        try Self.change(c, removal)
        #expect(c[2].membership == ConfState(voters: [2, 3]) && c[3].membership == c[2].membership)
        let index = c.propose([3])
        #expect(c[2].commitIndex == index && c[3].commitIndex == index)
        #expect(c.violations.isEmpty)
    }

    /// Leaving a joint configuration the leader is only an outgoing voter of: it hands
    /// leadership to an incoming voter, which leaves the joint configuration by itself.
    @Test func aLeaderOnlyInTheOutgoingHalfHandsOverBeforeLeaving() throws {
        let c = Self.cluster()
        c.join(4)
        c.join(5)
        try Self.change(c, ConfChange([.init(.addLearner, 4)]))
        try Self.change(c, ConfChange([.init(.addLearner, 5)]))
        try Self.change(c, ConfChange([.init(.addVoter, 4), .init(.addVoter, 5), .init(.removeNode, 1), .init(.removeNode, 2)]))
        Self.run(c, ticks: 3)
        let leader = try #require(c.leader)
        #expect([3, 4, 5].contains(leader))
        for id: UInt64 in [3, 4, 5] { #expect(c[id].membership == ConfState(voters: [3, 4, 5]), "node \(id)") }
    }

    @Test func aChangeThatLosesTheHealthyQuorumIsRefusedUnlessForced() throws {
        let c = Self.cluster()
        c.join(4)
        c.isolate(2)
        Self.run(c, ticks: 12)
        #expect(c.leader == 1)
        // Healthy voters: 1 and 3. With a fourth voter that was never heard from, 2 of 4 are
        // no quorum.
        #expect(throws: RaftError.confChangeWouldLoseQuorum(healthy: [1, 3])) {
            try c[1].proposeConfChange(ConfChange([.init(.addVoter, 4)]))
        }
        // Removing the unreachable voter keeps a quorum of the healthy ones.
        try Self.change(c, ConfChange([.init(.removeNode, 2)]))
        #expect(c[1].membership == ConfState(voters: [1, 3]))
        // Forced, the unhealthy change goes in.
        c.isolate(4)
        let receipt = try c[1].proposeConfChange(ConfChange([.init(.addVoter, 4)]), force: true)
        #expect(c[1].lastIndex == receipt.index)
    }

    @Test func theMembershipSurvivesARestart() throws {
        let c = Self.cluster()
        c.join(4)
        try Self.change(c, ConfChange([.init(.addLearner, 4)]))
        Self.run(c, ticks: 1)
        let expected = ConfState(voters: [1, 2, 3], learners: [4])
        for id: UInt64 in [2, 4] {
            c.crash(id)
            c.start(id)
            // The storage holds the unknown (4) or initial (2) membership: the restart replays the
            // change as it is applied again.
            c.stabilize()
            Self.run(c, ticks: 2)
            #expect(c[id].membership == expected, "node \(id)")
        }
        // A restart that says what was applied reads the change from the log at once.
        let applied = c.appliedIndex[2]!
        c.crash(2)
        var config = c.makeConfig(2)
        config.appliedIndex = applied
        c[2] = try RaftNode(config: config, storage: c.storages[2]!)
        #expect(c[2].membership == expected)
    }

    @Test func snapshotsCarryTheMembershipAsOfTheirIndex() throws {
        let c = Self.cluster()
        c.join(4)
        let before = c[1].commitIndex
        try Self.change(c, ConfChange([.init(.addLearner, 4)]))
        let storage = c.storages[1]!
        #expect(storage.confState(at: before) == ConfState(voters: [1, 2, 3]))
        #expect(storage.confState(at: c[1].lastIndex) == ConfState(voters: [1, 2, 3], learners: [4]))
        c.propose([7])
        c.compact(1)
        #expect(try storage.snapshot().metadata.confState == ConfState(voters: [1, 2, 3], learners: [4]))

        // A node joining after the compaction gets the snapshot, with the membership in it.
        c.join(5)
        try Self.change(c, ConfChange([.init(.addLearner, 5)]))
        Self.run(c, ticks: 2)
        #expect(c[5].membership == ConfState(voters: [1, 2, 3], learners: [4, 5]))
        #expect(c.appliedData[5] == c.appliedData[1])
        #expect(try c.storages[5]!.snapshot().metadata.confState.learners == [4])
    }
}
