import Foundation
import Linearizability
import Raft
import RPCCore
import RPCHTTP2NIO
import ShardController
import ShardKV
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The sharded service under random reconfigurations and kill -9, over real loopback sockets:
/// three `skv ctrler serve` daemons and three groups (gids 100, 101, 102) of three `skv shard
/// serve` daemons; four `ShardKVClerk`s in this process doing Get/Put/Append on shared keys and
/// appending unique tokens to their own keys (spread over the shards), while a nemesis, each
/// round, SIGKILLs a shard daemon (often its group's leader; sometimes one in each of two
/// groups) or a controller daemon, and while it is down joins or removes a group or moves a
/// shard by hand (through a `ShardCtrlerClerk` or the `skv ctrler move` CLI), then restarts it
/// from its data directory.
///
/// Afterwards: every acknowledged append is in its key exactly once and in order, the shared
/// keys' final values are explained by the acknowledged writes, the whole history is
/// linearizable (`KVModel`), and, once every replica has applied the latest configuration,
/// each shard is held (serving, with as many keys as were read back) only by its owner: no
/// other replica, and no group that left, lists it in its `Status`. A graceful stop and
/// restart of every shard daemon shows the same placement and values restored from disk.
///
/// The schedule and the clients' choices come from one seed, printed at the start;
/// `SHARDKV_STRESS_SEED=<seed>` replays them (timing is real, so interleavings differ);
/// `SHARDKV_STRESS_ROUNDS=<n>` soaks. On a failure the daemons' logs and the history stay in
/// the printed directory. Nested in ``KVProcessTests`` (serialized with the other process tests).
extension KVProcessTests {
    @Suite("ShardKVProcessStressTests")
    struct ShardKVProcessStressTests {
        static let gids: [UInt64] = [100, 101, 102]
        static let clients = 4
        static let sharedKeys = 4
        /// Nemesis rounds; `SHARDKV_STRESS_ROUNDS` overrides it for soak runs (about 3 s a round:
        /// up to ~45 rounds fit the time limit).
        static func rounds() -> Int { StressWorkload.rounds(from: "SHARDKV_STRESS_ROUNDS", default: 16) }
        /// Healthy time before each round's kill, in seconds.
        static let healthyGap = 0.8...2.0
        /// How long the killed daemon(s) stay down, in seconds.
        static let downtime = 0.3...1.5
        /// Per-round chances, in percent: kill a controller daemon (else a shard daemon); kill
        /// the chosen group's leader; kill a second shard daemon, in another group or (half of
        /// these) in the same group, which then loses its quorum while it is down.
        static let ctrlerKillPercent = 15
        static let leaderKillPercent = 40
        static let doubleKillPercent = 20
        /// Per-round chances, in percent: move a shard (else join or remove a group); of the
        /// moves, through the `skv ctrler move` CLI (else a `ShardCtrlerClerk`).
        static let movePercent = 50
        static let cliMovePercent = 30
        /// Load with every daemon up after the last round, before the clients stop.
        static let tail: Duration = .seconds(2)
        /// Clerk deadlines per client: the first gives up quickly, so kills and moves leave
        /// operations with unknown outcomes (pending in the history) and retried sessions.
        static func operationTimeout(client: Int) -> Duration { client == 0 ? .seconds(1) : .seconds(10) }
        static let checkTimeout: Duration = .seconds(20)
        static let restartReadyLimit: Duration = .seconds(10)
        /// How long every replica may take to apply the latest configuration and finish its
        /// pulls and deletions once the run is over.
        static let settleLimit: Duration = .seconds(30)

