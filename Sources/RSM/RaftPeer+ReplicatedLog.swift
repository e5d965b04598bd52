public import RaftRuntime

/// `RaftPeer` already has every requirement except the leader hint.
extension RaftPeer: ReplicatedLog {
    /// Unknown for now: the peer's public API does not expose the leader it follows yet. When
    /// `RaftPeer.status()` lands this becomes `status().leaderID`; until then clerks find the
    /// leader by trying servers in turn.
    public func leaderHint() -> UInt64? { nil }
}
