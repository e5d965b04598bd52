/// A membership change as proposed through the log (etcd's `ConfChangeV2`): a list of node
/// changes applied together, and how the group moves to the new membership.
///
/// - A change of at most one voter (adding, removing, or turning a voter into a learner or
///   back) may be applied directly (``Transition/auto`` picks this when it is safe: any two
///   majorities of the old and new voters then intersect).
/// - Anything else goes through joint consensus (Raft thesis §4.3): the group first enters a
///   joint configuration in which decisions need a majority of the old and of the new voters,
///   then leaves it with an empty change (proposed by the leader itself with ``autoLeave``).
public struct ConfChange: Sendable, Hashable, CustomStringConvertible {
    /// One node's change.
    public struct Change: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// Make the node a voter (adding it, or promoting a learner).
            case addVoter
            /// Make the node a learner (adding it, or demoting a voter).
            case addLearner
            /// Add the node as a learner that the leader makes a voter by itself once it has
            /// caught up (see `Config.learnerPromotion`); a voter stays a voter.
            case addVoterWhenCaughtUp
            /// Remove the node from the group.
            case removeNode
        }

        public var kind: Kind
        public var nodeID: UInt64

        public init(_ kind: Kind, _ nodeID: UInt64) {
            self.kind = kind
            self.nodeID = nodeID
        }
    }

    /// How the group reaches the new membership.
    public enum Transition: Sendable, Hashable {
        /// Directly when at most one voter changes, else through a joint configuration left
        /// automatically.
        case auto
        /// Always through a joint configuration; `autoLeave` false waits for an explicit empty
        /// change to leave it.
        case joint(autoLeave: Bool)
    }

    public var changes: [Change]
    public var transition: Transition
    /// Opaque to Raft: for the application (e.g. the new member's address).
    public var context: [UInt8]

    public init(_ changes: [Change], transition: Transition = .auto, context: [UInt8] = []) {
        self.changes = changes
        self.transition = transition
        self.context = context
    }

    /// The empty change that leaves a joint configuration.
    public static let leaveJoint = ConfChange([])

    /// Whether this is the empty change that leaves a joint configuration.
    public var leavesJoint: Bool { changes.isEmpty }

    public var description: String {
        if leavesJoint { return "leave joint" }
        let listed = changes.map { change -> String in
            switch change.kind {
            case .addVoter: "add voter \(change.nodeID)"
            case .addLearner: "add learner \(change.nodeID)"
            case .addVoterWhenCaughtUp: "add \(change.nodeID) as a voter once caught up"
            case .removeNode: "remove \(change.nodeID)"
            }
        }
        return listed.joined(separator: ", ")
    }
}
