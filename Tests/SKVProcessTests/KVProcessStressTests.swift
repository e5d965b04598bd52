import Foundation
import KVRaft
import Linearizability
import Raft
import RPCCore
import RPCHTTP2NIO
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Random kill -9 of `skv kv serve` daemons under concurrent clients, over real loopback
/// sockets: three daemons (small `--max-raft-state`, so snapshots are taken and restored
/// during the run), five clerks in this process doing Get/Put/Append on shared keys and
/// appending unique tokens to their own keys, and a nemesis that SIGKILLs a random node (often
/// the leader, sometimes two nodes at once, losing quorum) and restarts it from its data
/// directory, many times. Afterwards: every acknowledged append is in its key exactly once and
/// in order, the shared keys' final values are consistent with the acknowledged writes, the
/// whole history is linearizable (`KVModel`), and a full-cluster SIGKILL and restart keeps
/// every value.
///
/// The kill schedule and the clients' choices of operations come from one seed, printed at
/// the start; `KV_STRESS_SEED=<seed>` replays them (timing is real, so interleavings differ).
/// On a failure the daemons' logs and the history stay in the printed directory.
///
/// Nested in ``KVProcessTests`` so that it inherits `.serialized` and the binary check: the
/// process tests never run two clusters at once (`--filter KVProcessTests` runs them all;
/// `--filter KVProcessStressTests` only this one).
extension KVProcessTests {
    @Suite("KVProcessStressTests")
    struct KVProcessStressTests {
        static let clients = 5
        static let sharedKeys = 4
        /// Kill rounds; `KV_STRESS_ROUNDS` overrides it for soak runs (about 3 s a round: up to
        /// ~45 rounds fit the time limit).
        static func rounds() -> Int { StressWorkload.rounds(from: "KV_STRESS_ROUNDS", default: 14) }
        /// Healthy time before each kill, in seconds.
        static let healthyGap = 1.0...2.5
        /// How long the killed node(s) stay down, in seconds.
        static let downtime = 0.2...1.5
        /// Per-round chances, in percent: kill the leader; kill two nodes (else one random node).
        static let leaderKillPercent = 40
        static let doubleKillPercent = 15
        /// Load with every node up after the last round, before the clients stop.
        static let tail: Duration = .milliseconds(1500)
        /// Clerk deadlines per client: the first two give up quickly, so quorum losses leave
        /// operations with unknown outcomes (pending in the history) and retried sessions.
        static func operationTimeout(client: Int) -> Duration { client < 2 ? .seconds(1) : .seconds(5) }
        static let checkTimeout: Duration = .seconds(20)
        static let restartReadyLimit: Duration = .seconds(10)

        @Test(.timeLimit(.minutes(3)))
        func randomKillsKeepAcknowledgedWritesAndLinearizability() async throws {
            let seed = Self.seed()
            let root = NSTemporaryDirectory() + "skv-stress-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            print("KVProcessStressTests: seed \(seed) (replay: KV_STRESS_SEED=\(seed)); data and logs in \(root)")
            let cluster = try SKVProcessCluster(root: root)
            let history = StressHistory()
            var keepArtifacts = true
            defer {
                cluster.killAll()
                StressChecks.keepOrRemove(root, history: history, keep: keepArtifacts, label: "KVProcessStressTests")
            }
            let started = ContinuousClock.now
            let probe = StatusProbe(ports: cluster.ports)

            try cluster.startAll()
            for i in 0..<3 { try await waitUntilServing(i, cluster: cluster, probe: probe) }
            let firstLeader = try #require(await probe.leader(within: .seconds(20)), "no leader within 20 s")
            print("[\(elapsed(since: started))] cluster up on ports \(cluster.ports), leader node \(firstLeader + 1)")

            // Clients and nemesis (if the nemesis throws, the group cancels the clients).
            let stop = StopSignal()
            let ports = cluster.ports
            let rounds = Self.rounds()
            var nemesisReport = NemesisReport()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<Self.clients {
                    group.addTask {
                        await Self.runClient(client, seed: seed, ports: ports, history: history, stop: stop)
                    }
                }
                nemesisReport = try await runNemesis(
                    seed: seed, rounds: rounds, cluster: cluster, probe: probe, history: history, started: started)
                try await Task.sleep(for: Self.tail)
                stop.set()
                try await group.waitForAll()
            }
            let counts = history.counts()
            print(
                "[\(elapsed(since: started))] clients stopped: ops=\(counts.total) acknowledged=\(counts.acknowledged) "
                    + "unknown=\(counts.unknown) rejected=\(history.rejected.load(ordering: .relaxed)); kills=\(nemesisReport.kills) "
                    + "(leader \(nemesisReport.leaderKills), double \(nemesisReport.doubleKills))")

