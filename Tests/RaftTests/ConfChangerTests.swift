import Raft
import Testing

/// Membership arithmetic of configuration changes (etcd's confchange tests, in our terms):
/// direct single-voter changes, joint consensus for anything larger, learners, and refusals.
@Suite struct ConfChangerTests {
    let three = ConfState(voters: [1, 2, 3])

    @Test func aSingleVoterChangeAppliesDirectly() throws {
        let added = try ConfChanger.apply(ConfChange([.init(.addVoter, 4)]), to: three)
        #expect(added == ConfState(voters: [1, 2, 3, 4]))
        let removed = try ConfChanger.apply(ConfChange([.init(.removeNode, 2)]), to: three)
        #expect(removed == ConfState(voters: [1, 3]))
        // Adding a learner changes no voter; promoting it changes one.
        let learner = try ConfChanger.apply(ConfChange([.init(.addLearner, 4)]), to: three)
        #expect(learner == ConfState(voters: [1, 2, 3], learners: [4]))
        #expect(learner.isLearner(4) && learner.members == [1, 2, 3, 4])
        let promoted = try ConfChanger.apply(ConfChange([.init(.addVoter, 4)]), to: learner)
        #expect(promoted == ConfState(voters: [1, 2, 3, 4]))
        // Replacing a voter (remove one, add another) is two voter changes: joint.
        #expect(ConfChanger.votersChanged(by: ConfChange([.init(.removeNode, 3), .init(.addVoter, 4)]), in: three) == 2)
    }

    @Test func aLargerChangeGoesThroughAJointConfiguration() throws {
        let replace = ConfChange([.init(.removeNode, 3), .init(.addVoter, 4)])
        let joint = try ConfChanger.apply(replace, to: three)
        #expect(joint == ConfState(voters: [1, 2, 4], votersOutgoing: [1, 2, 3], autoLeave: true))
        #expect(joint.isJoint)
        #expect(joint.votersConfig.voters == [1, 2, 3, 4])
        // Decisions need a majority of {1,2,3} and of {1,2,4}.
        #expect(joint.votersConfig.hasQuorum([1, 3, 4]))
        #expect(!joint.votersConfig.hasQuorum([3, 4]))
        let left = try ConfChanger.apply(.leaveJoint, to: joint)
        #expect(left == ConfState(voters: [1, 2, 4]))
    }

    @Test func aDemotedOutgoingVoterBecomesALearnerWhenTheJointChangeIsLeft() throws {
        let change = ConfChange([.init(.addLearner, 3), .init(.addVoter, 4), .init(.addVoter, 5)])
        let joint = try ConfChanger.apply(change, to: three)
        #expect(joint == ConfState(
            voters: [1, 2, 4, 5], votersOutgoing: [1, 2, 3], learnersNext: [3], autoLeave: true))
        #expect(joint.isLearner(3) && joint.votersConfig.contains(3))
        #expect(try ConfChanger.apply(.leaveJoint, to: joint) == ConfState(voters: [1, 2, 4, 5], learners: [3]))
    }

    @Test func anExplicitJointChangeWaitsForTheLeave() throws {
        let joint = try ConfChanger.apply(
            ConfChange([.init(.addVoter, 4)], transition: .joint(autoLeave: false)), to: three)
        #expect(joint == ConfState(voters: [1, 2, 3, 4], votersOutgoing: [1, 2, 3], autoLeave: false))
    }

    @Test func refusals() throws {
        let joint = try ConfChanger.apply(ConfChange([.init(.removeNode, 3), .init(.addVoter, 4)]), to: three)
        #expect(throws: ConfChanger.Refusal.alreadyJoint) {
            try ConfChanger.apply(ConfChange([.init(.addVoter, 5)]), to: joint)
        }
        #expect(throws: ConfChanger.Refusal.notJoint) { try ConfChanger.apply(.leaveJoint, to: three) }
        #expect(throws: ConfChanger.Refusal.zeroNodeID) {
            try ConfChanger.apply(ConfChange([.init(.addVoter, 0)]), to: three)
        }
        #expect(throws: ConfChanger.Refusal.removesAllVoters) {
            try ConfChanger.apply(ConfChange([.init(.removeNode, 1)]), to: ConfState(voters: [1]))
        }
        #expect(throws: ConfChanger.Refusal.removesAllVoters) {
            try ConfChanger.apply(
                ConfChange([.init(.removeNode, 1), .init(.removeNode, 2), .init(.removeNode, 3)]), to: three)
        }
    }

    /// Every change the changer accepts keeps the invariants, over random change lists
    /// (`RAFT_SEEDS` replays or sweeps seeds).
    @Test(arguments: testSeeds(default: [1, 2, 3, 4]))
    func randomChangesKeepTheInvariants(seed: UInt64) throws {
        print("ConfChangerTests.randomChangesKeepTheInvariants seed \(seed)")
        var rng = SplitMix64(seed: seed)
        var state = three
        var accepted = 0
        var joints = 0
        for step in 0..<2_000 {
            let change: ConfChange
            if state.isJoint && rng.next() % 2 == 0 {
                change = .leaveJoint
            } else {
                let count = Int(rng.next() % 3) + 1
                let kinds: [ConfChange.Change.Kind] = [.addVoter, .addLearner, .removeNode]
                change = ConfChange(
                    (0..<count).map { _ in .init(kinds[Int(rng.next() % 3)], rng.next() % 6 + 1) },
                    transition: rng.next() % 3 == 0 ? .joint(autoLeave: false) : .auto)
            }
            guard let next = try? ConfChanger.apply(change, to: state) else { continue }
            accepted += 1
            if next.isJoint { joints += 1 }
            #expect(!next.voters.isEmpty, "step \(step), seed \(seed)")
            #expect(Set(next.voters).isDisjoint(with: next.learners), "step \(step), seed \(seed)")
            #expect(Set(next.votersOutgoing).isDisjoint(with: next.learners), "step \(step), seed \(seed)")
            #expect(Set(next.learnersNext).isSubset(of: next.votersOutgoing), "step \(step), seed \(seed)")
            if !next.isJoint {
                #expect(Set(next.voters).symmetricDifference(state.voters).count <= 1, "step \(step), seed \(seed)")
            }
            state = next
        }
        // Coverage: the walk went through many changes and joint configurations.
        #expect(accepted > 200 && joints > 20, "accepted \(accepted), joint \(joints), seed \(seed)")
    }
}
