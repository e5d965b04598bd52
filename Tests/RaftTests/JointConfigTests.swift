import Raft
import Testing

/// Joint consensus: every decision needs a majority of both halves (Raft thesis §4.3).
@Suite struct JointConfigTests {
    let joint = JointConfig(incoming: MajorityConfig([1, 2, 3]), outgoing: MajorityConfig([3, 4, 5]))

    @Test func committedIndexIsTheLowerOfBothHalves() {
        let acked: [UInt64: UInt64] = [1: 9, 2: 9, 3: 4, 4: 6, 5: 1]
        #expect(joint.committedIndex { acked[$0] } == 4)
        #expect(joint.incoming.committedIndex { acked[$0] } == 9)
        #expect(joint.outgoing.committedIndex { acked[$0] } == 4)
    }

    @Test func electionsNeedBothMajorities() {
        #expect(joint.voteResult([1: true, 2: true]) == .pending)
        #expect(joint.voteResult([1: true, 2: true, 4: true]) == .pending)
        #expect(joint.voteResult([1: true, 2: true, 4: true, 5: true]) == .won)
        #expect(joint.voteResult([1: true, 2: true, 4: false, 5: false]) == .lost)
        #expect(joint.voteResult([3: true, 1: false, 2: false]) == .lost)
    }

    @Test func quorumAndMembership() {
        #expect(joint.isJoint)
        #expect(joint.voters == [1, 2, 3, 4, 5])
        #expect(joint.hasQuorum([1, 3, 4]))
        #expect(!joint.hasQuorum([1, 2, 4]))
        #expect(!joint.isSingleton(1))
        let plain = JointConfig(incoming: MajorityConfig([7]))
        #expect(!plain.isJoint)
        #expect(plain.isSingleton(7))
        #expect(plain.committedIndex { $0 == 7 ? 12 : nil } == 12)
    }
}
