public import RaftRuntime

/// `RaftPeer` has every requirement; the leader hint and commit index come from `status()`.
extension RaftPeer: ReplicatedLog {
    /// The leader this peer follows (or itself), from ``RaftPeer/status()``; `nil` if unknown.
    public func leaderHint() -> UInt64? {
        status().leaderID
    }

    public func commitIndex() -> UInt64 { status().commitIndex }
}
