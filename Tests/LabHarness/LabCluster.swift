public import Simulation
public import RPCCore
import Synchronization

/// The test harness of the 6.824 lab suites (the labs' `config.go`): one simulated network per
/// test, any number of Raft replica groups on it, their clerks, seeds, timing and checks.
///
/// Model. A ``LabCluster`` owns one `SimulatedNetwork` (labrpc semantics, LongDelays off), the
/// test's seed and one seeded random source (end names, Raft seeds, clerk shuffles,
/// ``randomString(_:)``). ``makeGroup(label:serverNames:maxRaftState:makeService:)`` adds a
/// ``LabReplicaGroup``: `n` servers, each one network server (named by the test) holding a
/// `RaftPeer` and the service the factory builds from its ``LabServerContext`` (index, peer,
/// restored snapshot, `make_end`). A group shuts servers down and starts them exactly as
/// `config.go` does (disconnect, delete from the network, copy the persister, kill; restart
/// from a fresh persister copy with fresh random end names, unconnected until `connect`), and
/// connects, disconnects and partitions its own servers. Server names are global on the
/// network, so ``makeEnd(to:enabled:)`` (the labs' `make_end`) reaches a server of any group
/// by its name. The cluster counts operations, enforces the 120-s limit in ``end()``, runs
/// clerk tasks that ``cleanup()`` cancels (clerks retry forever), and checks every group's
/// persisted sizes (``checkLogs()``).
///
/// Time: the cluster runs in the ``LabEnvironment`` current when it was made (real time, or
/// a suite's virtual time): the network, every Raft peer, service, clerk and task of the test
/// take their clock and executor from ``environment``, and a test body waits with ``sleep(for:)``
/// and measures with ``now()``, never with the system clock.
///
/// Lab 3 (`KVLabCluster`) and Lab 4A (`ShardCtrlerLabCluster`) are one group each. A Lab 4B
/// suite builds the controller group and three shard groups on one cluster:
///
/// ```swift
/// let lab = LabCluster(seed: LabSeed.next(environmentVariable: "SHARDKV_LAB_SEED"), label: "shardkv")
/// let ctrlers = try await lab.makeGroup(label: "ctrler", serverNames: ["ctrler0", "ctrler1", "ctrler2"],
///                                       maxRaftState: -1) { try ShardCtrlerServer(id: UInt64($0.index + 1), …) }
/// let ctrlerNames = ctrlers.serverNames
/// for gid in [100, 101, 102] {
///     groups[gid] = try await lab.makeGroup(
///         label: "gid \(gid)", serverNames: (0..<3).map { "server-\(gid)-\($0)" }, maxRaftState: maxRaftState
///     ) { context in
///         // context.makeEnd(name) is a fresh end to any named server: the controllers, or the
///         // servers another group's configuration lists.
///         try ShardKVServer(gid: gid, log: context.peer, restoredSnapshot: context.restoredSnapshot,
///                           controllers: ctrlerNames, makeEnd: context.makeEnd, …)
///     }
/// }
/// lab.setReliable(!unreliable)
/// try await lab.run {
///     await groups[101]!.shutdownAll(); try await groups[101]!.startAll(); await groups[101]!.connectAll()
///     try await lab.checkLogs()                 // ≤ 8 × maxraftstate, no snapshot when −1
///     let task = lab.spawn { … a clerk made with lab.makeEnd … }
///     try lab.end()                             // 120-s limit
/// }                                             // cleanup: clerk tasks, every group, the network
/// ```
///
/// Thread safety: every method may be called from any task; the mutable state (random source,
/// end counter, clerk tasks, groups, timing) lives under one mutex and the operation counter
/// is atomic. Groups are actors.
public final class LabCluster: Sendable {
    /// The test's seed (printed; the suite's seed variable replays its random choices).
    public let seed: UInt64
    /// What the cluster prints at start and on failure, e.g. "kv".
    public let label: String
    public let network: SimulatedNetwork
    /// Real or virtual time (see the type's discussion).
    public let environment: LabEnvironment

