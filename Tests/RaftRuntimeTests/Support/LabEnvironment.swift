#if canImport(Glibc)
import Glibc
#endif
import Simulation
import Synchronization

/// Where a lab test body runs: in real time (the original tester), or deterministically in
/// virtual time on a ``SimulationScheduler`` (one thread, FIFO jobs, a clock that jumps to the
/// next sleeper). The same test bodies run in both; they take every wait, elapsed-time check
/// and task executor from here (through ``RaftLabCluster``), never from the system directly.
///
/// In virtual time a run is a function of ``seed``: replay a failure with
/// `RAFT_LAB_SEED=<seed> swift test --disable-xctest --filter 'Lab2Virtual/…/<test>'`.
struct LabEnvironment: Sendable {
    enum Mode: Sendable {
        case realTime
        case virtual(SimulationScheduler)
    }

    let mode: Mode
    /// The seed of the test's cluster(s); printed by each cluster.
    let seed: UInt64
    /// What the clusters of this run recorded (their "Passed" numbers), for determinism checks.
    let trace = LabTrace()

    var isVirtual: Bool {
        if case .virtual = mode { return true }
        return false
    }

    /// The clock Raft peers tick on.
    var clock: any Clock<Duration> {
        switch mode {
        case .realTime: ContinuousClock()
        case .virtual(let scheduler): scheduler.clock
        }
    }

    /// The executor unstructured tasks of the run (peers, network, appliers) must prefer.
    var taskExecutor: (any TaskExecutor)? {
        switch mode {
        case .realTime: nil
        case .virtual(let scheduler): scheduler
        }
    }

    /// Time since an arbitrary fixed epoch (real: process-wide; virtual: the run's start).
    func now() -> Duration {
        switch mode {
        case .realTime: ContinuousClock.now - Self.realEpoch
        case .virtual(let scheduler): scheduler.elapsed
        }
    }

    func sleep(for duration: Duration) async throws {
        switch mode {
        case .realTime: try await Task.sleep(for: duration)
        case .virtual(let scheduler): try await scheduler.clock.sleep(for: duration)
        }
    }

    /// The simulated network of a cluster. In virtual time `RAFT_LAB_TRANSIT_US` overrides the
    /// network's transit time (microseconds; default
    /// `SimulatedNetwork.defaultVirtualTransitTime`); with 0, a leader replicates each of
    /// count2B's proposals separately and about 10 % of seeds exceed its RPC limit.
    func makeNetwork() -> SimulatedNetwork {
        switch mode {
        case .realTime: return SimulatedNetwork(seed: seed)
        case .virtual(let scheduler):
            if let raw = getenv("RAFT_LAB_TRANSIT_US"), let us = Int(String(cString: raw)) {
                print("lab network: transit time \(us) µs (RAFT_LAB_TRANSIT_US)")
                return SimulatedNetwork(seed: seed, scheduler: scheduler, transitTime: .microseconds(us))
            }
            return SimulatedNetwork(seed: seed, scheduler: scheduler)
        }
    }

    private static let realEpoch = ContinuousClock.now

    /// Virtual time one persisted byte costs (a 10 MB/s disk; `RAFT_LAB_WRITE_NS` overrides).
    /// `RaftPeer` rewrites and re-encodes its whole state on every save, so saves grow with
    /// the log, and in real time that CPU work slows the cluster down. Without a cost for it,
    /// a virtual churn test (clients propose as fast as commits come back) commits 3000+
    /// entries, each save dearer than the last, and takes up to minutes of wall time. Measured
    /// in this debug build the encoding alone costs about 20 ns/byte; 100 ns/byte (which also
    /// stands for the real-time scheduling slack) gives 900–1400 churn agreements, inside the
    /// 250–2400 of real-time runs, in about 5 s of wall time (10 ns/byte: 1700–3200, ~27 s).
    static let virtualWriteCostPerByte: Duration = .nanoseconds(100)

    /// Charges the time of writing `bytes` to the running job (virtual time only).
    func chargeWrite(bytes: Int) {
        if case .virtual(let scheduler) = mode { scheduler.charge(Self.writeCost * bytes) }
    }

    private static let writeCost: Duration = {
        if let raw = getenv("RAFT_LAB_WRITE_NS"), let ns = Int(String(cString: raw)) {
            print("lab store: write cost \(ns) ns/byte (RAFT_LAB_WRITE_NS)")
            return .nanoseconds(ns)
        }
        return virtualWriteCostPerByte
    }()

    // MARK: Running a body

    /// Runs a lab test body in real time, as the tester always did.
    static func runRealTime(_ body: (LabEnvironment) async throws -> Void) async throws {
        try await body(LabEnvironment(mode: .realTime, seed: LabSeed.next()))
    }

    /// Runs a lab test body in virtual time on a fresh scheduler and returns what it recorded.
    /// Fails if the body runs longer than `virtualTimeLimit` of virtual time (a livelock
    /// guard; the lab's own limits are checked by the cluster). Every cluster the body
    /// created is cleaned up afterwards, also when the body failed, so the scheduler drains.
    @discardableResult
    static func runVirtual(
        seed: UInt64 = LabSeed.next(), virtualTimeLimit: Duration = .seconds(600),
        _ body: @escaping @Sendable (LabEnvironment) async throws -> Void
    ) async throws -> LabTrace.Record {
        let scheduler = SimulationScheduler()
        let environment = LabEnvironment(mode: .virtual(scheduler), seed: seed)
        let wall = ContinuousClock.now
        // Reports a long run's progress in wall time; reads statistics only, so it cannot
        // perturb the run (a detached task: it does not run on the scheduler).
        let watchdog = Task.detached {
            while true {
                try await Task.sleep(for: .seconds(10))
                print("  virtual run still going after \(ContinuousClock.now - wall): seed \(seed), \(scheduler.statistics), \(environment.trace.parts.count) parts done")
                fflush(nil)
            }
        }
        defer { watchdog.cancel() }
        do {
            try await scheduler.run {
                var failure: (any Error)?
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await body(environment) }
                        group.addTask {
                            try await scheduler.clock.sleep(for: virtualTimeLimit)
                            throw LabFailure(description: "virtual time limit of \(virtualTimeLimit) exceeded (seed \(seed))")
                        }
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                } catch {
                    failure = error
                }
                for cluster in environment.trace.clusters { await cluster.cleanup() }
                if let failure { throw failure }
            }
        } catch {
            print("virtual run failed (seed \(seed), \(scheduler.statistics)): \(error)")
            throw error
        }
        // `run` returned: the scheduler has drained every leftover task and stopped, so the
        // statistics are final and cannot depend on how long the teardown took in real time.
        let record = LabTrace.Record(seed: seed, parts: environment.trace.parts, statistics: scheduler.statistics)
        print("  virtual run: seed \(seed), \(record.statistics), wall \(ContinuousClock.now - wall)")
        return record
    }
}

/// What the clusters of one run record; thread-safe.
final class LabTrace: Sendable {
    /// One run's numbers: equal for two runs of the same seed in virtual time.
    struct Record: Sendable, Equatable {
        var seed: UInt64
        var parts: [String]
        var statistics: SimulationScheduler.Statistics
    }

    private let state = Mutex<(parts: [String], clusters: [RaftLabCluster])>(([], []))

    var parts: [String] { state.withLock { $0.parts } }
    var clusters: [RaftLabCluster] { state.withLock { $0.clusters } }

    func record(_ part: String) { state.withLock { $0.parts.append(part) } }
    func register(_ cluster: RaftLabCluster) { state.withLock { $0.clusters.append(cluster) } }
}
