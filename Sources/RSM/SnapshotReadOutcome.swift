/// The domain outcome of ``ReplicatedStateMachine/readSnapshot()``.
public enum SnapshotReadOutcome: Sendable, Hashable {
    /// The whole state (an `skv.rsm.Snapshot`: sessions and the state machine's snapshot) as
    /// applied through log `index`.
    case snapshot(index: UInt64, data: [UInt8])
    /// This replica does not lead (or lost leadership): ask `leaderHint` (a replica id) if
    /// known, else another replica.
    case wrongLeader(leaderHint: UInt64?)
    /// The leader could not confirm its leadership in time (for example no quorum): retry.
    case timeout
}