    /// The lab's per-test time limit (checked by ``end()``).
    public static let timeLimit: Duration = .seconds(120)

    private struct Registration: Sendable {
        let serverCount: Int
        let checkLogs: @Sendable () async throws -> Void
        let stop: @Sendable () async -> Void
    }

    private struct State: Sendable {
        var random: SeededRandom
        /// The harness's own fault choices (``LabFaults``), apart from `random` so that turning
        /// faults on does not change the body's random choices.
        var faultRandom: SeededRandom
        var endCounter = 0
        var clerkTaskCancellers: [@Sendable () -> Void] = []
        var groups: [Registration] = []
        var start: Duration
        var description = ""
        var rpcsAtStart = 0
        var operationsAtStart = 0
    }

    private let state: Mutex<State>
    private let operations = Atomic<Int>(0)

    /// A new network (LongDelays off, reliable until ``setReliable(_:)``) with no servers, in
    /// the current ``LabEnvironment``.
    public init(seed: UInt64, label: String) {
        self.seed = seed
        self.label = label
        let environment = LabEnvironment.current
        self.environment = environment
        network = environment.makeNetwork(seed: seed)
        network.setLongDelays(false)
        state = Mutex(
            State(
                random: SeededRandom(seed: seed ^ 0x5EED_CAFE), faultRandom: SeededRandom(seed: seed ^ 0xFA17),
                start: environment.now()))
    }

    // MARK: Groups

    /// Starts a replica group of `serverNames.count` servers with those network names (unique
    /// on the network), each running the service `makeService` builds, and connects them.
    public func makeGroup<Service: LabService>(
        label: String, serverNames: [String], maxRaftState: Int,
        makeService: @escaping LabServiceFactory<Service>
    ) async throws -> LabReplicaGroup<Service> {
        let group = LabReplicaGroup(
            lab: self, label: label, serverNames: serverNames, maxRaftState: maxRaftState, makeService: makeService)
        state.withLock { state in
            state.groups.append(
                Registration(
                    serverCount: serverNames.count, checkLogs: { try await group.checkLogs() },
                    stop: { await group.stopAll() }))
        }
        try await group.startAll()
        await group.connectAll()
        return group
    }

    /// Sets the whole network reliable or not (the labs set it after the servers start).
    public func setReliable(_ reliable: Bool) {
        network.setReliable(reliable)
    }

    // MARK: Ends and randomness

    /// The labs' `make_end`: a fresh end (random name) connected to the server named
    /// `serverName`, enabled unless `enabled` is false.
    public func makeEnd(to serverName: String, enabled: Bool = true) -> RPCClient {
        let name = freshEndName("end-\(serverName)")
        let end = network.makeEnd(name: name)
        network.connect(end: name, to: serverName)
        network.enable(end: name, enabled)
        return RPCClient(transport: end)
    }

    /// A new end name, unique on the network, with a random part (as the labs' `randstring`).
    public func freshEndName(_ prefix: String) -> String {
        state.withLock { state in
            state.endCounter += 1
            return "\(prefix)-\(state.endCounter)-\(state.random.next() % 1_000_000)"
        }
    }

    /// A random 64-bit number from the test's seed.
    public func random() -> UInt64 {
        state.withLock { $0.random.next() }
    }

    /// A random integer in `0..<bound`.
    public func randomInt(_ bound: Int) -> Int {
        Int(random() % UInt64(bound))
    }

    /// A random choice of the harness's fault injection, true with probability 1/`oneIn`.
    func faultCoin(oneIn: UInt64) -> Bool {
        state.withLock { $0.faultRandom.next() % oneIn == 0 }
    }

    /// A generator for one of the harness's fault injections, forked from its fault stream.
    func faultRandomSource() -> SeededRandom {
        state.withLock { SeededRandom(seed: $0.faultRandom.next()) }
    }

    /// Counts one injected fault of `kind` (printed per run; see ``LabTrace/faultSummary``).
    public func countFault(_ kind: String) {
        environment.trace.countFault(kind)
    }