        @Test(.timeLimit(.minutes(3)))
        func randomMovesAndKillsKeepAcknowledgedWritesLinearizabilityAndPlacement() async throws {
            let seed = Self.seed()
            let root = NSTemporaryDirectory() + "skv-shard-stress-\(UUID().uuidString)"
            print(
                "ShardKVProcessStressTests: seed \(seed) (replay: SHARDKV_STRESS_SEED=\(seed)); "
                    + "data and logs in \(root)")
            let deployment = try ShardDeployment(root: root, gids: Self.gids)
            let history = StressHistory()
            var keepArtifacts = true
            defer {
                deployment.killAll()
                StressChecks.keepOrRemove(
                    root, history: history, keep: keepArtifacts, label: "ShardKVProcessStressTests",
                    contents: "ctrler/ and g<gid>/ node logs, history.txt")
            }
            let started = ContinuousClock.now
            let probe = ShardDeploymentProbe(deployment)
            try deployment.startAll()
            for daemon in deployment.daemons { try await waitUntilServing(daemon, probe: probe) }
            let (admin, adminTransports) = deployment.ctrlerClerk(operationTimeout: .seconds(15))
            try await admin.join([100: deployment.servers(of: 100), 101: deployment.servers(of: 101)])
            let initial = try await admin.query()
            print("[\(elapsed(since: started))] 12 daemons up; groups 100 and 101 joined: \(initial)")

            let stop = StopSignal()
            let rounds = Self.rounds()
            var report = NemesisReport()
            let clerks = (0..<Self.clients).map {
                deployment.shardClerk(operationTimeout: Self.operationTimeout(client: $0))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (client, (clerk, transports)) in clerks.enumerated() {
                    group.addTask {
                        await StressWorkload.runClient(
                            client, seed: seed, clerk: clerk, sharedKeys: Self.sharedKeys, history: history, stop: stop)
                        for transport in transports { await transport.close() }
                    }
                }
                report = try await runNemesis(
                    seed: seed, rounds: rounds, deployment: deployment, probe: probe, admin: admin, history: history,
                    started: started)
                try await Task.sleep(for: Self.tail)
                stop.set()
                try await group.waitForAll()
            }
            let counts = history.counts()
            print(
                "[\(elapsed(since: started))] clients stopped: ops=\(counts.total) acknowledged=\(counts.acknowledged) "
                    + "unknown=\(counts.unknown) rejected=\(history.rejected.load(ordering: .relaxed)); \(report)")

            var problems: [String] = []
            for daemon in deployment.daemons where !daemon.cluster.isRunning(daemon.index) {
                problems.append("\(daemon) is not running after the nemesis:\n\(daemon.logTail)")
            }

            // Final values through a fresh clerk (recorded), then the checks on the history.
            let keys = Set(history.all.map(\.input.key)).sorted()
            let finalValues = try await readAll(keys, deployment, history: history, clientID: Self.clients)
            let operations = history.all
            problems += StressChecks.checkOwnKeys(operations, finalValues, clients: 0..<Self.clients)
            problems += StressChecks.checkSharedKeys(
                operations, finalValues, keys: (0..<Self.sharedKeys).map { StressWorkload.sharedKey($0) })
            let rejected = history.rejected.load(ordering: .relaxed)
            if rejected > 0 {
                problems.append("\(rejected) operation(s) were rejected by a server (see the printed errors)")
            }
            if counts.acknowledged < 100 {
                problems.append("only \(counts.acknowledged) operations were acknowledged: too little progress")
            }
            if report.kills < rounds || report.changes < rounds {
                problems.append("the nemesis made only \(report.kills) kills and \(report.changes) changes")
            }
            let checkStart = ContinuousClock.now
            let (linearizable, linearizabilityProblems) = StressChecks.linearizability(
                operations, timeout: Self.checkTimeout)
            problems += linearizabilityProblems
            print(
                "[\(elapsed(since: started))] linearizability: \(linearizable) (\(operations.count) operations, "
                    + "checked in \(elapsed(since: checkStart)))")

            // Where the data is: only at each shard's owner in the latest configuration.
            let config = try await admin.query()
            let expectedKeys = Self.keyCounts(finalValues)
            var placement = await settledPlacement(config, expectedKeys, probe: probe)
            print("[\(elapsed(since: started))] settled at \(config): \(placement.isEmpty ? "ok" : "\(placement)")")
            problems += placement.map { "after the run: \($0)" }

            // A graceful stop and restart of every shard daemon: the same placement and values,
            // restored from the data directories.
            for daemon in deployment.daemons where daemon.gid != nil {
                let status = try await daemon.cluster.stop(daemon.index)
                if status != 0 { problems.append("\(daemon) exited with status \(status) on SIGTERM") }
            }
            for daemon in deployment.daemons where daemon.gid != nil {
                try daemon.cluster.start(daemon.index)
            }
            for daemon in deployment.daemons { try await waitUntilServing(daemon, probe: probe) }
            placement = await settledPlacement(config, expectedKeys, probe: probe)
            print("[\(elapsed(since: started))] after a graceful restart: \(placement.isEmpty ? "ok" : "\(placement)")")
            problems += placement.map { "after the graceful restart: \($0)" }
            let restarted = try await readAll(keys, deployment, history: nil, clientID: Self.clients + 1)
            for key in keys where restarted[key] != finalValues[key] {
                problems.append(
                    "\(key) changed across the graceful restart: \(finalValues[key]?.debugDescription ?? "nil") -> "
                        + "\(restarted[key]?.debugDescription ?? "nil")")
            }
            problems += deployment.logProblems()
            await probe.close()
            for transport in adminTransports { await transport.close() }

            print(
                "summary: seed=\(seed) ops=\(counts.total) acknowledged=\(counts.acknowledged) "
                    + "unknown=\(counts.unknown) "
                    + "\(report) linearizable: \(linearizable) problems=\(problems.count) "
                    + "time=\(elapsed(since: started))")
            keepArtifacts = !problems.isEmpty
            for problem in problems {
                Issue.record("seed \(seed): \(problem)")
            }
        }

