import Foundation
import Linearizability
import Raft
import RPCHTTP2NIO
import Synchronization
import ShardController
import ShardKV
import Testing

/// The sharded service under real partitions: three hosts (network namespaces), each running
/// one replica of the controllers and of groups 100, 101 and 102; four `ShardKVClerk`s; the
/// seeded ``FaultSchedule`` at host level (partitions, loss) and daemon level (pauses, kills, of
/// a group's leader or any daemon), and while each fault is held a configuration change (a
/// shard moved through a `ShardCtrlerClerk` or `skv ctrler move`, or a group joining or
/// leaving). Afterwards the history's checks, every replica at the latest configuration with
/// each shard only at its owner (``KVProcessTests/ShardKVProcessStressTests/settledPlacement``),
/// and service after every heal within ``PartitionNemesis/servingLimit``.
extension PartitionTests {
    static let gids: [UInt64] = [100, 101, 102]

    @Test(.timeLimit(.minutes(3)))
    func shardKVSurvivesPartitionsWithShardMoves() async throws {
        let seed = Self.seed()
        let schedule = FaultSchedule(seed: seed, count: Self.faultCount(default: 7), hostCount: 3)
        let root = NSTemporaryDirectory() + "skv-shard-partition-\(UUID().uuidString)"
        print("PartitionTests.shardkv: seed \(seed) (replay: SKV_PARTITION_SEED=\(seed)); data and logs in \(root)")
        print(schedule)
        let lab = try NetworkLab.create(hostCount: 3)
        defer { lab.destroy() }
        print("network \(lab.name): hosts \(lab.addresses.joined(separator: " ")), clients from \(lab.clientAddress)")
        let deployment = try ShardDeployment(root: root, gids: Self.gids, lab: lab)
        let history = StressHistory()
        var keepArtifacts = true
        defer {
            deployment.killAll()
            StressChecks.keepOrRemove(
                root, history: history, keep: keepArtifacts, label: "PartitionTests.shardkv",
                contents: "ctrler/ and g<gid>/ node logs, history.txt")
        }
        let probe = ShardDeploymentProbe(deployment)
        try deployment.startAll()
        let daemons = deployment.daemons.map {
            PartitionNemesis.Daemon(cluster: $0.cluster, index: $0.index, name: $0.description)
        }
        for target in deployment.daemons {
            try await target.cluster.waitUntilAnswering(target.index, name: "\(target)", within: Self.startLimit) {
                await probe.answers(target)
            }
        }
        let (admin, adminTransports) = deployment.ctrlerClerk(operationTimeout: .seconds(15))
        try await admin.join([100: deployment.servers(of: 100), 101: deployment.servers(of: 101)])
        print("[\(seconds(history.now()))s] 12 daemons up; groups 100 and 101 joined: \(try await admin.query())")

        let stress = KVProcessTests.ShardKVProcessStressTests()
        var changeReport = KVProcessTests.ShardKVProcessStressTests.NemesisReport()
        var random = SplitMix64(seed: seed ^ 0xC0F1_6000)
        let changes = schedule.faults.map { _ in
            KVProcessTests.ShardKVProcessStressTests.Change(
                isMove: Int.random(in: 0..<100, using: &random) < 60,
                shard: Int.random(in: 0..<ShardConfig.shardCount, using: &random),
                gidChoice: Int.random(in: 0..<Self.gids.count, using: &random),
                viaCLI: Int.random(in: 0..<100, using: &random) < 30)
        }
        let byName = Dictionary(uniqueKeysWithValues: zip(daemons.map(\.name), deployment.daemons))
        var nemesis = PartitionNemesis(
            lab: lab, daemons: daemons,
            findLeader: { choice in
                let gid = Self.gids[choice % Self.gids.count]
                guard let index = await probe.leader(of: gid, within: .seconds(1)), let cluster = deployment.groups[gid]
                else { return nil }
                return PartitionNemesis.Daemon(
                    cluster: cluster, index: index, name: "\(deployment.shardDaemon(gid, index))")
            },
            answers: { daemon in
                guard let target = byName[daemon.name] else { return false }
                return await probe.answers(target)
            }, history: history)
        nemesis.progress = {
            var groups: [String: [PartitionNemesis.ReplicaProgress?]] = [:]
            for (gid, replicas) in await probe.shardStatuses() {
                groups["g\(gid)"] = replicas.map { $0.map { .init(commit: $0.commitIndex, applied: $0.appliedIndex) } }
            }
            return groups
        }
        nemesis.duringFault = { i in
            do {
                return try await stress.apply(changes[i], deployment: deployment, admin: admin, report: &changeReport)
            } catch {
                return "configuration change failed: \(error)"
            }
        }

        let stop = StopSignal()
        let clerks = (0..<Self.clients).map {
            deployment.shardClerk(operationTimeout: Self.operationTimeout(client: $0))
        }
        var injected: [PartitionNemesis.Injected] = []
        let loadStart = history.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (client, (clerk, transports)) in clerks.enumerated() {
                group.addTask {
                    await StressWorkload.runClient(
                        client, seed: seed, clerk: clerk, sharedKeys: Self.sharedKeys, history: history, stop: stop)
                    for transport in transports { await transport.close() }
                }
            }
            injected = try await nemesis.run(schedule)
            try await Task.sleep(for: Self.tail)
            stop.set()
            try await group.waitForAll()
        }
        let loadEnd = history.now()

        var problems: [String] = []
        var report = PartitionRunReport(history.all, loadFrom: loadStart, to: loadEnd)
        var step = deployment.daemons.filter { !$0.cluster.isRunning($0.index) }.map {
            "\($0) is not running after the run:\n\($0.logTail)"
        }
        step += deployment.logProblems()
        report.record("daemons running, no crash in the logs", problems: step)
        problems += step

        let keys = Set(history.all.map(\.input.key)).sorted()
        let finalValues = try await stress.readAll(keys, deployment, history: history, clientID: Self.clients)
        problems += report.checkHistory(
            history.all, finalValues: finalValues, clients: Self.clients, sharedKeys: Self.sharedKeys,
            rejected: history.rejected.load(ordering: .relaxed), timeout: Self.checkTimeout)

        let config = try await admin.query()
        step = await stress.settledPlacement(
            config, KVProcessTests.ShardKVProcessStressTests.keyCounts(finalValues), probe: probe)
        report.record(
            "every replica converges (configuration \(config.num) applied, each shard only at its owner)",
            problems: step)
        problems += step

        problems += report.checkService(injected)

        await probe.close()
        for transport in adminTransports { await transport.close() }
        print("configuration changes during faults: \(changeReport)")
        print(
            report.render(name: "PartitionTests.shardkv", seed: seed, faults: injected, replay: "SKV_PARTITION_SEED"))
        keepArtifacts = !problems.isEmpty
        for problem in problems { Issue.record("seed \(seed): \(problem)") }
    }
}