            var problems: [String] = []
            // Every node must be back (the nemesis restarted each one and saw it serve), and no
            // daemon may have crashed or refused to start (a SIGKILL leaves no trace in the log).
            for i in 0..<3 where !cluster.isRunning(i) {
                problems.append("node \(i + 1) is not running after the nemesis:\n\(cluster.logTail(i))")
            }
            problems += StressChecks.logProblems(root: root)

            // Final values, read through the log (commits everything the current leader holds).
            let keys = Set(history.all.map(\.input.key)).sorted()
            let finalValues = try await readAll(keys, ports: ports, history: history, clientID: Self.clients)
            let operations = history.all

            problems += StressChecks.checkOwnKeys(operations, finalValues, clients: 0..<Self.clients)
            problems += StressChecks.checkSharedKeys(
                operations, finalValues, keys: (0..<Self.sharedKeys).map { StressWorkload.sharedKey($0) })
            if history.rejected.load(ordering: .relaxed) > 0 {
                problems.append(
                    "\(history.rejected.load(ordering: .relaxed)) operation(s) were rejected by a server (see the printed errors)"
                )
            }
            if counts.acknowledged < 200 {
                problems.append(
                    "only \(counts.acknowledged) operations were acknowledged: the cluster made too little progress")
            }
            if nemesisReport.kills < rounds {
                problems.append("the nemesis killed only \(nemesisReport.kills) times")
            }

            // Linearizability of the whole history (including the final reads).
            let checkStart = ContinuousClock.now
            let (linearizable, linearizabilityProblems) = StressChecks.linearizability(
                operations, timeout: Self.checkTimeout)
            let checkTime = elapsed(since: checkStart)
            problems += linearizabilityProblems
            print(
                "[\(elapsed(since: started))] linearizability: \(linearizable) (\(operations.count) operations, checked in \(checkTime))"
            )

            // Snapshots happened during the run (--max-raft-state 4096).
            let statuses = await probe.statuses()
            for i in 0..<3 {
                if let status = statuses[i] {
                    if status.snapshotIndex == 0 { problems.append("node \(i + 1) has no snapshot (snapshot index 0)") }
                } else {
                    problems.append("node \(i + 1) does not answer Status after the run")
                }
            }
            print(
                "[\(elapsed(since: started))] status: "
                    + statuses.enumerated().map { i, s in
                        s.map {
                            "node\(i + 1) term=\($0.term) leader=\($0.isLeader) applied=\($0.appliedIndex) snapshot=\($0.snapshotIndex)"
                        }
                            ?? "node\(i + 1) unavailable"
                    }.joined(separator: "; "))

            // Full-cluster kill -9 and restart: every value is unchanged.
            for i in 0..<3 { try await cluster.stop(i, signal: SIGKILL) }
            try cluster.startAll()
            for i in 0..<3 { try await waitUntilServing(i, cluster: cluster, probe: probe) }
            let leader = await probe.leader(within: .seconds(20))
            if leader == nil { problems.append("no leader within 20 s after the full restart") }
            print("[\(elapsed(since: started))] full restart: leader node \(leader.map { "\($0 + 1)" } ?? "none")")
            if leader != nil {
                let restarted = try await readAll(keys, ports: ports, history: nil, clientID: Self.clients + 1)
                for key in keys where restarted[key] != finalValues[key] {
                    problems.append(
                        "\(key) changed across the full restart: \(finalValues[key]?.debugDescription ?? "nil") -> "
                            + "\(restarted[key]?.debugDescription ?? "nil")")
                }
            }
            for i in 0..<3 { try await cluster.stop(i, signal: SIGKILL) }
            await probe.close()