        static func seed() -> UInt64 { StressWorkload.seed(from: "SHARDKV_STRESS_SEED") }

        /// Non-empty keys per shard (what each owner's `Status` should count).
        static func keyCounts(_ values: [String: String]) -> [Int: UInt64] {
            var counts: [Int: UInt64] = [:]
            for (key, value) in values where !value.isEmpty { counts[key2shard(Array(key.utf8)), default: 0] += 1 }
            return counts
        }

        func readAll(_ keys: [String], _ deployment: ShardDeployment, history: StressHistory?, clientID: Int)
            async throws -> [String: String]
        {
            let (clerk, transports) = deployment.shardClerk(operationTimeout: .seconds(20))
            return try await StressWorkload.readAll(
                keys, clerk: clerk, closing: transports, history: history, clientID: clientID)
        }

        // MARK: Nemesis

        struct NemesisReport: CustomStringConvertible {
            var kills = 0
            var leaderKills = 0
            var doubleKills = 0
            var quorumLosses = 0
            var ctrlerKills = 0
            var moves = 0
            var cliMoves = 0
            var joins = 0
            var leaves = 0
            var changes: Int { moves + joins + leaves }

            var description: String {
                "kills=\(kills) (leader \(leaderKills), double \(doubleKills), quorum lost \(quorumLosses), "
                    + "ctrler \(ctrlerKills)) "
                    + "moves=\(moves) (cli \(cliMoves)) joins=\(joins) leaves=\(leaves)"
            }
        }

