import Raft
import RPCCore

/// Sending snapshots (`installSnapshot`) to followers: the `Step` call's deadline grows with
/// the snapshot's size, and its outcome is reported to the core
/// (`RaftNode.reportSnapshot(to:succeeded:)`), which holds the follower in the snapshot
/// state until then: exactly one snapshot is in flight per follower, however slow the link
/// (the core is configured with `Config.driverReportsSnapshots`).
///
/// A failed transfer is reported after a back-off (one election timeout, doubling per
/// failure in a row up to ``maxSnapshotRetryBackoffFactor`` times it), so a snapshot that
/// cannot be delivered — a follower down, or a snapshot larger than the transport's message
/// limit, which fails with `RESOURCE_EXHAUSTED` at once — is retried at a bounded rate and
/// never re-encoded and resent on every heartbeat.
extension RaftPeer {
    /// Upper bound of the back-off before a failed snapshot is retried, in election timeouts.
    static let maxSnapshotRetryBackoffFactor = 32

    /// The call options of a `Step` carrying `messages`: the configured deadline, plus the
    /// time a snapshot among them takes at ``Configuration/snapshotTransferBytesPerSecond``.
    func callOptions(for messages: [Message]) -> CallOptions {
        Self.callOptions(for: messages, configuration: configuration)
    }

    static func callOptions(for messages: [Message], configuration: Configuration) -> CallOptions {
        guard let base = configuration.rpcTimeout else { return CallOptions(timeout: nil) }
        let snapshotBytes = messages.reduce(0) { $0 + ($1.snapshot?.data.count ?? 0) }
        guard snapshotBytes > 0 else { return CallOptions(timeout: base) }
        let transfer = Double(snapshotBytes) / Double(configuration.snapshotTransferBytesPerSecond)
        return CallOptions(timeout: base + .seconds(transfer))
    }

    /// Records the snapshot among `messages` (if any) as in flight to `peer`.
    func startSnapshotTransfer(_ messages: [Message], to peer: UInt64) -> SnapshotTransfers.Transfer? {
        guard let snapshot = messages.last(where: { $0.type == .installSnapshot })?.snapshot else { return nil }
        return snapshotTransfers.start(to: peer, snapshotIndex: snapshot.metadata.index)
    }

    /// Messages to `peer` were dropped before leaving (too many RPCs in flight): a snapshot
    /// among them failed.
    func dropped(_ messages: [Message], to peer: UInt64) {
        if let transfer = startSnapshotTransfer(messages, to: peer) { snapshotTransferFailed(transfer, to: peer) }
    }

    /// The `Step` that carried `transfer` to `peer` was answered: the follower has the
    /// snapshot (its answer, stepped already, usually moved it to replicating).
    func snapshotTransferSucceeded(_ transfer: SnapshotTransfers.Transfer, to peer: UInt64) {
        guard snapshotTransfers.end(transfer, to: peer) else { return }
        snapshotTransfers.recordSuccess(to: peer)
        node.reportSnapshot(to: peer, succeeded: true)
    }

    /// The `Step` that carried `transfer` to `peer` failed: report it after the back-off.
    func snapshotTransferFailed(_ transfer: SnapshotTransfers.Transfer, to peer: UInt64) {
        guard snapshotTransfers.isCurrent(transfer, to: peer) else { return }
        let failures = snapshotTransfers.recordFailure(to: peer)
        let factor = min(1 << min(failures - 1, 30), Self.maxSnapshotRetryBackoffFactor)
        let backoff = configuration.tickInterval * (configuration.electionTimeoutTicks * factor)
        let clock = configuration.clock
        Task(executorPreference: configuration.taskExecutor) { [weak self] in
            guard (try? await clock.sleep(for: backoff)) != nil else { return }
            await self?.reportSnapshotFailure(transfer, to: peer)
        }
    }

    private func reportSnapshotFailure(_ transfer: SnapshotTransfers.Transfer, to peer: UInt64) {
        guard !killed, snapshotTransfers.end(transfer, to: peer) else { return }
        node.reportSnapshot(to: peer, succeeded: false)
        processReady()
    }
}
