import RPCCore
import RPCTestSupport
@testable import Simulation
import Synchronization
import Testing

/// The deterministic scheduler: virtual time, FIFO order, cancellable sleeps, and the Swift
/// 6.x task-executor-preference facts the deterministic mode relies on (SE-0417).
struct SimulationSchedulerTests {
    @Test func virtualTimeJumpsToTheEarliestSleeper() async throws {
        let scheduler = SimulationScheduler(jobCost: .zero)
        let clock = scheduler.clock
        // Real time measured inside the body, on the scheduler's thread: the caller's hops onto
        // it and its wait for the drain run on the cooperative pool, which other suites running
        // in parallel can keep busy for seconds (a CI run saw 10.06 s here).
        let (order, realTime) = try await scheduler.run {
            let wall = ContinuousClock.now
            let order = try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    try await clock.sleep(for: .seconds(3600))
                    return "hour"
                }
                group.addTask {
                    try await clock.sleep(for: .seconds(60))
                    return "minute"
                }
                group.addTask { "now" }
                var order: [String] = []
                for try await name in group { order.append(name) }
                return order
            }
            return (order, ContinuousClock.now - wall)
        }
        #expect(order == ["now", "minute", "hour"])
        #expect(scheduler.elapsed == .seconds(3600))
        #expect(realTime < .seconds(10), "an hour of virtual time takes no real time")
    }

    @Test func cancellingASleeperWakesItWithoutAdvancingTime() async throws {
        let scheduler = SimulationScheduler(jobCost: .zero)
        let clock = scheduler.clock
        let outcome = try await scheduler.run {
            let sleeper = Task(executorPreference: scheduler) {
                do {
                    try await clock.sleep(for: .seconds(100))
                    return "slept"
                } catch {
                    return "cancelled"
                }
            }
            try await clock.sleep(for: .seconds(1))
            sleeper.cancel()
            return await sleeper.value
        }
        #expect(outcome == "cancelled")
        #expect(scheduler.elapsed == .seconds(1))
    }

    /// `run` returns only once the drain is over: a leftover sleeper is woken with
    /// `CancellationError`, finishes its work on the scheduler, and the statistics read after
    /// `run` count that work (so they cannot depend on how fast the caller went on).
    @Test func runReturnsOnceTheDrainIsOver() async throws {
        let scheduler = SimulationScheduler(jobCost: .microseconds(10))
        let clock = scheduler.clock
        let yields = Counter()
        let atReturn = try await scheduler.run {
            Task(executorPreference: scheduler) {
                do {
                    try await clock.sleep(for: .seconds(3600))
                } catch {
                    for _ in 0..<100 {
                        await Task.yield()
                        yields.increment()
                    }
                }
            }
            try await clock.sleep(for: .seconds(1))
            return scheduler.statistics
        }
        #expect(yields.count == 100, "the leftover task finished before run returned")
        #expect(scheduler.statistics.jobs > atReturn.jobs + 100)
        #expect(scheduler.elapsed < .seconds(2), "the drain fires no timers")
    }

    /// Jobs cost virtual time, so a loop that polls without sleeping still lets time pass and
    /// a sleeper that would end it wakes; `charge` adds to the running job's cost.
    @Test func jobsCostTimeSoAPollingLoopEnds() async throws {
        let scheduler = SimulationScheduler(jobCost: .microseconds(10))
        let clock = scheduler.clock
        let stop = Flag()
        let polls = try await scheduler.run {
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    var polls = 0
                    while !stop.isSet {
                        polls += 1
                        await Task.yield()
                    }
                    return polls
                }
                group.addTask {
                    try await clock.sleep(for: .milliseconds(1))
                    stop.set()
                    return 0
                }
                var total = 0
                for try await polls in group { total += polls }
                return total
            }
        }
        #expect(polls > 10 && polls <= 200, "polled \(polls) times in 1 ms of 10 µs jobs")
        let charged = SimulationScheduler(jobCost: .zero)
        try await charged.run { charged.charge(.seconds(5)) }
        #expect(charged.elapsed == .seconds(5))
    }

    /// SE-0417 as implemented by Swift 6.3: structured children and default actors follow the
    /// preference; an unstructured `Task {}` does not (hence the injected executors).
    @Test func executorPreferenceReachesChildrenAndActorsButNotUnstructuredTasks() async throws {
        let scheduler = SimulationScheduler()
        let probe = ThreadProbe()
        let facts = try await scheduler.run {
            var facts: [String: Bool] = [:]
            facts["body"] = scheduler.isOnSchedulerThread
            async let child = scheduler.isOnSchedulerThread
            facts["async let"] = await child
            facts["actor"] = await probe.check(scheduler)
            facts["Task {}"] = await Task { scheduler.isOnSchedulerThread }.value
            facts["Task(executorPreference:)"] = await Task(executorPreference: scheduler) { scheduler.isOnSchedulerThread }.value
            return facts
        }
        #expect(facts == ["body": true, "async let": true, "actor": true, "Task {}": false, "Task(executorPreference:)": true])
    }

    /// The same seed gives the same run: an unreliable network with long reordering, many
    /// concurrent calls; the counters, the virtual time and the scheduler's job count match.
    @Test func aSimulatedNetworkRunIsAFunctionOfItsSeed() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("seed \(seed)")
        let first = try await Self.networkRun(seed: seed)
        let second = try await Self.networkRun(seed: seed)
        #expect(first == second)
        print("run: \(first)")
    }

    /// In virtual time the end enforces a call's timeout on the virtual clock: a handler that
    /// never answers ends the call with DEADLINE_EXCEEDED exactly at the timeout.
    @Test func callTimeoutIsEnforcedInVirtualTime() async throws {
        let scheduler = SimulationScheduler(jobCost: .zero)
        let network = SimulatedNetwork(seed: 1, scheduler: scheduler, transitTime: .zero)
        let gate = GateService()
        let (code, elapsed) = try await scheduler.run {
            network.addServer(name: "server", router: echoRouter([gate]))
            let end = makeConnectedEnd(network, "end", to: "server")
            #expect(end.enforcesDeadlines)
            let start = scheduler.elapsed
            let result = await call(end, "x", method: GateService.wait, timeout: .seconds(3))
            let elapsed = scheduler.elapsed - start
            gate.open()
            network.cleanup()
            return (result.code, elapsed)
        }
        #expect(code == .deadlineExceeded)
        #expect(elapsed == .seconds(3))
    }

    struct RunSummary: Equatable, Sendable {
        var successes: Int
        var rpcs: Int
        var bytes: Int
        var statistics: SimulationScheduler.Statistics
    }

    static func networkRun(seed: UInt64) async throws -> RunSummary {
        let scheduler = SimulationScheduler()
        let network = SimulatedNetwork(seed: seed, scheduler: scheduler)
        let successes = try await scheduler.run {
            network.setReliable(false)
            network.setLongReordering(true)
            network.addServer(name: "server", router: echoRouter())
            let successes = await withTaskGroup(of: Bool.self) { group in
                for client in 0..<10 {
                    let end = network.makeEnd(name: "end-\(client)")
                    network.connect(end: end.name, to: "server")
                    network.enable(end: end.name, client != 3)
                    for call in 0..<10 {
                        group.addTask {
                            let result = try? await RPCClient(transport: end).unary(
                                request: ClientRequest(message: "\(client)-\(call)"), descriptor: EchoService.get,
                                serializer: StringCoder(), deserializer: StringCoder())
                            return result != nil
                        }
                    }
                }
                var successes = 0
                for await ok in group where ok { successes += 1 }
                return successes
            }
            network.cleanup()
            return successes
        }
        // `run` returned once the scheduler had drained and stopped: the statistics are final.
        return RunSummary(
            successes: successes, rpcs: network.totalRPCs, bytes: network.totalBytes, statistics: scheduler.statistics)
    }
}

final class Flag: Sendable {
    private let value = Atomic(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

final class Counter: Sendable {
    private let value = Atomic(0)
    var count: Int { value.load(ordering: .relaxed) }
    func increment() { value.add(1, ordering: .relaxed) }
}

actor ThreadProbe {
    func check(_ scheduler: SimulationScheduler) -> Bool { scheduler.isOnSchedulerThread }
}