        /// `rounds` times: run healthy for a while, SIGKILL a controller daemon or one or two
        /// shard daemons, change the configuration while they are down, restart them from their
        /// data directories and wait until they serve. Every random choice is drawn each round
        /// whatever happens, so a seed always gives the same schedule.
        func runNemesis(
            seed: UInt64, rounds: Int, deployment: ShardDeployment, probe: ShardDeploymentProbe,
            admin: ShardCtrlerClerk, history: StressHistory, started: ContinuousClock.Instant
        ) async throws -> NemesisReport {
            var random = SplitMix64(seed: seed)
            var report = NemesisReport()
            for round in 1...rounds {
                let gap = Double.random(in: Self.healthyGap, using: &random)
                let kind = Int.random(in: 0..<100, using: &random)
                let group = Int.random(in: 0..<Self.gids.count, using: &random)
                let node = Int.random(in: 0..<3, using: &random)
                let otherGroup = (group + Int.random(in: 1..<Self.gids.count, using: &random)) % Self.gids.count
                let otherNode = Int.random(in: 0..<3, using: &random)
                let sameGroup = Bool.random(using: &random)
                let down = Double.random(in: Self.downtime, using: &random)
                let change = Change(
                    isMove: Int.random(in: 0..<100, using: &random) < Self.movePercent,
                    shard: Int.random(in: 0..<ShardConfig.shardCount, using: &random),
                    gidChoice: Int.random(in: 0..<Self.gids.count, using: &random),
                    viaCLI: Int.random(in: 0..<100, using: &random) < Self.cliMovePercent)

                try await Task.sleep(for: .milliseconds(Int(gap * 1000)))
                // Only the nemesis may end a daemon.
                for daemon in deployment.daemons where !daemon.cluster.isRunning(daemon.index) {
                    throw SKVProcessError(
                        description: "\(daemon) died on its own (status "
                            + "\(daemon.cluster.exitStatus(daemon.index).map { "\($0)" } ?? "?")):\n\(daemon.logTail)")
                }
                var victims: [ShardDeployment.Daemon]
                if kind < Self.ctrlerKillPercent {
                    victims = [deployment.ctrler(node)]
                    report.ctrlerKills += 1
                } else {
                    let gid = Self.gids[group]
                    var first = node
                    if kind < Self.ctrlerKillPercent + Self.leaderKillPercent,
                        let leader = await probe.leader(of: gid, within: .seconds(1))
                    {
                        first = leader
                        report.leaderKills += 1
                    }
                    victims = [deployment.shardDaemon(gid, first)]
                    if kind >= 100 - Self.doubleKillPercent {
                        victims.append(
                            sameGroup
                                ? deployment.shardDaemon(gid, (first + 1 + otherNode % 2) % 3)
                                : deployment.shardDaemon(Self.gids[otherGroup], otherNode))
                        report.doubleKills += 1
                        if sameGroup { report.quorumLosses += 1 }
                    }
                }
                for victim in victims {
                    try await victim.cluster.stop(victim.index, signal: SIGKILL)
                    report.kills += 1
                }
                let changed = try await apply(change, deployment: deployment, admin: admin, report: &report)
                let counts = history.counts()
                print(
                    "[\(elapsed(since: started))] round \(round)/\(rounds): kill -9 "
                        + "\(victims.map(\.description).joined(separator: " and ")); \(changed); "
                        + "acknowledged=\(counts.acknowledged) unknown=\(counts.unknown); down \(Int(down * 1000)) ms")
                try await Task.sleep(for: .milliseconds(Int(down * 1000)))
                for victim in victims { try victim.cluster.start(victim.index) }
                for victim in victims { try await waitUntilServing(victim, probe: probe) }
            }
            return report
        }

        /// One round's configuration change, drawn before the round starts.
        struct Change {
            /// Move `shard` to another group (else, or with one group in, join a group that is out
            /// or remove one of at least two).
            var isMove: Bool
            var shard: Int
            /// Picks the gid among the candidates (modulo their count).
            var gidChoice: Int
            var viaCLI: Bool
        }

