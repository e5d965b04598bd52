/// Volatile state that only a leader has (Figure 2's "volatile state on leaders" plus flow
/// control, leadership transfer and ReadIndex). Created by `becomeLeader`, discarded on
/// stepping down: nothing in it survives a change of role or term.
struct LeaderState {
    /// Replication progress of every member (voters and learners), including the leader itself.
    var progress: [UInt64: Progress]
    /// The members in `progress` other than the leader, in id order (computed when the
    /// membership changes, read on every broadcast).
    var peers: [UInt64] = []
    /// The node leadership is being handed to, if any.
    var leadTransferee: UInt64?
    /// Payload bytes of entries appended in this term and not yet committed and applied.
    var uncommittedBytes = 0
    /// ReadIndex requests awaiting a heartbeat quorum.
    var readOnly = ReadOnlyQueue()
    /// With lease-based reads: the tick at which the newest heartbeat round a quorum
    /// acknowledged was sent (the lease runs from there), if any.
    var leaseStartTick: UInt64?
    /// Whether this leader sent `timeoutNow` in its term: the lease is then void for good,
    /// since a forced campaign ignores the voters' lease.
    var sentTimeoutNow = false
    /// Read requests that arrived before this leader committed an entry of its term;
    /// answered once it has (before that, its commit index may be stale).
    var pendingReadIndexRequests: [(from: UInt64, context: [UInt8])] = []
    /// With `Config.CommitBroadcast.nextTick`: the commit index advanced after the last
    /// broadcast of appends, so the followers have not heard of it yet.
    var commitUnannounced = false

    init(progress: [UInt64: Progress], leader: UInt64) {
        self.progress = progress
        self.peers = progress.keys.filter { $0 != leader }.sorted()
    }
}
