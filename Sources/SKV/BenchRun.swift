import BenchSupport
import Linearizability
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One bounded workload as `skv kv bench` and `skv shard bench` run it: several clients each
/// doing the ``BenchWorkload``'s operations (by default get 50 %, put 20 %, append 25 %,
/// delete 5 %) on random keys until the end, a progress line per second, and a summary with
/// operations, ops/s, p50/p99/p99.9 latency (from a `LatencyHistogram`) and whether the
/// recorded history is linearizable (the `KVModel` checker).
///
/// Every operation is recorded with its call and return times; one that failed may still have
/// applied, so it stays pending (no return) and ends its client's history.
final class BenchRun: Sendable {
    typealias Operation = HistoryOperation<KVModel.Input, KVModel.Output>
    /// Performs one operation; `nil` if it failed (timed out, rejected).
    typealias Perform = @Sendable (KVModel.Input) async -> KVModel.Output?

    /// How long the linearizability check may search.
    static let checkTimeout: Duration = .seconds(60)
    /// How often the watcher polls (and the progress line is considered).
    static let pollInterval: Duration = .milliseconds(250)
    /// How often the progress line is printed.
    static let progressInterval: Duration = .seconds(1)

    let duration: Int
    let keys: [String]
    let workload: BenchWorkload
    /// Length of written values (0: unpadded).
    let valueBytes: Int
    let start: ContinuousClock.Instant
    let end: ContinuousClock.Instant
    /// Whether operations are recorded and the history checked (`skv kv bench --layer rpc`
    /// records none: its calls' values are not decoded).
    let recordsHistory: Bool
    private let history = Mutex<[Operation]>([])
    /// Latencies of the completed operations.
    private let latencies = Mutex(LatencyHistogram())
    /// The keys' values before the workload, as puts completed before it (checked, not counted).
    private let initialValues: [Operation]
    /// This process's CPU time (user + system) at the start, and what the workload used.
    private let cpuAtStart = BenchRun.processCPUTime()
    private let cpuOfRun = Mutex<Duration?>(nil)
    private let completed = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)

    /// - Parameters:
    ///   - duration: seconds of workload (positive).
    ///   - keys: the keys operations pick from (not empty).
    ///   - initialValues: the keys' values before the workload (see ``readValues(of:_:)``);
    ///     a key not listed starts empty.
    ///   - workload: the operation mix.
    ///   - valueBytes: length of written values (their unique prefix padded with dots; 0: unpadded).
    ///   - recordsHistory: `false` to record no operations and check nothing.
    init(
        duration: Int, keys: [String], initialValues: [String: String] = [:], workload: BenchWorkload = .mixed,
        valueBytes: Int = 0, recordsHistory: Bool = true
    ) {
        precondition(duration > 0 && !keys.isEmpty && valueBytes >= 0, "a bench needs a duration and keys")
        self.duration = duration
        self.keys = keys
        self.workload = workload
        self.valueBytes = valueBytes
        self.recordsHistory = recordsHistory
        // Puts that completed before the workload's first call (at time 0).
        self.initialValues = keys.compactMap { key in
            initialValues[key].map {
                Operation(
                    clientID: -1, input: .put(key: key, value: BenchValue.recorded($0, valueBytes: valueBytes)),
                    call: -2, output: .done, return: -1)
            }
        }
        start = ContinuousClock.now
        end = start + .seconds(duration)
    }

    /// Each key's value, read once with `read` (e.g. one clerk's get) before a workload, so
    /// that its check starts from the values the keys have (an earlier run's, say). Exits 3 if
    /// a key cannot be read.
    static func readValues(of keys: [String], _ read: Perform) async -> [String: String] {
        var values: [String: String] = [:]
        for key in keys {
            guard case .value(let value)? = await read(.get(key: key)) else {
                fail("unavailable: cannot read \(key) before the workload", status: ClientOptions.exitUnavailable)
            }
            values[key] = value
        }
        return values
    }

    /// Exits 2 with one line unless `--duration`, `--clients` and `--keys` are positive and
    /// `--value-bytes` is not negative.
    static func checkOptions(duration: Int, clients: Int, keys: Int, valueBytes: Int = 0) {
        guard duration > 0, clients > 0, keys > 0 else {
            fail("--duration, --clients and --keys must be positive", status: SKVCommand.exitBadOptions)
        }
        guard valueBytes >= 0 else { fail("--value-bytes must not be negative", status: SKVCommand.exitBadOptions) }
    }

    var isRunning: Bool { ContinuousClock.now < end }

    /// Nanoseconds since the start.
    func nanos() -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    /// Runs one client per `performers` entry until the end, next to `watch` (which should
    /// return by the end; see ``watch(poll:describe:)``). Client `i` runs on `executors[i]`
    /// where given (its connections' event loop, so that its calls wake no other thread).
    func run(
        _ performers: [Perform], executors: [(any TaskExecutor)?] = [],
        watch: @escaping @Sendable () async -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for (client, perform) in performers.enumerated() {
                let executor = client < executors.count ? executors[client] : nil
                group.addTask(executorPreference: executor) { await self.runClient(client, perform) }
            }
            group.addTask { await watch() }
        }
        let used = Self.processCPUTime() - cpuAtStart
        cpuOfRun.withLock { $0 = used }
    }

    /// CPU time (user + system) this process has used so far.
    static func processCPUTime() -> Duration {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func duration(_ time: timeval) -> Duration { .seconds(time.tv_sec) + .microseconds(time.tv_usec) }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }

    private func runClient(_ client: Int, _ perform: Perform) async {
        var sequence = 0
        while isRunning {
            sequence += 1
            // One key: nothing to draw (each draw from the system generator is a getrandom(2)
            // call, ≈ 1 % of the client's CPU at 16 clients).
            let key = keys.count == 1 ? keys[0] : keys.randomElement()!
            let input = workload.operation(key: key) {
                BenchValue.make(client: client, sequence: sequence, valueBytes: valueBytes)
            }
            let call = nanos()
            let output = await perform(input)
            let returned = nanos()
            if output != nil {
                completed.add(1, ordering: .relaxed)
                latencies.withLock { $0.record(.nanoseconds(returned - call)) }
            } else {
                failed.add(1, ordering: .relaxed)
            }
            if recordsHistory {
                let operation = Operation(
                    clientID: client, input: recorded(input), call: call, output: output.map(recorded),
                    return: output == nil ? nil : returned)
                history.withLock { $0.append(operation) }
            }
            // A pending operation ends this client's history (no later calls from it).
            if output == nil { return }
        }
    }

    /// An operation's input and output as the history keeps them (``BenchValue/recorded(_:valueBytes:)``).
    private func recorded(_ input: KVModel.Input) -> KVModel.Input {
        switch input {
        case .put(let key, let value): .put(key: key, value: BenchValue.recorded(value, valueBytes: valueBytes))
        case .append(let key, let value): .append(key: key, value: BenchValue.recorded(value, valueBytes: valueBytes))
        case .get, .delete, .compareAndSwap: input
        }
    }

    private func recorded(_ output: KVModel.Output) -> KVModel.Output {
        if case .value(let value) = output { return .value(BenchValue.recorded(value, valueBytes: valueBytes)) }
        return output
    }

    /// Until the end: `poll()` every ``pollInterval`` and a progress line every second,
    /// `[Ns/Ds] ops=N (+N/s) failed=N` followed by `describe()`.
    func watch(poll: () async -> Void, describe: () -> String) async {
        var lastPrint = ContinuousClock.now
        var lastCount = 0
        while isRunning {
            await poll()
            if ContinuousClock.now - lastPrint >= Self.progressInterval {
                let count = completed.load(ordering: .relaxed)
                let elapsed = Int((ContinuousClock.now - start).components.seconds)
                print(
                    "[\(elapsed)s/\(duration)s] ops=\(count) (+\(count - lastCount)/s) "
                        + "failed=\(failed.load(ordering: .relaxed)) \(describe())")
                fflush(nil)
                lastPrint = ContinuousClock.now
                lastCount = count
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
    }

    /// The recorded history (call it after ``run(_:watch:)``).
    var operations: [Operation] { history.withLock { $0 } }

    /// The client's CPU time per completed operation during the workload, in microseconds
    /// (all of this process: clerks, connections, recording; `-` before the run ended).
    private func cpuPerOperation(_ ops: Int) -> String {
        guard let used = cpuOfRun.withLock({ $0 }), ops > 0 else { return "-" }
        return fixed(Double(used / .nanoseconds(1)) / 1000 / Double(ops))
    }

    /// Prints `summary: ops=N failed=N ops/s=X p50=Xms p99=Xms p99.9=Xms client-cpu/op=Xus <extra>
    /// linearizable: yes|no`
    /// and exits 3 if no operation completed, 1 (after the failing operations) if the history
    /// is not linearizable; returns otherwise.
    func finish(extra: String) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let history = operations
        let ops = completed.load(ordering: .relaxed)
        let verdict: CheckResult? =
            recordsHistory
            ? LinearizabilityChecker.check(KVModel(), initialValues + history, timeout: Self.checkTimeout) : nil
        let linearizable =
            switch verdict {
            case .ok?: "yes"
            case .illegal?: "no"
            case .unknown?: "unknown (check timed out)"
            case nil: "not checked (no history recorded)"
            }
        let rate = fixed(Double(ops) / max(seconds, 0.001))
        let failures = failed.load(ordering: .relaxed)
        print(
            "summary: ops=\(ops) failed=\(failures) ops/s=\(rate) \(latencies.withLock { $0.summary }) "
                + "client-cpu/op=\(cpuPerOperation(ops))us "
                + "\(extra) linearizable: \(linearizable)")
        fflush(nil)
        if ops == 0 { Glibc.exit(ClientOptions.exitUnavailable) }
        if case .illegal(let failure)? = verdict {
            print(failure.description)
            Glibc.exit(1)
        }
    }
}

/// `value` with one decimal.
func fixed(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

/// Nanoseconds as `12.3ms`.
func milliseconds(_ nanoseconds: Int64) -> String { fixed(Double(nanoseconds) / 1e6) + "ms" }
