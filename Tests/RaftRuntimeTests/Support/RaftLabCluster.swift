#if canImport(Glibc)
import Glibc
#endif
import Raft
import RaftRuntime
import RPCCore
import Simulation

/// A failed lab check (the labs' `t.Fatalf`).
struct LabFailure: Error, CustomStringConvertible {
    var description: String
}

/// The 6.824 Lab 2 tester (`config.go`) for `RaftPeer`s on a `SimulatedNetwork`: crash and
/// restart with persister copies, connect/disconnect, an apply checker, and the helpers the
/// tests use (`checkOneLeader`, `one`, `wait`, `nCommitted`, RPC and byte counters).
actor RaftLabCluster {
    let n: Int
    let network: SimulatedNetwork
    let snapshotting: Bool
    let seed: UInt64
    /// Real or virtual time: every wait, deadline and task of the cluster goes through it.
    nonisolated let environment: LabEnvironment
    private var random: SeededRandom
    private var peers: [RaftPeer?]
    private var persisters: [SimulatedPersister]
    private var connected: [Bool]
    /// endNames[i][j]: the end i uses to reach j (fresh names on every restart of i).
    private var endNames: [[String]]
    /// Applied commands per server: index -> command.
    private var logs: [[UInt64: [UInt8]]]
    private var lastApplied: [UInt64]
    private var applyError: String?
    private var maxIndex: UInt64 = 0
    private var maxIndexAtStart: UInt64 = 0
    private var endCounter = 0
    private let start: Duration
    private var rpcsAtStart = 0
    private var bytesAtStart = 0

    /// Election timeout the tests treat as "an election's worth of time".
    static let electionTimeout: Duration = .seconds(1)
    static let electionTimeoutMilliseconds = 1_000
    static let snapshotInterval: UInt64 = 10

    init(servers: Int, unreliable: Bool, snapshot: Bool, environment: LabEnvironment) async throws {
        n = servers
        self.environment = environment
        seed = environment.seed
        start = environment.now()
        network = environment.makeNetwork()
        random = SeededRandom(seed: seed ^ 0xC0FFEE)
        snapshotting = snapshot
        peers = Array(repeating: nil, count: servers)
        persisters = (0..<servers).map { _ in SimulatedPersister() }
        connected = Array(repeating: false, count: servers)
        endNames = Array(repeating: Array(repeating: "", count: servers), count: servers)
        logs = Array(repeating: [:], count: servers)
        lastApplied = Array(repeating: 0, count: servers)
        network.setReliable(!unreliable)
        network.setLongDelays(true)
        for i in 0..<servers { try await start1(i) }
        for i in 0..<servers { connect(i) }
        environment.trace.register(self)
        let mode = environment.isVirtual ? "virtual time" : "real time"
        print("lab cluster: \(servers) servers, unreliable=\(unreliable), snapshot=\(snapshot), seed=\(seed), \(mode)")
        fflush(nil)  // the seed must be visible even if the run hangs
    }

    // MARK: Membership

    func crash1(_ i: Int) async {
        disconnect(i)
        network.deleteServer(name: "\(i)")
        // A copy, so that the dying instance's later writes go to an orphaned persister.
        persisters[i] = persisters[i].copy()
        if let peer = peers[i] { await peer.kill() }
        peers[i] = nil
    }

    func start1(_ i: Int) async throws {
        await crash1(i)
        // Fresh outgoing end names, so a zombie instance cannot talk to anyone.
        var clients: [UInt64: RaftPeerClient] = [:]
        for j in 0..<n where j != i {
            endCounter += 1
            let name = "end-\(i)-\(j)-\(endCounter)-\(random.next() % 1_000_000)"
            endNames[i][j] = name
            let end = network.makeEnd(name: name)
            network.connect(end: name, to: "\(j)")
            clients[UInt64(j + 1)] = RaftPeerClient(wrapping: RPCClient(transport: end))
        }
        persisters[i] = persisters[i].copy()
        // 2022 tester: a restarted server's state model starts from its persisted snapshot.
        logs[i] = [:]
        lastApplied[i] = 0
        let snapshotBytes = persisters[i].readSnapshot()
        if !snapshotBytes.isEmpty, let data = Self.snapshotData(snapshotBytes),
            let (index, log) = LabCommand.decodeSnapshot(data)
        {
            logs[i] = log
            lastApplied[i] = index
        }
        var configuration = RaftPeer.Configuration()
        configuration.seed = seed &+ UInt64(endCounter)
        // The labs number commands consecutively from 1: no election no-op.
        configuration.appendsNoopOnElection = false
        configuration.clock = environment.clock
        configuration.taskExecutor = environment.taskExecutor
        if environment.isVirtual {
            // No local RPC deadline in virtual time (RPCClient would enforce it in real time).
            // Not needed either: as in labrpc, the simulated network itself ends every call in
            // bounded time: an undeliverable call fails within 7 s, a delivered one fails within
            // 100 ms of its end being disabled or its server killed, a reply is delayed at
            // most 2.2 s, and a Step handler never blocks (it is a synchronous actor method).
            configuration.rpcTimeout = nil
        }
        let peer = try RaftPeer(id: UInt64(i + 1), peers: clients, store: LabStore(persister: persisters[i], environment: environment), configuration: configuration)
        peers[i] = peer
        var router = RPCRouter()
        peer.registerMethods(with: &router)
        network.addServer(name: "\(i)", router: router)
        let stream = peer.applyStream
        Task(executorPreference: environment.taskExecutor) { [weak self] in
            for await message in stream {
                guard let self else { return }
                await self.applied(i, message, from: peer)
            }
        }
        await peer.start()
    }

    /// The snapshot bytes the service gave Raft, extracted from the persisted snapshot blob.
    static func snapshotData(_ blob: [UInt8]) -> [UInt8]? {
        // The persisted blob is a protobuf `skv.raft.Snapshot`; field 2 holds the data.
        var p = 0
        func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while p < blob.count {
                let b = blob[p]
                p += 1
                result |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
            return nil
        }
        while p < blob.count {
            guard let key = varint() else { return nil }
            guard key & 7 == 2, let length = varint() else { return nil }
            let end = p + Int(length)
            guard end <= blob.count else { return nil }
            if key >> 3 == 2 { return Array(blob[p..<end]) }
            p = end
        }
        return nil
    }

    func connect(_ i: Int) {
        connected[i] = true
        for j in 0..<n where j != i && connected[j] {
            network.enable(end: endNames[i][j], true)
            network.enable(end: endNames[j][i], true)
        }
    }

    func disconnect(_ i: Int) {
        connected[i] = false
        for j in 0..<n where j != i {
            if !endNames[i][j].isEmpty { network.enable(end: endNames[i][j], false) }
            if !endNames[j][i].isEmpty { network.enable(end: endNames[j][i], false) }
        }
    }

    func setReliable(_ reliable: Bool) { network.setReliable(reliable) }
    func setLongReordering(_ on: Bool) { network.setLongReordering(on) }
    func isConnected(_ i: Int) -> Bool { connected[i] }
    func isAlive(_ i: Int) -> Bool { peers[i] != nil }
    func rpcCount(_ i: Int) -> Int { network.rpcCount(server: "\(i)") }
    func rpcTotal() -> Int { network.totalRPCs }
    func bytesTotal() -> Int { network.totalBytes }

    func cleanup() async {
        for i in 0..<n { if let peer = peers[i] { await peer.kill() } }
        network.cleanup()
    }

    // MARK: Applying

    private func applied(_ i: Int, _ message: ApplyMessage, from peer: RaftPeer) async {
        guard peers[i] === peer else { return }  // a killed instance's leftovers
        switch message {
        case .command(let index, _, let data):
            if snapshotting && index != lastApplied[i] + 1 {
                applyError = "server \(i) apply out of order: expected index \(lastApplied[i] + 1), got \(index)"
                return
            }
            for j in 0..<n {
                if let other = logs[j][index], other != data {
                    applyError = "commit index=\(index) server=\(i) \(data) != server=\(j) \(other)"
                }
            }
            if !snapshotting && index > 1 && logs[i][index - 1] == nil {
                applyError = "server \(i) apply out of order \(index)"
            }
            logs[i][index] = data
            lastApplied[i] = index
            maxIndex = max(maxIndex, index)
            if snapshotting && (index + 1) % Self.snapshotInterval == 0 {
                await peer.snapshot(index: index, data: LabCommand.encodeSnapshot(index: index, log: logs[i]))
            }
        case .skipped(let index, _):
            // Not in the labs (no no-ops, fixed membership), but a skipped index is applied.
            lastApplied[i] = index
        case .snapshot(let index, _, let data):
            guard let (encodedIndex, log) = LabCommand.decodeSnapshot(data), encodedIndex == index else {
                applyError = "server \(i) got a snapshot it cannot decode at \(index)"
                return
            }
            logs[i] = log
            lastApplied[i] = index
        }
    }

    // MARK: Checks

    /// Exactly one leader among the connected servers (per term), within about 5 s.
    func checkOneLeader() async throws -> Int {
        for _ in 0..<10 {
            try await sleep(for: .milliseconds(450 + Int(random.next() % 100)))
            var leaders: [UInt64: [Int]] = [:]
            for i in 0..<n where connected[i] {
                if let peer = peers[i] {
                    let (term, isLeader) = await peer.state()
                    if isLeader { leaders[term, default: []].append(i) }
                }
            }
            var lastTerm: UInt64 = 0
            // In term order, not hash order: which failure is reported must not vary.
            for (term, servers) in leaders.sorted(by: { $0.key < $1.key }) {
                if servers.count > 1 { throw LabFailure(description: "term \(term) has \(servers.count) (>1) leaders") }
                lastTerm = max(lastTerm, term)
            }
            if let leader = leaders[lastTerm]?.first { return leader }
        }
        throw LabFailure(description: "expected one leader, got none")
    }

    /// All connected servers agree on the term.
    func checkTerms() async throws -> UInt64 {
        var agreed: UInt64?
        for i in 0..<n where connected[i] {
            guard let peer = peers[i] else { continue }
            let (term, _) = await peer.state()
            if let agreed, agreed != term { throw LabFailure(description: "servers disagree on term") }
            agreed = term
        }
        return agreed ?? 0
    }

    /// No connected server thinks it is the leader.
    func checkNoLeader() async throws {
        for i in 0..<n where connected[i] {
            if let peer = peers[i], await peer.state().isLeader {
                throw LabFailure(description: "expected no leader among connected servers, but \(i) claims to be leader")
            }
        }
    }

    /// How many servers think the command at `index` is committed (checking they agree).
    func nCommitted(_ index: UInt64) throws -> (count: Int, command: [UInt8]?) {
        if let applyError { throw LabFailure(description: applyError) }
        var count = 0
        var command: [UInt8]?
        for i in 0..<n {
            if let value = logs[i][index] {
                if count > 0, command != value {
                    throw LabFailure(description: "committed values do not match: index \(index)")
                }
                count += 1
                command = value
            }
        }
        return (count, command)
    }

    func state(_ i: Int) async -> (term: UInt64, isLeader: Bool)? {
        guard let peer = peers[i] else { return nil }
        return await peer.state()
    }

    func propose(_ i: Int, _ command: [UInt8]) async -> (index: UInt64, term: UInt64, isLeader: Bool)? {
        guard let peer = peers[i] else { return nil }
        return await peer.propose(command)
    }

    /// Waits for at least `count` servers to commit `index`; -1 if the term moved past
    /// `startTerm` (the lab's `wait`).
    func wait(_ index: UInt64, count: Int, startTerm: UInt64?) async throws -> [UInt8]? {
        var pause: Duration = .milliseconds(10)
        for _ in 0..<30 {
            let (committed, _) = try nCommitted(index)
            if committed >= count { break }
            try await sleep(for: pause)
            if pause < .seconds(1) { pause *= 2 }
            if let startTerm {
                for i in 0..<n {
                    if let (term, _) = await state(i), term > startTerm { return nil }
                }
            }
        }
        let (committed, command) = try nCommitted(index)
        if committed < count {
            throw LabFailure(description: "only \(committed) decided for index \(index); wanted \(count)")
        }
        return command
    }

    /// Submits `command` until some leader commits it on `expected` servers (the lab's
    /// `one`); returns its index.
    @discardableResult
    func one(_ command: [UInt8], expected: Int, retry: Bool) async throws -> UInt64 {
        let deadline = environment.now() + .seconds(10)
        var starti = 0
        while environment.now() < deadline {
            var index: UInt64?
            for _ in 0..<n {
                starti = (starti + 1) % n
                if connected[starti], let result = await propose(starti, command), result.isLeader {
                    index = result.index
                    break
                }
            }
            if let index {
                let until = environment.now() + .seconds(2)
                while environment.now() < until {
                    let (count, value) = try nCommitted(index)
                    if count > 0 && count >= expected && value == command { return index }
                    try await sleep(for: .milliseconds(20))
                }
                if !retry { throw LabFailure(description: "one(\(command)) failed to reach agreement") }
            } else {
                try await sleep(for: .milliseconds(50))
            }
        }
        throw LabFailure(description: "one(\(command)) failed to reach agreement within 10 s")
    }

    /// The largest persisted Raft state among the servers (the labs' `LogSize`).
    func logSize() -> Int {
        persisters.map(\.raftStateSize).max() ?? 0
    }

    func beginPart(_ description: String) {
        rpcsAtStart = network.totalRPCs
        bytesAtStart = network.totalBytes
        maxIndexAtStart = maxIndex
        print("Test: \(description) ...")
    }

    /// The lab's "Passed" line: elapsed seconds (virtual ones in virtual time), peers, RPCs,
    /// bytes, agreements; also recorded with the peers' terms in the environment's trace.
    func end() async throws {
        if let applyError { throw LabFailure(description: applyError) }
        let elapsed = environment.now() - start
        guard elapsed < .seconds(120) else { throw LabFailure(description: "test took longer than 120 seconds") }
        var terms: [String] = []
        for peer in peers {
            if let peer { terms.append("\(await peer.state().term)") } else { terms.append("-") }
        }
        let numbers = "\(elapsed) \(n) \(network.totalRPCs - rpcsAtStart) \(network.totalBytes - bytesAtStart) \(maxIndex - maxIndexAtStart)"
        environment.trace.record("\(numbers) terms \(terms.joined(separator: ","))")
        print("  ... Passed -- \(numbers) (seed \(seed)\(environment.isVirtual ? ", virtual time" : ""))")
    }

    /// Sleeps in the cluster's time (real or virtual); test bodies use this, never Task.sleep.
    nonisolated func sleep(for duration: Duration) async throws {
        try await environment.sleep(for: duration)
    }

    func randomInt(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
}
