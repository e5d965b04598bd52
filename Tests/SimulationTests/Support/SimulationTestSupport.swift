import RPCCore
import RPCTestSupport
@testable import Simulation
import Synchronization

/// A fresh network with a random seed, printed so that a failing run can be replayed with
/// `SimulatedNetwork(seed:)`.
func makeNetwork(_ test: String = #function, timeSource: (any SimulationTimeSource)? = nil) -> SimulatedNetwork {
    let seed = UInt64.random(in: .min ... .max)
    print("SimulationTests.\(test) seed=\(seed)")
    if let timeSource { return SimulatedNetwork(seed: seed, timeSource: timeSource) }
    return SimulatedNetwork(seed: seed)
}

/// A router serving the shared ``EchoService`` (plus any extra services).
func echoRouter(_ extra: [any RegistrableRPCService] = []) -> RPCRouter {
    var router = RPCRouter()
    EchoService().registerMethods(with: &router)
    for service in extra { service.registerMethods(with: &router) }
    return router
}

/// Makes end `name`, connects it to `server` and enables it (or not).
func makeConnectedEnd(_ network: SimulatedNetwork, _ name: String, to server: String, enabled: Bool = true) -> SimulatedClientEnd {
    let end = network.makeEnd(name: name)
    network.connect(end: name, to: server)
    network.enable(end: name, enabled)
    return end
}

/// One unary string call; every failure as an ``RPCError``.
func call(
    _ end: SimulatedClientEnd, _ message: String, method: MethodDescriptor = EchoService.get, timeout: Duration? = nil
) async -> Result<String, RPCError> {
    do {
        let response = try await RPCClient(transport: end).unary(
            request: ClientRequest(message: message), descriptor: method,
            serializer: StringCoder(), deserializer: StringCoder(), options: CallOptions(timeout: timeout))
        return .success(response.message)
    } catch {
        return .failure(RPCError(wrapping: error))
    }
}

/// How long `body` took on `clock` (real time unless told), with its result.
func timed<T, C: Clock<Duration>>(
    on clock: C = ContinuousClock(), _ body: () async throws -> T
) async rethrows -> (T, Duration) {
    let start = clock.now
    let result = try await body()
    return (result, start.duration(to: clock.now))
}

/// Runs `body` in virtual time: a fresh ``SimulationScheduler`` and a network on its clock,
/// seeded at random (the seed printed). Tests whose property is *how long* something takes
/// run here: their bounds are exact, where a wall-clock bound fails whenever the machine is
/// busy (a 200-ms call once took 1.1 s of wall time under the parallel test step).
func inVirtualTime<T: Sendable>(
    _ test: String = #function, _ body: (SimulatedNetwork, SimulationScheduler) async throws -> T
) async throws -> T {
    let seed = UInt64.random(in: .min ... .max)
    print("SimulationTests.\(test) seed=\(seed) (virtual time)")
    let scheduler = SimulationScheduler()
    let network = SimulatedNetwork(seed: seed, scheduler: scheduler)
    return try await scheduler.run { try await body(network, scheduler) }
}

extension Result where Failure == RPCError {
    var code: Status.Code {
        switch self {
        case .success: .ok
        case .failure(let error): error.code
        }
    }
}

/// A unary method whose handler blocks until the test opens a gate: lets tests act while a
/// handler is provably running, without timing assumptions.
final class GateService: RegistrableRPCService {
    static let wait = MethodDescriptor(service: "test.Gate", method: "Wait")

    /// Fulfilled when the first handler starts.
    let started = OneShot<Void>()
    private let gate = OneShot<Void>()
    private let counts = Mutex((finished: 0, sawCancellation: 0))

    func open() { gate.fulfil(()) }
    var finished: Int { counts.withLock { $0.finished } }
    var sawCancellation: Int { counts.withLock { $0.sawCancellation } }

    func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(Self.wait, deserializer: StringCoder(), serializer: StringCoder()) { [self] request, _ in
            started.fulfil(())
            _ = await gate.wait()
            let cancelled = Task.isCancelled
            counts.withLock {
                $0.finished += 1
                if cancelled { $0.sawCancellation += 1 }
            }
            return ServerResponse(message: request.message)
        }
    }

    /// Waits (up to about 2 s of `clock`'s time) until `count` handlers have finished.
    func waitUntilFinished(_ count: Int, clock: some Clock<Duration> = ContinuousClock()) async throws {
        for _ in 0..<200 where finished < count {
            try await clock.sleep(for: .milliseconds(10))
        }
    }
}

/// A time source that returns at once and records every requested sleep (for checking the
/// delays the network chooses without waiting for them).
final class RecordingTimeSource: SimulationTimeSource {
    private let sleeps = Mutex<[Duration]>([])

    var recorded: [Duration] { sleeps.withLock { $0 } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        sleeps.withLock { $0.append(duration) }
        await Task.yield()
    }
}
