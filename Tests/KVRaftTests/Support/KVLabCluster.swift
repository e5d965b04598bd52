import KVRaft
import Linearizability
import RaftRuntime
import RPCCore
import RSM
import Simulation
import Synchronization

/// The 6.824 Lab 3 tester (`kvraft/config.go`) for `KVServer`s on `RaftPeer`s over a
/// `SimulatedNetwork`.
///
/// Mechanics as in the lab: LongDelays off (unreachable calls fail within 0–99 ms);
/// reliability set after the servers start; each server is one network server holding the KV
/// and the Raft service; `shutdownServer` disconnects it, deletes it from the network, gives its
/// persister a copy and kills it; `startServer` makes fresh outgoing end names and a new
/// instance from a persister copy (not connected until `connect`/`connectAll`); clerks get
/// their own end to every server, shuffled, and are (dis)connected per server; every helper
/// operation counts and may be recorded for the linearizability check.
actor KVLabCluster {
    let n: Int
    let network: SimulatedNetwork
    let maxRaftState: Int
    let seed: UInt64
    private var random: SeededRandom
    private var servers: [KVServer?]
    private var peers: [RaftPeer?]
    private var persisters: [SimulatedPersister]
    /// endNames[i][j]: the end server i uses to reach server j (fresh on every restart of i).
    private var endNames: [[String]]
    private var endCounter = 0
    /// Cancel the tasks that run clerks (clerks retry forever), at `cleanup`.
    private var clientTaskCancellers: [@Sendable () -> Void] = []
    private var start = ContinuousClock.now
    private var description = ""
    private var rpcsAtStart = 0
    private let operations = Atomic<Int>(0)
    private var operationsAtStart = 0

    /// The lab's `electionTimeout` for KV tests: "an election's worth of time".
    static let electionTimeout: Duration = .seconds(1)

    var all: [Int] { Array(0..<n) }

    init(servers: Int, unreliable: Bool, maxRaftState: Int, seed: UInt64) async throws {
        n = servers
        self.seed = seed
        self.maxRaftState = maxRaftState
        network = SimulatedNetwork(seed: seed)
        random = SeededRandom(seed: seed ^ 0x5EED_CAFE)
        self.servers = Array(repeating: nil, count: servers)
        peers = Array(repeating: nil, count: servers)
        persisters = (0..<servers).map { _ in SimulatedPersister() }
        endNames = Array(repeating: Array(repeating: "", count: servers), count: servers)
        network.setLongDelays(false)
        for i in 0..<servers { try await startServer(i) }
        connectAll()
        network.setReliable(!unreliable)
        print("kv lab cluster: \(servers) servers, unreliable=\(unreliable), maxraftstate=\(maxRaftState), seed=\(seed)")
    }

    // MARK: Servers

    /// Disconnects server `i`, removes it from the network, keeps its persisted state in a
    /// fresh persister (so the dying instance cannot change it) and kills it.
    func shutdownServer(_ i: Int) async {
        disconnect(i, from: all)
        // Before the persister copy: a killed server must not acknowledge something it then
        // persists into the superseded persister.
        network.deleteServer(name: "\(i)")
        persisters[i] = persisters[i].copy()
        if let peer = peers[i] { await peer.kill() }
        if let server = servers[i] { await server.stop() }
        peers[i] = nil
        servers[i] = nil
    }

    /// Starts a new instance of server `i` from its persisted state, with fresh outgoing end
    /// names; it is not connected until `connect`/`connectAll`.
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
        var serverConfiguration = KVServer.Configuration()
        serverConfiguration.replication.maxRaftStateBytes = maxRaftState
        let restored = try RestoredSnapshot(persistedRaftSnapshot: persisters[i].readSnapshot())
        let server = try KVServer(
            id: UInt64(i + 1), log: peer, restoredSnapshot: restored, configuration: serverConfiguration)
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

    /// Servers in each group talk to each other and not to the other group.
    func partition(_ p1: [Int], _ p2: [Int]) {
        for i in p1 {
            disconnect(i, from: p2)
            connect(i, to: p1)
        }
        for i in p2 {
            disconnect(i, from: p1)
            connect(i, to: p2)
        }
    }

    /// A majority without the current leader and a minority ending with it (server 0 if no
    /// server claims leadership).
    func makePartition() async -> (majority: [Int], minority: [Int]) {
        var leader = 0
        for i in 0..<n {
            if let peer = peers[i], await peer.state().isLeader {
                leader = i
                break
            }
        }
        let others = all.filter { $0 != leader }
        let majority = Array(others.prefix(n / 2 + 1))
        let minority = Array(others.dropFirst(n / 2 + 1)) + [leader]
        return (majority, minority)
    }

    /// The lab's partitioner: until `stop`, every 1000–1199 ms, puts each server in one of two
    /// groups at random (a group may be empty).
    func runPartitioner(until stop: StopFlag) async throws {
        while !stop.isRaised {
            var groups: [[Int]] = [[], []]
            for i in 0..<n { groups[Int(random.next() % 2)].append(i) }
            partition(groups[0], groups[1])
            try await Task.sleep(for: Self.electionTimeout + .milliseconds(Int(random.next() % 200)))
        }
    }

    // MARK: Clerks

    /// A clerk with its own end to every server, enabled for the servers in `to`; the clerk
    /// sees the ends in random order.
    func makeClient(to: [Int]) -> LabClerk {
        var names: [String] = []
        var clients: [KVClient] = []
        for j in 0..<n {
            let name = freshEndName("clerk-\(j)")
            let end = network.makeEnd(name: name)
            network.connect(end: name, to: "\(j)")
            network.enable(end: name, to.contains(j))
            names.append(name)
            clients.append(KVClient(wrapping: RPCClient(transport: end)))
        }
        clients.shuffle(using: &random)
        let clerk = Clerk(servers: clients.map { Clerk.Server(client: $0) }, clientID: max(1, random.next()))
        return LabClerk(clerk: clerk, endNames: names)
    }

    func connectClient(_ clerk: LabClerk, to: [Int]) {
        for j in to { network.enable(end: clerk.endNames[j], true) }
    }

    func disconnectClient(_ clerk: LabClerk, from: [Int]) {
        for j in from { network.enable(end: clerk.endNames[j], false) }
    }

    /// Runs `body` on a task that `cleanup` cancels (clerks retry forever).
    func spawn<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) -> Task<Result, any Error> {
        let task = Task { try await body() }
        clientTaskCancellers.append { task.cancel() }
        return task
    }

    // MARK: Measurements

    /// The largest persisted Raft state (the lab's `LogSize`).
    func logSize() -> Int { persisters.map(\.raftStateSize).max() ?? 0 }

    /// The largest persisted snapshot (the lab's `SnapshotSize`).
    func snapshotSize() -> Int { persisters.map(\.snapshotSize).max() ?? 0 }

    nonisolated func countOperation() {
        operations.add(1, ordering: .relaxed)
    }

    func randomInt(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    func begin(_ description: String) {
        print(description + " ...")
        self.description = description
        start = ContinuousClock.now
        rpcsAtStart = network.totalRPCs
        operationsAtStart = operations.load(ordering: .relaxed)
    }

    /// The lab's `end`: fails a test that took over 120 s; prints elapsed time, servers, RPCs
    /// and operations.
    func end() throws {
        let elapsed = ContinuousClock.now - start
        guard elapsed < .seconds(120) else { throw LabFailure("test took longer than 120 seconds") }
        let seconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 10
        let rpcs = network.totalRPCs - rpcsAtStart
        let ops = operations.load(ordering: .relaxed) - operationsAtStart
        print("  ... Passed -- \(seconds.rounded() / 10) s \(n) servers \(rpcs) RPCs \(ops) ops (seed \(seed))")
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
}
