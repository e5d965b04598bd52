import LabHarness
import Logging
import RaftRuntime
import RPCCore
import RSM
import ShardController
import ShardKV


/// The controller's lab service: `ShardCtrlerServer` wrapped rather than made to conform again
/// (the Lab 4A test module already declares its own conformance).
struct CtrlerLabService: LabService {
    let server: ShardCtrlerServer

    func registerMethods(with router: inout RPCRouter) { server.registerMethods(with: &router) }
    func start() async { await server.start() }
    func stop() async { await server.stop() }
}

/// The 6.824 Lab 4B tester (`shardkv/config.go`) on a ``LabCluster``: three controller servers
/// (`ctrler0…2`) and three ShardKV groups (gids 100, 101, 102) of three servers each
/// (`server-<gid>-<i>`), all started but not joined; the test joins and leaves groups through
/// its own controller clerk (each helper is one Join or Leave). Each server gets its own
/// controller clerk and the harness's `make_end`; each test clerk its own controller clerk and
/// fresh ends. Unreliable applies to the whole network. Restarting a server connects it at once
/// (as config.go's `StartServer` does).
final class ShardKVLabCluster: Sendable {
    static let gids: [UInt64] = [100, 101, 102]
    static let controllerNames = ["ctrler0", "ctrler1", "ctrler2"]

    let lab: LabCluster
    let maxRaftState: Int
    let ctrlers: LabReplicaGroup<CtrlerLabService>
    /// `groups[gi]` has gid `gids[gi]`.
    let groups: [LabReplicaGroup<ShardKVServer>]
    /// The test's own controller clerk (`mck`); one call at a time, from the test body.
    let mck: ShardCtrlerClerk

    var seed: UInt64 { lab.seed }

    static func serverNames(gid: UInt64) -> [String] { (0..<3).map { "server-\(gid)-\($0)" } }

    private init(
        lab: LabCluster, maxRaftState: Int, ctrlers: LabReplicaGroup<CtrlerLabService>,
        groups: [LabReplicaGroup<ShardKVServer>]
    ) {
        self.lab = lab
        self.maxRaftState = maxRaftState
        self.ctrlers = ctrlers
        self.groups = groups
        mck = Self.makeControllerClerk(lab: lab, makeEnd: { lab.makeEnd(to: $0) })
    }

    /// A controller clerk with its own ends to every controller, in random order, pausing
    /// 100 ms after a round of failures (the lab's clerk).
    static func makeControllerClerk(lab: LabCluster, makeEnd: (String) -> RPCClient) -> ShardCtrlerClerk {
        let servers = lab.shuffled(
            controllerNames.enumerated().map { j, name in
                ShardCtrlerClerk.Server(client: ShardCtrlerClient(wrapping: makeEnd(name)), id: UInt64(j + 1))
            })
        var configuration = ShardCtrlerClerk.Configuration()
        configuration.retryPause = .milliseconds(100)
        configuration.clock = lab.environment.clock
        return ShardCtrlerClerk(servers: servers, configuration: configuration, clientID: max(1, lab.random()))
    }

    static func make(unreliable: Bool, maxRaftState: Int) async throws -> ShardKVLabCluster {
        let lab = LabCluster(seed: LabSeed.next(environmentVariable: "SHARDKV_LAB_SEED"), label: "shardkv")
        let ctrlers = try await lab.makeGroup(label: "ctrler", serverNames: controllerNames, maxRaftState: -1) {
            context in
            var configuration = ShardCtrlerServer.Configuration()
            configuration.replication = context.replication
            return CtrlerLabService(
                server: try ShardCtrlerServer(
                    id: UInt64(context.index + 1), log: context.peer, restoredSnapshot: context.restoredSnapshot,
                    configuration: configuration))
        }
        var groups: [LabReplicaGroup<ShardKVServer>] = []
        for gid in gids {
            groups.append(
                try await lab.makeGroup(label: "gid \(gid)", serverNames: serverNames(gid: gid), maxRaftState: maxRaftState) {
                    context in
                    var configuration = ShardKVServer.Configuration()
                    configuration.replication = context.replication
                    // Leader hints name the leader as configurations do (its server name), so
                    // clerks and other groups, which know servers by name only, follow them.
                    configuration.memberAddresses = Dictionary(
                        uniqueKeysWithValues: serverNames(gid: gid).enumerated().map { (UInt64($0.offset + 1), $0.element) })
                    configuration.logger.logLevel = .warning
                    return try ShardKVServer(
                        gid: gid, id: UInt64(context.index + 1), log: context.peer,
                        restoredSnapshot: context.restoredSnapshot,
                        controller: makeControllerClerk(lab: lab, makeEnd: context.makeEnd),
                        makeClient: context.makeEnd, configuration: configuration)
                })
        }
        lab.setReliable(!unreliable)
        print(
            "shardkv lab cluster: unreliable=\(unreliable), maxraftstate=\(maxRaftState), seed=\(lab.seed)"
                + (lab.environment.isVirtual ? ", virtual time" : ""))
        return ShardKVLabCluster(lab: lab, maxRaftState: maxRaftState, ctrlers: ctrlers, groups: groups)
    }

