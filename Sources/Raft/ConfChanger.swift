/// Computes the membership a ``ConfChange`` leads to (etcd's `confchange.Changer`), refusing
/// changes that would break the ``ConfState`` invariants. Pure: every member applies the same
/// committed change to the same state and gets the same result.
public enum ConfChanger {
    /// Why a change cannot apply to the current membership. A committed change that fails
    /// here is ignored by every member alike (the leader checks before proposing).
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// A joint configuration must be left before another change.
        case alreadyJoint
        /// Leaving a joint configuration that was not entered.
        case notJoint
        /// A direct change of more than one voter (use joint consensus).
        case tooManyVoterChanges(Int)
        /// The change would leave no voter.
        case removesAllVoters
        /// Node id 0 is not a node.
        case zeroNodeID

        public var description: String {
            switch self {
            case .alreadyJoint: "the group is in a joint configuration: leave it first"
            case .notJoint: "the group is not in a joint configuration"
            case .tooManyVoterChanges(let count):
                "\(count) voters would change at once: only one may change without joint consensus"
            case .removesAllVoters: "the change would remove every voter"
            case .zeroNodeID: "node id 0 is not a node"
            }
        }
    }

    /// The membership after applying `change` to `state`.
    public static func apply(_ change: ConfChange, to state: ConfState) throws(Refusal) -> ConfState {
        if change.leavesJoint {
            guard state.isJoint else { throw .notJoint }
            return ConfState(
                voters: state.voters, learners: state.learners + state.learnersNext, autoPromote: state.autoPromote)
        }
        guard !state.isJoint else { throw .alreadyJoint }
        guard !change.changes.contains(where: { $0.nodeID == 0 }) else { throw .zeroNodeID }
        let joint: Bool
        let autoLeave: Bool
        switch change.transition {
        case .auto:
            joint = votersChanged(by: change, in: state) > 1
            autoLeave = joint
        case .joint(let leave):
            joint = true
            autoLeave = leave
        }
        var next = Membership(state, joint: joint)
        for item in change.changes { next.apply(item) }
        guard !next.voters.isEmpty else { throw .removesAllVoters }
        if !joint {
            let changed = next.voters.symmetricDifference(state.voters).count
            guard changed <= 1 else { throw .tooManyVoterChanges(changed) }
        }
        return ConfState(
            voters: Array(next.voters), votersOutgoing: joint ? state.voters : [], learners: Array(next.learners),
            learnersNext: Array(next.learnersNext), autoLeave: autoLeave, autoPromote: Array(next.autoPromote))
    }

    /// Number of voters added or removed by `change` (the symmetric difference of the incoming
    /// voter sets before and after).
    public static func votersChanged(by change: ConfChange, in state: ConfState) -> Int {
        var next = Membership(state, joint: false)
        for item in change.changes { next.apply(item) }
        return next.voters.symmetricDifference(state.voters).count
    }

    /// The incoming voters and learners being edited. In a joint change a voter of the
    /// outgoing configuration that is made a learner stays a voter there until the joint
    /// change is left, so it waits in `learnersNext` instead of `learners`.
    private struct Membership {
        var voters: Set<UInt64>
        var learners: Set<UInt64>
        var learnersNext: Set<UInt64> = []
        var autoPromote: Set<UInt64>
        let outgoing: Set<UInt64>

        init(_ state: ConfState, joint: Bool) {
            voters = Set(state.voters)
            learners = Set(state.learners)
            autoPromote = Set(state.autoPromote)
            outgoing = joint ? Set(state.voters) : []
        }

        mutating func apply(_ change: ConfChange.Change) {
            let id = change.nodeID
            switch change.kind {
            case .addVoter:
                learners.remove(id)
                learnersNext.remove(id)
                autoPromote.remove(id)
                voters.insert(id)
            case .addLearner:
                autoPromote.remove(id)
                makeLearner(id)
            case .addVoterWhenCaughtUp:
                guard !voters.contains(id) else { return }
                makeLearner(id)
                if learners.contains(id) { autoPromote.insert(id) }
            case .removeNode:
                voters.remove(id)
                learners.remove(id)
                learnersNext.remove(id)
                autoPromote.remove(id)
            }
        }

        private mutating func makeLearner(_ id: UInt64) {
            voters.remove(id)
            if outgoing.contains(id) {
                learnersNext.insert(id)
            } else {
                learners.insert(id)
            }
        }
    }
}
