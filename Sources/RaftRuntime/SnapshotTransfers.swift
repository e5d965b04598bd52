/// A leader's bookkeeping of the snapshots it is sending, one per follower at most (the core
/// pauses a follower in the snapshot state until it hears the outcome), and of how many
/// transfers to each follower failed in a row (the retry back-off grows with it).
///
/// Sans-I/O: ``RaftPeer`` records a transfer when a `Step` carrying an `installSnapshot`
/// leaves, and reports its outcome to the core only while it is still the current transfer
/// to that follower (a transfer of an earlier leadership may end after a newer one started).
struct SnapshotTransfers {
    /// One snapshot on its way to a follower.
    struct Transfer: Equatable, Sendable {
        /// Distinguishes transfers to the same follower over time.
        var id: UInt64
        /// Index of the snapshot sent.
        var snapshotIndex: UInt64
    }

    private var inFlight: [UInt64: Transfer] = [:]
    private var consecutiveFailures: [UInt64: Int] = [:]
    private var lastID: UInt64 = 0

    /// Records a snapshot at `snapshotIndex` leaving for `peer`; it replaces any earlier one.
    mutating func start(to peer: UInt64, snapshotIndex: UInt64) -> Transfer {
        lastID += 1
        let transfer = Transfer(id: lastID, snapshotIndex: snapshotIndex)
        inFlight[peer] = transfer
        return transfer
    }

    /// Whether `transfer` is still the current one to `peer`.
    func isCurrent(_ transfer: Transfer, to peer: UInt64) -> Bool { inFlight[peer] == transfer }

    /// Ends `transfer` to `peer` if it is still the current one; returns whether it was.
    mutating func end(_ transfer: Transfer, to peer: UInt64) -> Bool {
        guard isCurrent(transfer, to: peer) else { return false }
        inFlight[peer] = nil
        return true
    }

    /// Counts a failed transfer to `peer`; returns the failures in a row, this one included.
    mutating func recordFailure(to peer: UInt64) -> Int {
        consecutiveFailures[peer, default: 0] += 1
        return consecutiveFailures[peer]!
    }

    /// A transfer to `peer` succeeded: the failure count starts over.
    mutating func recordSuccess(to peer: UInt64) { consecutiveFailures[peer] = nil }
}
