/// A group's membership as a configuration-change log entry leaves it (etcd's `ConfState`):
/// who votes, who only learns, and whether a joint change is under way.
///
/// Invariants (checked by ``ConfChanger``): ``voters`` is never empty (except in ``unknown``); a
/// node is in at most one of ``voters`` and ``learners``; ``learnersNext`` (voters of the outgoing configuration that
/// become learners when the joint change is left) is empty unless ``votersOutgoing`` is not, and
/// each of its members is an outgoing voter.
public struct ConfState: Sendable, Hashable, CustomStringConvertible {
    /// Voters of the incoming (or only) configuration, sorted.
    public var voters: [UInt64]
    /// Voters of the outgoing configuration during a joint change, sorted; empty otherwise.
    public var votersOutgoing: [UInt64]
    /// Non-voting members: they receive the log and snapshots, neither vote nor count for
    /// commitment, and cannot become leader.
    public var learners: [UInt64]
    /// Outgoing voters that become learners when the joint change is left.
    public var learnersNext: [UInt64]
    /// Whether the leader leaves the joint configuration by itself once it applied (etcd's
    /// auto-leave), rather than waiting for an explicit empty change.
    public var autoLeave: Bool
    /// Learners the leader makes voters by itself once they have caught up (added with
    /// ``ConfChange/Change/Kind/addVoterWhenCaughtUp``); a subset of ``learners``.
    public var autoPromote: [UInt64]

    public init(
        voters: [UInt64], votersOutgoing: [UInt64] = [], learners: [UInt64] = [], learnersNext: [UInt64] = [],
        autoLeave: Bool = false, autoPromote: [UInt64] = []
    ) {
        self.voters = Array(Set(voters)).sorted()
        self.votersOutgoing = Array(Set(votersOutgoing)).sorted()
        self.learners = Array(Set(learners)).sorted()
        self.learnersNext = Array(Set(learnersNext)).sorted()
        self.autoLeave = autoLeave
        self.autoPromote = Array(Set(autoPromote).intersection(learners)).sorted()
    }

    /// The membership of a node that has not learnt its group's yet (one that joins): no
    /// voters, so it never campaigns; it takes the membership from the log or a snapshot.
    public static let unknown = ConfState(voters: [])

    /// Whether this is ``unknown``.
    public var isUnknown: Bool { voters.isEmpty && votersOutgoing.isEmpty && learners.isEmpty }

    /// Whether `id` votes in either half of the configuration.
    public func isVoter(_ id: UInt64) -> Bool { voters.contains(id) || votersOutgoing.contains(id) }

    /// Whether a joint change is in progress.
    public var isJoint: Bool { !votersOutgoing.isEmpty }

    /// How decisions are counted in this membership.
    public var votersConfig: JointConfig {
        JointConfig(incoming: MajorityConfig(voters), outgoing: MajorityConfig(votersOutgoing))
    }

    /// Every member (voters of either half and learners, including the next ones), sorted.
    public var members: [UInt64] {
        Array(Set(voters).union(votersOutgoing).union(learners).union(learnersNext)).sorted()
    }

    /// Whether `id` receives the log as a non-voter (a learner now or after the joint change).
    public func isLearner(_ id: UInt64) -> Bool { learners.contains(id) || learnersNext.contains(id) }

    public var description: String {
        var parts = ["voters \(voters)"]
        if isJoint { parts.append("outgoing \(votersOutgoing)") }
        if !learners.isEmpty { parts.append("learners \(learners)") }
        if !learnersNext.isEmpty { parts.append("learners next \(learnersNext)") }
        if autoLeave { parts.append("auto-leave") }
        if !autoPromote.isEmpty { parts.append("promoted when caught up \(autoPromote)") }
        return parts.joined(separator: ", ")
    }
}
