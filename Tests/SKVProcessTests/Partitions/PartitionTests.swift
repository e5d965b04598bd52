import Foundation
import KVRaft
import Linearizability
import RPCHTTP2NIO
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Real partitions between `skv` daemons: each daemon host is a network namespace of a
/// ``NetworkLab``; the clients (in this process) reach every host while a seeded
/// ``FaultSchedule`` cuts the leader from its peers, splits minority from majority, drops one
/// direction of a host's traffic, builds a bridge (A - B - C), loses a share of every packet,
/// SIGSTOPs a daemon and kill -9s one (``PartitionNemesis``). Afterwards: the history is
/// linearizable (per key), no acknowledged write is lost, every replica converges, and after
/// every heal some operation was acknowledged within ``PartitionNemesis/servingLimit``.
///
/// Needs root (namespaces, nft) and `swift build --product skv`; skipped otherwise (Scripts/
/// test-partitions.sh says why). Not nested in ``KVProcessTests``: Scripts/test.sh runs it in
/// its own step (`--filter PartitionTests`). `SKV_PARTITION_SEED` replays a schedule;
/// `SKV_PARTITION_FAULTS` sets the number of faults. Delay and reorder (`tc netem`) are not
/// injected: this kernel has no `sch_netem`; pauses stand in for slow peers.
@Suite(
    "PartitionTests", .serialized,
    .enabled(if: SKVBinary.exists, "build the skv binary first: swift build --product skv"),
    .enabled(if: NetworkLab.unavailableReason == nil, "needs root, ip, nft and network namespaces"))
struct PartitionTests {
    static let kvPort = 7000
    static let clients = 4
    static let sharedKeys = 4
    /// Faults per run (every kind at least once from 7 on).
    static func faultCount(default count: Int) -> Int {
        StressWorkload.rounds(from: "SKV_PARTITION_FAULTS", default: count)
    }
    static func seed() -> UInt64 { StressWorkload.seed(from: "SKV_PARTITION_SEED") }
    /// Clerk deadlines per client: the first two give up quickly, so faults leave operations
    /// with unknown outcomes (pending in the history).
    static func operationTimeout(client: Int) -> Duration { client < 2 ? .seconds(2) : .seconds(8) }
    /// Healthy load after the last fault, before the clients stop.
    static let tail: Duration = .seconds(2)
    /// Once the load stops, every replica reaches the same commit and applied index within this.
    static let convergeLimit: Duration = .seconds(20)
    static let checkTimeout: Duration = .seconds(30)
    static let startLimit: Duration = .seconds(20)

    @Test(.timeLimit(.minutes(3)))
    func kvSurvivesPartitionsPausesAndKills() async throws {
        let seed = Self.seed()
        try await Self.runKV(seed: seed, schedule: FaultSchedule(seed: seed, count: Self.faultCount(default: 8),
            hostCount: 3))
    }

    /// A follower cut off for 30 s (`SKV_PARTITION_LONG_CUT_SECONDS`) catches up within
    /// ``longCutCatchUpLimit`` of the heal. TCP's retransmission back-off would hold the leader's
    /// appends on the old connection for up to its next retry (≈ 10 s after a 30-s cut); the
    /// daemons' peer connections notice the silent path by keepalive and reconnect instead
    /// (`ReplicaHost.peerKeepalive`).
    static let longCutCatchUpLimit: Duration = .seconds(4)
    @Test(.timeLimit(.minutes(3)))
    func followerCutForLongCatchesUpAfterTheHeal() async throws {
        let seed = Self.seed()
        let hold = StressWorkload.rounds(from: "SKV_PARTITION_LONG_CUT_SECONDS", default: 30)
        let cut = FaultSchedule.Fault(
            kind: .minoritySplit, targetsLeader: false, host: Int(seed % 3), offset: 1, inbound: false, lossPercent: 0,
            daemonChoice: 0, hold: .seconds(hold), gap: .milliseconds(500))
        try await Self.runKV(
            seed: seed, schedule: FaultSchedule(seed: seed, faults: [cut]), catchUpLimit: Self.longCutCatchUpLimit)
    }

    /// What a soak adds to a KV run: it injects faults until `duration` has passed, samples the
    /// daemons' resources and scans their logs.
    struct Soak {
        var duration: Duration
        /// `--max-raft-state` instead of the cases' 4096 bytes (`SKV_SOAK_MAX_RAFT_STATE`).
        var maxRaftState: Int?
        /// Variables added to every daemon's environment (`SKV_SOAK_NODE_ENV`).
        var nodeEnvironment: [String: String] = [:]
    }