            print(
                "summary: seed=\(seed) ops=\(counts.total) acknowledged=\(counts.acknowledged) unknown=\(counts.unknown) "
                    + "kills=\(nemesisReport.kills) leader-kills=\(nemesisReport.leaderKills) double-kills=\(nemesisReport.doubleKills) "
                    + "linearizable: \(linearizable) problems=\(problems.count) time=\(elapsed(since: started))")
            keepArtifacts = !problems.isEmpty
            for problem in problems {
                Issue.record("seed \(seed): \(problem)")
            }
        }

        // MARK: Seed

        static func seed() -> UInt64 { StressWorkload.seed(from: "KV_STRESS_SEED") }

        // MARK: Clients

        static func clientTransportConfiguration() -> HTTP2ClientTransport.Configuration {
            var configuration = HTTP2ClientTransport.Configuration()
            configuration.connectTimeout = .seconds(1)
            configuration.maxBackoff = .milliseconds(300)
            return configuration
        }

        /// A clerk of daemons at `hosts[i]:ports[i]` (`127.0.0.1` by default).
        static func makeClerk(ports: [Int], hosts: [String]? = nil, operationTimeout: Duration)
            -> (Clerk, [HTTP2ClientTransport])
        {
            let hosts = hosts ?? Array(repeating: "127.0.0.1", count: ports.count)
            let transports = zip(hosts, ports).map {
                HTTP2ClientTransport(host: $0, port: $1, configuration: clientTransportConfiguration())
            }
            var configuration = Clerk.Configuration()
            configuration.operationTimeout = operationTimeout
            configuration.rpcTimeout = .seconds(1)
            let clerk = Clerk(
                servers: transports.enumerated().map { i, transport in
                    Clerk.Server(
                        client: KVClient(wrapping: RPCClient(transport: transport)), id: UInt64(i + 1),
                        address: "\(hosts[i]):\(ports[i])")
                },
                configuration: configuration)
            return (clerk, transports)
        }

        /// One client (``StressWorkload/runClient(_:seed:clerk:sharedKeys:history:stop:)``) over its own clerk.
        static func runClient(_ client: Int, seed: UInt64, ports: [Int], history: StressHistory, stop: StopSignal) async
        {
            let (clerk, transports) = makeClerk(ports: ports, operationTimeout: operationTimeout(client: client))
            await StressWorkload.runClient(
                client, seed: seed, clerk: clerk, sharedKeys: sharedKeys, history: history, stop: stop)
            for transport in transports { await transport.close() }
        }

        /// Reads every key with a fresh clerk (recorded in `history` if given).
        func readAll(_ keys: [String], ports: [Int], history: StressHistory?, clientID: Int) async throws -> [String:
            String]
        {
            let (clerk, transports) = Self.makeClerk(ports: ports, operationTimeout: .seconds(15))
            return try await StressWorkload.readAll(
                keys, clerk: clerk, closing: transports, history: history, clientID: clientID)
        }

        // MARK: Nemesis

        struct NemesisReport {
            var kills = 0
            var leaderKills = 0
            var doubleKills = 0
        }

