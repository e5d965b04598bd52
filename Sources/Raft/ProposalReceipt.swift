/// Where an accepted proposal was placed in the leader's log.
///
/// Acceptance is not commitment: the entries commit only if they later appear in
/// `Ready.committedEntries` at these indices with this term. If a different entry appears
/// at one of the indices, the proposal was lost (leadership changed) and may be retried.
public struct ProposalReceipt: Sendable, Hashable {
    /// The leader's term, which the entries carry.
    public var term: UInt64
    /// The log indices of the proposed entries, in proposal order.
    public var indices: ClosedRange<UInt64>

    public init(term: UInt64, indices: ClosedRange<UInt64>) {
        self.term = term
        self.indices = indices
    }

    /// The index of the (last) proposed entry.
    public var index: UInt64 { indices.upperBound }
}
