/// The `Ready`/`advance` handshake with the driver (etcd's `RawNode.Ready`/`Advance`).
/// See `Ready` for the contract.
extension RaftNode {
    /// Whether there is anything to persist, send, apply or report. Cheap; call it after
    /// every batch of events. False while a `Ready` is outstanding.
    public var hasReady: Bool {
        if readyOutstanding { return false }
        return softState != previousSoftState
            || (hardState != previousHardState && !hardState.isEmpty)
            || raftLog.unstable.snapshot != nil
            || !messages.isEmpty
            || !raftLog.unstableEntries.isEmpty
            || raftLog.hasNextCommittedEntries
            || !readStates.isEmpty
    }

    /// Collects the pending work. The returned messages and read states are handed over
    /// (not returned again); entries, snapshot and hard state are returned again until
    /// `advance(_:)` acknowledges them. Traps if the previous `Ready` was not advanced.
    public mutating func ready() -> Ready {
        precondition(!readyOutstanding, "\(id): ready() called again before advance()")
        let soft = softState
        let hard = hardState
        let entries = raftLog.unstableEntries
        let ready = Ready(
            softState: soft != previousSoftState ? soft : nil,
            hardState: hard != previousHardState && !hard.isEmpty ? hard : nil,
            readStates: readStates,
            entries: entries,
            snapshot: raftLog.unstable.snapshot,
            committedEntries: raftLog.nextCommittedEntries(
                maxBytes: maxCommittedEntriesBytesPerReady),
            messages: messages,
            mustSync: !entries.isEmpty || hard.term != previousHardState.term
                || hard.vote != previousHardState.vote)
        previousSoftState = soft
        messages = []
        readStates = []
        readyOutstanding = true
        return ready
    }

    /// Acknowledges that `ready` was persisted, sent and applied as its contract says.
    /// Must be called with the `Ready` returned by the last `ready()`.
    public mutating func advance(_ ready: Ready) {
        precondition(readyOutstanding, "\(id): advance() called without an outstanding ready()")
        readyOutstanding = false
        if let hard = ready.hardState {
            previousHardState = hard
        }
        if let last = ready.committedEntries.last {
            raftLog.appliedTo(last.index)
            if role == .leader { reduceUncommittedBytes(ready.committedEntries) }
            applyConfChanges(in: ready.committedEntries)
        } else if let snapshot = ready.snapshot {
            raftLog.appliedTo(snapshot.metadata.index)
        }
        if let last = ready.entries.last {
            raftLog.unstable.stableTo(index: last.index, term: last.term)
            countOwnStableEntries(through: last.index, term: last.term)
        }
        if let snapshot = ready.snapshot {
            raftLog.unstable.stableSnapshotTo(snapshot.metadata.index)
        }
    }
}