    /// One KV run: three `skv kv serve` daemons, one per host of a fresh lab; ``clients`` clients
    /// while the nemesis runs `schedule`; then the checks, the report, and an `Issue` per problem.
    static func runKV(
        seed: UInt64, schedule: FaultSchedule, soak: Soak? = nil,
        catchUpLimit: Duration = PartitionNemesis.defaultCatchUpLimit
    ) async throws {
        let root = NSTemporaryDirectory() + "skv-partition-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        print("PartitionTests.kv: seed \(seed) (replay: SKV_PARTITION_SEED=\(seed)); data and logs in \(root)")
        print(schedule)
        let lab = try NetworkLab.create(hostCount: 3)
        defer { lab.destroy() }
        print("network \(lab.name): hosts \(lab.addresses.joined(separator: " ")), clients from \(lab.clientAddress)")
        var daemon = SKVDaemon.kv
        if let maxRaftState = soak?.maxRaftState { daemon.serveOptions = ["--max-raft-state", "\(maxRaftState)"] }
        let cluster = SKVProcessCluster(
            root: root, daemon: daemon, hosts: lab.addresses, ports: Array(repeating: kvPort, count: 3), metricsPorts: [],
            namespaces: (0..<3).map { lab.namespace($0) })
        if let extra = soak?.nodeEnvironment, !extra.isEmpty {
            for i in 0..<3 { cluster.environment[i] = extra }
            print("daemon environment: \(extra.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " "))")
        }
        let history = StressHistory()
        var keepArtifacts = true
        defer {
            cluster.killAll()
            StressChecks.keepOrRemove(root, history: history, keep: keepArtifacts, label: "PartitionTests.kv")
        }
        let probe = StatusProbe(ports: cluster.ports, hosts: cluster.hosts)
        try cluster.startAll()
        for i in 0..<3 {
            try await cluster.waitUntilAnswering(i, name: "node \(i + 1)", within: startLimit) {
                await probe.status(i) != nil
            }
        }
        let firstLeader = try #require(await probe.leader(within: startLimit), "no leader within \(startLimit)")
        print("[\(seconds(history.now()))s] 3 daemons up, node \(firstLeader + 1) leads")

        let daemons = (0..<3).map { PartitionNemesis.Daemon(cluster: cluster, index: $0, name: "kv node \($0 + 1)") }
        var nemesis = PartitionNemesis(
            lab: lab, daemons: daemons,
            findLeader: { _ in await probe.leader(within: .seconds(1)).map { daemons[$0] } },
            answers: { await probe.status($0.index) != nil }, history: history)
        nemesis.catchUpLimit = catchUpLimit
        nemesis.progress = {
            ["kv": await probe.statuses().map { $0.map { .init(commit: $0.commitIndex, applied: $0.appliedIndex) } }]
        }
        let stop = StopSignal()
        let (hosts, ports) = (cluster.hosts, cluster.ports)
        var injected: [PartitionNemesis.Injected] = []
        var resources = DaemonResources()
        let loadStart = history.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    let (clerk, transports) = KVProcessTests.KVProcessStressTests.makeClerk(
                        ports: ports, hosts: hosts, operationTimeout: operationTimeout(client: client))
                    await StressWorkload.runClient(
                        client, seed: seed, clerk: clerk, sharedKeys: sharedKeys, history: history, stop: stop)
                    for transport in transports { await transport.close() }
                }
            }
            if let soak {
                try await Task.sleep(for: DaemonResources.warmUp)
                resources.sample(daemons, label: "start (after \(DaemonResources.warmUp) of load)")
                injected = try await nemesis.run(schedule, until: ContinuousClock.now + soak.duration) { number in
                    resources.sample(daemons, label: number % 20 == 0 ? "after fault #\(number)" : nil)
                }
                resources.sample(daemons, label: "end")
            } else {
                injected = try await nemesis.run(schedule)
            }
            try await Task.sleep(for: tail)
            stop.set()
            try await group.waitForAll()
        }
        let loadEnd = history.now()

        var problems: [String] = []
        var report = PartitionRunReport(history.all, loadFrom: loadStart, to: loadEnd)
        var step: [String] = []
        for i in 0..<3 where !cluster.isRunning(i) {
            step.append("node \(i + 1) is not running after the run:\n\(cluster.logTail(i))")
        }
        step += StressChecks.logProblems(root: root)
        report.record("daemons running, no crash in the logs", problems: step)
        problems += step

        // Final values through the log, then the history's checks.
        let keys = Set(history.all.map(\.input.key)).sorted()
        let (reader, readerTransports) = KVProcessTests.KVProcessStressTests.makeClerk(
            ports: ports, hosts: hosts, operationTimeout: .seconds(20))
        let finalValues = try await StressWorkload.readAll(
            keys, clerk: reader, closing: readerTransports, history: history, clientID: clients)
        problems += report.checkHistory(
            history.all, finalValues: finalValues, clients: clients, sharedKeys: sharedKeys,
            rejected: history.rejected.load(ordering: .relaxed), timeout: soak == nil ? checkTimeout : .seconds(120))

        step = await converged(probe)
        report.record("every replica converges (same commit and applied index within \(convergeLimit))", problems: step)
        problems += step

        problems += report.checkService(injected, catchUpLimit: catchUpLimit)

        if soak != nil {
            step = resources.problems() + DaemonLogScan.unexpectedLines(
                logs: (1...3).map { "\(root)/node\($0).log" })
            report.record("soak: resources bounded, no unexpected log lines", problems: step)
            problems += step
            print(resources.render())
        }
        await probe.close()
        print(report.render(name: "PartitionTests.kv", seed: seed, faults: injected, replay: "SKV_PARTITION_SEED"))
        keepArtifacts = !problems.isEmpty
        for problem in problems { Issue.record("seed \(seed): \(problem)") }
    }

    /// Polls every replica's status until all answer with the same commit and applied index and
    /// one leader (bounded by ``convergeLimit``); returns what still differs then.
    static func converged(_ probe: StatusProbe) async -> [String] {
        let deadline = ContinuousClock.now + convergeLimit
        var last: [StatusReply?] = []
        repeat {
            last = await probe.statuses()
            let answered = last.compactMap { $0 }
            if answered.count == 3, Set(answered.map(\.appliedIndex)).count == 1,
                Set(answered.map(\.commitIndex)).count == 1, answered.count(where: \.isLeader) == 1
            {
                print(
                    "converged: every replica at commit \(answered[0].commitIndex), "
                        + "applied \(answered[0].appliedIndex)")
                return []
            }
            try? await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        return [
            "replicas did not converge within \(convergeLimit): "
                + last.enumerated().map { i, s in
                    s.map {
                        "node\(i + 1) term \($0.term) leader \($0.isLeader) commit \($0.commitIndex) "
                            + "applied \($0.appliedIndex)"
                    }
                        ?? "node\(i + 1) does not answer"
                }.joined(separator: "; ")
        ]
    }
}
