public import RaftRuntime
import RPCCore
import RSM
import Simulation

/// One Raft replica group of a ``LabCluster``: `n` servers, each a network server named
/// `serverNames[i]` holding a `RaftPeer` (id `i + 1`) and the group's service (see the
/// cluster's documentation for the model).
///
/// Mechanics as in the labs' `config.go`: ``shutdownServer(_:)`` disconnects the server,
/// deletes it from the network, gives its persister a copy (so the dying instance cannot change
/// what the next one reads) and kills it; ``startServer(_:)`` makes fresh outgoing end names and
/// a new instance from a persister copy, registered on the network but not connected until
/// ``connect(_:to:)`` or ``connectAll()``.
///
/// Durability: each peer stores through a ``SyncingLabLogStore``, which syncs what Raft must
/// not lose. A shutdown is a process crash (everything written survives, the labs' model) or,
/// with ``LabFaults/diskCrashes``, at random a power loss (only what was synced survives).
public actor LabReplicaGroup<Service: LabService> {
    public nonisolated let lab: LabCluster
    /// What the group is called in messages, e.g. "kv" or "gid 101".
    public nonisolated let label: String
    /// `serverNames[i]`: server `i`'s network name.
    public nonisolated let serverNames: [String]
    /// The group's `maxraftstate` in bytes (−1: never snapshot).
    public nonisolated let maxRaftState: Int
    private let makeService: LabServiceFactory<Service>
    private var services: [Service?]
    private var peers: [RaftPeer?]
    private var persisters: [SimulatedPersister]
    /// endNames[i][j]: the end server i uses to reach server j (fresh on every restart of i).
    private var endNames: [[String]]

    /// The number of servers.
    public nonisolated var count: Int { serverNames.count }
    /// Every server index, `0..<count`.
    public nonisolated var all: [Int] { Array(serverNames.indices) }

    init(
        lab: LabCluster, label: String, serverNames: [String], maxRaftState: Int,
        makeService: @escaping LabServiceFactory<Service>
    ) {
        precondition(
            !serverNames.isEmpty && Set(serverNames).count == serverNames.count, "server names must be distinct")
        self.lab = lab
        self.label = label
        self.serverNames = serverNames
        self.maxRaftState = maxRaftState
        self.makeService = makeService
        services = Array(repeating: nil, count: serverNames.count)
        peers = Array(repeating: nil, count: serverNames.count)
        persisters = serverNames.map { _ in SimulatedPersister() }
        endNames = Array(repeating: Array(repeating: "", count: serverNames.count), count: serverNames.count)
    }

    // MARK: Servers

    /// Disconnects server `i`, removes it from the network, keeps its persisted state in a
    /// fresh persister (so the dying instance cannot change it) and kills it.
    public func shutdownServer(_ i: Int) async {
        disconnect(i, from: all)
        // Before the persister copy: a killed server must not acknowledge something it then
        // persists into the superseded persister.
        lab.network.deleteServer(name: serverNames[i])
        if lab.environment.faults.diskCrashes && lab.faultCoin(oneIn: 2) {
            persisters[i] = persisters[i].crashCopy()
            lab.countFault("disk-crash")
        } else {
            persisters[i] = persisters[i].copy()
            lab.countFault("crash")
        }
        if let peer = peers[i] { await peer.kill() }
        if let service = services[i] { await service.stop() }
        peers[i] = nil
        services[i] = nil
    }

    /// Starts a new instance of server `i` from its persisted state, with fresh outgoing end
    /// names; it is not connected until ``connect(_:to:)`` or ``connectAll()``.
    public func startServer(_ i: Int) async throws {
        var clients: [UInt64: RaftPeerClient] = [:]
        for j in all {
            let name = lab.freshEndName("raft-\(serverNames[i])-\(j)")
            endNames[i][j] = name
            let end = lab.network.makeEnd(name: name)
            lab.network.connect(end: name, to: serverNames[j])
            if j != i { clients[UInt64(j + 1)] = RaftPeerClient(wrapping: RPCClient(transport: end)) }
        }
        persisters[i] = persisters[i].copy()
        let environment = lab.environment
        var configuration = RaftPeer.Configuration()
        configuration.seed = lab.random()
        configuration.clock = environment.clock
        configuration.taskExecutor = environment.taskExecutor
        if environment.isVirtual {
            // No local RPC deadline in virtual time: the simulated network bounds every call
            // itself, as labrpc does (see the Lab 2 harness).
            configuration.rpcTimeout = nil
        }
        let store = SyncingLabLogStore(
            store: LabStore(persister: persisters[i], environment: environment),
            voters: ([UInt64(i + 1)] + Array(clients.keys)).sorted())
        let peer = try RaftPeer(id: UInt64(i + 1), peers: clients, logStore: store, configuration: configuration)
        let restored = try RestoredSnapshot(persistedRaftSnapshot: persisters[i].readSnapshot())
        let lab = lab
        let context = LabServerContext(
            index: i, name: serverNames[i], peer: peer, restoredSnapshot: restored, maxRaftState: maxRaftState,
            environment: environment, makeEnd: { lab.makeEnd(to: $0) })
        let service = try makeService(context)
        peers[i] = peer
        services[i] = service
        var router = RPCRouter()
        service.registerMethods(with: &router)
        peer.registerMethods(with: &router)
        lab.network.addServer(name: serverNames[i], router: router)
        await service.start()
        await peer.start()
    }

    /// Shuts down every server (the Lab 4B `ShutdownGroup`).
    public func shutdownAll() async {
        for i in all { await shutdownServer(i) }
    }

    /// Starts every server, unconnected (the Lab 4B `StartGroup`; follow with ``connectAll()``).
    public func startAll() async throws {
        for i in all { try await startServer(i) }
    }

    /// Server `i`'s running service (`nil` while it is shut down).
    public func service(_ i: Int) -> Service? { services[i] }

    /// Server `i`'s running Raft peer (`nil` while it is shut down).
    public func peer(_ i: Int) -> RaftPeer? { peers[i] }

    /// The labs' `Leader()`: a live server whose Raft peer claims leadership, if any.
    public func leader() async -> Int? {
        for i in all {
            if let peer = peers[i], await peer.state().isLeader { return i }
        }
        return nil
    }

    /// Waits (at most `limit`) until a live server claims leadership.
    public func awaitLeader(within limit: Duration) async throws -> Int {
        let deadline = lab.now() + limit
        while lab.now() < deadline {
            if let leader = await leader() { return leader }
            try await lab.sleep(for: .milliseconds(50))
        }
        throw LabFailure("\(label): no leader within \(limit)")
    }

    // MARK: Connectivity

    /// Enables the ends between `i` and every server in `to`, both ways.
    public func connect(_ i: Int, to: [Int]) {
        for j in to {
            lab.network.enable(end: endNames[i][j], true)
            lab.network.enable(end: endNames[j][i], true)
        }
    }

    /// Disables the ends between `i` and every server in `from`, both ways.
    public func disconnect(_ i: Int, from: [Int]) {
        for j in from {
            if !endNames[i][j].isEmpty { lab.network.enable(end: endNames[i][j], false) }
            if !endNames[j][i].isEmpty { lab.network.enable(end: endNames[j][i], false) }
        }
    }

    public func connectAll() {
        for i in all { connect(i, to: all) }
    }

    /// Servers in each part talk to each other and not to the other part.
    public func partition(_ p1: [Int], _ p2: [Int]) {
        for i in p1 {
            disconnect(i, from: p2)
            connect(i, to: p1)
        }
        for i in p2 {
            disconnect(i, from: p1)
            connect(i, to: p2)
        }
    }

    /// The Lab 3 `make_partition`: a majority without the current leader and a minority
    /// ending with it (server 0 if no server claims leadership).
    public func makePartition() async -> (majority: [Int], minority: [Int]) {
        let leader = await leader() ?? 0
        let others = all.filter { $0 != leader }
        let majority = Array(others.prefix(count / 2 + 1))
        let minority = Array(others.dropFirst(count / 2 + 1)) + [leader]
        return (majority, minority)
    }

    // MARK: Clients

    /// A client's own end to every server of the group, enabled for the servers in `to`.
    public nonisolated func makeClientEnds(to: [Int]) -> LabClientEnds {
        var names: [String] = []
        var clients: [RPCClient] = []
        for j in all {
            let name = lab.freshEndName("client-\(serverNames[j])")
            let end = lab.network.makeEnd(name: name)
            lab.network.connect(end: name, to: serverNames[j])
            lab.network.enable(end: name, to.contains(j))
            names.append(name)
            clients.append(RPCClient(transport: end))
        }
        return LabClientEnds(names: names, clients: clients)
    }

    /// Enables or disables a client's ends to the servers in `servers`.
    public nonisolated func enable(_ ends: LabClientEnds, to servers: [Int], _ enabled: Bool) {
        for j in servers { lab.network.enable(end: ends.names[j], enabled) }
    }

    // MARK: Persisted sizes

    /// The largest persisted Raft state of the group's servers (the Lab 3 `LogSize`).
    public func maxRaftStateSize() -> Int { persisters.map(\.raftStateSize).max() ?? 0 }

    /// The largest persisted snapshot of the group's servers (the Lab 3 `SnapshotSize`).
    public func maxSnapshotSize() -> Int { persisters.map(\.snapshotSize).max() ?? 0 }

    /// Raft state plus snapshot bytes over every server (the Lab 4B Challenge 1 total).
    public func persistedBytes() -> Int { persisters.reduce(0) { $0 + $1.raftStateSize + $1.snapshotSize } }

    /// The Lab 4B `checklogs` for this group (see ``LabCluster/checkLogs()``).
    public func checkLogs() throws {
        for (i, persister) in persisters.enumerated() {
            if maxRaftState >= 0, persister.raftStateSize > 8 * maxRaftState {
                throw LabFailure(
                    "\(serverNames[i]): persister.RaftStateSize() \(persister.raftStateSize), "
                        + "but maxraftstate \(maxRaftState)")
            }
            if maxRaftState < 0, persister.snapshotSize > 0 {
                throw LabFailure("\(serverNames[i]): maxraftstate is -1, but snapshot is non-empty!")
            }
        }
    }

    /// Stops every running server (at cleanup; the network is closed next).
    func stopAll() async {
        for i in all {
            if let peer = peers[i] { await peer.kill() }
            if let service = services[i] { await service.stop() }
        }
    }
}
