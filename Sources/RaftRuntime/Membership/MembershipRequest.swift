/// A membership change an operator asks for (`skv … member add|add-learner|promote|remove`).
public enum MembershipRequest: Sendable, Equatable {
    /// Adds a node as a learner that the leader promotes to voter once it has caught up
    /// (`Raft.Config.learnerPromotionMaxLagEntries` / `learnerPromotionTicks`).
    case add(id: UInt64, address: String)
    /// Adds a node as a learner (promote it later with ``promote(id:)``).
    case addLearner(id: UInt64, address: String)
    /// Makes a learner a voter now.
    case promote(id: UInt64)
    /// Removes a node (a voter or a learner); its id may not rejoin.
    case remove(id: UInt64)
}
