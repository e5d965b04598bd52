/// A service's reply outcome enum (`KVOutcome`, `ShardCtrlerOutcome`, `ShardKVOutcome`), as far
/// as the replicated state machine knows it: the outcomes it decides itself, before or instead of
/// the service's state machine. Enum cases with these names satisfy it.
package protocol ReplicationOutcome: Sendable {
    /// This replica does not lead (the reply carries a ``LeaderHint`` when one is known).
    static var wrongLeader: Self { get }
    /// The request was not applied in time; it may still apply.
    static var timeout: Self { get }
    /// The write's session is not held (never opened, or evicted): not applied now; see
    /// ``SessionTable``'s eviction policy.
    static var sessionExpired: Self { get }
}