        /// `rounds` times: run healthy for a while, SIGKILL one node (the leader or a random one)
        /// or two, keep them down for a while, restart them from their data directories and wait
        /// until they serve. All random choices are drawn each round whatever happens, so a seed
        /// always gives the same schedule.
        func runNemesis(
            seed: UInt64, rounds: Int, cluster: SKVProcessCluster, probe: StatusProbe, history: StressHistory,
            started: ContinuousClock.Instant
        ) async throws -> NemesisReport {
            var random = SplitMix64(seed: seed)
            var report = NemesisReport()
            for round in 1...rounds {
                let gap = Double.random(in: Self.healthyGap, using: &random)
                let kind = Int.random(in: 0..<100, using: &random)
                let drawn = Int.random(in: 0..<3, using: &random)
                let offset = Int.random(in: 1...2, using: &random)
                let down = Double.random(in: Self.downtime, using: &random)

                try await Task.sleep(for: .milliseconds(Int(gap * 1000)))
                var victims: [Int]
                var description: String
                if kind < Self.leaderKillPercent || kind >= 100 - Self.doubleKillPercent {
                    let leader = await probe.leader(within: .seconds(2))
                    let first = leader ?? drawn
                    victims = [first]
                    description = leader != nil ? "leader node \(first + 1)" : "node \(first + 1) (no leader seen)"
                    if leader != nil { report.leaderKills += 1 }
                    if kind >= 100 - Self.doubleKillPercent {
                        victims.append((first + offset) % 3)
                        description += " and node \(victims[1] + 1) (quorum lost)"
                        report.doubleKills += 1
                    }
                } else {
                    victims = [drawn]
                    description = "node \(drawn + 1)"
                }
                let counts = history.counts()
                print(
                    "[\(elapsed(since: started))] round \(round)/\(rounds): kill -9 \(description); "
                        + "ops acknowledged=\(counts.acknowledged) unknown=\(counts.unknown); down \(Int(down * 1000)) ms"
                )
                // Only the nemesis may end a daemon.
                for i in 0..<3 where !cluster.isRunning(i) {
                    throw SKVProcessError(
                        description:
                            "node \(i + 1) died on its own (status \(cluster.exitStatus(i).map { "\($0)" } ?? "?")):\n"
                            + cluster.logTail(i))
                }
                for victim in victims {
                    try await cluster.stop(victim, signal: SIGKILL)
                    report.kills += 1
                }
                try await Task.sleep(for: .milliseconds(Int(down * 1000)))
                for victim in victims {
                    try cluster.start(victim)
                }
                let restartedAt = ContinuousClock.now
                for victim in victims {
                    try await waitUntilServing(victim, cluster: cluster, probe: probe)
                }
                print(
                    "[\(elapsed(since: started))]   restarted \(victims.map { "node \($0 + 1)" }.joined(separator: ", ")), serving after \(elapsed(since: restartedAt))"
                )
            }
            return report
        }

        /// Waits (bounded) until node `i` answers Status; fails with its log if it exits or never answers.
        func waitUntilServing(_ i: Int, cluster: SKVProcessCluster, probe: StatusProbe) async throws {
            try await cluster.waitUntilAnswering(i, name: "node \(i + 1)", within: Self.restartReadyLimit) {
                await probe.status(i) != nil
            }
        }
    }
}

/// Status RPCs to each daemon over long-lived transports with a short back-off.
final class StatusProbe: Sendable {
    let transports: [HTTP2ClientTransport]

    /// Daemon `i` at `hosts[i]:ports[i]` (`127.0.0.1` by default).
    init(ports: [Int], hosts: [String]? = nil) {
        let hosts = hosts ?? Array(repeating: "127.0.0.1", count: ports.count)
        transports = zip(hosts, ports).map {
            HTTP2ClientTransport(
                host: $0, port: $1, configuration: KVProcessTests.KVProcessStressTests.clientTransportConfiguration())
        }
    }

    func status(_ i: Int) async -> StatusReply? {
        try? await KVClient(wrapping: RPCClient(transport: transports[i])).status(
            options: CallOptions(timeout: .milliseconds(500)))
    }

    func statuses() async -> [StatusReply?] {
        var result: [StatusReply?] = []
        for i in transports.indices { result.append(await status(i)) }
        return result
    }

    /// The node that says it leads in the highest term, polling up to `limit`.
    func leader(within limit: Duration) async -> Int? {
        let deadline = ContinuousClock.now + limit
        repeat {
            let all = await statuses()
            let leaders = all.enumerated().compactMap { i, s in s.flatMap { $0.isLeader ? (i, $0.term) : nil } }
            if let best = leaders.max(by: { $0.1 < $1.1 }) { return best.0 }
            try? await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        return nil
    }

    func close() async {
        for transport in transports { await transport.close() }
    }
}
