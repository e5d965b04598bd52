#if canImport(Glibc)
import Glibc
#endif
public import Simulation
import Synchronization

/// Where a Lab 3 / Lab 4 test body runs: in real time (the original tester), or
/// deterministically in virtual time on a ``SimulationScheduler`` (one thread, FIFO jobs, a
/// clock that jumps to the next sleeper). The same bodies run in both: the suite picks the
/// environment (``runVirtual(seed:faults:virtualTimeLimit:_:)``), and the body reaches it as
/// ``current`` (a task-local value, inherited by child tasks and by the harness's tasks).
/// Everything of a run takes its time, sleeps and executor from here: the network, Raft peers,
/// the RSM, servers, clerks, the migration driver, the tests' waits and the 120-s limit.
///
/// In virtual time a run is a function of its seed (printed): replay a failure with the
/// suite's seed variable, e.g. `KV_LAB_SEED=<seed> swift test --filter 'Lab3Virtual/…/<test>'`,
/// and ``LabFaults`` from `LAB_SIM_FAULTS` (the sweep prints the whole command).
public struct LabEnvironment: Sendable {
    public enum Mode: Sendable {
        case realTime
        case virtual(SimulationScheduler)
    }

    public let mode: Mode
    /// The seed of a virtual run (every cluster of the run uses it); `nil` in real time, where
    /// each cluster draws its own from its suite's seed variable.
    public let seed: UInt64?
    /// Faults the harness adds to the body's own (the sweep's); none by default.
    public let faults: LabFaults
    /// Where the run's Raft peers keep their state.
    public private(set) var storage: LabStorage
    /// With ``LabStorage/disk`` and ``LabFaults/diskCrashes``: whether the harness also cuts a
    /// running server's power at random, mid-write (a third of the instances, after a random
    /// number of file-system calls); the server loses what it had not synced and reboots
    /// within a second. On for the nemesis tests (``withStorage(_:powerCuts:_:)``).
    public private(set) var powerCuts = false
    /// What the clusters of this run recorded, for determinism checks.
    public let trace = LabTrace()

    public init(mode: Mode, seed: UInt64?, faults: LabFaults = LabFaults(), storage: LabStorage = .persister) {
        self.mode = mode
        self.seed = seed
        self.faults = faults
        self.storage = storage
    }

    /// Runs `body` with the clusters it makes storing on `storage`, unless `LAB_SIM_STORE`
    /// chooses for every run (the nemesis tests run on ``LabStorage/disk`` this way).
    public static func withStorage(
        _ storage: LabStorage, powerCuts: Bool = false, _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        var environment = current
        environment.storage = try LabStorage.fromEnvironment() ?? storage
        environment.powerCuts = powerCuts
        if environment.storage != current.storage { print("  store: \(environment.storage)") }
        try await $current.withValue(environment) { try await body() }
    }

    /// The environment of the running test body: real time unless a suite runs it in virtual time.
    @TaskLocal public static var current = LabEnvironment(mode: .realTime, seed: nil)

    public var isVirtual: Bool {
        if case .virtual = mode { return true }
        return false
    }

    /// The clock Raft peers, the RSM, the migration driver and clerks run on.
    public var clock: any Clock<Duration> {
        switch mode {
        case .realTime: ContinuousClock()
        case .virtual(let scheduler): scheduler.clock
        }
    }

    /// The executor unstructured tasks of the run must prefer (`nil`: the global one).
    public var taskExecutor: (any TaskExecutor)? {
        switch mode {
        case .realTime: nil
        case .virtual(let scheduler): scheduler
        }
    }

    /// Time since an arbitrary fixed epoch (real: process-wide; virtual: the run's start).
    public func now() -> Duration {
        switch mode {
        case .realTime: ContinuousClock.now - Self.realEpoch
        case .virtual(let scheduler): scheduler.elapsed
        }
    }

    public func sleep(for duration: Duration) async throws {
        switch mode {
        case .realTime: try await Task.sleep(for: duration)
        case .virtual(let scheduler): try await scheduler.clock.sleep(for: duration)
        }
    }

    /// A simulated network with this environment's time.
    func makeNetwork(seed: UInt64) -> SimulatedNetwork {
        switch mode {
        case .realTime: SimulatedNetwork(seed: seed)
        case .virtual(let scheduler): SimulatedNetwork(seed: seed, scheduler: scheduler)
        }
    }

    /// Charges the time of writing `bytes` to the running job (virtual time only): 100 ns per
    /// byte, as the Lab 2 harness (a Raft peer re-encodes its whole state on every save, and
    /// without a cost for it a virtual client loop commits ever larger states for free).
    func chargeWrite(bytes: Int) {
        if case .virtual(let scheduler) = mode { scheduler.charge(Self.writeCostPerByte * bytes) }
    }

