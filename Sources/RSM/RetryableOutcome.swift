/// A service's reply outcome enum (`KVOutcome`, `ShardCtrlerOutcome`, `ShardKVOutcome`), as far
/// as the replicated state machine knows it: the two outcomes that tell a clerk to retry
/// elsewhere with the same session. Enum cases with these names satisfy it.
package protocol RetryableOutcome: Sendable {
    /// This replica does not lead (the reply carries a ``LeaderHint`` when one is known).
    static var wrongLeader: Self { get }
    /// The request was not applied in time; it may still apply.
    static var timeout: Self { get }
}
