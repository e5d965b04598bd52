import CoreMetrics
import Raft

/// Linearizable reads through the core's ReadIndex (Raft thesis §6.4): the leader records
/// its commit index, confirms it is still leader with a heartbeat round, and returns that
/// index; the caller serves the read once its state machine has applied it.
extension RaftPeer {
    /// One waiting ``readIndex(timeout:)`` call.
    struct PendingRead {
        var continuation: CheckedContinuation<UInt64, any Error>
        /// When the read times out, on ``readClock``'s scale.
        var deadline: Duration
    }

    /// Leader only: returns an index such that a read of the state machine, made once its
    /// consumer of ``applyStream`` has applied the message with that index, is linearizable
    /// with respect to this call.
    ///
    /// The quorum-confirmed read index may be a no-op entry, which never appears on the apply
    /// stream; so the call returns once every entry up to the read index has been delivered,
    /// with the index of the last message delivered by then (the snapshot the peer restarted
    /// from, or 0, if none) — an index the consumer is sure to reach.
    ///
    /// - Throws: ``RaftPeerError/notLeader(leaderHint:)``, ``RaftPeerError/leadershipLost``
    ///   (deposed while waiting), ``RaftPeerError/timeout`` (no quorum confirmed within
    ///   `timeout`, measured on ``Configuration/clock``, so virtual time in a simulation, and
    ///   checked at each tick: at most a tick interval late),
    ///   ``RaftPeerError/tooManyPendingReads(limit:)``, ``RaftPeerError/stopped``.
    public func readIndex(timeout: Duration = .seconds(1)) async throws(RaftPeerError) -> UInt64 {
        let status = status()
        guard !status.isStopped else { throw .stopped }
        guard status.isLeader else { throw .notLeader(leaderHint: status.leaderID) }
        guard pendingReads.count < configuration.maxPendingReads else {
            throw .tooManyPendingReads(limit: configuration.maxPendingReads)
        }
        nextReadID += 1
        metrics.readIndexRequests.increment()
        let readID = nextReadID
        do {
            return try await withCheckedThrowingContinuation { continuation in
                startRead(readID, continuation: continuation, timeout: timeout)
            }
        } catch let error as RaftPeerError {
            throw error
        } catch {
            throw .stopped
        }
    }

    private func startRead(_ readID: UInt64, continuation: CheckedContinuation<UInt64, any Error>, timeout: Duration) {
        do {
            try node.readIndex(context: Self.context(readID))
        } catch {
            continuation.resume(throwing: RaftPeerError(error))
            return
        }
        // Expired by the tick loop (``expireReads()``), on the peer's clock: no timer task per
        // read, and in a simulation the deadline is virtual time like the ticks.
        pendingReads[readID] = PendingRead(continuation: continuation, deadline: readClock.now + timeout)
        processReady()
    }

    /// Fails the reads whose deadline passed with ``RaftPeerError/timeout``, in read id order
    /// (see ``completeReads(_:)``). Called on every tick, so a read times out at most one tick
    /// interval late.
    func expireReads() {
        guard !pendingReads.isEmpty else { return }
        let now = readClock.now
        let expired = pendingReads.filter { $0.value.deadline <= now }.keys.sorted()
        for readID in expired {
            confirmedReads[readID] = nil
            pendingReads.removeValue(forKey: readID)?.continuation.resume(throwing: RaftPeerError.timeout)
        }
    }

    /// Records the reads a `Ready` confirmed, and resumes every confirmed read whose index has
    /// been delivered on the apply stream, in read id order (each resumption and cancellation
    /// enqueues a job: a simulation run must not depend on hashing).
    func completeReads(_ states: [ReadState]) {
        for state in states {
            guard let readID = Self.readID(state.context), pendingReads[readID] != nil else { continue }
            confirmedReads[readID] = state.index
        }
        guard !confirmedReads.isEmpty else { return }
        let due = confirmedReads.filter { $0.value <= deliveredIndex }.keys.sorted()
        for readID in due {
            confirmedReads[readID] = nil
            pendingReads.removeValue(forKey: readID)?.continuation.resume(returning: lastYieldedIndex)
        }
    }

    /// Fails every waiting read (leadership lost, or the peer stopped), in read id order (see
    /// ``completeReads(_:)``).
    func failPendingReads(_ error: RaftPeerError) {
        let reads = pendingReads.sorted { $0.key < $1.key }.map(\.value)
        pendingReads = [:]
        confirmedReads = [:]
        for read in reads { read.continuation.resume(throwing: error) }
    }

    static func context(_ readID: UInt64) -> [UInt8] {
        withUnsafeBytes(of: readID.littleEndian) { Array($0) }
    }

    static func readID(_ context: [UInt8]) -> UInt64? {
        guard context.count == 8 else { return nil }
        var value: UInt64 = 0
        for k in 0..<8 { value |= UInt64(context[k]) << (8 * UInt64(k)) }
        return value
    }
}
