import KVRaft
public import LabHarness
import RPCCore
import RSM

extension KVServer: LabService {}

/// The 6.824 Lab 3 tester (`kvraft/config.go`): one ``LabReplicaGroup`` of `KVServer`s on a
/// ``LabCluster`` (which does the mechanics: start/shutdown with persister copies, fresh end
/// names, partitions, the 120-s limit), plus what is Lab 3's own: clerks with their own end to
/// every server, shuffled, (dis)connected per server; the random partitioner; the operation
/// helpers (`KVLabCluster+Operations.swift`), counted and optionally recorded for the
/// linearizability check. Reliability is set after the servers start, as in the lab.
actor KVLabCluster {
    nonisolated let lab: LabCluster
    nonisolated let group: LabReplicaGroup<KVServer>
    nonisolated let maxRaftState: Int

    /// The lab's `electionTimeout` for KV tests: "an election's worth of time".
    static let electionTimeout: Duration = .seconds(1)

    var n: Int { group.count }
    nonisolated var seed: UInt64 { lab.seed }
    var all: [Int] { group.all }

    init(servers: Int, unreliable: Bool, maxRaftState: Int, seed: UInt64) async throws {
        self.maxRaftState = maxRaftState
        lab = LabCluster(seed: seed, label: "kv")
        group = try await lab.makeGroup(
            label: "kv", serverNames: (0..<servers).map { "kv-\($0)" }, maxRaftState: maxRaftState
        ) { context in
            var configuration = KVServer.Configuration()
            configuration.replication = context.replication
            return try KVServer(
                id: UInt64(context.index + 1), log: context.peer, restoredSnapshot: context.restoredSnapshot,
                configuration: configuration)
        }
        lab.setReliable(!unreliable)
        print(
            "kv lab cluster: \(servers) servers, unreliable=\(unreliable), maxraftstate=\(maxRaftState), seed=\(seed)"
                + (lab.environment.isVirtual ? ", virtual time" : ""))
    }

    // MARK: Servers and connectivity (the group's)

    func shutdownServer(_ i: Int) async { await group.shutdownServer(i) }
    func startServer(_ i: Int) async throws { try await group.startServer(i) }
    func connect(_ i: Int, to: [Int]) async { await group.connect(i, to: to) }
    func disconnect(_ i: Int, from: [Int]) async { await group.disconnect(i, from: from) }
    func connectAll() async { await group.connectAll() }
    func partition(_ p1: [Int], _ p2: [Int]) async { await group.partition(p1, p2) }
    func makePartition() async -> (majority: [Int], minority: [Int]) { await group.makePartition() }

    /// The lab's partitioner: until `stop`, every 1000–1199 ms, puts each server in one of two
    /// groups at random (a group may be empty).
    func runPartitioner(until stop: StopFlag) async throws {
        while !stop.isRaised {
            var parts: [[Int]] = [[], []]
            for i in all { parts[lab.randomInt(2)].append(i) }
            await group.partition(parts[0], parts[1])
            lab.countFault("partition")
            try await lab.sleep(for: Self.electionTimeout + .milliseconds(lab.randomInt(200)))
        }
    }

    // MARK: Clerks

    /// A clerk with its own end to every server, enabled for the servers in `to`; the clerk
    /// sees the ends in random order.
    func makeClient(to: [Int]) -> LabClerk {
        let ends = group.makeClientEnds(to: to)
        let servers = lab.shuffled(ends.clients.map { Clerk.Server(client: KVClient(wrapping: $0)) })
        var configuration = Clerk.Configuration()
        configuration.clock = lab.environment.clock
        return LabClerk(
            clerk: Clerk(servers: servers, configuration: configuration, clientID: max(1, lab.random())), ends: ends)
    }

    func connectClient(_ clerk: LabClerk, to: [Int]) {
        group.enable(clerk.ends, to: to, true)
    }

    func disconnectClient(_ clerk: LabClerk, from: [Int]) {
        group.enable(clerk.ends, to: from, false)
    }

    /// Runs `body` on a task that `cleanup` cancels (clerks retry forever).
    func spawn<Result: Sendable>(
        _ body: @escaping @Sendable () async throws -> Result
    ) -> Task<Result, any Error> {
        lab.spawn(body)
    }

    // MARK: Measurements

    /// The largest persisted Raft state (the lab's `LogSize`).
    func logSize() async -> Int { await group.maxRaftStateSize() }

    /// The largest persisted snapshot (the lab's `SnapshotSize`).
    func snapshotSize() async -> Int { await group.maxSnapshotSize() }

    nonisolated func countOperation() { lab.countOperation() }

    /// Time on the environment's clock (see ``LabCluster/now()``).
    nonisolated func now() -> Duration { lab.now() }

    /// Sleeps on the environment's clock.
    nonisolated func sleep(for duration: Duration) async throws { try await lab.sleep(for: duration) }

    func randomInt(_ bound: Int) -> Int { lab.randomInt(bound) }

    func begin(_ description: String) { lab.begin(description) }

    /// The lab's `end`: the 120-s limit; prints elapsed time, servers, RPCs and operations.
    func end() throws { try lab.end() }

    /// Stops every clerk task, server and peer, and the network.
    func cleanup() async { await lab.cleanup() }
}
