import RaftRuntime
import RPCCore
import RSM
import ShardController
import Simulation

/// The 6.824 Lab 4A tester (`shardctrler/config.go`) for `ShardCtrlerServer`s on `RaftPeer`s
/// over a `SimulatedNetwork`.
///
/// Mechanics as in the lab: a reliable network, no snapshots (the persister holds Raft state
/// only), each server is one network server holding the controller and the Raft service;
/// `shutdownServer` disconnects it, deletes it from the network, gives its persister a copy and
/// kills it; `startServer` makes fresh outgoing end names and a new instance from a persister
/// copy (not connected until `connectAll`); clerks get their own end to every server, shuffled,
/// and pause 100 ms after a round of failures like the lab's clerk.
actor ShardCtrlerLabCluster {
    let n: Int
    let network: SimulatedNetwork
    let seed: UInt64
    private var random: SeededRandom
    private var servers: [ShardCtrlerServer?]
    private var peers: [RaftPeer?]
    private var persisters: [SimulatedPersister]
    /// endNames[i][j]: the end server i uses to reach server j (fresh on every restart of i).
    private var endNames: [[String]]
    private var endCounter = 0
    /// Cancel the tasks that run clerks (clerks retry forever), at `cleanup`.
    private var clientTaskCancellers: [@Sendable () -> Void] = []
    private var start = ContinuousClock.now
    private var rpcsAtStart = 0

    var all: [Int] { Array(0..<n) }

    init(servers: Int, seed: UInt64) async throws {
        n = servers
        self.seed = seed
        network = SimulatedNetwork(seed: seed)
        random = SeededRandom(seed: seed ^ 0x5EED_CAFE)
        self.servers = Array(repeating: nil, count: servers)
        peers = Array(repeating: nil, count: servers)
        persisters = (0..<servers).map { _ in SimulatedPersister() }
        endNames = Array(repeating: Array(repeating: "", count: servers), count: servers)
        network.setLongDelays(false)
        for i in 0..<servers { try await startServer(i) }
        connectAll()
        network.setReliable(true)
        print("shardctrler lab cluster: \(servers) servers, seed=\(seed)")
    }

    // MARK: Servers

    /// Disconnects server `i`, removes it from the network, keeps its persisted state in a
    /// fresh persister (so the dying instance cannot change it) and kills it.
    func shutdownServer(_ i: Int) async {
        disconnect(i, from: all)
        network.deleteServer(name: "\(i)")
        persisters[i] = persisters[i].copy()
        if let peer = peers[i] { await peer.kill() }
        if let server = servers[i] { await server.stop() }
        peers[i] = nil
        servers[i] = nil
    }

    /// Starts a new instance of server `i` from its persisted state, with fresh outgoing end
    /// names; it is not connected until `connectAll`.
    func startServer(_ i: Int) async throws {
        var clients: [UInt64: RaftPeerClient] = [:]
        for j in 0..<n {
            let name = freshEndName("raft-\(i)-\(j)")
            endNames[i][j] = name
            let end = network.makeEnd(name: name)
            network.connect(end: name, to: "\(j)")
            if j != i { clients[UInt64(j + 1)] = RaftPeerClient(wrapping: RPCClient(transport: end)) }
        }
        persisters[i] = persisters[i].copy()
        var configuration = RaftPeer.Configuration()
        configuration.seed = seed &+ UInt64(endCounter)
        let peer = try RaftPeer(
            id: UInt64(i + 1), peers: clients, store: LabStore(persister: persisters[i]), configuration: configuration)
        let restored = try RestoredSnapshot(persistedRaftSnapshot: persisters[i].readSnapshot())
        let server = try ShardCtrlerServer(id: UInt64(i + 1), log: peer, restoredSnapshot: restored)
        peers[i] = peer
        servers[i] = server
        var router = RPCRouter()
        server.registerMethods(with: &router)
        peer.registerMethods(with: &router)
        network.addServer(name: "\(i)", router: router)
        await server.start()
        await peer.start()
    }

    private func freshEndName(_ prefix: String) -> String {
        endCounter += 1
        return "\(prefix)-\(endCounter)-\(random.next() % 1_000_000)"
    }

    /// The lab's `Leader()`: a live server whose Raft peer claims leadership, if any.
    func leader() async -> Int? {
        for i in 0..<n {
            if let peer = peers[i], await peer.state().isLeader { return i }
        }
        return nil
    }

    /// Waits (at most `limit`) until a live server claims leadership.
    func awaitLeader(within limit: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let leader = await leader() { return leader }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LabFailure("no leader within \(limit)")
    }

    // MARK: Connectivity

    /// Enables the ends between `i` and every server in `to`, both ways.
    func connect(_ i: Int, to: [Int]) {
        for j in to {
            network.enable(end: endNames[i][j], true)
            network.enable(end: endNames[j][i], true)
        }
    }

    /// Disables the ends between `i` and every server in `from`, both ways.
    func disconnect(_ i: Int, from: [Int]) {
        for j in from {
            if !endNames[i][j].isEmpty { network.enable(end: endNames[i][j], false) }
            if !endNames[j][i].isEmpty { network.enable(end: endNames[j][i], false) }
        }
    }

    func connectAll() {
        for i in 0..<n { connect(i, to: all) }
    }

    // MARK: Clients

    /// A clerk with its own end to every server, enabled for the servers in `to`; the clerk
    /// sees the ends in random order.
    func makeClerk(to: [Int]) -> ShardCtrlerClerk {
        var servers: [ShardCtrlerClerk.Server] = []
        for j in 0..<n {
            let client = makeRawClient(to: j, enabled: to.contains(j))
            servers.append(ShardCtrlerClerk.Server(client: ShardCtrlerClient(wrapping: client), id: UInt64(j + 1)))
        }
        servers.shuffle(using: &random)
        var configuration = ShardCtrlerClerk.Configuration()
        configuration.retryPause = .milliseconds(100)
        return ShardCtrlerClerk(servers: servers, configuration: configuration, clientID: max(1, random.next()))
    }

    /// A bare RPC client with its own end to server `j`.
    func makeRawClient(to j: Int, enabled: Bool = true) -> RPCClient {
        let name = freshEndName("client-\(j)")
        let end = network.makeEnd(name: name)
        network.connect(end: name, to: "\(j)")
        network.enable(end: name, enabled)
        return RPCClient(transport: end)
    }

    /// Runs `body` on a task that `cleanup` cancels (clerks retry forever).
    func spawn<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) -> Task<Result, any Error> {
        let task = Task { try await body() }
        clientTaskCancellers.append { task.cancel() }
        return task
    }

    // MARK: Measurements

    func begin(_ description: String) {
        print(description + " ...")
        start = ContinuousClock.now
        rpcsAtStart = network.totalRPCs
    }

    /// The lab's 120-s limit; prints the elapsed time and RPC count.
    func end() throws {
        let elapsed = ContinuousClock.now - start
        guard elapsed < .seconds(120) else { throw LabFailure("test took longer than 120 seconds") }
        let seconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 10
        print("  ... Passed -- \(seconds.rounded() / 10) s \(n) servers \(network.totalRPCs - rpcsAtStart) RPCs (seed \(seed))")
    }

    /// Stops every clerk task, server and peer, and the network.
    func cleanup() async {
        for cancel in clientTaskCancellers { cancel() }
        for i in 0..<n {
            if let peer = peers[i] { await peer.kill() }
            if let server = servers[i] { await server.stop() }
        }
        network.cleanup()
    }

    /// Runs `body` on a new cluster and always cleans the cluster up.
    static func with<Result>(servers: Int, _ body: (ShardCtrlerLabCluster) async throws -> Result) async throws -> Result {
        let cluster = try await ShardCtrlerLabCluster(servers: servers, seed: LabSeed.next())
        do {
            let result = try await body(cluster)
            await cluster.cleanup()
            return result
        } catch {
            print("  ... FAILED (seed \(cluster.seed)): \(error)")
            await cluster.cleanup()
            throw error
        }
    }
}