    /// Runs `body` on a new cluster and always cleans it up (printing the seed on failure).
    static func with(
        unreliable: Bool, maxRaftState: Int, _ body: (ShardKVLabCluster) async throws -> Void
    ) async throws {
        let cluster = try await make(unreliable: unreliable, maxRaftState: maxRaftState)
        try await cluster.lab.run { try await body(cluster) }
    }

    // MARK: Clerks

    /// A test clerk: its own controller clerk and fresh ends to every server it calls.
    func makeClerk() -> ShardKVClerk {
        let lab = lab
        var configuration = ShardKVClerk.Configuration()
        configuration.clock = lab.environment.clock
        return ShardKVClerk(
            controller: Self.makeControllerClerk(lab: lab, makeEnd: { lab.makeEnd(to: $0) }),
            makeClient: { lab.makeEnd(to: $0) }, configuration: configuration, clientID: max(1, lab.random()))
    }

    // MARK: Configuration changes (one controller call each)

    func join(_ gi: Int) async throws { try await joinm([gi]) }

    func joinm(_ gis: [Int]) async throws {
        var groups: [UInt64: [String]] = [:]
        for gi in gis { groups[Self.gids[gi]] = Self.serverNames(gid: Self.gids[gi]) }
        let reply = try await mck.join(groups)
        guard reply.outcome == .ok else { throw LabFailure("Join \(gis) answered \(reply.outcome)") }
    }

    func leave(_ gi: Int) async throws { try await leavem([gi]) }

    func leavem(_ gis: [Int]) async throws {
        let reply = try await mck.leave(gis.map { Self.gids[$0] })
        guard reply.outcome == .ok else { throw LabFailure("Leave \(gis) answered \(reply.outcome)") }
    }

    // MARK: Diagnostics

    /// Prints every server's Raft state and, for ShardKV servers, the applied configuration and
    /// each shard's status (for a run that does not converge).
    func printState() async {
        print("  state at \(lab.now()) of virtual time")
        for i in ctrlers.all {
            guard let peer = await ctrlers.peer(i) else { continue }
            print("    ctrler\(i): \(await peer.status())")
        }
        for (gi, group) in groups.enumerated() {
            for i in group.all {
                guard let peer = await group.peer(i), let server = await group.service(i) else {
                    print("    gid \(Self.gids[gi]) server \(i): down")
                    continue
                }
                let status = await peer.status()
                let shards = await server.inspect { machine in
                    "config \(machine.currentConfig.num): "
                        + (0..<ShardConfig.shardCount).map { "\(machine.status(ofShard: $0).map { "\($0)" } ?? "-")" }
                        .joined(separator: " ")
                }
                print(
                    "    gid \(Self.gids[gi]) server \(i): term \(status.term) leader \(status.isLeader) "
                        + "commit \(status.commitIndex) applied \(status.appliedIndex); \(shards)")
            }
        }
    }

    // MARK: Servers

    /// The controllers and every ShardKV group, as groups of any service.
    var allGroups: [any LabGroupControl] { [ctrlers] + groups }

    func shutdownGroup(_ gi: Int) async { await groups[gi].shutdownAll() }

    func startGroup(_ gi: Int) async throws {
        for i in groups[gi].all { try await startServer(gi, i) }
    }

    func shutdownServer(_ gi: Int, _ i: Int) async { await groups[gi].shutdownServer(i) }

    /// Starts server `i` of group `gi` and connects it at once.
    func startServer(_ gi: Int, _ i: Int) async throws {
        try await groups[gi].startServer(i)
        await groups[gi].connect(i, to: groups[gi].all)
    }
}