        /// Applies `change` to the latest configuration; returns what it did.
        func apply(_ change: Change, deployment: ShardDeployment, admin: ShardCtrlerClerk, report: inout NemesisReport)
            async throws -> String
        {
            let config = try await admin.query()
            let joined = config.gids
            let out = Self.gids.filter { !joined.contains($0) }
            if change.isMove, joined.count > 1 {
                var gid = joined[change.gidChoice % joined.count]
                if gid == config.shards[change.shard] { gid = joined[(change.gidChoice + 1) % joined.count] }
                if change.viaCLI {
                    let result = try await deployment.ctrlers.cli(["move", "\(change.shard)", "\(gid)"])
                    guard result.status == 0 else {
                        throw SKVProcessError(description: "skv ctrler move \(change.shard) \(gid) failed: \(result)")
                    }
                    report.cliMoves += 1
                } else {
                    try await admin.move(shard: change.shard, to: gid)
                }
                report.moves += 1
                return "moved shard \(change.shard) from \(config.shards[change.shard]) to \(gid)"
                    + (change.viaCLI ? " (skv ctrler move)" : "")
            }
            if !out.isEmpty && (change.gidChoice % 2 == 0 || joined.count < 2) {
                let gid = out[change.gidChoice % out.count]
                try await admin.join([gid: deployment.servers(of: gid)])
                report.joins += 1
                return "group \(gid) joined"
            }
            let gid = joined[change.gidChoice % joined.count]
            try await admin.leave([gid], force: false)
            report.leaves += 1
            return "group \(gid) left"
        }

        /// Waits (bounded) until `daemon` answers; fails with its log if it exits or never answers.
        func waitUntilServing(_ daemon: ShardDeployment.Daemon, probe: ShardDeploymentProbe) async throws {
            try await daemon.cluster.waitUntilAnswering(
                daemon.index, name: "\(daemon)", within: Self.restartReadyLimit
            ) { await probe.answers(daemon) }
        }

        // MARK: Placement

        /// Polls every shard daemon's `Status` until the placement is right (bounded by
        /// ``settleLimit``); returns what is still wrong then (empty: settled).
        func settledPlacement(_ config: ShardConfig, _ expectedKeys: [Int: UInt64], probe: ShardDeploymentProbe) async
            -> [String]
        {
            let deadline = ContinuousClock.now + Self.settleLimit
            var problems: [String] = []
            repeat {
                problems = Self.placementProblems(config, expectedKeys, await probe.shardStatuses())
                if problems.isEmpty { return [] }
                try? await Task.sleep(for: .milliseconds(200))
            } while ContinuousClock.now < deadline
            return problems
        }

        /// What is wrong with where the shards are, given every replica's `Status` (`nil`: it
        /// did not answer): each replica must have applied `config`, list only the shards its
        /// group owns there, and each of those serving with `expectedKeys` keys.
        static func placementProblems(
            _ config: ShardConfig, _ expectedKeys: [Int: UInt64], _ statuses: [UInt64: [ShardKVStatusReply?]]
        ) -> [String] {
            var problems: [String] = []
            for (gid, replicas) in statuses.sorted(by: { $0.key < $1.key }) {
                for (i, status) in replicas.enumerated() {
                    let name = "g\(gid) node \(i + 1)"
                    guard let status else {
                        problems.append("\(name) does not answer Status")
                        continue
                    }
                    if status.configNum != config.num {
                        problems.append("\(name) is at configuration \(status.configNum), not \(config.num)")
                    }
                    let listed = Dictionary(status.shards.map { ($0.shard, $0) }, uniquingKeysWith: { a, _ in a })
                    for shard in 0..<ShardConfig.shardCount {
                        let expected = expectedKeys[shard] ?? 0
                        let entry = listed[shard]
                        if config.shards[shard] != gid {
                            if let entry {
                                problems.append(
                                    "\(name) still holds shard \(shard) (\(entry.status), \(entry.keys) keys), "
                                        + "owned by \(config.shards[shard])")
                            }
                        } else if let entry {
                            if entry.status != .serving || entry.keys != expected {
                                problems.append(
                                    "\(name) has its shard \(shard) \(entry.status) with \(entry.keys) keys, "
                                        + "expected serving with \(expected)")
                            }
                        } else {
                            problems.append("\(name) does not hold its shard \(shard) (\(expected) keys expected)")
                        }
                    }
                }
            }
            return problems
        }
    }
}
