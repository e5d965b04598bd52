/// A Raft group's membership as one peer knows it: who votes, who learns, their addresses,
/// and whether a joint change is under way. Returned by ``MembershipControl``.
public struct Membership: Sendable, Equatable {
    /// One member.
    public struct Member: Sendable, Equatable {
        /// What the member does in the group.
        public enum Role: String, Sendable, Equatable {
            /// Votes (in the only configuration, or in the incoming one of a joint change).
            case voter
            /// Votes only in the outgoing configuration of a joint change: it leaves (or
            /// becomes a learner) when the joint change is left.
            case outgoingVoter = "outgoing-voter"
            /// Receives the log and snapshots; neither votes nor counts.
            case learner
        }

        public var id: UInt64
        /// `host:port` its peers and clients reach it at; `nil` if this peer's address book
        /// does not know it.
        public var address: String?
        public var role: Role
        /// A learner the leader makes a voter by itself once it has caught up.
        public var promotesWhenCaughtUp: Bool

        public init(id: UInt64, address: String?, role: Role, promotesWhenCaughtUp: Bool = false) {
            self.id = id
            self.address = address
            self.role = role
            self.promotesWhenCaughtUp = promotesWhenCaughtUp
        }
    }

    /// Every member, by id.
    public var members: [Member]
    /// Whether a joint change is in progress (decisions need a majority of both halves).
    public var isJoint: Bool
    /// The log index of the change this membership is as of (0: the initial membership).
    public var index: UInt64
    /// The leader this peer knows of, if any.
    public var leaderID: UInt64?
    /// Ids removed from the group: they may not rejoin under the same id.
    public var removedIDs: [UInt64]

    public init(members: [Member], isJoint: Bool, index: UInt64, leaderID: UInt64?, removedIDs: [UInt64] = []) {
        self.members = members.sorted { $0.id < $1.id }
        self.isJoint = isJoint
        self.index = index
        self.leaderID = leaderID
        self.removedIDs = removedIDs.sorted()
    }

    /// The member with `id`, if any.
    public func member(_ id: UInt64) -> Member? { members.first { $0.id == id } }
}
