import LabHarness
import Logging
import RPCCore
import RSM
import ShardKV
import Simulation

/// Test support: one lab cluster (a reliable simulated network) with a scripted controller,
/// replica groups of one server each (a Raft peer that elects itself and the service on it),
/// other network servers a test scripts, and clerks. Servers are reached by their network
/// names, which are also the names configurations list.
final class ShardKVFixture: Sendable {
    let lab = LabCluster(seed: 1, label: "shardkv unit")
    let controller = ScriptedConfigSource()

    var network: SimulatedNetwork { lab.network }

    /// Server timings for tests: the driver polls every 20 ms and logs nothing.
    static var serverConfiguration: ShardKVServer.Configuration {
        var configuration = ShardKVServer.Configuration()
        configuration.pollInterval = .milliseconds(20)
        configuration.logger = quietLogger
        return configuration
    }

    /// A logger that drops everything (tests run in parallel; a failure says what went wrong).
    static var quietLogger: Logger { Logger(label: "test") { _ in SwiftLogNoOpLogHandler() } }

    /// Starts a one-server group whose server, named `name`, runs the service `make` builds.
    func startServer<Service: LabService>(
        name: String, _ make: @escaping LabServiceFactory<Service>
    ) async throws -> Service {
        let group = try await lab.makeGroup(label: name, serverNames: [name], maxRaftState: -1, makeService: make)
        guard let service = await group.service(0) else { throw LabFailure("\(name) did not start") }
        return service
    }

    /// Starts the one server of group `gid`, named `name`, over the scripted controller.
    func startShardKVServer(
        gid: UInt64, name: String, configuration: ShardKVServer.Configuration = ShardKVFixture.serverConfiguration
    ) async throws -> ShardKVServer {
        let group = try await startShardKVGroup(gid: gid, names: [name], configuration: configuration)
        guard let server = await group.service(0) else { throw LabFailure("\(name) did not start") }
        return server
    }

    /// Starts group `gid` as a lab group of the servers named `names` (to shut down and
    /// restart), snapshotting at `maxRaftState` bytes (-1: never).
    func startShardKVGroup(
        gid: UInt64, names: [String], maxRaftState: Int = -1,
        configuration: ShardKVServer.Configuration = ShardKVFixture.serverConfiguration
    ) async throws -> LabReplicaGroup<ShardKVServer> {
        let controller = controller
        let group = try await lab.makeGroup(
            label: "gid \(gid)", serverNames: names, maxRaftState: maxRaftState
        ) { context in
            var configuration = configuration
            configuration.replication.maxRaftStateBytes = context.maxRaftState
            return try ShardKVServer(
                gid: gid, id: UInt64(context.index + 1), log: context.peer, restoredSnapshot: context.restoredSnapshot,
                controller: controller, makeClient: context.makeEnd, configuration: configuration)
        }
        return group
    }

    /// Adds configuration #1 with every shard on gid 1, served by "s1", starts that server and
    /// waits until it applied #1.
    func startGroupOneWithEveryShard(
        configuration: ShardKVServer.Configuration = ShardKVFixture.serverConfiguration
    ) async throws -> ShardKVServer {
        await controller.add(allShardsTo: 1, groups: [1: ["s1"]])
        let server = try await startShardKVServer(gid: 1, name: "s1", configuration: configuration)
        try await server.waitForConfig(1)
        return server
    }

    /// Registers a scripted server (e.g. a fake replica of another group) under `name`.
    func addServer(name: String, _ service: some RegistrableRPCService) {
        var router = RPCRouter()
        service.registerMethods(with: &router)
        network.addServer(name: name, router: router)
    }

    /// The labs' `make_end`: a fresh, enabled end to the server named `name`.
    func makeClient(_ name: String) -> RPCClient {
        lab.makeEnd(to: name)
    }

    /// A clerk over the scripted controller (clients made by `makeClient`, by default fresh
    /// ends).
    func clerk(
        configuration: ShardKVClerk.Configuration = ShardKVFixture.clerkConfiguration,
        makeClient: (@Sendable (String) -> RPCClient)? = nil
    ) -> ShardKVClerk {
        let lab = lab
        return ShardKVClerk(
            controller: controller, makeClient: makeClient ?? { lab.makeEnd(to: $0) }, configuration: configuration)
    }

    /// Clerk timings for tests: re-read the configuration after 10 ms; give up after 10 s.
    static var clerkConfiguration: ShardKVClerk.Configuration {
        var configuration = ShardKVClerk.Configuration()
        configuration.retryPause = .milliseconds(10)
        configuration.operationTimeout = .seconds(10)
        return configuration
    }

    /// Stops every server and closes the network.
    func shutdown() async {
        await lab.cleanup()
    }
}
