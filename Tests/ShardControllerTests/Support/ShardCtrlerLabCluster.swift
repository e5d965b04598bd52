public import LabHarness
import RPCCore
import ShardController

extension ShardCtrlerServer: LabService {}

/// The 6.824 Lab 4A tester (`shardctrler/config.go`): one ``LabReplicaGroup`` of
/// `ShardCtrlerServer`s on a ``LabCluster`` (reliable network, no snapshots; the harness does
/// start/shutdown with persister copies, fresh end names and the 120-s limit), plus Lab 4A's
/// clerks: their own end to every server, shuffled, pausing 100 ms after a round of failures
/// like the lab's clerk.
actor ShardCtrlerLabCluster {
    nonisolated let lab: LabCluster
    nonisolated let group: LabReplicaGroup<ShardCtrlerServer>

    var all: [Int] { group.all }

    init(servers: Int, seed: UInt64) async throws {
        lab = LabCluster(seed: seed, label: "shardctrler")
        group = try await lab.makeGroup(
            label: "shardctrler", serverNames: (0..<servers).map { "ctrler\($0)" }, maxRaftState: -1
        ) { context in
            var configuration = ShardCtrlerServer.Configuration()
            configuration.replication = context.replication
            return try ShardCtrlerServer(
                id: UInt64(context.index + 1), log: context.peer, restoredSnapshot: context.restoredSnapshot,
                configuration: configuration)
        }
        let time = lab.environment.isVirtual ? ", virtual time" : ""
        print("shardctrler lab cluster: \(servers) servers, seed=\(seed)\(time)")
    }

    // MARK: Servers (the group's)

    func shutdownServer(_ i: Int) async { await group.shutdownServer(i) }
    func startServer(_ i: Int) async throws { try await group.startServer(i) }
    func connectAll() async { await group.connectAll() }
    func leader() async -> Int? { await group.leader() }
    func awaitLeader(within limit: Duration) async throws -> Int { try await group.awaitLeader(within: limit) }

    // MARK: Clients

    /// A clerk with its own end to every server, enabled for the servers in `to`; the clerk
    /// sees the ends in random order.
    func makeClerk(to: [Int]) -> ShardCtrlerClerk {
        let ends = group.makeClientEnds(to: to)
        let servers = lab.shuffled(
            ends.clients.enumerated().map { j, client in
                ShardCtrlerClerk.Server(client: ShardCtrlerClient(wrapping: client), id: UInt64(j + 1))
            })
        var configuration = ShardCtrlerClerk.Configuration()
        configuration.retryPause = .milliseconds(100)
        configuration.clock = lab.environment.clock
        return ShardCtrlerClerk(servers: servers, configuration: configuration, clientID: max(1, lab.random()))
    }

    /// A bare RPC client with its own end to server `j`.
    func makeRawClient(to j: Int, enabled: Bool = true) -> RPCClient {
        lab.makeEnd(to: group.serverNames[j], enabled: enabled)
    }

    /// Runs `body` on a task that `cleanup` cancels (clerks retry forever).
    func spawn<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) -> Task<Result, any Error> {
        lab.spawn(body)
    }

    // MARK: Measurements

    func begin(_ description: String) { lab.begin(description) }

    /// The lab's 120-s limit; prints the elapsed time and RPC count.
    func end() throws { try lab.end() }

    /// Runs `body` on a new cluster and always cleans the cluster up.
    static func with<Result>(servers: Int, _ body: (ShardCtrlerLabCluster) async throws -> Result) async throws -> Result {
        let seed = LabSeed.next(environmentVariable: "SHARDCTRLER_TEST_SEED")
        let cluster = try await ShardCtrlerLabCluster(servers: servers, seed: seed)
        return try await cluster.lab.run { try await body(cluster) }
    }
}
