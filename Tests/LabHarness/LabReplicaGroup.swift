import DurableStorage
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
/// Durability: with ``LabStorage/persister`` (the default) each peer stores through a
/// ``SyncingLabLogStore``, which syncs what Raft must not lose; with ``LabStorage/disk`` each
/// peer runs the daemon's `DiskRaftStore` on its server's ``LabDisk``. A shutdown is a process
/// crash (everything written survives, the labs' model) or, with ``LabFaults/diskCrashes``, at
/// random a power loss (only what was synced survives, and on a disk unsynced pages may land
/// torn or out of order). A restarted server whose store cannot recover fails the test.
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
    /// Each server's disk (``LabStorage/disk`` only).
    private let disks: [LabDisk]
    /// Each server's Raft state bytes as its last instance reported them (``LabStorage/disk``).
    private var lastRaftStateBytes: [Int]
    /// Set by ``stopAll()``: a server whose power was cut no longer reboots.
    private var isStopped = false
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
        disks = lab.environment.storage == .disk ? serverNames.map { _ in LabDisk() } : []
        lastRaftStateBytes = Array(repeating: 0, count: serverNames.count)
        endNames = Array(repeating: Array(repeating: "", count: serverNames.count), count: serverNames.count)
    }

    // MARK: Servers

    /// Disconnects server `i`, removes it from the network, keeps its persisted state in a
    /// fresh persister (so the dying instance cannot change it) and kills it.
    public func shutdownServer(_ i: Int) async {
        let powerLoss = lab.environment.faults.diskCrashes && lab.faultCoin(oneIn: 2)
        lab.countFault(powerLoss ? "disk-crash" : "crash")
        await shutdownServer(i, powerLoss: powerLoss)
    }

    private func shutdownServer(_ i: Int, powerLoss: Bool) async {
        disconnect(i, from: all)
        // Before the persister copy: a killed server must not acknowledge something it then
        // persists into the superseded persister.
        lab.network.deleteServer(name: serverNames[i])
        if disks.isEmpty {
            persisters[i] = powerLoss ? persisters[i].crashCopy() : persisters[i].copy()
        } else {
            if let peer = peers[i] { lastRaftStateBytes[i] = await peer.raftStateSize() }
            if powerLoss {
                var random = lab.faultRandomSource()
                do {
                    let pages = try disks[i].powerLoss(random: &random)
                    for _ in 0..<pages.damaged { lab.countFault("lost-page") }
                } catch {
                    preconditionFailure("the in-memory disk of \(serverNames[i]) failed a power loss: \(error)")
                }
            } else {
                disks[i].processCrash()
            }
        }
        if let peer = peers[i] { await peer.kill() }
        if let service = services[i] { await service.stop() }
        peers[i] = nil
        services[i] = nil
    }

    /// Starts a new instance of server `i` from its persisted state, with fresh outgoing end
    /// names; it is not connected until ``connect(_:to:)`` or ``connectAll()``.
    public func startServer(_ i: Int) async throws {
        if !disks.isEmpty, peers[i] != nil {
            // It booted by itself after a power cut while the body thought it down (e.g. between
            // the nemesis's crash of every server and their restart): this start restarts it.
            // Found by the sweep: a second store on the disk met the first one's LOCK.
            await shutdownServer(i, powerLoss: false)
        }
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
        let peer: RaftPeer
        let restored: RestoredSnapshot?
        isStopped = false
        if disks.isEmpty {
            let store = SyncingLabLogStore(
                store: LabStore(persister: persisters[i], environment: environment),
                voters: ([UInt64(i + 1)] + Array(clients.keys)).sorted())
            peer = try RaftPeer(id: UInt64(i + 1), peers: clients, logStore: store, configuration: configuration)
            restored = try RestoredSnapshot(persistedRaftSnapshot: persisters[i].readSnapshot())
        } else {
            peer = try openDiskPeer(i, clients: clients, configuration: configuration)
            restored = peer.restoredSnapshot.map { RestoredSnapshot(index: $0.index, data: $0.data) }
            if environment.powerCuts && environment.faults.diskCrashes && lab.faultCoin(oneIn: 3) {
                armPowerCut(i)
            }
        }
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

    /// Plans a power cut of server `i`'s running instance after a random number of
    /// file-system calls (0..<``LabDisk/powerCutOperations``): then it loses what it had not synced and
    /// reboots after 0–999 ms of (virtual) time.
    private func armPowerCut(_ i: Int) {
        let disk = disks[i]
        let generation = disk.generation
        var random = lab.faultRandomSource()
        let executor = lab.environment.taskExecutor
        disk.armPowerCut(afterOperations: Int(random.next() % LabDisk.powerCutOperations)) {
            Task(executorPreference: executor) { await self.powerFailed(i, generation: generation) }
        }
    }

    /// Server `i`'s instance of `generation` lost power mid-write: it goes down with a power
    /// loss, and boots again (reconnected to every server) unless something else restarted
    /// or stopped it meanwhile.
    private func powerFailed(_ i: Int, generation: Int) async {
        guard !isStopped, peers[i] != nil, disks[i].generation == generation else { return }
        lab.countFault("power-cut")
        await shutdownServer(i, powerLoss: true)
        do {
            try await lab.sleep(for: .milliseconds(lab.randomInt(1000)))
        } catch {
            return
        }
        guard !isStopped, peers[i] == nil, disks[i].generation == generation + 1 else { return }
        do {
            try await startServer(i)
        } catch {
            // It stays down: the next start (the nemesis's or the final heal's) fails the test.
            print("\(label): \(serverNames[i]) did not boot after a power cut: \(error)")
            return
        }
        connect(i, to: all)
    }

    /// A Raft peer for server `i` on its disk; a store that cannot recover fails the test
    /// (after a power loss recovery must always open: everything lost was unacknowledged).
    private func openDiskPeer(
        _ i: Int, clients: [UInt64: RaftPeerClient], configuration: RaftPeer.Configuration
    ) throws -> RaftPeer {
        do {
            let store = try DiskRaftStore(
                directory: LabDisk.dataDirectory, fileSystem: disks[i].mount(environment: lab.environment),
                walConfig: LabDisk.walConfig)
            return try RaftPeer(id: UInt64(i + 1), peers: clients, logStore: store, configuration: configuration)
        } catch {
            throw LabFailure("\(label): \(serverNames[i]) cannot recover its disk store: \(error)")
        }
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

    /// Server `i`'s persisted Raft state bytes: the persister's blob, or on a disk what the
    /// store counts (entries after the snapshot plus the hard state; the running instance's, or
    /// the last instance's while it is down).
    private func raftStateSize(_ i: Int) async -> Int {
        guard !disks.isEmpty else { return persisters[i].raftStateSize }
        if let peer = peers[i] { return await peer.raftStateSize() }
        return lastRaftStateBytes[i]
    }

    /// Server `i`'s persisted snapshot bytes (on a disk: the newest snapshot file).
    private func snapshotSize(_ i: Int) -> Int {
        disks.isEmpty ? persisters[i].snapshotSize : disks[i].snapshotBytes
    }

    /// The largest persisted Raft state of the group's servers (the Lab 3 `LogSize`).
    public func maxRaftStateSize() async -> Int {
        var largest = 0
        for i in all { largest = max(largest, await raftStateSize(i)) }
        return largest
    }

    /// The largest persisted snapshot of the group's servers (the Lab 3 `SnapshotSize`).
    public func maxSnapshotSize() -> Int { all.map { snapshotSize($0) }.max() ?? 0 }

    /// Raft state plus snapshot bytes over every server (the Lab 4B Challenge 1 total).
    public func persistedBytes() async -> Int {
        var total = 0
        for i in all { total += await raftStateSize(i) + snapshotSize(i) }
        return total
    }

    /// The Lab 4B `checklogs` for this group (see ``LabCluster/checkLogs()``).
    public func checkLogs() async throws {
        for i in all {
            let raftState = await raftStateSize(i)
            if maxRaftState >= 0, raftState > 8 * maxRaftState {
                throw LabFailure(
                    "\(serverNames[i]): persister.RaftStateSize() \(raftState), but maxraftstate \(maxRaftState)")
            }
            if maxRaftState < 0, snapshotSize(i) > 0 {
                throw LabFailure("\(serverNames[i]): maxraftstate is -1, but snapshot is non-empty!")
            }
        }
    }

    /// Stops every running server (at cleanup; the network is closed next).
    func stopAll() async {
        isStopped = true
        for i in all {
            if let peer = peers[i] { await peer.kill() }
            if let service = services[i] { await service.stop() }
        }
    }
}
