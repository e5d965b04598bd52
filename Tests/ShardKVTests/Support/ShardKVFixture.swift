import Logging
import RaftRuntime
import RPCCore
import RSM
import ShardKV
import Simulation
import Synchronization

/// What a fixture server runs on its Raft peer (a `ShardKVServer`, or a test's own assembly).
protocol FixtureService: Sendable {
    func registerMethods(with router: inout RPCRouter)
    func start() async
    func stop() async
}

extension ShardKVServer: FixtureService {}

/// Test support: one reliable simulated network with a scripted controller, ShardKV replica
/// groups of one server each (a `RaftPeer` without peers, which elects itself, and the service
/// on it), other network servers a test scripts, and clerks. Servers are reached by their
/// network names, which are also the names configurations list.
final class ShardKVFixture: Sendable {
    let network: SimulatedNetwork
    let controller = ScriptedConfigSource()

    private struct Running: Sendable {
        let peer: RaftPeer
        let service: any FixtureService
    }

    private struct State: Sendable {
        var running: [Running] = []
        var endCounter = 0
    }

    private let state = Mutex(State())

    init(seed: UInt64 = 1) {
        network = SimulatedNetwork(seed: seed)
    }

    /// Server timings for tests: the driver polls every 20 ms.
    static var serverConfiguration: ShardKVServer.Configuration {
        var configuration = ShardKVServer.Configuration()
        configuration.pollInterval = .milliseconds(20)
        configuration.logger = quietLogger
        return configuration
    }

    /// A logger that drops everything (tests run in parallel; a failure says what went wrong).
    static var quietLogger: Logger { Logger(label: "test") { _ in SwiftLogNoOpLogHandler() } }

    /// Starts a one-server group's server named `name` running the service `make` builds on
    /// its peer (the service starts before the peer, as in a replica).
    func startServer<Service: FixtureService>(
        name: String, _ make: (RaftPeer) throws -> Service
    ) async throws -> Service {
        let peer = try RaftPeer(id: 1, peers: [:], store: MemoryRaftStateStore(persister: SimulatedPersister()))
        let service = try make(peer)
        var router = RPCRouter()
        service.registerMethods(with: &router)
        peer.registerMethods(with: &router)
        network.addServer(name: name, router: router)
        state.withLock { $0.running.append(Running(peer: peer, service: service)) }
        await service.start()
        await peer.start()
        return service
    }

    /// Starts the one server of group `gid`, named `name`, over the scripted controller.
    func startShardKVServer(
        gid: UInt64, name: String, configuration: ShardKVServer.Configuration = ShardKVFixture.serverConfiguration
    ) async throws -> ShardKVServer {
        try await startServer(name: name) { peer in
            try ShardKVServer(
                gid: gid, id: 1, log: peer, restoredSnapshot: nil, controller: controller,
                makeClient: { self.makeClient($0) }, configuration: configuration)
        }
    }

    /// Registers a scripted server (e.g. a fake replica of another group) under `name`.
    func addServer(name: String, _ service: some RegistrableRPCService) {
        var router = RPCRouter()
        service.registerMethods(with: &router)
        network.addServer(name: name, router: router)
    }

    /// The labs' `make_end`: a fresh, enabled end to the server named `name`.
    func makeClient(_ name: String) -> RPCClient {
        let endName = state.withLock { state in
            state.endCounter += 1
            return "end-\(state.endCounter)-\(name)"
        }
        let end = network.makeEnd(name: endName)
        network.connect(end: endName, to: name)
        network.enable(end: endName, true)
        return RPCClient(transport: end)
    }

    /// A clerk over the scripted controller (clients made by `makeClient`, by default fresh
    /// ends), retrying every 10 ms.
    func clerk(
        configuration: ShardKVClerk.Configuration = ShardKVFixture.clerkConfiguration,
        makeClient: (@Sendable (String) -> RPCClient)? = nil
    ) -> ShardKVClerk {
        ShardKVClerk(
            controller: controller, makeClient: makeClient ?? { self.makeClient($0) }, configuration: configuration)
    }

    /// Clerk timings for tests: re-read the configuration after 10 ms; give up after 10 s.
    static var clerkConfiguration: ShardKVClerk.Configuration {
        var configuration = ShardKVClerk.Configuration()
        configuration.retryPause = .milliseconds(10)
        configuration.operationTimeout = .seconds(10)
        return configuration
    }

    /// Kills every peer, stops every service and closes the network.
    func shutdown() async {
        let running = state.withLock { state in
            defer { state.running = [] }
            return state.running
        }
        for server in running {
            await server.peer.kill()
            await server.service.stop()
        }
        network.cleanup()
    }
}

/// The simulated persister as a Raft peer's store.
struct MemoryRaftStateStore: RaftStateStore {
    let persister: SimulatedPersister

    func readRaftState() -> [UInt8] { persister.readRaftState() }
    func readSnapshot() -> [UInt8] { persister.readSnapshot() }

    func save(raftState: [UInt8], snapshot: [UInt8]?) {
        if let snapshot {
            persister.saveStateAndSnapshot(state: raftState, snapshot: snapshot)
        } else {
            persister.saveRaftState(raftState)
        }
    }
}