    /// Shuffles `elements` with the test's random source.
    public func shuffled<Element>(_ elements: [Element]) -> [Element] {
        var elements = elements
        state.withLock { elements.shuffle(using: &$0.random) }
        return elements
    }

    /// The labs' `randstring(n)`: `n` random characters of the base64url alphabet.
    public func randomString(_ length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return state.withLock { state in
            String((0..<length).map { _ in alphabet[Int(state.random.next() % UInt64(alphabet.count))] })
        }
    }

    // MARK: Clerk tasks

    /// Runs `body` on a task that ``cleanup()`` cancels (clerks retry forever), on the
    /// environment's executor.
    public func spawn<Result: Sendable>(
        _ body: @escaping @Sendable () async throws -> Result
    ) -> Task<Result, any Error> {
        let task = Task(executorPreference: environment.taskExecutor) { try await body() }
        state.withLock { $0.clerkTaskCancellers.append { task.cancel() } }
        return task
    }

    // MARK: Time

    /// Time since an arbitrary fixed epoch, on the environment's clock.
    public func now() -> Duration { environment.now() }

    /// Sleeps `duration` on the environment's clock.
    public func sleep(for duration: Duration) async throws {
        try await environment.sleep(for: duration)
    }

    // MARK: Measurements and checks

    /// Counts one clerk operation done through the test helpers (printed by ``end()``).
    public func countOperation() {
        operations.add(1, ordering: .relaxed)
    }

    /// The labs' `begin`: prints the description and starts the clock and the counters.
    public func begin(_ description: String) {
        print(description + " ...")
        let rpcs = network.totalRPCs
        let operations = operations.load(ordering: .relaxed)
        let now = environment.now()
        state.withLock { state in
            state.start = now
            state.description = description
            state.rpcsAtStart = rpcs
            state.operationsAtStart = operations
        }
    }

    /// The labs' `end`: fails a test that took ``timeLimit`` or longer; prints the elapsed
    /// time, servers, RPCs, operations (if any were counted) and the seed.
    public func end() throws {
        let (start, description, rpcsAtStart, operationsAtStart, servers) = state.withLock { state in
            (
                state.start, state.description, state.rpcsAtStart, state.operationsAtStart,
                state.groups.reduce(0) { $0 + $1.serverCount }
            )
        }
        let elapsed = environment.now() - start
        guard elapsed < Self.timeLimit else { throw LabFailure("test took longer than \(Self.timeLimit)") }
        let seconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 10
        let rpcs = network.totalRPCs - rpcsAtStart
        let ops = operations.load(ordering: .relaxed) - operationsAtStart
        let counted = ops > 0 ? " \(ops) ops" : ""
        let time = environment.isVirtual ? " virtual" : ""
        let numbers = "\(seconds.rounded() / 10) s\(time) \(servers) servers \(rpcs) RPCs\(counted)"
        print("  ... Passed -- \(numbers) (seed \(seed))")
        environment.trace.record("\(description): \(elapsed) \(rpcs) RPCs \(ops) ops")
    }

    /// The Lab 4B `checklogs`: every server of every group (shut-down ones' saved state too)
    /// keeps its Raft state within 8 × its group's `maxraftstate`, or, with −1, has no
    /// snapshot.
    public func checkLogs() async throws {
        for group in state.withLock({ $0.groups }) { try await group.checkLogs() }
    }

    /// Cancels every clerk task, stops every server of every group, and closes the network.
    public func cleanup() async {
        let (cancellers, groups) = state.withLock { state in
            defer { state.clerkTaskCancellers = [] }
            return (state.clerkTaskCancellers, state.groups)
        }
        for cancel in cancellers { cancel() }
        for group in groups { await group.stop() }
        network.cleanup()
    }

    /// Runs a test body and always cleans up; on failure prints the seed to replay it.
    public func run<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            let result = try await body()
            await cleanup()
            return result
        } catch {
            print("  ... FAILED (\(label), seed \(seed)): \(error)")
            await cleanup()
            throw error
        }
    }
}
