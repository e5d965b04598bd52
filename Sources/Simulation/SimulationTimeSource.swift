/// Where the simulation gets its time from: every delay of ``SimulatedNetwork`` goes through
/// this protocol, so that a virtual clock (a deterministic mode) can replace real time later
/// without touching the network's logic.
///
/// Contract: ``sleep(for:)`` suspends the calling task for `duration` and throws
/// `CancellationError` promptly when the task is cancelled (no unbounded sleeps that ignore
/// cancellation). Implementations are shared by all tasks of a network, hence `Sendable`.
protocol SimulationTimeSource: Sendable {
    func sleep(for duration: Duration) async throws
}

/// Real time: `Task.sleep` on the continuous clock.
struct RealTimeSource: SimulationTimeSource {
    func sleep(for duration: Duration) async throws {
        guard duration > .zero else {
            try Task.checkCancellation()
            return
        }
        try await Task.sleep(for: duration)
    }
}