    static let writeCostPerByte: Duration = .nanoseconds(100)

    private static let realEpoch = ContinuousClock.now

    // MARK: Running a body

    /// Runs `body` in virtual time on a fresh scheduler with `seed` and returns what it
    /// recorded. Fails if the body runs longer than `virtualTimeLimit` of virtual time (a
    /// livelock guard; the lab's own 120-s limit is checked by the cluster). Prints the seed
    /// and the scheduler's statistics.
    @discardableResult
    public static func runVirtual(
        seed: UInt64, faults: LabFaults = LabFaults(), storage: LabStorage? = nil,
        virtualTimeLimit: Duration = .seconds(900),
        _ body: @escaping @Sendable () async throws -> Void
    ) async throws -> LabTrace.Record {
        let scheduler = SimulationScheduler()
        let environment = LabEnvironment(
            mode: .virtual(scheduler), seed: seed, faults: faults,
            storage: try storage ?? LabStorage.fromEnvironment() ?? .persister)
        let wall = ContinuousClock.now
        let store = environment.storage == .persister ? "" : ", store \(environment.storage)"
        print("virtual run: seed \(seed)\(faults.isEmpty ? "" : ", faults \(faults)")\(store)")
        fflush(nil)  // the seed must be visible even if the run hangs
        // Reports a long run's progress in wall time; reads statistics only (a detached task:
        // it does not run on the scheduler, so it cannot perturb the run).
        let watchdog = Task.detached {
            while true {
                try await Task.sleep(for: .seconds(30))
                let statistics = scheduler.statistics
                print("  virtual run still going after \(ContinuousClock.now - wall): seed \(seed), \(statistics)")
                fflush(nil)
            }
        }
        defer { watchdog.cancel() }
        do {
            try await scheduler.run {
                try await $current.withValue(environment) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await body() }
                        group.addTask {
                            try await scheduler.clock.sleep(for: virtualTimeLimit)
                            throw LabFailure("virtual time limit of \(virtualTimeLimit) exceeded (seed \(seed))")
                        }
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                }
            }
        } catch {
            let summary = "seed \(seed), \(scheduler.statistics), \(environment.trace.faultSummary)"
            print("virtual run failed (\(summary)): \(error)")
            throw LabFailure("\(error) [\(summary)]")
        }
        // `run` returned: the scheduler has drained and stopped, so the statistics are final.
        let record = LabTrace.Record(
            seed: seed, parts: environment.trace.parts, faults: environment.trace.faultSummary,
            statistics: scheduler.statistics)
        print("  virtual run: seed \(seed), \(record.statistics), \(record.faults), wall \(ContinuousClock.now - wall)")
        return record
    }
}

/// Faults the harness injects on top of a body's own (the seed sweep turns them on; each
/// choice is drawn from the cluster's seeded random source, so a seed replays them).
public struct LabFaults: Sendable, Equatable, CustomStringConvertible {
    /// Each server shutdown is a power loss with probability 1/2: the restarted server reads
    /// only what its store had synced (see `SimulatedPersister.crashCopy()`), instead of
    /// everything it wrote (a process crash, the labs' model).
    public var diskCrashes = false

    public init(diskCrashes: Bool = false) {
        self.diskCrashes = diskCrashes
    }

    public var isEmpty: Bool { !diskCrashes }

    public var description: String { diskCrashes ? "disk-crashes" : "none" }

    /// `LAB_SIM_FAULTS` (`disk-crashes` or `none`); none when unset.
    public static var fromEnvironment: LabFaults {
        guard let raw = getenv("LAB_SIM_FAULTS") else { return LabFaults() }
        let names = String(cString: raw).split(separator: ",").map(String.init)
        return LabFaults(diskCrashes: names.contains("disk-crashes"))
    }
}

/// What the clusters of one run recorded; thread-safe.
public final class LabTrace: Sendable {
    /// One run's numbers: equal for two runs of the same seed in virtual time.
    public struct Record: Sendable, Equatable {
        public var seed: UInt64
        public var parts: [String]
        /// The faults injected (``LabTrace/faultSummary``).
        public var faults: String
        public var statistics: SimulationScheduler.Statistics
    }

    private let state = Mutex<(parts: [String], faults: [String: Int])>(([], [:]))

    public var parts: [String] { state.withLock { $0.parts } }

    /// How many faults of each kind the harness and the body injected, e.g.
    /// "faults: crash=10 disk-crash=4 partition=12".
    public var faultSummary: String {
        let faults = state.withLock { $0.faults }
        guard !faults.isEmpty else { return "faults: none" }
        return "faults: " + faults.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    public func record(_ part: String) { state.withLock { $0.parts.append(part) } }
    public func countFault(_ kind: String) { state.withLock { $0.faults[kind, default: 0] += 1 } }
}
