/// The domain outcome of a ``ReplicatedStateMachine/submit(_:session:)`` or
/// ``ReplicatedStateMachine/read(_:)``: what the client should do next. (Operating errors —
/// stopped, overloaded — are thrown as ``ReplicatedStateMachineError`` instead.)
public enum SubmitOutcome: Sendable, Hashable {
    /// The command was committed and applied; these are the state machine's reply bytes (the
    /// cached reply if a retry of an already-applied write).
    case applied([UInt8])
    /// This replica does not lead, or lost leadership (or its entry was replaced) before the
    /// command applied. The command may or may not be applied eventually: retry with the same
    /// session at `leaderHint` (a replica id) if known, else at another replica.
    case wrongLeader(leaderHint: UInt64?)
    /// Not applied within the submission timeout (for example no quorum is reachable). As with
    /// ``wrongLeader(leaderHint:)`` the command may still apply: retry with the same session.
    case timeout
    /// A write whose session this replica's table does not hold when the write applies (never
    /// opened, or evicted; see ``SessionTable``): nothing was applied. Not retryable with this
    /// session; if the client sent the same write before, whether it applied then is unknown.
    case sessionExpired
}
