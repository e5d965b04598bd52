/// Where the simulation gets its time from: every delay of ``SimulatedNetwork`` goes through
/// this protocol, and so does the executor of the network's own tasks, so that the virtual
/// clock of a ``SimulationScheduler`` (the deterministic mode) can replace real time without
/// touching the network's logic.
///
/// Contract: ``sleep(for:)`` suspends the calling task for `duration` and throws
/// `CancellationError` promptly when the task is cancelled (no unbounded sleeps that ignore
/// cancellation). Implementations are shared by all tasks of a network, hence `Sendable`.
protocol SimulationTimeSource: Sendable {
    func sleep(for duration: Duration) async throws
    /// The executor unstructured tasks of the network (handler tasks) must prefer; `nil` for
    /// the global one. Unstructured tasks do not inherit a task executor preference.
    var taskExecutor: (any TaskExecutor)? { get }
    /// Extra one-way delay of every delivered request and reply (zero in real time, where the
    /// transport's own CPU work is the latency).
    var transitTime: Duration { get }
}

extension SimulationTimeSource {
    var taskExecutor: (any TaskExecutor)? { nil }
    var transitTime: Duration { .zero }
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

/// Virtual time: the clock and the thread of a ``SimulationScheduler``.
struct VirtualTimeSource: SimulationTimeSource {
    let scheduler: SimulationScheduler
    let transitTime: Duration

    func sleep(for duration: Duration) async throws {
        guard duration > .zero else {
            try Task.checkCancellation()
            return
        }
        try await scheduler.sleep(for: duration)
    }

    var taskExecutor: (any TaskExecutor)? { scheduler }
}
