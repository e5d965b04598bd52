/// The leader's view of one follower's log (etcd's `tracker.Progress`): `matchIndex` and
/// `nextIndex` from Figure 2 of the Raft paper, plus a flow-control state.
///
/// States and transitions:
/// * `probe`: the leader does not know where the logs match. It sends one appendEntries per
///   heartbeat interval (`probeSent` pauses further sends) and walks `next` back on
///   rejection using the follower's hint. → `replicate` on the first successful response;
///   → `snapshot` when the needed entries are compacted.
/// * `replicate`: logs match up to `match`; the leader streams entries optimistically
///   (advancing `next` on send) up to `Config.maxInflightAppends` unacknowledged messages.
///   → `probe` on rejection or when the follower is reported unreachable.
/// * `snapshot`: a snapshot at `pendingSnapshot` was sent; nothing else is sent until the
///   follower acknowledges an index `>= pendingSnapshot` (→ `probe` then `replicate`), the
///   driver reports the snapshot failed, or (unless `Config.driverReportsSnapshots`) an
///   election timeout passes (→ `probe`).
struct Progress {
    enum State: Hashable, CustomStringConvertible {
        case probe
        case replicate
        case snapshot

        var description: String {
            switch self {
            case .probe: "probe"
            case .replicate: "replicate"
            case .snapshot: "snapshot"
            }
        }
    }

    /// Highest index known to be replicated on the follower.
    var match: UInt64
    /// Index of the next entry to send.
    var next: UInt64
    var state: State = .probe
    /// Index of the snapshot in flight, in the `snapshot` state.
    var pendingSnapshot: UInt64 = 0
    /// Ticks spent in the `snapshot` state, to retry a lost snapshot.
    var snapshotTicks: Int = 0
    /// Whether the follower was heard from since the last check-quorum round.
    var recentActive: Bool = false
    /// The leader's tick at which the follower was last heard from (nil: never).
    var lastHeardTick: UInt64?
    /// For a learner promoted once caught up: the tick since which its match index has been
    /// within `Config.learnerPromotionMaxLagEntries` of the leader's last index.
    var caughtUpSinceTick: UInt64?
    /// In `probe`: a message was sent and no response (or heartbeat response) came back yet.
    var probeSent: Bool = false
    var inflights: Inflights

    init(match: UInt64, next: UInt64, maxInflight: Int) {
        self.match = match
        self.next = next
        self.inflights = Inflights(capacity: maxInflight)
    }

    private mutating func reset(to state: State) {
        probeSent = false
        pendingSnapshot = 0
        snapshotTicks = 0
        self.state = state
        inflights.reset()
    }

    mutating func becomeProbe() {
        // Coming back from a snapshot: the follower has at least the snapshot.
        if state == .snapshot {
            let pending = pendingSnapshot
            reset(to: .probe)
            next = max(match + 1, pending + 1)
        } else {
            reset(to: .probe)
            next = match + 1
        }
    }

    mutating func becomeReplicate() {
        reset(to: .replicate)
        next = match + 1
    }

    /// The snapshot in flight was lost or failed: probe again from `match + 1` (the leader
    /// sends a new snapshot if the entries there are still compacted).
    mutating func abandonSnapshot() {
        precondition(state == .snapshot, "abandonSnapshot in state \(state)")
        pendingSnapshot = 0
        becomeProbe()
    }

    mutating func becomeSnapshot(_ snapshotIndex: UInt64) {
        reset(to: .snapshot)
        pendingSnapshot = snapshotIndex
    }

    /// A successful response acknowledged `index`. Returns whether `match` advanced.
    mutating func maybeUpdate(_ index: UInt64) -> Bool {
        var updated = false
        if match < index {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// Replicate state: entries up to `index` were sent, optimistically assume success.
    mutating func optimisticUpdate(_ index: UInt64) {
        next = index + 1
    }

    /// A rejection of the appendEntries at `rejected`; `matchHint` is the highest index that
    /// may match. Returns false if the rejection is stale (out of order) and was ignored.
    mutating func maybeDecrTo(rejected: UInt64, matchHint: UInt64) -> Bool {
        if state == .replicate {
            // A rejection of an index we know matches is stale.
            if rejected <= match { return false }
            next = match + 1
            return true
        }
        // In probe, only the rejection of the last probe (next - 1) is current.
        if next - 1 != rejected { return false }
        next = max(min(rejected, matchHint + 1), 1)
        probeSent = false
        return true
    }

    /// Whether the leader must hold back appendEntries to this follower.
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }
}
