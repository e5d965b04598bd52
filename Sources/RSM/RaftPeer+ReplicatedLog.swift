public import RaftRuntime

/// `RaftPeer` already has every requirement except the leader hint.
extension RaftPeer: ReplicatedLog {
    /// The leader this peer follows (or itself), from ``RaftPeer/status()``; `nil` if unknown.
    public func leaderHint() -> UInt64? {
        status().leaderID
    }
}
